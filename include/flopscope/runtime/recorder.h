// Recorder — runs one method of a Model on generated inputs and records every submodule call and
// every aten op that does work, as data (Recording) that the counting layer reads.
//
// Mechanism (docs/hooks.md): before the first run, every method graph of every module type in the
// tree gets a flopscope::enter node at its top and a flopscope::exit node before its return. Both
// receive `self`, so calls are attributed to module instances even though instances of one class
// share one graph. Aten ops are observed with an at::RecordFunction callback and attributed to the
// innermost running module call. Works on any TorchScript file as saved; nothing is re-scripted.
//
// An op is recorded once: the outermost op that the caller's OpCoverage counts is recorded and
// everything it runs inside is skipped. An op it does not count, whose children were not counted
// either, is recorded as uncovered. Ops that neither compute nor write memory (views) are not recorded.
// Each module call is timed between its enter and exit hooks.
//
// Training (RunOptions::training): the forward runs in train mode with autograd, a scalar loss is
// formed from the outputs, and backward() runs with the same op recorder. Every op a forward op
// dispatches with grad on carries the sequence number of the autograd node it creates; the backward
// node carries it too, so each backward op (and the gradient sums the engine does after that node)
// is attributed to the call whose forward created the node (docs/training.md).
//
// The parts, in src/runtime/: graph_hooks (module calls), op_observer (aten ops), run_inputs
// (argument checks, device, dtype, inputs), grad_state (autograd, --freeze), run_errors (LibTorch's
// exceptions as flopscope errors), recorder.cpp (the run, with the recording session scoped around it).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "flopscope/core/device.h"
#include "flopscope/core/input_spec.h"
#include "flopscope/runtime/model.h"
#include "flopscope/core/value_info.h"

namespace flopscope {

struct OpRecord {
  std::string op;                 // "aten::addmm"
  std::vector<ValueInfo> inputs;  // in schema order
  std::vector<ValueInfo> outputs; // the op's returns; views of an input are marked (ValueInfo::is_view_of_input)
  bool has_formula = true;        // false: uncovered, its work is not (or not fully) in the counts
  std::string uncovered_reason;   // when uncovered: "no formula", "its recorded inputs do not fit its schema", ...
  // It read a tensor whose shape the values of the inputs decided (after nms, nonzero, ...), or made
  // one: its work is counted for this input only.
  bool data_dependent = false;
};

struct CallRecord {
  int module = 0;       // index into Model::modules()
  std::string method;   // "forward", "encode_image", ...
  int call_index = 0;   // 0 for the module's first call in this run, 1 for its second, ...
  int parent = -1;      // index into Recording::calls, -1 for the top-level call
  std::vector<int> children;
  std::vector<ValueInfo> inputs;   // without self
  std::vector<ValueInfo> outputs;  // one element; a tuple return is one Tuple value
  std::vector<OpRecord> ops;       // ops run in this call's own code, outside any child call
  // Training: backward ops of the autograd nodes this call's own ops created, with the gradient sums
  // that follow them.
  std::vector<OpRecord> backward_ops;
  double seconds = 0.0;            // wall time between enter and exit, children included (real runs)
  // Its own code ran an op on a data-dependent shape (OpRecord::data_dependent), even one that did no
  // work (no box survived): its count holds for this input only.
  bool data_dependent = false;

  // forward itself or an overload of it, which TorchScript names forward__0, forward__1, ... (nn.LSTM's
  // forms for a tensor and for a PackedSequence): what module rules describe.
  bool is_forward() const { return method == "forward" || method.rfind("forward__", 0) == 0; }
};

// How a run executes, as the user asked: the request (analysis/run_plan.h) passes these to the run
// unchanged.
struct RunSettings {
  int threads = 0;             // 0: hardware concurrency
  Device device = Device::Cpu;
  // Run as in training: autograd on and floating-point parameters requiring grad for the duration of
  // the run (restored after). Takes e.g. MultiheadAttention's unfused path. Counts do not change.
  bool enable_grad = false;
  // A training step instead of a forward: train mode, autograd, the loss, backward, all recorded.
  bool training = false;
  std::vector<std::string> frozen;    // module paths or parameter names whose parameters get no gradient
};

// What one run of a method took and returned, kept for the next run: a decoder is fed its own caches
// and next token (analysis/generation.h). Opaque: LibTorch values, defined in src/runtime.
struct StepValues;

// An argument taken from the previous run instead of generated from its spec.
struct CarriedArgument {
  enum class From {
    Output,         // element `output` of the returned tuple (0: the return itself when it is no tuple)
    NextToken,      // the argmax over the last dim of the last position of element `output` (the logits): B x 1
    AppendedToken,  // the previous run's own value of this argument with that next token appended along dim 1
  };
  size_t argument = 0;
  From from = From::Output;
  size_t output = 0;
};

struct RunOptions : RunSettings {
  std::string method = "forward";
  std::vector<InputSpec> inputs;
  // Floating-point parameters and buffers converted to this dtype before the run ("bfloat16"; empty:
  // as saved). Floating-point inputs are converted by the plan (their specs say so).
  std::optional<DType> dtype;
  uint64_t seed = 0;           // seed for generated inputs: the same seed gives the same inputs
  std::string loss = "sum";           // a name from training_losses()
  // Feeding a step from the one before: `carried` arguments come from `previous` (an earlier
  // Recording::values of this method); keep_values keeps this run's for the next.
  std::shared_ptr<const StepValues> previous;
  std::vector<CarriedArgument> carried;
  bool keep_values = false;
};

// A loss a training step can differentiate (registry in src/runtime/training_loss.cpp).
struct LossInfo {
  std::string name;         // "sum"
  std::string description;  // what it computes from the outputs, one line
};
const std::vector<LossInfo>& training_losses();
// Throws Error(Usage), listing the names, unless `name` is one of training_losses().
void check_training_loss(const std::string& name);

// What a training step ran after the forward.
struct TrainingRecord {
  std::string loss;
  std::vector<OpRecord> loss_ops;           // forming the loss from the outputs
  // Backward of the loss, and of any node no recorded call created (an op of a module object made at
  // run time).
  std::vector<OpRecord> loss_backward_ops;
  double backward_seconds = 0.0;            // real runs
  int64_t trainable_params = 0;             // distinct parameter elements that required grad
  int64_t frozen_params = 0;                // distinct floating-point parameter elements that did not
  std::set<std::string> frozen_parameters;  // qualified names of floating-point parameters kept out of grad
};

struct Recording {
  std::vector<CallRecord> calls;  // calls[0] is the top-level method call; a parent precedes its children
  double seconds = 0.0;           // wall time of the recorded forward
  bool timed = false;             // kernels ran (not a dry run): call times mean something
  // What reading the clock twice costs, measured before the run: the timing error of one module call.
  double timer_overhead_seconds = 0.0;
  std::optional<TrainingRecord> training;  // set by a training step
  // Modules whose own parameters some recorded op read: also those never called, whose weights their
  // parent's code uses (MultiheadAttention reads out_proj.weight itself).
  std::set<int> modules_with_weights_read;
  std::shared_ptr<const StepValues> values;  // the run's arguments and return, with RunOptions::keep_values
};

// True when call `index` is a method a module called on itself (Conv2d.forward -> self._conv_forward,
// CLIP.forward -> self.encode_image): one use of the module, which everything counts once.
inline bool is_nested_self_call(const Recording& recording, size_t index) {
  const CallRecord& call = recording.calls[index];
  return call.parent >= 0 && recording.calls[static_cast<size_t>(call.parent)].module == call.module;
}

// What the recorder asks while ops run, so that each op is recorded once and no cost is counted
// twice. The counting layer answers with its formulas (formula_coverage() in
// counting/formula_coverage.h); the recorder itself knows no formula.
class OpCoverage {
 public:
  struct Verdict {
    bool counted = false;          // a formula counts the op on these inputs: nothing inside it is recorded
    bool does_work = false;        // ... and the count is not zero
    std::string uncovered_reason;  // when not counted: "no formula", "its formula rejected the inputs (...)"
  };
  virtual ~OpCoverage() = default;
  // Whether a formula counts the op ("aten::addmm") on `inputs`; null inputs: the recorded event could
  // not be read against the op's schema. An op not counted is recorded as uncovered unless its
  // children account for it. Called once per op that runs outside a counted op: one table lookup.
  virtual Verdict count(const std::string& op, const std::vector<ValueInfo>* inputs) const = 0;
  // Whether an op whose count is zero still moves memory (a copy, not a view): only then is it kept.
  virtual bool moves_memory(const OpRecord& op) const = 0;
};

// Runs `options.method` once with hooks on (with options.training, one training step). Throws
// Error(NoSuchMethod | BadInputs | ForwardFailed | OutOfMemory | Unsupported | Usage).
Recording record(Model& model, const RunOptions& options, const OpCoverage& coverage);

// Runs the method once with no hooks and no recording: the baseline for overhead benchmarks. Returns
// its wall time (with options.training, of the whole step: forward, loss and backward).
double run_plain(Model& model, const RunOptions& options);

}  // namespace flopscope
