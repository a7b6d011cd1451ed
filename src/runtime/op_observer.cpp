#include "runtime/op_observer.h"

#include <exception>
#include <unordered_map>

#include "flopscope/runtime/libtorch_compat.h"
#include "runtime/recording_session.h"

namespace flopscope {
namespace {

std::string qualified_name(const c10::OperatorName& name) { return name.name + "." + name.overload_name; }

const c10::FunctionSchema* schema_of(const at::RecordFunction& fn) {
  static std::unordered_map<std::string, const c10::FunctionSchema*> cache;
  const auto name = fn.operator_name();
  if (!name) return nullptr;
  const auto [found, inserted] = cache.try_emplace(qualified_name(*name), nullptr);
  if (inserted) {
    const auto handle = c10::Dispatcher::singleton().findSchema(*name);
    found->second = handle ? &handle->schema() : nullptr;
  }
  return found->second;
}

bool matches(const c10::Argument& argument, const c10::IValue& value) {
  const auto& type = argument.type();
  switch (type->kind()) {
    case c10::TypeKind::TensorType: return value.isTensor();
    case c10::TypeKind::IntType: return value.isInt();
    case c10::TypeKind::FloatType: return value.isDouble();
    case c10::TypeKind::BoolType: return value.isBool();
    case c10::TypeKind::StringType: return value.isString();
    case c10::TypeKind::OptionalType:
      return value.isNone() || (type->expectRef<c10::OptionalType>().getElementType()->kind() == c10::TypeKind::TensorType
                                    ? value.isTensor()
                                    : true);
    case c10::TypeKind::ListType: return value.isList();
    default: return true;
  }
}

// The op's arguments, or false when the event's inputs cannot be trusted: the event may carry more
// values than the schema's (compat::event_argument_offset), and each must be of its argument's kind.
bool read_arguments(RecordingSession& session, const at::RecordFunction& fn, std::vector<ValueInfo>& out,
                    std::vector<StorageRef>& storage) {
  const c10::FunctionSchema* schema = schema_of(fn);
  if (schema == nullptr || schema->is_vararg()) return false;
  const auto inputs = fn.inputs();
  const auto& arguments = schema->arguments();
  const auto offset = compat::event_argument_offset(inputs.size(), arguments.size());
  if (!offset) return false;
  for (size_t i = 0; i < arguments.size(); ++i) {
    if (!matches(arguments[i], inputs[*offset + i])) return false;
  }
  out.clear();
  for (size_t i = 0; i < arguments.size(); ++i) {
    const c10::IValue& value = inputs[*offset + i];
    out.push_back(session.model.describe_argument(value));
    const bool written = arguments[i].alias_info() != nullptr && arguments[i].alias_info()->isWrite();
    for_each_tensor(value, out.back(), [&](const at::Tensor& tensor, ValueInfo& info) {
      if (written) session.note_write(tensor);
      const std::optional<int> owner = session.weight_owner_of(tensor);
      info.is_parameter = owner.has_value();
      if (owner && *owner >= 0) session.recording.modules_with_weights_read.insert(*owner);
    });
    out.back().is_out_argument = arguments[i].is_out();
  }
  storage = mark_repeats(inputs.slice(*offset), out);
  return true;
}

// The op's returns, each tensor marked when it is a view of an argument: it shares the argument's
// memory and the schema does not say the op writes it (in-place and out= results are written).
std::vector<ValueInfo> read_outputs(const at::RecordFunction& fn, const std::vector<StorageRef>& argument_storage) {
  const c10::FunctionSchema* schema = schema_of(fn);
  const auto& values = fn.outputs();
  if (schema == nullptr) return {};
  const auto& returns = schema->returns();
  if (values.size() < returns.size()) return {};
  std::vector<ValueInfo> outputs;
  const size_t offset = values.size() - returns.size();
  for (size_t i = 0; i < returns.size(); ++i) {
    const c10::IValue& value = values[offset + i];
    outputs.push_back(describe_value(value));
    const auto* alias = returns[i].alias_info();
    mark_views(value, outputs.back(), argument_storage, alias != nullptr && alias->isWrite());
  }
  return outputs;
}

// compat::runs_as_dispatched_ops, cached per op.
bool decomposes(const at::RecordFunction& fn) {
  static std::unordered_map<std::string, bool> cache;
  const auto name = fn.operator_name();
  if (!name) return false;
  const std::string key = qualified_name(*name);
  const auto [found, inserted] = cache.try_emplace(key, false);
  if (inserted) found->second = compat::runs_as_dispatched_ops(key);
  return found->second;
}

// The list an op starting now is recorded in: the running call's ops, the loss's, or in backward the
// backward ops of the call that created the running node. nullptr: not recorded (a module object
// made at run time).
std::vector<OpRecord>* op_sink(RecordingSession& session) {
  switch (session.ops.phase) {
    case Phase::Forward: {
      const int call = session.calls.innermost();
      return call < 0 ? nullptr : &session.recording.calls[static_cast<size_t>(call)].ops;
    }
    case Phase::Loss: return &session.recording.training->loss_ops;
    case Phase::Backward:
      return session.ops.backward_call < 0
                 ? &session.recording.training->loss_backward_ops
                 : &session.recording.calls[static_cast<size_t>(session.ops.backward_call)].backward_ops;
  }
  return nullptr;
}

// Autograd bookkeeping events that are not ops: a backward node (it selects the call its ops belong
// to) and the engine's per-node span, which has no schema.
bool is_autograd_event(const RecordingSession& session, const at::RecordFunction& fn) {
  return fn.scope() == at::RecordScope::BACKWARD_FUNCTION || (session.ops.phase == Phase::Backward && !fn.operator_name());
}

// Decides at the op's start whether its formula counts it, and if so records it (its outputs follow
// at its end).
void judge(RecordingSession& session, const at::RecordFunction& fn, OpFrame& frame) {
  frame.name = fn.name();
  const bool readable = read_arguments(session, fn, frame.inputs, frame.argument_storage);
  const OpCoverage::Verdict verdict = session.coverage.count(frame.name, readable ? &frame.inputs : nullptr);
  frame.counted = verdict.counted;
  frame.did_work = verdict.does_work;
  frame.uncovered_reason = verdict.uncovered_reason;
  frame.sink = op_sink(session);
  if (frame.counted && frame.sink != nullptr) {
    frame.record = static_cast<int>(frame.sink->size());
    frame.sink->push_back({frame.name, frame.inputs, {}, true, {}});
  }
  if (!frame.counted) frame.decomposes = decomposes(fn);
}

std::unique_ptr<at::ObserverContext> on_op_start(const at::RecordFunction& fn) {
  RecordingSession* session = RecordingSession::current();
  if (session == nullptr) return nullptr;
  OpStack& ops = session->ops;
  ops.failed_op.clear();
  if (is_autograd_event(*session, fn)) {
    if (fn.scope() == at::RecordScope::BACKWARD_FUNCTION) {
      const auto found = ops.call_of_node.find(fn.seqNr());
      ops.backward_call = found == ops.call_of_node.end() ? -1 : found->second;
    }
    return nullptr;
  }
  // With grad on, an op carries the sequence number of the node it is about to create; the last op to
  // carry a number is the one that created it.
  if (fn.seqNr() >= 0 && ops.phase != Phase::Backward) {
    ops.call_of_node[fn.seqNr()] = ops.phase == Phase::Forward ? session->calls.innermost() : -1;
  }
  if (ops.phase == Phase::Forward && session->calls.calls.empty()) return nullptr;
  OpFrame frame;
  if (!ops.frames.empty() && ops.frames.back().counted) {
    frame.counted = true;  // inside a counted op: its formula already covers this one
  } else {
    judge(*session, fn, frame);
  }
  frame.data_dependent = DataDependence::shapes_follow_values(fn.name()) || session->data_dependence.reads_any(fn.inputs());
  ops.frames.push_back(std::move(frame));
  return nullptr;
}

void on_op_end(const at::RecordFunction& fn, at::ObserverContext*) {
  RecordingSession* session = RecordingSession::current();
  if (session == nullptr || is_autograd_event(*session, fn)) return;
  OpStack& ops = session->ops;
  // Ended by an exception on its way out (end callbacks run as the op's scope unwinds): the first
  // such op is the innermost one, where the run failed.
  if (std::uncaught_exceptions() > 0 && ops.failed_op.empty()) {
    ops.failed_op = fn.name();
    ops.failed_call = session->running_call();
  }
  if (ops.frames.empty()) return;
  OpFrame frame = std::move(ops.frames.back());
  ops.frames.pop_back();
  if (frame.data_dependent) {
    session->data_dependence.mark(fn.outputs());
    const int call = session->running_call();
    if (ops.phase == Phase::Forward && call >= 0) session->recording.calls[static_cast<size_t>(call)].data_dependent = true;
  }
  std::vector<OpRecord>* sink = frame.sink;
  if (sink != nullptr && frame.record >= 0) {
    OpRecord& record = (*sink)[static_cast<size_t>(frame.record)];
    record.outputs = read_outputs(fn, frame.argument_storage);
    record.data_dependent = frame.data_dependent;
    // A view that computes nothing is dropped (it is the list's last op: nothing inside a counted op
    // is recorded).
    if (!frame.did_work && !session->coverage.moves_memory(record)) sink->pop_back();
  }
  if (frame.uncovered() && sink != nullptr) {
    sink->push_back({frame.name, frame.inputs, read_outputs(fn, frame.argument_storage), false, frame.uncovered_reason,
                     frame.data_dependent});
  }
  if (!ops.frames.empty() && frame.accounted()) ops.frames.back().child_accounted = true;
  // An op whose inner ops made a data-dependent shape (boolean-mask indexing runs nonzero) makes one.
  if (!ops.frames.empty() && frame.data_dependent) ops.frames.back().data_dependent = true;
}

}  // namespace

OpObserver::OpObserver()
    : handle_(at::addGlobalCallback(at::RecordFunctionCallback(on_op_start, on_op_end)
                                        .needsInputs(true)
                                        .needsOutputs(true)
                                        .scopes({at::RecordScope::FUNCTION, at::RecordScope::BACKWARD_FUNCTION}))) {}

OpObserver::~OpObserver() { at::removeCallback(handle_); }

std::string failure_location() {
  const RecordingSession* session = RecordingSession::current();
  if (session == nullptr) return "";
  const OpStack& ops = session->ops;
  const int call = ops.failed_op.empty() ? session->running_call() : ops.failed_call;
  std::string where;
  if (call >= 0) {
    const auto module_index = static_cast<size_t>(session->recording.calls[static_cast<size_t>(call)].module);
    const ModuleInfo& module = session->model.modules[module_index];
    where = " in module '" + (module.name.empty() ? std::string("(model)") : module.name) + "' (" + module.class_name() + ")";
  } else if (ops.phase == Phase::Loss) {
    where = " in the training loss";
  }
  if (!ops.failed_op.empty()) where += " at " + ops.failed_op;
  return where;
}

}  // namespace flopscope
