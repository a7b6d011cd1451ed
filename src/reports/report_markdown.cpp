// Markdown: the header, the module table with exact integers and the totals, for pasting into an
// issue or a paper. Every number is one of the table's or the JSON report's.
#include <sstream>

#include "flopscope/core/conventions.h"
#include "flopscope/reports/module_table.h"
#include "flopscope/reports/number_format.h"
#include "flopscope/reports/report.h"
#include "flopscope/reports/text_table.h"
#include "flopscope/reports/tool_identity.h"

namespace flopscope {

std::string render_markdown(const AnalyzedRun& run, const TableOptions& options) {
  std::ostringstream out;
  out << "## flopscope: `" << run.model->path() << "`\n\n"
      << "Method `" << run.options->method << "`, inputs";
  for (const auto& spec : run.options->inputs) out << " `" << to_string(spec) << '`';
  out << (run.recording->timed ? "" : std::string(" (") + kDryRunMeaning + ")") << ". " << tool_identity() << ".\n"
      << kConventions << "; groups of identical blocks are summed over their repeats.\n\n";
  // Qualified names in code spans instead of the text table's indentation, which Markdown drops.
  const auto label = [](const ModuleLine& l) {
    return (l.row.path.empty() ? "(model)" : "`" + l.row.path + "`") + (l.repeat > 1 ? " (x" + std::to_string(l.repeat) + ")" : "");
  };
  out << format_markdown_table(module_table_cells(module_lines(run, options), label), "llrllrrrrrr");
  const Counts& t = run.analysis->total;
  out << "\n**Totals:** parameters " << with_separators(run.model->total_params()) << "; FLOPs " << with_separators(t.flops())
      << " (" << human_flops(t.flops()) << ") = matmul " << with_separators(t.matmul_flops) << " + elementwise "
      << with_separators(t.elementwise_flops) << "; MACs " << with_separators(t.macs) << "; bytes moved "
      << with_separators(run.analysis->traffic.bytes) << ".\n";
  if (t.integer_flops > 0) {
    out << "**In integers:** " << with_separators(t.integer_flops) << " of the matmul FLOPs are int8 OPs (quantized ops' "
        << "integer multiply-adds x 2, for an int8 peak).\n";
  }
  const int64_t data_dependent = run.analysis->data_dependent_total.flops();
  if (run.analysis->data_dependent_code) out << "**Data-dependent:** " << with_separators(data_dependent) << " FLOPs of " << kDataDependentMeaning << ".\n";
  for (const CountedTower& tower : run.towers) {
    const TowerTotals& totals = tower.totals;
    out << "**" << tower.name << ":** parameters " << with_separators(totals.params) << "; FLOPs "
        << with_separators(totals.counts.flops()) << "; matmul " << with_separators(totals.counts.matmul_flops) << ".\n";
  }
  if (run.analysis->training) out << render_training_markdown(run, options, label);
  return out.str();
}

}  // namespace flopscope
