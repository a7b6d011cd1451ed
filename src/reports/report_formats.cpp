#include "flopscope/reports/report_formats.h"

namespace flopscope {

const std::vector<ReportFormat>& report_formats() {
  static const std::vector<ReportFormat> formats = {
      {"table", "the terminal table: modules, totals, other tools' conventions, coverage", render_table},
      {"json", "everything, per module and per call (docs/json-schema.md)",
       [](const AnalyzedRun& run, const TableOptions& options) { return render_json(run, options.crosscheck, options.totals_only).dump(2) + "\n"; }},
      {"csv", "one row per table row, every column, exact integers (docs/cli.md)", render_csv},
      {"markdown", "the module table and totals, for an issue or a paper", render_markdown},
      {"html", "one self-contained page: FLOPs chart, collapsible sortable module tree, totals, checks", render_html},
  };
  return formats;
}

}  // namespace flopscope
