#include "runtime/dry_run_graphs.h"

#include <caffe2/serialize/inline_container.h>
#include <torch/csrc/jit/ir/ir.h>
#include <torch/csrc/jit/serialization/import_read.h>

#include <algorithm>
#include <string>
#include <vector>

#include "runtime/graph_walk.h"

namespace flopscope {
namespace {

bool is_cpu_or_unset(torch::jit::Value* device) {
  const c10::optional<c10::IValue> constant = torch::jit::toIValue(device);
  if (!constant) return false;  // computed at run time (x.device): already follows the run
  return constant->isNone() || (constant->isDevice() && constant->toDevice().is_cpu());
}

constexpr size_t kMaxConstantBytes = size_t{4} << 20;

// The archive's constants table (the CONSTANTS of its code) on the CPU; empty when it has none or they
// are too large to read for a dry run.
std::vector<c10::IValue> cpu_constants(const std::shared_ptr<caffe2::serialize::ReadAdapterInterface>& archive) {
  caffe2::serialize::PyTorchStreamReader reader(archive);
  if (!reader.hasRecord("constants.pkl")) return {};
  // LibTorch 1.13's reader gives no record sizes: records lie one after another in the archive, so
  // the distance to the next one bounds each.
  std::vector<std::pair<size_t, bool>> starts;  // offset, is a constant's storage
  for (const std::string& record : reader.getAllRecords()) {
    starts.emplace_back(reader.getRecordOffset(record), record.rfind("constants/", 0) == 0);
  }
  starts.emplace_back(archive->size(), false);
  std::sort(starts.begin(), starts.end());
  size_t bytes = 0;
  for (size_t i = 0; i + 1 < starts.size(); ++i) bytes += starts[i].second ? starts[i + 1].first - starts[i].first : 0;
  if (bytes > kMaxConstantBytes) return {};
  const c10::IValue table = torch::jit::readArchiveAndTensors("constants", "", "constants/", c10::nullopt, c10::nullopt,
                                                              c10::Device(c10::kCPU), reader);
  return table.isTuple() ? table.toTupleRef().elements().vec() : std::vector<c10::IValue>{};
}

// N for a constant node whose code reads "CONSTANTS.cN", else -1.
int constant_index(const torch::jit::Node* node) {
  static const std::string prefix = "CONSTANTS.c";
  const std::string text = node->sourceRange().text().str();
  if (text.rfind(prefix, 0) != 0 || text.size() == prefix.size()) return -1;
  for (size_t i = prefix.size(); i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return -1;
  }
  return std::stoi(text.substr(prefix.size()));
}

}  // namespace

void place_factory_ops_on_meta(const torch::jit::Module& module) {
  for_each_graph(module, [](torch::jit::Graph& graph) {
    for_each_node(*graph.block(), [&](torch::jit::Node* node) {
      const c10::FunctionSchema* schema = node->maybeSchema();
      if (schema == nullptr) return;
      const c10::optional<int> index = schema->argumentIndexWithName("device");
      if (!index || static_cast<size_t>(*index) >= node->inputs().size()) return;
      if (!is_cpu_or_unset(node->inputs()[static_cast<size_t>(*index)])) return;
      const torch::jit::WithInsertPoint before(node);
      node->replaceInput(static_cast<size_t>(*index), graph.insertConstant(c10::Device(c10::kMeta)));
    });
  });
}

void restore_scalar_constants(const torch::jit::Module& module,
                              const std::shared_ptr<caffe2::serialize::ReadAdapterInterface>& archive) {
  const std::vector<c10::IValue> constants = cpu_constants(archive);
  if (constants.empty()) return;
  for_each_graph(module, [&](torch::jit::Graph& graph) {
    for_each_node(*graph.block(), [&](torch::jit::Node* node) {
      if (node->kind() != c10::prim::Constant || node->outputs().size() != 1) return;
      const c10::optional<c10::IValue> value = torch::jit::toIValue(node->output());
      if (!value || !value->isTensor() || !value->toTensor().is_meta() || value->toTensor().dim() != 0) return;
      const int index = constant_index(node);
      if (index < 0 || static_cast<size_t>(index) >= constants.size() || !constants[static_cast<size_t>(index)].isTensor()) return;
      const torch::jit::WithInsertPoint before(node);
      node->output()->replaceAllUsesWith(graph.insertConstant(constants[static_cast<size_t>(index)]));
    });
  });
}

}  // namespace flopscope
