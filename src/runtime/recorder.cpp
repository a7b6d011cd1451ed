#include "flopscope/runtime/recorder.h"

#include <ATen/Parallel.h>
#include <torch/cuda.h>
#include <torch/csrc/jit/api/function_impl.h>
#include <torch/csrc/jit/ir/ir.h>
#include <torch/csrc/jit/runtime/custom_operator.h>
#include <torch/csrc/jit/runtime/graph_executor.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <optional>
#include <regex>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "flopscope/core/error.h"
#include "flopscope/runtime/isolation.h"
#include "flopscope/runtime/libtorch_compat.h"
#include "flopscope/runtime/meta_kernels.h"
#include "flopscope/counting/op_formulas.h"
#include "flopscope/counting/op_traffic.h"
#include "runtime/model_impl.h"
#include "runtime/training_loss.h"

namespace flopscope {
namespace {

// ---- the state of the one recording in progress --------------------------------------------------

// The memory of a tensor argument, held weakly: it does not keep the tensor's data alive (which would
// change what the allocator reuses, and so the run's speed), yet its address cannot be taken by a
// new storage while held, so "shares the memory of an argument" stays exact.
using StorageRef = c10::weak_intrusive_ptr<c10::StorageImpl>;

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
  std::vector<OpRecord>* sink = nullptr;  // where it is recorded (see op_sink)
  int record = -1;  // index of its OpRecord in *sink, once recorded
  // Its tensor arguments' memory, taken at its start (the event's inputs may be gone by its end): a
  // returned tensor sharing it is a view.
  std::vector<StorageRef> argument_storage;
};

// What the recording thread is running: the method, the loss formed from its outputs, or backward.
enum class Phase { Forward, Loss, Backward };

struct ActiveRecording {
  Phase phase = Phase::Forward;
  // Training: autograd sequence number -> the call whose op created that node (-1: no recorded call).
  std::unordered_map<int64_t, int> call_of_node;
  int backward_call = -1;  // backward: the call whose forward created the running node
  Model::Impl* model = nullptr;
  Recording* recording = nullptr;
  std::thread::id thread;
  std::vector<int> call_stack;             // indices into recording->calls
  std::vector<std::chrono::steady_clock::time_point> call_started;  // parallel to call_stack
  std::vector<std::vector<StorageRef>> call_arguments;               // parallel to call_stack
  bool synchronize_device = false;         // CUDA: a module's kernels finish before its exit is timed
  std::vector<OpFrame> op_stack;
  std::unordered_map<int, int> calls_of_module;  // module index -> calls so far
  // The innermost op that ended by an exception, and the call it ran in (-1: none): where a run that
  // raises failed. Cleared when another op starts (the exception was handled).
  std::string failed_op;
  int failed_call = -1;
};

ActiveRecording* g_active = nullptr;

bool on_recording_thread() { return g_active != nullptr && std::this_thread::get_id() == g_active->thread; }

// Calls fn(tensor, info) for every defined tensor in `value`, `info` being its part of describe_value(value).
template <typename F>
void for_each_tensor(const c10::IValue& value, ValueInfo& info, const F& fn) {
  if (value.isTensor()) {
    if (value.toTensor().defined()) fn(value.toTensor(), info);
  } else if (value.isTuple()) {
    const auto& elements = value.toTupleRef().elements();
    for (size_t i = 0; i < elements.size() && i < info.elements.size(); ++i) for_each_tensor(elements[i], info.elements[i], fn);
  } else if (value.isList()) {
    const auto elements = value.toListRef();
    for (size_t i = 0; i < elements.size() && i < info.elements.size(); ++i) for_each_tensor(elements[i], info.elements[i], fn);
  } else if (value.isGenericDict()) {
    size_t i = 0;
    for (const auto& entry : value.toGenericDict()) {
      if (i + 1 < info.elements.size()) {
        for_each_tensor(entry.key(), info.elements[i], fn);
        for_each_tensor(entry.value(), info.elements[i + 1], fn);
      }
      i += 2;
    }
  }
}

// Marks each tensor that already appeared among `values` (f(x, x) reads x once); returns their memory.
std::vector<StorageRef> mark_repeats(c10::ArrayRef<const c10::IValue> values, std::vector<ValueInfo>& infos) {
  std::vector<StorageRef> storage;
  std::unordered_set<const c10::TensorImpl*> seen;
  for (size_t i = 0; i < values.size() && i < infos.size(); ++i) {
    for_each_tensor(values[i], infos[i], [&](const at::Tensor& tensor, ValueInfo& info) {
      info.repeats_earlier_tensor = !seen.insert(tensor.unsafeGetTensorImpl()).second;
      if (!info.repeats_earlier_tensor && tensor.has_storage()) storage.push_back(tensor.storage().getWeakStorageImpl());
    });
  }
  return storage;
}

// Marks each tensor in `value` that shares the memory of one of `arguments` (unless `written`).
void mark_views(const c10::IValue& value, ValueInfo& info, const std::vector<StorageRef>& arguments, bool written) {
  for_each_tensor(value, info, [&](const at::Tensor& tensor, ValueInfo& part) {
    part.is_view_of_input = !written && tensor.has_storage() && std::any_of(arguments.begin(), arguments.end(), [&](const StorageRef& a) {
                              return tensor.storage().unsafeGetStorageImpl() == a._unsafe_get_target();
                            });
  });
}

// ---- module hooks: flopscope::enter(self, method, args...) and flopscope::exit(self, result) ---------

void enter_hook(torch::jit::Stack& stack) {
  const auto count = static_cast<size_t>(torch::jit::pop(stack).toInt());
  if (on_recording_thread() && g_active->op_stack.empty()) {
    auto args = torch::jit::last(stack, count);
    const auto found = g_active->model->index_of_object.find(args[0].toObject().get());
    if (found != g_active->model->index_of_object.end()) {
      auto& calls = g_active->recording->calls;
      CallRecord call;
      call.module = found->second;
      call.method = args[1].toStringRef();
      const std::string& name = g_active->model->modules[static_cast<size_t>(call.module)].name;
      if (name.empty()) note_stage({"running ", call.method, " of the model"});
      else note_stage({"running ", call.method, " of '", name, "'"});
      call.call_index = g_active->calls_of_module[call.module]++;
      call.parent = g_active->call_stack.empty() ? -1 : g_active->call_stack.back();
      for (size_t i = 2; i < args.size(); ++i) call.inputs.push_back(describe_value(args[i]));
      g_active->call_arguments.push_back(mark_repeats(args.slice(2), call.inputs));
      const int id = static_cast<int>(calls.size());
      if (call.parent >= 0) calls[static_cast<size_t>(call.parent)].children.push_back(id);
      calls.push_back(std::move(call));
      g_active->call_stack.push_back(id);
    } else {
      g_active->call_stack.push_back(-1);  // a module object created at run time: not in the tree
      g_active->call_arguments.emplace_back();
    }
    if (g_active->synchronize_device) torch::cuda::synchronize();
    g_active->call_started.push_back(std::chrono::steady_clock::now());
  }
  torch::jit::drop(stack, count);
}

void exit_hook(torch::jit::Stack& stack) {
  const auto count = static_cast<size_t>(torch::jit::pop(stack).toInt());
  if (on_recording_thread() && g_active->op_stack.empty() && !g_active->call_stack.empty()) {
    if (g_active->synchronize_device) torch::cuda::synchronize();
    const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - g_active->call_started.back());
    const int id = g_active->call_stack.back();
    if (id >= 0) {
      CallRecord& call = g_active->recording->calls[static_cast<size_t>(id)];
      const c10::IValue& result = torch::jit::peek(stack, 1, count);
      call.outputs = {describe_value(result)};
      mark_views(result, call.outputs[0], g_active->call_arguments.back(), false);
      call.seconds = seconds.count();
    }
    g_active->call_stack.pop_back();
    g_active->call_started.pop_back();
    g_active->call_arguments.pop_back();
  }
  torch::jit::drop(stack, count);
}

const torch::jit::RegisterOperators hook_operators({
    // CONSERVATIVE alias analysis marks the nodes as side-effecting, so no pass removes them.
    torch::jit::Operator("flopscope::enter(...) -> ()", enter_hook, c10::AliasAnalysisKind::CONSERVATIVE),
    torch::jit::Operator("flopscope::exit(...) -> ()", exit_hook, c10::AliasAnalysisKind::CONSERVATIVE),
});

void instrument_method(torch::jit::Function& function) {
  auto* graph_function = torch::jit::tryToGraphFunction(function);
  if (graph_function == nullptr) return;
  torch::jit::Graph& graph = *graph_function->graph();
  if (graph.inputs().empty()) return;
  torch::jit::Value* self = graph.inputs()[0];

  torch::jit::Node* first = graph.nodes().front();
  torch::jit::WithInsertPoint at_top(first);
  torch::jit::Node* enter = graph.create(c10::Symbol::fromQualString("flopscope::enter"), 0);
  enter->addInput(self);
  enter->addInput(graph.insertConstant(function.name()));
  for (size_t i = 1; i < graph.inputs().size(); ++i) enter->addInput(graph.inputs()[i]);
  enter->insertBefore(first);

  torch::jit::Node* exit = graph.create(c10::Symbol::fromQualString("flopscope::exit"), 0);
  exit->addInput(self);
  for (torch::jit::Value* output : graph.outputs()) exit->addInput(output);
  exit->insertBefore(graph.return_node());
}

// Rewrites each module class's method graphs once. Instances of a class share its graphs.
void instrument(Model::Impl& model) {
  if (model.instrumented) return;
  std::unordered_set<const c10::ClassType*> done;
  for (const auto& named : model.module.named_modules()) {
    const auto type = named.value.type();
    if (!done.insert(type.get()).second) continue;
    for (torch::jit::Function* method : type->methods()) instrument_method(*method);
  }
  model.instrumented = true;
}

// ---- aten ops ------------------------------------------------------------------------------------

// LibTorch 1.13 passes the whole interpreter stack as the inputs of ops that the TorchScript
// interpreter calls boxed, so an event can carry extra leading values. The op's own arguments are
// the last N values; they are accepted only if their kinds match the schema.
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

std::unordered_map<std::string, const c10::FunctionSchema*>& schema_cache() {
  static std::unordered_map<std::string, const c10::FunctionSchema*> cache;
  return cache;
}

const c10::FunctionSchema* schema_of(const at::RecordFunction& fn) {
  const auto name = fn.operator_name();
  if (!name) return nullptr;
  const std::string key = name->name + "." + name->overload_name;
  auto& cache = schema_cache();
  const auto found = cache.find(key);
  if (found != cache.end()) return found->second;
  const auto handle = c10::Dispatcher::singleton().findSchema(*name);
  const c10::FunctionSchema* schema = handle ? &handle->schema() : nullptr;
  cache[key] = schema;
  return schema;
}

// The op's arguments, or false when the event's inputs cannot be trusted.
bool read_arguments(const at::RecordFunction& fn, std::vector<ValueInfo>& out, std::vector<StorageRef>& storage) {
  const c10::FunctionSchema* schema = schema_of(fn);
  const auto inputs = fn.inputs();
  if (schema == nullptr || schema->is_vararg()) return false;
  const auto& arguments = schema->arguments();
  if (inputs.size() < arguments.size()) return false;
  const size_t offset = inputs.size() - arguments.size();
  for (size_t i = 0; i < arguments.size(); ++i) {
    if (!matches(arguments[i], inputs[offset + i])) return false;
  }
  out.clear();
  for (size_t i = 0; i < arguments.size(); ++i) {
    const c10::IValue& value = inputs[offset + i];
    out.push_back(describe_value(value));
    for_each_tensor(value, out.back(), [](const at::Tensor& tensor, ValueInfo& info) {
      info.is_parameter = g_active->model->is_parameter(tensor);
    });
    out.back().is_out_argument = arguments[i].is_out();
  }
  storage = mark_repeats(inputs.slice(offset), out);
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



// Whether an op's kernel is written in terms of other dispatched ops (CompositeImplicitAutograd, or
// CompositeExplicitAutograd as most 2.x view and factory ops are). Cached per op name.
bool decomposes(const at::RecordFunction& fn) {
  static std::unordered_map<std::string, bool> cache;
  const auto name = fn.operator_name();
  if (!name) return false;
  const std::string key = name->name + "." + name->overload_name;
  const auto found = cache.find(key);
  if (found != cache.end()) return found->second;
  const auto handle = c10::Dispatcher::singleton().findSchema(*name);
  bool composite = false;
  if (handle) {
    for (const auto k : {c10::DispatchKey::CompositeImplicitAutograd, c10::DispatchKey::CompositeExplicitAutograd,
                         c10::DispatchKey::CompositeExplicitAutogradNonFunctional}) {
      composite = composite || handle->hasKernelForDispatchKey(k);
    }
  }
  return cache[key] = composite;
}

int current_call_index() { return g_active->call_stack.empty() ? -1 : g_active->call_stack.back(); }

// The list an op starting now is recorded in: the running call's ops, the loss's, or in backward the
// backward ops of the call that created the running node. nullptr: not recorded (a module object
// made at run time).
std::vector<OpRecord>* op_sink() {
  ActiveRecording& active = *g_active;
  switch (active.phase) {
    case Phase::Forward: {
      const int call = current_call_index();
      return call < 0 ? nullptr : &active.recording->calls[static_cast<size_t>(call)].ops;
    }
    case Phase::Loss: return &active.recording->training->loss_ops;
    case Phase::Backward:
      return active.backward_call < 0 ? &active.recording->training->loss_backward_ops
                                      : &active.recording->calls[static_cast<size_t>(active.backward_call)].backward_ops;
  }
  return nullptr;
}

// Autograd bookkeeping events that are not ops: a backward node (it selects the call its ops belong
// to) and the engine's per-node span, which has no schema.
bool is_autograd_event(const at::RecordFunction& fn) {
  return fn.scope() == at::RecordScope::BACKWARD_FUNCTION || (g_active->phase == Phase::Backward && !fn.operator_name());
}

std::unique_ptr<at::ObserverContext> on_op_start(const at::RecordFunction& fn) {
  if (!on_recording_thread()) return nullptr;
  g_active->failed_op.clear();
  if (is_autograd_event(fn)) {
    if (fn.scope() == at::RecordScope::BACKWARD_FUNCTION) {
      const auto found = g_active->call_of_node.find(fn.seqNr());
      g_active->backward_call = found == g_active->call_of_node.end() ? -1 : found->second;
    }
    return nullptr;
  }
  // With grad on, an op carries the sequence number of the node it is about to create; the last op to
  // carry a number is the one that created it.
  if (fn.seqNr() >= 0 && g_active->phase != Phase::Backward) {
    g_active->call_of_node[fn.seqNr()] = g_active->phase == Phase::Forward ? current_call_index() : -1;
  }
  if (g_active->phase == Phase::Forward && g_active->call_stack.empty()) return nullptr;
  auto& ops = g_active->op_stack;
  OpFrame frame;
  if (!ops.empty() && ops.back().counted) {
    frame.counted = true;  // inside a counted op: its formula already covers this one
    ops.push_back(std::move(frame));
    return nullptr;
  }
  frame.name = fn.name();
  const OpFormulaEntry* formula = find_op_formula(frame.name);
  const bool readable = read_arguments(fn, frame.inputs, frame.argument_storage);
  if (formula == nullptr) {
    frame.uncovered_reason = "no formula";
  } else if (!readable) {
    frame.uncovered_reason = "its recorded inputs do not fit its schema";
  } else {
    try {
      const Counts counts = formula->formula(frame.inputs);
      frame.counted = true;
      frame.did_work = counts.flops() != 0;
      frame.sink = op_sink();
      if (frame.sink != nullptr) {
        frame.record = static_cast<int>(frame.sink->size());
        frame.sink->push_back({frame.name, frame.inputs, {}, true, {}});
      }
    } catch (const std::exception& e) {
      frame.uncovered_reason = std::string("its formula rejected the inputs (") + e.what() + ")";
    }
  }
  if (!frame.counted) {
    frame.decomposes = decomposes(fn);
    frame.sink = op_sink();
  }
  ops.push_back(std::move(frame));
  return nullptr;
}

// The call whose code is running now: in backward, the call that created the running node.
int running_call() { return g_active->phase == Phase::Backward ? g_active->backward_call : current_call_index(); }

void on_op_end(const at::RecordFunction& fn, at::ObserverContext*) {
  if (!on_recording_thread() || is_autograd_event(fn)) return;
  // Ended by an exception on its way out (end callbacks run as the op's scope unwinds): the first
  // such op is the innermost one, where the run failed.
  if (std::uncaught_exceptions() > 0 && g_active->failed_op.empty()) {
    g_active->failed_op = fn.name();
    g_active->failed_call = running_call();
  }
  if (g_active->op_stack.empty()) return;
  auto& ops = g_active->op_stack;
  OpFrame frame = std::move(ops.back());
  ops.pop_back();
  std::vector<OpRecord>* sink = frame.sink;
  if (sink != nullptr && frame.record >= 0) {
    OpRecord& record = (*sink)[static_cast<size_t>(frame.record)];
    record.outputs = read_outputs(fn, frame.argument_storage);
    // Recorded at its start because it has a formula; a view that computes nothing is dropped (it is
    // the list's last op: nothing inside a counted op is recorded).
    if (!frame.did_work && op_traffic(record).bytes == 0) sink->pop_back();
  }
  // Not counted by its own formula: its children account for it only if all its work dispatches.
  if (!frame.counted && !(frame.child_accounted && frame.decomposes) && sink != nullptr) {
    sink->push_back({frame.name, frame.inputs, read_outputs(fn, frame.argument_storage), false, frame.uncovered_reason});
  }
  const bool accounted = frame.did_work || frame.child_accounted || !frame.counted;
  if (!ops.empty() && accounted) ops.back().child_accounted = true;
}

// ---- inputs and running --------------------------------------------------------------------------

c10::ScalarType scalar_type(DType dtype) {
  switch (dtype) {
    case DType::Float32: return c10::kFloat;
    case DType::Float16: return c10::kHalf;
    case DType::BFloat16: return c10::kBFloat16;
    case DType::Float64: return c10::kDouble;
    case DType::Int64: return c10::kLong;
    case DType::Int32: return c10::kInt;
    case DType::Bool: return c10::kBool;
  }
  return c10::kFloat;
}

int64_t physical_memory_bytes() {
  return static_cast<int64_t>(sysconf(_SC_PHYS_PAGES)) * static_cast<int64_t>(sysconf(_SC_PAGE_SIZE));
}

at::Tensor make_input(const InputSpec& spec, const c10::Device& device, bool meta) {
  const auto type = scalar_type(spec.dtype);
  if (meta) return at::empty(spec.shape, at::TensorOptions().dtype(type).device(c10::kMeta));
  at::Tensor t;
  switch (spec.fill) {
    case Fill::Randn: t = at::randn(spec.shape, at::TensorOptions().dtype(c10::kFloat)); break;
    case Fill::Zeros: t = at::zeros(spec.shape, at::TensorOptions().dtype(c10::kFloat)); break;
    case Fill::Ones: t = at::ones(spec.shape, at::TensorOptions().dtype(c10::kFloat)); break;
    case Fill::RandInt:
      t = at::randint(spec.randint_low, spec.randint_high, spec.shape, at::TensorOptions().dtype(c10::kLong));
      break;
  }
  return t.to(device, type);
}

void check_arguments(const Model& model, const RunOptions& options) {
  const auto arguments = model.method_arguments(options.method);
  size_t required = 0;
  for (const auto& arg : arguments) required += arg.has_default ? 0 : 1;
  if (options.inputs.size() < required || options.inputs.size() > arguments.size()) {
    std::string names;
    for (const auto& arg : arguments) names += (names.empty() ? "" : ", ") + arg.name + ": " + arg.type;
    throw Error(ExitCode::BadInputs, "method '" + options.method + "' takes " +
                                         (required == arguments.size() ? std::to_string(required)
                                                                       : std::to_string(required) + " to " + std::to_string(arguments.size())) +
                                         " input(s) (" + names + "), got " + std::to_string(options.inputs.size()));
  }
  for (size_t i = 0; i < options.inputs.size(); ++i) {
    const auto& type = arguments[i].type;
    if (type != "Tensor" && type != "Optional[Tensor]" && type != "Any") {
      throw Error(ExitCode::BadInputs, "argument '" + arguments[i].name + "' of '" + options.method + "' is " + type +
                                           ", but --input can only give tensors");
    }
  }
}

c10::Device select_device(const RunOptions& options) {
  if (options.device == "cpu") return c10::Device(c10::kCPU);
  if (options.device == "cuda") {
    if (!torch::cuda::is_available()) {
      throw Error(ExitCode::Unsupported,
                  "--device cuda: this flopscope is built against a LibTorch without CUDA (or no GPU is visible); "
                  "rebuild with -DTorch_DIR=<CUDA LibTorch>/share/cmake/Torch");
    }
    return c10::Device(c10::kCUDA);
  }
  throw Error(ExitCode::Usage, "--device must be cpu or cuda, got '" + options.device + "'");
}

// Classifies an exception from the model's own code. Shape and dtype complaints almost always mean
// the inputs do not fit the model.
Error forward_error(const std::string& method, const std::string& what, const std::string& where = "") {
  const std::string line = error_cause(what);
  const auto marker = what.find(kDataDependentMarker);
  if (marker != std::string::npos) {
    // The kernel's message: "<op>: <why>".
    const std::string detail = first_line(what.substr(marker + std::string(kDataDependentMarker).size()));
    return Error(ExitCode::Unsupported, "--dry-run cannot count past aten::" + detail + "; run without --dry-run");
  }
  // LibTorch 1.13: "Could not run 'aten::x' with arguments from the 'Meta' backend";
  // 2.x: "aten::x: attempted to run this operator with Meta tensors, but there was no fake impl or Meta kernel".
  static const std::regex no_meta(R"(Could not run '([^']+)' with arguments from the 'Meta' backend|)"
                                  R"(([A-Za-z_][\w:.]*): attempted to run this operator with Meta tensors)");
  std::smatch missing;
  if (std::regex_search(what, missing, no_meta)) {
    const std::string op = missing[1].matched ? missing[1].str() : missing[2].str();
    return Error(ExitCode::Unsupported, "--dry-run: " + op + " has no shape-only (meta) kernel; run without --dry-run");
  }
  static const std::regex no_kernel_for_dtype(R"(not implemented for '(Half|BFloat16|Double|Float)')");
  if (std::regex_search(line, no_kernel_for_dtype)) {
    return Error(ExitCode::Unsupported, "LibTorch " + compat::libtorch_version() + " cannot run '" + method +
                                            "' in this dtype here (" + line + "); the --precision projections need no run");
  }
  if (line.find("alloc") != std::string::npos && line.find("memory") != std::string::npos) {
    return Error(ExitCode::OutOfMemory, "out of memory while running '" + method + "': " + line);
  }
  for (const char* hint : {"shape", "size", "dimension", "dtype", "type (", "channels", "Expected", "expected", "mat1", "rank"}) {
    if (line.find(hint) != std::string::npos) {
      return Error(ExitCode::BadInputs, "the inputs do not fit method '" + method + "'" + where + ": " + line);
    }
  }
  return Error(ExitCode::ForwardFailed, "the model raised while running '" + method + "'" + where + ": " + line);
}

// --dtype: floating-point parameters and buffers only (integer buffers such as position ids keep
// their type). In place, so every later run of this Model uses the converted weights. True when
// anything changed.
bool convert_floating_state(torch::jit::Module& module, c10::ScalarType type) {
  bool converted = false;
  const auto convert = [type, &converted](at::Tensor t) {
    if (t.is_floating_point() && t.scalar_type() != type) {
      const at::NoGradGuard no_grad;
      t.set_data(t.to(type));
      converted = true;
    }
  };
  for (const at::Tensor& p : module.parameters()) convert(p);
  for (const at::Tensor& b : module.buffers()) convert(b);
  return converted;
}

struct Prepared {
  std::vector<c10::IValue> inputs;
  torch::jit::Method method;
};

Prepared prepare(Model& model, const RunOptions& options) {
  check_arguments(model, options);
  Model::Impl& impl = model.impl();
  const c10::Device device = impl.meta ? c10::Device(c10::kMeta) : select_device(options);
  int64_t input_bytes = 0;
  for (const auto& spec : options.inputs) {
    input_bytes += checked_numel(spec.shape) * static_cast<int64_t>(c10::elementSize(scalar_type(spec.dtype)));
  }
  if (!impl.meta && input_bytes > physical_memory_bytes()) {
    throw Error(ExitCode::OutOfMemory, "the inputs alone need " + std::to_string(input_bytes >> 20) +
                                           " MiB, more than this machine's memory; use a smaller --batch or --dry-run");
  }
  at::set_num_threads(options.threads > 0 ? options.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  // Keep prim::CallMethod boundaries and skip the profiling runs of the default executor.
  torch::jit::setGraphExecutorOptimize(false);
  if (device.is_cuda()) {
    impl.module.to(device);
    impl.remember_parameter_storage();  // the parameters now live in GPU memory
  }
  if (options.dtype && convert_floating_state(impl.module, scalar_type(*options.dtype))) {
    impl.describe();  // converted tensors have new storage, dtypes and sizes
  }
  at::manual_seed(options.seed);
  Prepared prepared{{}, impl.module.get_method(options.method)};
  try {
    for (const auto& spec : options.inputs) prepared.inputs.emplace_back(make_input(spec, device, impl.meta));
  } catch (const std::bad_alloc&) {
    throw Error(ExitCode::OutOfMemory, "out of memory while creating the inputs; use a smaller --batch or --dry-run");
  } catch (const c10::Error& e) {
    throw forward_error(options.method, e.what());
  }
  return prepared;
}

// Whether parameter `name` lies under one of `paths` (a module path or a parameter's own name).
bool under_any(const std::string& name, const std::vector<std::string>& paths) {
  return std::any_of(paths.begin(), paths.end(), [&](const std::string& path) {
    return name == path || (name.size() > path.size() && name.compare(0, path.size(), path) == 0 && name[path.size()] == '.');
  });
}

// The parameters kept out of grad: those with any name under a frozen path (a tied parameter has several).
std::unordered_set<const c10::TensorImpl*> frozen_tensors(const torch::jit::Module& module, const std::vector<std::string>& frozen) {
  std::unordered_set<const c10::TensorImpl*> tensors;
  for (const auto& p : module.named_parameters()) {
    if (under_any(p.name, frozen)) tensors.insert(p.value.unsafeGetTensorImpl());
  }
  return tensors;
}

// While alive: floating-point parameters require grad (less the frozen ones, which do not) and the
// module is in the requested train mode. Restores every flag, and drops the gradients a backward left.
class GradState {
 public:
  GradState(torch::jit::Module module, bool enable, bool train, const std::vector<std::string>& frozen)
      : module_(std::move(module)), set_training_(train && !module_.is_training()) {
    if (set_training_) module_.train(true);
    if (!enable) return;
    const auto kept_out = frozen_tensors(module_, frozen);
    for (const auto& p : module_.named_parameters()) {
      at::Tensor t = p.value;
      const bool wanted = t.is_floating_point() && kept_out.count(t.unsafeGetTensorImpl()) == 0;
      if (t.requires_grad() != wanted) {
        saved_.emplace_back(t, t.requires_grad());
        t.requires_grad_(wanted);
      }
      if (wanted) trainable_.push_back(t);
    }
  }
  ~GradState() {
    for (at::Tensor& t : trainable_) t.mutable_grad() = at::Tensor();
    for (auto& [t, flag] : saved_) t.requires_grad_(flag);
    if (set_training_) module_.train(false);
  }
  GradState(const GradState&) = delete;
  GradState& operator=(const GradState&) = delete;

 private:
  torch::jit::Module module_;
  bool set_training_;  // train mode was switched on here, so it is switched off again
  std::vector<std::pair<at::Tensor, bool>> saved_;
  std::vector<at::Tensor> trainable_;
};

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Where a recorded run that raised failed: " in module 'visual' (VisionTransformer) at aten::add";
// "" outside a recording.
std::string failure_location() {
  if (g_active == nullptr) return "";
  const int call = g_active->failed_op.empty() ? running_call() : g_active->failed_call;
  std::string where;
  if (call >= 0) {
    const ModuleInfo& module = g_active->model->modules[static_cast<size_t>(g_active->recording->calls[static_cast<size_t>(call)].module)];
    where = " in module '" + (module.name.empty() ? std::string("(model)") : module.name) + "' (" + module.class_name() + ")";
  } else if (g_active->phase == Phase::Loss) {
    where = " in the training loss";
  }
  if (!g_active->failed_op.empty()) where += " at " + g_active->failed_op;
  return where;
}

// Runs `step` (the method, or the loss and backward) as `what`, turning its exceptions into flopscope
// errors.
template <typename Step>
auto guarded(const RunOptions& options, const std::string& what, const Step& step) {
  try {
    return step();
  } catch (const Error&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw Error(ExitCode::OutOfMemory, "out of memory while running " + what + "; use a smaller --batch or --dry-run");
  } catch (const std::exception& e) {
    throw forward_error(options.method, e.what(), failure_location());
  }
}

// Wall times of one call of the method, and with options.training of the loss and backward after it.
struct StepSeconds {
  double forward = 0.0;
  double backward = 0.0;
};

StepSeconds timed_call(torch::jit::Method& method, std::vector<c10::IValue> inputs, const RunOptions& options, bool cuda) {
  std::optional<torch::NoGradGuard> no_grad;
  const bool grad = options.enable_grad || options.training;
  if (!grad) no_grad.emplace();
  const GradState grad_state(method.owner(), grad, options.training, options.frozen);
  if (cuda) torch::cuda::synchronize();  // nothing queued before the call is timed with it
  StepSeconds seconds;
  auto start = std::chrono::steady_clock::now();
  const c10::IValue outputs = guarded(options, "'" + options.method + "'", [&] {
    c10::IValue out = method(std::move(inputs));
    if (cuda) torch::cuda::synchronize();
    return out;
  });
  seconds.forward = seconds_since(start);
  if (!options.training) return seconds;
  start = std::chrono::steady_clock::now();
  guarded(options, "the backward of '" + options.method + "'", [&] {
    if (g_active != nullptr) g_active->phase = Phase::Loss;
    const at::Tensor loss = training_loss(options.loss, outputs, options.method);
    if (g_active != nullptr) g_active->phase = Phase::Backward;
    loss.backward();
    if (cuda) torch::cuda::synchronize();
    return 0;
  });
  seconds.backward = seconds_since(start);
  return seconds;
}

// --training --freeze: every path must name a module or a parameter.
void check_frozen(const Model::Impl& impl, const std::vector<std::string>& frozen) {
  for (const auto& path : frozen) {
    bool found = std::any_of(impl.modules.begin(), impl.modules.end(), [&](const ModuleInfo& m) { return m.name == path; });
    for (const auto& p : impl.module.named_parameters()) found = found || p.name == path;
    if (!found) throw Error(ExitCode::Usage, "--freeze: the model has no module or parameter '" + path + "'");
  }
}

// Distinct parameter elements that will train and that are frozen (floating point only).
void count_trainable(const Model::Impl& impl, const std::vector<std::string>& frozen, TrainingRecord& training) {
  const auto kept_out = frozen_tensors(impl.module, frozen);
  std::unordered_set<const c10::TensorImpl*> seen;
  for (const auto& p : impl.module.named_parameters()) {
    const c10::TensorImpl* tensor = p.value.unsafeGetTensorImpl();
    if (!p.value.is_floating_point()) continue;
    const bool frozen = kept_out.count(tensor) > 0;
    if (frozen) training.frozen_parameters.insert(p.name);  // every name of a tied parameter
    if (seen.insert(tensor).second) (frozen ? training.frozen_params : training.trainable_params) += p.value.numel();
  }
}

// Median cost of one start/stop pair of the module timer, over 1000 pairs.
double timer_overhead_seconds() {
  std::vector<double> samples(1000);
  for (double& sample : samples) {
    const auto start = std::chrono::steady_clock::now();
    sample = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  std::nth_element(samples.begin(), samples.begin() + 500, samples.end());
  return samples[500];
}

}  // namespace

Recording record(Model& model, const RunOptions& options) {
  Model::Impl& impl = model.impl();
  instrument(impl);
  Prepared prepared = prepare(model, options);
  Recording recording;
  ActiveRecording active;
  active.model = &impl;
  active.recording = &recording;
  active.thread = std::this_thread::get_id();
  active.synchronize_device = options.device == "cuda";
  recording.timed = !impl.meta;
  recording.timer_overhead_seconds = timer_overhead_seconds();
  if (options.training) {
    if (options.device == "cuda") {
      // CUDA backward runs on the engine's device threads, which the single-threaded recorder does not follow.
      throw Error(ExitCode::Unsupported, "--training runs on the CPU or as a --dry-run; --device cuda records forwards only");
    }
    check_frozen(impl, options.frozen);
    recording.training.emplace();
    recording.training->loss = options.loss;
    count_trainable(impl, options.frozen, *recording.training);
  }
  g_active = &active;
  const auto handle = at::addGlobalCallback(at::RecordFunctionCallback(on_op_start, on_op_end)
                                                .needsInputs(true)
                                                .needsOutputs(true)
                                                .scopes({at::RecordScope::FUNCTION, at::RecordScope::BACKWARD_FUNCTION}));
  try {
    const StepSeconds seconds = timed_call(prepared.method, std::move(prepared.inputs), options, options.device == "cuda");
    recording.seconds = seconds.forward;
    if (recording.training) recording.training->backward_seconds = seconds.backward;
  } catch (...) {
    at::removeCallback(handle);
    g_active = nullptr;
    throw;
  }
  at::removeCallback(handle);
  g_active = nullptr;
  if (recording.calls.empty()) throw Error(ExitCode::Internal, "no module call was recorded");
  return recording;
}

double run_plain(Model& model, const RunOptions& options) {
  instrument(model.impl());  // the same graphs as record(), with the hooks idle
  Prepared prepared = prepare(model, options);
  const StepSeconds seconds = timed_call(prepared.method, std::move(prepared.inputs), options, options.device == "cuda");
  return seconds.forward + seconds.backward;
}

}  // namespace flopscope
