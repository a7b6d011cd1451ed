// Internal: the state of the one recording in progress on this thread. record() scopes it; the graph
// hooks (graph_hooks.cpp) keep its call stack, the op observer (op_observer.cpp) its op stack. Hooks
// and observer callbacks are plain functions LibTorch calls, so they find the session through
// RecordingSession::current(), which is null on every other thread and outside record().
#pragma once

#include <chrono>
#include <string>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "flopscope/runtime/recorder.h"
#include "runtime/data_dependence.h"
#include "runtime/model_impl.h"
#include "runtime/value_capture.h"

namespace flopscope {

// Module calls in progress, innermost last (the graph hooks push and pop them).
struct CallStack {
  std::vector<int> calls;  // indices into Recording::calls; -1 for a module object made at run time
  std::vector<std::chrono::steady_clock::time_point> started;  // parallel to calls
  std::vector<std::vector<StorageRef>> arguments;               // parallel to calls
  std::unordered_map<int, int> calls_of_module;                 // module index -> calls so far
  bool synchronize_device = false;  // CUDA: a module's kernels finish before its exit is timed

  int innermost() const { return calls.empty() ? -1 : calls.back(); }
};

// One aten op event that is still running.
struct OpFrame {
  bool counted = false;   // this op, or an op around it, is covered by a formula
  bool did_work = false;  // this op's formula gave non-zero FLOPs
  // Something inside it did counted work or was reported as uncovered. Zero-cost children (empty,
  // view) do not count, or every unknown op would look covered.
  bool child_accounted = false;
  // All of the op's work runs as dispatched child ops (a composite kernel), so counting its children
  // is exact. A backend kernel may compute without dispatching (the fused encoder layer's GEMMs).
  bool decomposes = false;
  std::string uncovered_reason;  // why the op's own formula could not count it
  std::string name;
  std::vector<ValueInfo> inputs;
  std::vector<OpRecord>* sink = nullptr;  // where it is recorded (see OpStack::sink)
  int record = -1;  // index of its OpRecord in *sink, once recorded by its formula
  // Its tensor arguments' memory, taken at its start (the event's inputs may be gone by its end): a
  // returned tensor sharing it is a view.
  std::vector<StorageRef> argument_storage;
  bool data_dependent = false;  // reads or makes a tensor whose shape the data decided (OpRecord)

  // Recorded as uncovered when it ends: no formula counted it, and its children account for it only
  // if all its work dispatches.
  bool uncovered() const { return !counted && !(child_accounted && decomposes); }
  // Its work is in the recording (counted, or reported uncovered): the op around it is then not
  // reported uncovered on its account.
  bool accounted() const { return did_work || child_accounted || !counted; }
};

// What the recording thread is running: the method, the loss formed from its outputs, or backward.
enum class Phase { Forward, Loss, Backward };

// Ops in progress and where their records go.
struct OpStack {
  std::vector<OpFrame> frames;
  Phase phase = Phase::Forward;
  // Training: autograd sequence number -> the call whose op created that node (-1: no recorded call).
  std::unordered_map<int64_t, int> call_of_node;
  int backward_call = -1;  // backward: the call whose forward created the running node
  // The innermost op that ended by an exception, and the call it ran in (-1: none): where a run that
  // raises failed. Cleared when another op starts (the exception was handled).
  std::string failed_op;
  int failed_call = -1;
};

class RecordingSession {
 public:
  // Becomes this thread's current session until destroyed.
  RecordingSession(Model::Impl& model, Recording& recording, const OpCoverage& coverage, bool synchronize_device);
  ~RecordingSession();
  RecordingSession(const RecordingSession&) = delete;
  RecordingSession& operator=(const RecordingSession&) = delete;

  // The session recording on this thread, or nullptr.
  static RecordingSession* current();

  // The call whose code is running now: in backward, the call that created the running node.
  int running_call() const { return ops.phase == Phase::Backward ? ops.backward_call : calls.innermost(); }

  // Model::Impl::weight_owner_of, but a buffer this run has written is an activation from then on.
  std::optional<int> weight_owner_of(const at::Tensor& t) const {
    if (t.defined() && t.has_storage() && written_buffers.count(t.storage().unsafeGetStorageImpl()) > 0) return std::nullopt;
    return model.weight_owner_of(t);
  }
  // An op writes `t` (in place, or as its out= argument).
  void note_write(const at::Tensor& t) {
    if (t.defined() && t.has_storage() && model.buffer_storage.count(t.storage().unsafeGetStorageImpl()) > 0) {
      written_buffers.insert(t.storage().unsafeGetStorageImpl());
    }
  }

  Model::Impl& model;
  Recording& recording;
  const OpCoverage& coverage;
  CallStack calls;
  OpStack ops;
  DataDependence data_dependence;
  std::unordered_set<const c10::StorageImpl*> written_buffers;
};

}  // namespace flopscope
