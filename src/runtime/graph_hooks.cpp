#include "runtime/graph_hooks.h"

#include <torch/cuda.h>
#include <torch/csrc/jit/api/function_impl.h>
#include <torch/csrc/jit/ir/ir.h>
#include <torch/csrc/jit/runtime/custom_operator.h>

#include <unordered_set>

#include "flopscope/runtime/isolation.h"
#include "runtime/recording_session.h"

namespace flopscope {
namespace {

// The session a hook records into: none while an op runs (a module called from inside an op is part
// of that op) or on another thread.
RecordingSession* recording_session() {
  RecordingSession* session = RecordingSession::current();
  return session != nullptr && session->ops.frames.empty() ? session : nullptr;
}

// flopscope::enter(self, method, args...)
void enter_hook(torch::jit::Stack& stack) {
  const auto count = static_cast<size_t>(torch::jit::pop(stack).toInt());
  if (RecordingSession* session = recording_session()) {
    CallStack& active = session->calls;
    auto args = torch::jit::last(stack, count);
    const auto found = session->model.index_of_object.find(args[0].toObject().get());
    if (found != session->model.index_of_object.end()) {
      auto& calls = session->recording.calls;
      CallRecord call;
      call.module = found->second;
      call.method = args[1].toStringRef();
      const std::string& name = session->model.modules[static_cast<size_t>(call.module)].name;
      if (name.empty()) note_stage({"running ", call.method, " of the model"});
      else note_stage({"running ", call.method, " of '", name, "'"});
      call.call_index = active.calls_of_module[call.module]++;
      call.parent = active.innermost();
      for (size_t i = 2; i < args.size(); ++i) call.inputs.push_back(describe_value(args[i]));
      active.arguments.push_back(mark_repeats(args.slice(2), call.inputs));
      const int id = static_cast<int>(calls.size());
      if (call.parent >= 0) calls[static_cast<size_t>(call.parent)].children.push_back(id);
      calls.push_back(std::move(call));
      active.calls.push_back(id);
    } else {
      active.calls.push_back(-1);  // a module object created at run time: not in the tree
      active.arguments.emplace_back();
    }
    if (active.synchronize_device) torch::cuda::synchronize();
    active.started.push_back(std::chrono::steady_clock::now());
  }
  torch::jit::drop(stack, count);
}

// flopscope::exit(self, result)
void exit_hook(torch::jit::Stack& stack) {
  const auto count = static_cast<size_t>(torch::jit::pop(stack).toInt());
  RecordingSession* session = recording_session();
  if (session != nullptr && !session->calls.calls.empty()) {
    CallStack& active = session->calls;
    if (active.synchronize_device) torch::cuda::synchronize();
    const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - active.started.back());
    const int id = active.calls.back();
    if (id >= 0) {
      CallRecord& call = session->recording.calls[static_cast<size_t>(id)];
      const c10::IValue& result = torch::jit::peek(stack, 1, count);
      call.outputs = {describe_value(result)};
      mark_views(result, call.outputs[0], active.arguments.back(), false);
      call.seconds = seconds.count();
    }
    active.calls.pop_back();
    active.started.pop_back();
    active.arguments.pop_back();
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

}  // namespace

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

}  // namespace flopscope
