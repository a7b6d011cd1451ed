#include "flopscope/analysis/memory_estimate.h"

#include <algorithm>
#include <set>
#include <utility>
#include <vector>

#include "flopscope/core/error.h"
#include "flopscope/counting/formula_coverage.h"
#include "flopscope/reports/number_format.h"

namespace flopscope {
namespace {

using Signature = std::pair<std::vector<int64_t>, std::string>;  // shape, dtype

int64_t tensor_bytes(const ValueInfo& tensor) { return tensor.numel() * dtype_bytes(tensor.dtype); }

// Calls `fn` on every tensor in `value`, recursing into tuples, lists and dicts.
template <typename Fn>
void for_each_tensor(const ValueInfo& value, Fn&& fn) {
  if (value.is_tensor()) {
    fn(value);
    return;
  }
  for (const ValueInfo& element : value.elements) for_each_tensor(element, fn);
}

std::set<Signature> signatures(const std::vector<ValueInfo>& values) {
  std::set<Signature> found;
  for (const ValueInfo& value : values) for_each_tensor(value, [&](const ValueInfo& t) { found.insert({t.shape, t.dtype}); });
  return found;
}

// Bytes of a call's tensor inputs that its caller did not hold already.
int64_t new_input_bytes(const std::vector<ValueInfo>& inputs, const std::set<Signature>& callers) {
  int64_t bytes = 0;
  for (const ValueInfo& value : inputs) {
    for_each_tensor(value, [&](const ValueInfo& t) {
      if (!t.is_parameter && callers.count({t.shape, t.dtype}) == 0) bytes += tensor_bytes(t);
    });
  }
  return bytes;
}

// Bytes an op holds while it runs: the distinct tensors it reads (not parameters, not the calling
// module's inputs in `held`, already counted) and the new tensors it returns (not views, not in-place
// results, not out= buffers already counted).
int64_t op_live_bytes(const OpRecord& op, const std::set<Signature>& held) {
  const std::string& name = op.op;
  const bool in_place = !name.empty() && name.back() == '_';
  int64_t bytes = 0;
  for (const ValueInfo& input : op.inputs) {
    for_each_tensor(input, [&](const ValueInfo& t) {
      if (!t.is_parameter && !t.repeats_earlier_tensor && held.count({t.shape, t.dtype}) == 0) bytes += tensor_bytes(t);
    });
  }
  const bool writes_out_argument =
      std::any_of(op.inputs.begin(), op.inputs.end(), [](const ValueInfo& v) { return v.is_out_argument; });
  if (in_place || writes_out_argument) return bytes;
  for (const ValueInfo& output : op.outputs) {
    for_each_tensor(output, [&](const ValueInfo& t) {
      if (!t.is_view_of_input) bytes += tensor_bytes(t);
    });
  }
  return bytes;
}

std::string call_name(const Model& model, const CallRecord& call) {
  const std::string& name = model.modules()[static_cast<size_t>(call.module)].name;
  return name.empty() ? "the model" : "'" + name + "'";
}

}  // namespace

MemoryEstimate estimate_memory(const Model& model, const Recording& recording) {
  MemoryEstimate estimate;
  estimate.parameter_bytes = model.total_param_bytes() + model.total_buffer_bytes() + model.code_constants().bytes;
  // held[i]: bytes held by call i and the calls it runs inside (a parent precedes its children).
  std::vector<int64_t> held(recording.calls.size(), 0);
  std::vector<std::set<Signature>> inputs(recording.calls.size());  // each call's input signatures
  for (size_t i = 0; i < recording.calls.size(); ++i) {
    const CallRecord& call = recording.calls[i];
    const bool top = call.parent < 0;
    inputs[i] = signatures(call.inputs);
    const std::set<Signature> none;
    const std::set<Signature>& callers = top ? none : inputs[static_cast<size_t>(call.parent)];
    // A method a module calls on itself (Conv2d's _conv_forward(input, self.weight, ...)) is the same
    // use of the module: what it is handed, the module already holds (its parameters among them).
    if (is_nested_self_call(recording, i)) held[i] = held[static_cast<size_t>(call.parent)];
    else held[i] = (top ? 0 : held[static_cast<size_t>(call.parent)]) + new_input_bytes(call.inputs, callers);
    for (const OpRecord& op : call.ops) {
      const int64_t live = held[i] + op_live_bytes(op, inputs[i]);
      if (live > estimate.activation_bytes) {
        estimate.activation_bytes = live;
        estimate.peak_at = op.op + " in " + call_name(model, call);
      }
    }
    if (held[i] > estimate.activation_bytes) {
      estimate.activation_bytes = held[i];
      estimate.peak_at = "the inputs of " + call_name(model, call);
    }
  }
  return estimate;
}

std::optional<MemoryEstimate> estimate_run_memory(ModelFile& file, const RunRequest& request) {
  Model shapes = file.load(true);
  RunRequest dry = request;
  dry.device = Device::Cpu;
  try {
    const RunPlan plan = plan_run(shapes, dry);
    return estimate_memory(shapes, record(shapes, plan.options, formula_coverage()));
  } catch (const Error&) {
    return std::nullopt;  // e.g. a forward that makes its own CPU tensors can't run shape-only
  }
}

void check_memory_fits(const std::optional<MemoryEstimate>& estimate_or_none, int64_t limit_bytes) {
  if (!estimate_or_none || limit_bytes <= 0 || estimate_or_none->total() <= limit_bytes) return;
  const MemoryEstimate& estimate = *estimate_or_none;
  throw Error(ExitCode::OutOfMemory,
              "the run needs about " + mebibytes(estimate.total()) + " (parameters and buffers " +
                  mebibytes(estimate.parameter_bytes) + " + activations " + mebibytes(estimate.activation_bytes) +
                  " at their peak, " + estimate.peak_at + ", estimated by a dry run), more than the memory limit " +
                  mebibytes(limit_bytes) + ": count it with --dry-run, which needs neither, or raise --max-memory");
}

}  // namespace flopscope
