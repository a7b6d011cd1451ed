// CSV: one row per module row of the table, every column, exact integers, no separators or prefixes,
// for spreadsheets and scripts. Columns: docs/cli.md.
#include <sstream>

#include "flopscope/reports/module_table.h"
#include "flopscope/reports/number_format.h"
#include "flopscope/reports/report.h"

namespace flopscope {

namespace {

// RFC 4180: a field with a comma, a quote or a line break is quoted, its quotes doubled.
std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string quoted = "\"";
  for (const char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

}  // namespace

std::string render_csv(const AnalyzedRun& run, const TableOptions& options) {
  std::ostringstream out;
  out << "module,depth,type,repeat,calls,inputs,outputs,params,flops,matmul_flops,activation_flops,integer_flops,"
         "elementwise_flops,macs,percent_of_flops,bytes,seconds,data_dependent_flops\n";
  for (const ModuleLine& l : module_lines(run, options)) {
    out << csv_field(l.row.path) << ',' << l.row.depth << ',' << csv_field(l.type) << ',' << l.repeat << ',' << l.calls << ','
        << csv_field(l.inputs) << ',' << csv_field(l.outputs) << ',' << l.params << ',';
    // A module that never ran has no counts, which is not the same as counts of zero.
    if (l.called) {
      out << l.counts.flops() << ',' << l.counts.matmul_flops << ',' << l.counts.activation_flops << ','
          << l.counts.integer_flops << ',' << l.counts.elementwise_flops << ',' << l.counts.macs << ',' << fixed(l.percent_of_flops, 4) << ',' << l.bytes << ',';
    } else {
      out << ",,,,,,,,";
    }
    if (l.called && run.recording->timed) out << fixed(l.seconds, 6);
    out << ',';
    if (l.called) out << l.data_dependent_flops;
    out << '\n';
  }
  return out.str();
}

}  // namespace flopscope
