#include "flopscope/reports/module_table.h"

#include <algorithm>
#include <iterator>
#include <map>

#include "flopscope/core/error.h"
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

// Whether module `index` or a module under it satisfies `holds`.
bool in_subtree(const std::vector<ModuleInfo>& modules, int index, const std::function<bool(int)>& holds) {
  if (holds(index)) return true;
  for (const int child : modules[static_cast<size_t>(index)].children) {
    if (in_subtree(modules, child, holds)) return true;
  }
  return false;
}

// `lines[first]` and the lines under it (deeper, up to the next at its depth or above), with every
// row's children ordered by `column`, largest first.
std::vector<ModuleLine> sorted_subtree(std::vector<ModuleLine>& lines, size_t first, size_t end, const std::string& column) {
  std::vector<std::vector<ModuleLine>> children;
  for (size_t i = first + 1; i < end;) {
    size_t next = i + 1;
    while (next < end && lines[next].row.depth > lines[i].row.depth) ++next;
    children.push_back(sorted_subtree(lines, i, next, column));
    i = next;
  }
  std::stable_sort(children.begin(), children.end(), [&](const auto& a, const auto& b) {
    return column_value(a.front(), column) > column_value(b.front(), column);
  });
  std::vector<ModuleLine> sorted = {std::move(lines[first])};
  for (auto& child : children) std::move(child.begin(), child.end(), std::back_inserter(sorted));
  return sorted;
}

}  // namespace

const std::vector<std::string>& sortable_columns() {
  static const std::vector<std::string> columns = {"flops", "macs", "params", "bytes"};
  return columns;
}

void check_sortable_column(const std::string& column) {
  const auto& columns = sortable_columns();
  if (std::find(columns.begin(), columns.end(), column) != columns.end()) return;
  std::string names;
  for (const auto& c : columns) names += (names.empty() ? "" : ", ") + c;
  throw Error(ExitCode::Usage, "--sort " + column + ": not a column rows can be sorted by (" + names + ")");
}

int64_t column_value(const ModuleLine& line, const std::string& column) {
  if (column == "macs") return line.counts.macs;
  if (column == "params") return line.params;
  if (column == "bytes") return line.bytes;
  return line.counts.flops();
}

std::string column_header(const std::string& column) {
  if (column == "macs") return "MACs";
  if (column == "params") return "params";
  if (column == "bytes") return "bytes";
  return "FLOPs";
}

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
    const auto& modules = run.model->modules();
    if (!in_subtree(modules, index, [&](int i) { return run.analysis->modules[static_cast<size_t>(i)].calls > 0; })) {
      const auto& read = run.recording->modules_with_weights_read;
      line.work_in_parent = in_subtree(modules, index, [&](int i) { return read.count(i) > 0; });
      line.not_run = !line.work_in_parent;
    }
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
  if (options.sort.empty() || lines.empty()) return lines;
  check_sortable_column(options.sort);
  return sorted_subtree(lines, 0, lines.size(), options.sort);
}

std::vector<std::vector<std::string>> module_table_cells(const std::vector<ModuleLine>& lines,
                                                         const std::function<std::string(const ModuleLine&)>& label, bool si) {
  std::vector<std::vector<std::string>> cells = {
      {"module", "type", "calls", "inputs", "outputs", "params", "FLOPs", "matmul FLOPs", "elementwise FLOPs", "MACs", "% FLOPs"}};
  for (const ModuleLine& l : lines) {
    const auto counted = [&](int64_t n) { return l.called ? count_cell(n, si) : "-"; };
    const std::string flops = l.work_in_parent ? "in parent" : l.not_run ? "not run" : counted(l.counts.flops());
    cells.push_back({label(l), l.marked_type(), std::to_string(l.calls), l.inputs, l.outputs, count_cell(l.params, si), flops, counted(l.counts.matmul_flops), counted(l.counts.elementwise_flops), counted(l.counts.macs),
                     l.called ? fixed(l.percent_of_flops, 2) + "%" : "-"});
  }
  return cells;
}

}  // namespace flopscope
