// Walking the code of a loaded TorchScript module: every graph of its compilation unit (methods and
// free functions alike) and every node of a graph, nested blocks included.
#pragma once

#include <torch/script.h>

#include <functional>

namespace flopscope {

void for_each_graph(const torch::jit::Module& module, const std::function<void(torch::jit::Graph&)>& visit);

// Nodes of nested blocks (if and loop bodies) are visited before the node that holds them.
void for_each_node(torch::jit::Block& block, const std::function<void(torch::jit::Node*)>& visit);

}  // namespace flopscope
