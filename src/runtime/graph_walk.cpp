#include "runtime/graph_walk.h"

#include <torch/csrc/jit/api/function_impl.h>
#include <torch/csrc/jit/ir/ir.h>

namespace flopscope {

void for_each_graph(const torch::jit::Module& module, const std::function<void(torch::jit::Graph&)>& visit) {
  for (torch::jit::Function* function : module._ivalue()->compilation_unit()->get_functions()) {
    if (auto* graph_function = torch::jit::tryToGraphFunction(*function)) visit(*graph_function->graph());
  }
}

void for_each_node(torch::jit::Block& block, const std::function<void(torch::jit::Node*)>& visit) {
  for (torch::jit::Node* node : block.nodes()) {
    for (torch::jit::Block* inner : node->blocks()) for_each_node(*inner, visit);
    visit(node);
  }
}

}  // namespace flopscope
