#include "flopscope/reports/module_table.h"

#include <map>

#include "flopscope/reports/number_format.h"

namespace flopscope {

namespace {

// Shapes of the tensor values of a call, "-" when there are none.
std::string shapes(const std::vector<ValueInfo>& values) {
  std::string text;
  for (const auto& v : values) {
    if (v.kind == ValueInfo::Kind::None) continue;
    const std::string shape = shape_text(v);
    if (shape == "-") continue;
    text += (text.empty() ? "" : ", ") + shape;
  }
  return text.empty() ? "-" : text;
}

}  // namespace

std::vector<ModuleLine> module_lines(const AnalyzedRun& run, const TableOptions& options) {
  std::map<int, const CallRecord*> first_call;
  for (const auto& call : run.recording->calls) first_call.emplace(call.module, &call);
  const int64_t grand_total = run.analysis->total.flops();
  std::vector<ModuleLine> lines;
  for (ModuleRow& row : module_rows(run, options)) {
    const int index = row.modules[0];
    const ModuleInfo& m = run.model->modules()[static_cast<size_t>(index)];
    const ModuleCounts& c = run.analysis->modules[static_cast<size_t>(index)];
    ModuleLine line;
    line.repeat = static_cast<int64_t>(row.modules.size());  // group members count the same
    line.type = m.class_name();
    line.calls = c.calls * line.repeat;
    const auto found = first_call.find(index);
    line.inputs = found == first_call.end() ? "-" : shapes(found->second->inputs);
    line.outputs = found == first_call.end() ? "-" : shapes(found->second->outputs);
    line.params = m.subtree_params * line.repeat;
    line.called = c.calls > 0;
    line.counts = c.total * line.repeat;
    line.backward = c.backward * line.repeat;
    line.data_dependent_flops = c.data_dependent.flops() * line.repeat;
    line.data_dependent = c.data_dependent_calls > 0;
    line.bytes = c.traffic.bytes * line.repeat;
    for (const int member : row.modules) line.seconds += run.analysis->modules[static_cast<size_t>(member)].seconds;
    line.percent_of_flops = grand_total > 0 ? 100.0 * static_cast<double>(line.counts.flops()) / static_cast<double>(grand_total) : 0.0;
    line.row = std::move(row);
    lines.push_back(std::move(line));
  }
  return lines;
}

std::vector<std::vector<std::string>> module_table_cells(const std::vector<ModuleLine>& lines,
                                                         const std::function<std::string(const ModuleLine&)>& label) {
  std::vector<std::vector<std::string>> cells = {
      {"module", "type", "calls", "inputs", "outputs", "params", "FLOPs", "matmul FLOPs", "elementwise FLOPs", "MACs", "% FLOPs"}};
  for (const ModuleLine& l : lines) {
    const auto counted = [&](int64_t n) { return l.called ? with_separators(n) : "-"; };
    cells.push_back({label(l), l.marked_type(), std::to_string(l.calls), l.inputs, l.outputs, with_separators(l.params),
                     counted(l.counts.flops()), counted(l.counts.matmul_flops), counted(l.counts.elementwise_flops), counted(l.counts.macs),
                     l.called ? fixed(l.percent_of_flops, 2) + "%" : "-"});
  }
  return cells;
}

}  // namespace flopscope
