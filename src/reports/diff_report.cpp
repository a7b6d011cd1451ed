#include "flopscope/reports/diff_report.h"

#include <map>
#include <sstream>

#include "flopscope/reports/module_rows.h"
#include "flopscope/runtime/model.h"
#include "flopscope/reports/number_format.h"
#include "flopscope/reports/text_table.h"

namespace flopscope {

namespace {

// A row of the module list: one module, or numbered siblings whose subtrees read the same on both
// sides ("visual.transformer.resblocks.[0-23] (x24)"), their numbers summed.
struct DiffRow {
  ModuleRow row;
  DiffSide a, b;
};

DiffSide& operator+=(DiffSide& sum, const DiffSide& s) {
  if (!sum.present) return sum = s;
  sum.params += s.params;
  sum.calls += s.calls;
  sum.flops += s.flops;
  sum.matmul_flops += s.matmul_flops;
  sum.activation_flops += s.activation_flops;
  sum.elementwise_flops += s.elementwise_flops;
  sum.macs += s.macs;
  sum.bytes += s.bytes;
  return sum;
}

std::string side_signature(const DiffSide& s) {
  return s.present ? s.type + '|' + std::to_string(s.params) + '|' + std::to_string(s.calls) + '|' + std::to_string(s.flops) + '|' +
                         std::to_string(s.activation_flops) + '|' + std::to_string(s.bytes) + '|' + s.inputs
                   : "absent";
}

std::vector<DiffRow> diff_rows(const ReportDiff& diff, const DiffOptions& options) {
  // The tree of module paths: a module's parent is the path before its last dot.
  std::map<std::string, int> index_of;
  std::vector<std::vector<int>> children(diff.modules.size());
  for (size_t i = 0; i < diff.modules.size(); ++i) {
    const std::string& path = diff.modules[i].path;
    index_of[path] = static_cast<int>(i);
    if (path.empty()) continue;
    const size_t dot = path.rfind('.');
    const auto parent = index_of.find(dot == std::string::npos ? "" : path.substr(0, dot));
    if (parent != index_of.end()) children[static_cast<size_t>(parent->second)].push_back(static_cast<int>(i));
  }
  RowTree tree;
  tree.children = [&](int index) -> const std::vector<int>& { return children[static_cast<size_t>(index)]; };
  tree.local_name = [&](int index) { return last_component(diff.modules[static_cast<size_t>(index)].path); };
  tree.own_signature = [&](int index) {
    const ModuleDiff& m = diff.modules[static_cast<size_t>(index)];
    return side_signature(m.a) + "/" + side_signature(m.b);
  };
  std::vector<DiffRow> rows;
  TableOptions grouping;
  grouping.depth = options.depth;
  for (ModuleRow& row : group_rows(tree, grouping)) {
    DiffRow sum;
    for (const int member : row.modules) {
      sum.a += diff.modules[static_cast<size_t>(member)].a;
      sum.b += diff.modules[static_cast<size_t>(member)].b;
    }
    sum.row = std::move(row);
    rows.push_back(std::move(sum));
  }
  return rows;
}

// "+327,680 (x1.001)": the change and the ratio B/A; "=", "added", "removed"
std::string change(const DiffSide& a, const DiffSide& b, int64_t DiffSide::*field, bool si = false) {
  if (!a.present) return "added";
  if (!b.present) return "removed";
  const int64_t delta = b.*field - a.*field;
  if (delta == 0) return "=";
  const std::string sign = delta > 0 ? "+" : "";
  return sign + count_cell(delta, si) + (a.*field > 0 ? " (x" + fixed(static_cast<double>(b.*field) / static_cast<double>(a.*field), 3) + ")" : "");
}

std::string side_number(const DiffSide& s, int64_t DiffSide::*field, bool si = false) { return s.present ? count_cell(s.*field, si) : "-"; }

// A module that never ran (a ModuleList) has no FLOPs to show, which is not the same as zero.
std::string side_flops(const DiffSide& s, bool si) { return s.calls > 0 ? side_number(s, &DiffSide::flops, si) : "-"; }

std::string shapes_change(const DiffRow& row) {
  const DiffSide& a = row.a;
  const DiffSide& b = row.b;
  if (!a.present) return b.inputs;
  if (!b.present || a.inputs == b.inputs) return a.inputs;
  return a.inputs + " -> " + b.inputs;
}

// `label`: the tree's (terminal) or the qualified path's (Markdown, which drops indentation).
std::vector<std::vector<std::string>> module_cells(const ReportDiff& diff, const DiffOptions& options, std::string ModuleRow::*label,
                                                   bool si = false) {
  std::vector<std::vector<std::string>> cells = {{"module", "type", "params A", "params B", "FLOPs A", "FLOPs B", "FLOPs change", "inputs"}};
  for (const DiffRow& row : diff_rows(diff, options)) {
    const DiffSide& a = row.a;
    const DiffSide& b = row.b;
    cells.push_back({row.row.*label, a.present ? a.type : b.type,
                     side_number(a, &DiffSide::params, si), side_number(b, &DiffSide::params, si), side_flops(a, si), side_flops(b, si),
                     a.calls + b.calls > 0 ? change(a, b, &DiffSide::flops, si) : "-", shapes_change(row)});
  }
  return cells;
}

std::string share(int64_t part, int64_t whole) { return whole > 0 ? fixed(100.0 * static_cast<double>(part) / static_cast<double>(whole), 2) + "%" : "-"; }

std::vector<std::vector<std::string>> total_cells(const ReportDiff& diff, bool si = false) {
  const DiffSide& a = diff.a_total;
  const DiffSide& b = diff.b_total;
  std::vector<std::vector<std::string>> cells = {{"total", "A", "B", "change"}};
  const std::pair<const char*, int64_t DiffSide::*> fields[] = {
      {"parameters", &DiffSide::params},         {"FLOPs", &DiffSide::flops},
      {"matmul FLOPs", &DiffSide::matmul_flops}, {"activation x activation FLOPs", &DiffSide::activation_flops},
      {"elementwise FLOPs", &DiffSide::elementwise_flops}, {"MACs", &DiffSide::macs},
      {"bytes moved", &DiffSide::bytes}};
  for (const auto& [name, field] : fields) cells.push_back({name, count_cell(a.*field, si), count_cell(b.*field, si), change(a, b, field, si)});
  cells.push_back({"activation x activation share of FLOPs", share(a.activation_flops, a.flops), share(b.activation_flops, b.flops), ""});
  return cells;
}

// The two sides and their convention, lines wrapped within `width` columns (0: one line each).
std::string header(const ReportDiff& diff, size_t width) {
  return wrap_text("A: ", diff.a_label, width) + wrap_text("B: ", diff.b_label, width) +
         wrap_text("Convention (both): ", diff.convention, width);
}

nlohmann::json side_json(const DiffSide& s) {
  if (!s.present) return nullptr;
  return {{"type", s.type},       {"params", s.params},
          {"calls", s.calls},     {"flops", s.flops},
          {"matmul_flops", s.matmul_flops}, {"activation_matmul_flops", s.activation_flops},
          {"elementwise_flops", s.elementwise_flops}, {"macs", s.macs},
          {"bytes", s.bytes},     {"inputs", s.inputs}};
}

// The counts a diff compares, by their JSON names (the side objects use the same names).
const std::pair<const char*, int64_t DiffSide::*> kComparedCounts[] = {
    {"params", &DiffSide::params},
    {"calls", &DiffSide::calls},
    {"flops", &DiffSide::flops},
    {"matmul_flops", &DiffSide::matmul_flops},
    {"activation_matmul_flops", &DiffSide::activation_flops},
    {"elementwise_flops", &DiffSide::elementwise_flops},
    {"macs", &DiffSide::macs},
    {"bytes", &DiffSide::bytes}};

// What the terminal's change column says, as data: for each count B - A (a missing side counts 0) and
// B / A where both sides have the module and A is non-zero (null otherwise).
nlohmann::json change_json(const DiffSide& a, const DiffSide& b) {
  const char* status = !a.present ? "added" : !b.present ? "removed" : "changed";
  nlohmann::json change = nlohmann::json::object();
  bool same = true;
  for (const auto& [name, field] : kComparedCounts) {
    const int64_t before = a.present ? a.*field : 0;
    const int64_t after = b.present ? b.*field : 0;
    same = same && before == after;
    nlohmann::json ratio = nullptr;
    if (a.present && b.present && before != 0) ratio = static_cast<double>(after) / static_cast<double>(before);
    change[name] = {{"delta", after - before}, {"ratio", ratio}};
  }
  if (a.present && b.present && same && a.inputs == b.inputs) status = "unchanged";
  change["status"] = status;
  return change;
}

}  // namespace

std::string render_diff_table(const ReportDiff& diff, const DiffOptions& options) {
  // Exact counts unless the width needs SI prefixes (then a line under each table says so).
  const FittedTable totals =
      fit_counts_table([&](bool si) { return total_cells(diff, si); }, 1, {}, {}, options.width, {"total"}, Units::Fit, /*exact_cuts=*/0);
  const FittedTable modules = fit_counts_table([&](bool si) { return module_cells(diff, options, &ModuleRow::tree_label, si); }, 2,
                                               {"inputs", "type"}, {}, options.width, {"module"}, Units::Fit);
  return "flopscope diff\n" + header(diff, options.width) + "\n" + totals.text + left_out_line(totals, options.width) + "\n" +
         modules.text + left_out_line(modules, options.width);
}

std::string render_diff_markdown(const ReportDiff& diff, const DiffOptions& options) {
  std::string text = "## flopscope diff\n\n";
  std::istringstream lines(header(diff, 0));
  for (std::string line; std::getline(lines, line);) text += line + "  \n";
  return text + "\n" + format_markdown_table(total_cells(diff), "lrrr") + "\n" + format_markdown_table(module_cells(diff, options, &ModuleRow::label), "llrrrrrl");
}

nlohmann::json render_diff_json(const ReportDiff& diff) {
  nlohmann::json modules = nlohmann::json::array();
  for (const ModuleDiff& m : diff.modules) {
    modules.push_back({{"module", m.path}, {"depth", m.depth}, {"a", side_json(m.a)}, {"b", side_json(m.b)}, {"change", change_json(m.a, m.b)}});
  }
  return {{"kind", "diff"},
          {"a", diff.a_label},
          {"b", diff.b_label},
          {"conventions", diff.convention},
          {"totals", {{"a", side_json(diff.a_total)}, {"b", side_json(diff.b_total)}, {"change", change_json(diff.a_total, diff.b_total)}}},
          {"modules", modules}};
}

const std::vector<DiffFormat>& diff_formats() {
  static const std::vector<DiffFormat> formats = {
      {"table", "totals, then modules with both sides' parameters and FLOPs and the change", render_diff_table},
      {"json", "every module, ungrouped, both sides' numbers and the change of each count",
       [](const ReportDiff& diff, const DiffOptions&) { return render_diff_json(diff).dump(2) + "\n"; }},
      {"markdown", "the table as Markdown", render_diff_markdown},
  };
  return formats;
}

}  // namespace flopscope
