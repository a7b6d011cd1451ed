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

void write_totals(std::ostringstream& out, const AnalyzedRun& run, size_t table_width) {
  out << "\nTotals (B = dim 0 of the inputs; " << kConventions << ")\n";
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
    const TowerTotals& totals = tower.totals;
    out << "  " << tower.name << std::string(width - tower.name.size(), ' ') << "params " << with_separators(totals.params)
        << ", FLOPs " << with_separators(totals.counts.flops()) << " (" << human_flops(totals.counts.flops()) << "), matmul "
        << with_separators(totals.counts.matmul_flops) << "\n";
  }
}

void write_conventions(std::ostringstream& out, const AnalyzedRun& run, size_t width) {
  out << "\nThe same run in other tools' conventions (see docs/conventions.md)\n";
  const auto list = conventions(*run.model, *run.recording, *run.analysis, run.towers);
  std::vector<std::string> values;
  size_t name_width = 0, value_width = 0;
  for (const auto& c : list) {
    values.push_back(c.name.rfind("MACs", 0) == 0 ? human_count(c.value) + " MACs" : human_flops(c.value));
    name_width = std::max(name_width, c.name.size());
    value_width = std::max(value_width, values.back().size());
  }
  for (size_t i = 0; i < list.size(); ++i) {  // meanings start in one column, wrapped under it
    const auto& c = list[i];
    out << wrap_text("  " + c.name + std::string(name_width - c.name.size(), ' ') + "  " + values[i] +
                         std::string(value_width - values[i].size(), ' ') + "  ",
                     c.meaning, width);
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
  out << "\nCross-check: module rule vs op-level count of the ops that actually ran (matmul FLOPs)\n";
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
  out << "\nBackward cross-check: product layers (Linear, ConvNd), forward MACs x the gradients needed (input, weight) vs\n"
         "the backward ops attributed to the call (matmul FLOPs)\n"
      << "  rule calls " << a.backward_rule_calls << ": match " << a.backward_matched_calls << ", mismatch "
      << a.backward_mismatched_calls << '\n';
  write_check_failures(out, run, [](const CallCounts& c) { return Checked{c.backward_status, c.backward_rule.matmul_flops, c.backward.matmul_flops}; });
}

}  // namespace

std::string render_table(const AnalyzedRun& run, const TableOptions& options) {
  std::ostringstream out;
  std::string inputs;
  for (const auto& spec : run.options->inputs) inputs += ' ' + to_string(spec);
  const std::string kind = run.recording->timed ? "" : std::string("  (") + kDryRunMeaning + ")";
  out << wrap_text("flopscope: ", run.model->path() + "  method " + run.options->method + "  inputs" + inputs + kind, options.width)
      << tool_identity() << "\n";
  for (const auto& library : run.model->operator_libraries()) out << "operators from " << library.name << ": " << library.path << "\n";
  out << "\n";
  const auto tree = [](const ModuleLine& l) { return l.row.tree_label; };
  // Numbers from "params" on right-aligned; inputs and outputs are the first to go (CSV and JSON keep
  // them), then the split of FLOPs, which MACs (= matmul / 2) and FLOPs give, and last long type names.
  const FittedTable modules = fit_text_table(module_table_cells(module_lines(run, options), tree), 5,
                                             {"inputs", "outputs", "matmul FLOPs", "elementwise FLOPs"}, options.width, "type");
  out << modules.text << left_out_line(modules, options.width);
  write_totals(out, run, options.width);
  if (run.hardware != nullptr) out << render_roofline_table(run, options);
  if (run.analysis->training) out << render_training_table(run, options);
  write_conventions(out, run, options.width);
  write_coverage(out, *run.analysis, options.width);
  if (options.crosscheck) write_crosscheck(out, run, options.width);
  return out.str();
}

}  // namespace flopscope
