#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <sstream>

#include "flopscope/core/conventions.h"
#include "flopscope/reports/module_table.h"
#include "flopscope/reports/number_format.h"
#include "flopscope/reports/text_table.h"
#include "flopscope/reports/report.h"
#include "flopscope/reports/tool_identity.h"

namespace flopscope {

namespace {

// A tower that is one module whose row the table shows holds no news (OpenCLIP's image transformer).
bool shown_as_row(const CountedTower& tower, const std::vector<ModuleLine>& rows) {
  if (tower.modules.size() != 1) return false;
  return std::any_of(rows.begin(), rows.end(), [&](const ModuleLine& l) { return l.row.path == tower.modules[0] && l.repeat == 1; });
}

void write_totals(std::ostringstream& out, const AnalyzedRun& run, const std::vector<ModuleLine>& rows, size_t table_width) {
  out << "\n" << wrap_text("Totals ", std::string("(B = dim 0 of the inputs; ") + kConventions + ")", table_width, "; ");
  const std::vector<TotalLine> lines = total_lines(run);
  size_t width = 0;  // names and tower names share one column
  for (const auto& line : lines) width = std::max(width, 2 * static_cast<size_t>(line.depth) + line.name.size() + 1);
  for (const auto& tower : run.towers) width = std::max(width, tower.name.size() + 1);
  for (const auto& line : lines) {
    const std::string name = std::string(2 * static_cast<size_t>(line.depth), ' ') + line.name;
    const std::string value = line.exact.empty() ? line.human : line.exact + (line.human.empty() ? "" : " (" + line.human + ")");
    out << wrap_text("  " + name + std::string(width - name.size(), ' ') + value + (value.empty() ? "" : ": "), line.meaning, table_width);
  }
  for (const CountedTower& tower : run.towers) {
    if (shown_as_row(tower, rows)) continue;
    const TowerTotals& totals = tower.totals;
    out << wrap_text("  " + tower.name + std::string(width - tower.name.size(), ' '),
                     "params " + with_separators(totals.params) + ", FLOPs " + with_separators(totals.counts.flops()) + " (" +
                         human_flops(totals.counts.flops()) + "), matmul " + with_separators(totals.counts.matmul_flops),
                     table_width, ", ");
  }
}

// Folded (the default): the two figures other tools print most, matmul FLOPs and MACs, on one line
// that names the option showing all of them; `all`: every convention, one line each.
void write_conventions(std::ostringstream& out, const AnalyzedRun& run, size_t width, bool all) {
  const auto list = conventions(*run.model, *run.recording, *run.analysis, run.towers);
  std::vector<std::string> values;
  size_t name_width = 0, value_width = 0;
  for (const auto& c : list) {
    values.push_back(c.name.rfind("MACs", 0) == 0 ? human_count(c.value) + " MACs" : human_flops(c.value));
    name_width = std::max(name_width, c.name.size());
    value_width = std::max(value_width, values.back().size());
  }
  if (!all) {
    const Counts& t = run.analysis->total;
    out << wrap_text("Other tools: ", human_flops(t.matmul_flops) + " matmul only (OpenCLIP, FlopCounterMode); " + human_count(t.macs) +
                                          " MACs (fvcore, ptflops); --conventions: all " + std::to_string(list.size()),
                     width, "; ");
    return;
  }
  out << "\nThe same run in other tools' conventions (see docs/conventions.md)\n";
  // Meanings start in one column, wrapped under it; where that leaves them too little room, each
  // goes under its name instead.
  const size_t meaning_column = 2 + name_width + 2 + value_width + 2;
  const bool beside = width == 0 || meaning_column + 40 <= width;
  for (size_t i = 0; i < list.size(); ++i) {
    const auto& c = list[i];
    if (beside) {
      out << wrap_text("  " + c.name + std::string(name_width - c.name.size(), ' ') + "  " + values[i] +
                           std::string(value_width - values[i].size(), ' ') + "  ",
                       c.meaning, width);
    } else {
      out << wrap_text("  ", c.name + ": " + values[i], width) << wrap_text("    ", c.meaning, width);
    }
  }
}

void write_coverage(std::ostringstream& out, const Analysis& a, size_t width) {
  if (!a.modules_without_rule.empty()) {
    out << "\nModules without a rule (counted from the aten ops they ran):\n";
    for (const auto& m : a.modules_without_rule) {
      out << wrap_text("  " + m.type + "  ", "calls " + std::to_string(m.calls) + "  e.g. " + (m.example.empty() ? "(model)" : m.example) +
                                                 (m.fully_counted ? "" : "  [has uncovered ops]"),
                       width);
    }
  }
  if (!a.uncovered_ops.empty()) {
    out << "\nUncovered ops (their work is NOT, or not fully, in the counts):\n";
    for (const auto& op : a.uncovered_ops) {
      out << wrap_text("  " + op.op + "  ", "x" + std::to_string(op.count) + "  in " + (op.module.empty() ? "(model)" : op.module) +
                                               "  inputs " + (op.shapes.empty() ? "-" : op.shapes) + "  (" + op.reason + ")",
                       width);
    }
  }
}

// A leaf class extending a ruled type (OpenCLIP's LayerNorm), one line each under the table.
void write_subclasses(std::ostringstream& out, const Analysis& a, size_t width) {
  for (const auto& m : a.modules_by_base_rule) {
    out << wrap_text("  (", m.type + " x" + std::to_string(m.calls) + ", e.g. " + m.example + ", is a subclass of " + m.base +
                                 ", counted by its rule)",
                     width);
  }
}

// One cross-checked number of a call: the rule's and the ops' matmul FLOPs.
struct Checked {
  CheckStatus status;
  int64_t rule;
  int64_t ops;
};

// The calls whose check did not match, one line each.
void write_check_failures(std::ostringstream& out, const AnalyzedRun& run, const std::function<Checked(const CallCounts&)>& view) {
  const Analysis& a = *run.analysis;
  for (const CheckStatus status : {CheckStatus::Mismatch, CheckStatus::RuleFailed}) {
    for (size_t i = 0; i < a.calls.size(); ++i) {
      const CallCounts& c = a.calls[i];
      const Checked checked = view(c);
      if (checked.status != status) continue;
      const auto& call = run.recording->calls[i];
      const std::string& name = run.model->modules()[static_cast<size_t>(call.module)].name;
      out << "  " << to_string(status) << "  " << name << " #" << call.call_index << "  rule " << with_separators(checked.rule)
          << "  ops " << with_separators(checked.ops);
      if (status == CheckStatus::Mismatch && checked.ops != 0) {
        char diff[32];
        std::snprintf(diff, sizeof diff, "%+.3f%%", 100.0 * static_cast<double>(checked.rule - checked.ops) / static_cast<double>(checked.ops));
        out << "  (" << diff << ")";
      }
      if (status == CheckStatus::RuleFailed && !c.rule_error.empty()) out << "  " << c.rule_error;
      out << '\n';
    }
  }
}

// Calls whose type has a rule that could not apply to this file (MissingAttribute): how many, and why
// for the first.
void write_calls_counted_from_ops(std::ostringstream& out, const AnalyzedRun& run) {
  const Analysis& a = *run.analysis;
  size_t count = 0, first = 0;
  for (size_t i = 0; i < a.calls.size(); ++i) {
    if (a.calls[i].status != CheckStatus::NoRule || a.calls[i].rule_error.empty()) continue;
    if (count++ == 0) first = i;
  }
  if (count == 0) return;
  const auto& call = run.recording->calls[first];
  out << "  counted from their ops, not checked: " << count << " call(s), e.g. "
      << run.model->modules()[static_cast<size_t>(call.module)].name << ": " << a.calls[first].rule_error << '\n';
}

void write_crosscheck(std::ostringstream& out, const AnalyzedRun& run, size_t width) {
  const Analysis& a = *run.analysis;
  out << "\n" << wrap_text("Cross-check: ", "module rule vs op-level count of the ops that actually ran (matmul FLOPs)", width);
  out << "  rule calls " << a.rule_calls << ": match " << a.matched_calls << ", mismatch " << a.mismatched_calls
      << ", rule failed " << a.failed_rule_calls << '\n';
  write_check_failures(out, run, [](const CallCounts& c) { return Checked{c.status, c.rule.matmul_flops, c.op_level.matmul_flops}; });
  write_calls_counted_from_ops(out, run);
  out << wrap_text("  totals: ",
                   "reported " + with_separators(a.total.matmul_flops) + " matmul FLOPs, op-level " +
                       with_separators(a.op_level_total.matmul_flops) +
                       (a.total.matmul_flops == a.op_level_total.matmul_flops ? " (equal)" : " (DIFFERENT)") +
                       "; elementwise reported " + with_separators(a.total.elementwise_flops) + ", op-level " +
                       with_separators(a.op_level_total.elementwise_flops),
                   width, "; ");
  if (!a.training) return;
  out << "\n"
      << wrap_text("", "Backward cross-check: product layers (Linear, ConvNd), forward MACs x the gradients needed (input, weight) vs "
                       "the backward ops attributed to the call (matmul FLOPs)", width)
      << "  rule calls " << a.backward_rule_calls << ": match " << a.backward_matched_calls << ", mismatch "
      << a.backward_mismatched_calls << '\n';
  write_check_failures(out, run, [](const CallCounts& c) { return Checked{c.backward_status, c.backward_rule.matmul_flops, c.backward.matmul_flops}; });
}

// One line: what a user asking "how big, how much compute" wants first.
std::string summary_line(const AnalyzedRun& run) {
  const Counts& t = run.analysis->total;
  const double matmul_share = t.flops() > 0 ? 100.0 * static_cast<double>(t.matmul_flops) / static_cast<double>(t.flops()) : 0.0;
  return run.model->path() + ": params " + human_count(run.model->total_params()) + ", FLOPs " + human_flops(t.flops()) +
         ", MACs " + human_count(t.macs) + ", matmul " + fixed(matmul_share, 2) + "% of FLOPs" +
         (run.recording->timed ? "" : ", dry run") + " (1 MAC = 2 FLOPs)\n";
}

// A line's value in `column` counted by the rows under it: each child row that ran, and for one that
// never ran (a ModuleList) the rows under it.
int64_t counted_below(const std::vector<ModuleLine>& lines, size_t i, const std::string& column) {
  int64_t below = 0;
  for (size_t j = i + 1; j < lines.size() && lines[j].row.depth > lines[i].row.depth; ++j) {
    if (lines[j].row.depth != lines[i].row.depth + 1) continue;
    below += lines[j].called ? column_value(lines[j], column) : counted_below(lines, j, column);
  }
  return below;
}

// The rows with the most of `column` of their own, largest first: a row's own value is its value less
// those of the rows under it (a parent's own code: CLIP's logits, a projection by a bare parameter).
std::string render_top_rows(const std::vector<ModuleLine>& lines, size_t top, const TableOptions& options) {
  const std::string column = options.sort.empty() ? "flops" : options.sort;
  const bool flops = column == "flops";  // FLOPs rows show their MACs beside
  struct Own {
    int64_t value, macs;
    size_t line;
    bool beside_children;  // rows under it have some too: this is its own code's part
  };
  std::vector<Own> own;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (!lines[i].called) continue;
    const int64_t below = counted_below(lines, i, column), value = column_value(lines[i], column) - below;
    if (value > 0) own.push_back({value, lines[i].counts.macs - counted_below(lines, i, "macs"), i, below > 0});
  }
  std::stable_sort(own.begin(), own.end(), [](const Own& a, const Own& b) { return a.value > b.value; });
  const int64_t total = lines.empty() ? 0 : column_value(lines.front(), column);
  const auto percent = [&](int64_t value) { return fixed(total > 0 ? 100.0 * static_cast<double>(value) / static_cast<double>(total) : 0.0, 2) + "%"; };
  const std::string header = column_header(column);
  std::vector<std::vector<std::string>> cells = {{"#", "module", "type", "calls", "own " + header}};
  if (flops) cells[0].push_back("own MACs");
  cells[0].insert(cells[0].end(), {"% " + header, "cumulative"});
  int64_t cumulative = 0;
  for (size_t rank = 0; rank < std::min(top, own.size()); ++rank) {
    const Own& row = own[rank];
    const ModuleLine& l = lines[row.line];
    cumulative += row.value;
    std::vector<std::string> cell = {std::to_string(rank + 1),
                                     (l.row.path.empty() ? "(model)" : l.row.path) + (l.repeat > 1 ? " (x" + std::to_string(l.repeat) + ")" : "") +
                                         (row.beside_children ? " own code" : ""),
                                     l.marked_type(), std::to_string(l.calls), with_separators(row.value)};
    if (flops) cell.push_back(with_separators(row.macs));
    cell.insert(cell.end(), {percent(row.value), percent(cumulative)});
    cells.push_back(std::move(cell));
  }
  const FittedTable table = fit_text_table(cells, 3, {"own MACs", "calls"}, options.width, {"type", "module"});
  return wrap_text("", "The " + std::to_string(cells.size() - 1) + " modules with the most " + header + " of their own, of " +
                           std::to_string(own.size()) + " that have any (own: a row's " + header + " less those of the rows under it; "
                           "without --top: the tree)", options.width) +
         table.text + left_out_line(table, options.width);
}

// A row of no cost: no parameters, no FLOPs, no bytes (Identity, Dropout at inference), nor any row
// under it (a ModuleList never called itself is kept for its children's sake).
bool of_no_cost(const std::vector<ModuleLine>& lines, size_t i) {
  const auto nothing = [](const ModuleLine& l) { return l.params == 0 && l.counts.flops() == 0 && l.bytes == 0; };
  if (lines[i].row.depth == 0 || !nothing(lines[i])) return false;
  for (size_t j = i + 1; j < lines.size() && lines[j].row.depth > lines[i].row.depth; ++j) {
    if (!nothing(lines[j])) return false;
  }
  return true;
}

// The module tree within the width: inputs and outputs are the first columns to go (CSV and JSON keep
// them), then the split of FLOPs, which MACs (= matmul / 2) and FLOPs give; if that is not enough,
// counts are written with SI prefixes (unless --units says otherwise), then calls and MACs go, and
// last long type names and module names are cut.
std::string render_module_tree(const std::vector<ModuleLine>& all_lines, const TableOptions& options) {
  std::vector<ModuleLine> lines;
  std::map<std::string, int> left_out;  // rows of no cost by type
  for (size_t i = 0; i < all_lines.size(); ++i) {
    const ModuleLine& l = all_lines[i];
    if (!options.all_rows && of_no_cost(all_lines, i)) left_out[l.marked_type()] += static_cast<int>(l.repeat);
    else lines.push_back(l);
  }
  const auto tree = [](const ModuleLine& l) { return l.row.tree_label; };
  const FittedTable table = fit_counts_table([&](bool si) { return module_table_cells(lines, tree, si); }, 5,
                                             {"inputs", "outputs", "matmul FLOPs", "elementwise FLOPs"}, {"calls", "MACs"},
                                             options.width, {"type", "module"}, options.units);
  std::string text = table.text;
  if (!left_out.empty()) {
    std::string types;
    for (const auto& [type, count] : left_out) types += (types.empty() ? "" : ", ") + type + " x" + std::to_string(count);
    const size_t rows = all_lines.size() - lines.size();
    text += wrap_text("  (", std::to_string(rows) + (rows == 1 ? " row" : " rows") + " without parameters or work not shown: " + types +
                                 "; --all-rows shows them)",
                      options.width);
  }
  return text + left_out_line(table, options.width);
}

}  // namespace

std::string render_table(const AnalyzedRun& run, const TableOptions& options) {
  if (options.summary) return summary_line(run);
  std::ostringstream out;
  std::string inputs;
  for (const auto& spec : run.options->inputs) inputs += ' ' + to_string(spec);
  const std::string kind = run.recording->timed ? "" : std::string("  (") + kDryRunMeaning + ")";
  const std::string method = run.options->method == "forward" ? "" : "  method " + run.options->method;
  out << wrap_text("flopscope: ", run.model->path() + method + "  inputs" + inputs + kind, options.width) << tool_identity() << "\n";
  for (const auto& library : run.model->operator_libraries()) out << "operators from " << library.name << ": " << library.path << "\n";
  out << "\n";
  const std::vector<ModuleLine> lines = module_lines(run, options);
  out << (options.top > 0 ? render_top_rows(lines, static_cast<size_t>(options.top), options) : render_module_tree(lines, options));
  write_subclasses(out, *run.analysis, options.width);
  write_totals(out, run, lines, options.width);
  write_conventions(out, run, options.width, options.all_conventions);
  if (run.hardware != nullptr) out << render_roofline_table(run, options);
  if (run.analysis->training) out << render_training_table(run, options);
  write_coverage(out, *run.analysis, options.width);
  if (options.crosscheck) write_crosscheck(out, run, options.width);
  return out.str();
}

}  // namespace flopscope
