// Module table — the numbers of every row that module_rows() shows, summed over a group's repeats,
// as exact integers. The text table, CSV and Markdown all write these lines, so they agree.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "flopscope/core/counts.h"
#include "flopscope/reports/module_rows.h"
#include "flopscope/reports/report.h"

namespace flopscope {

struct ModuleLine {
  ModuleRow row;
  std::string type;     // class type without its package: "Linear"
  int64_t repeat = 1;   // modules in the group (1 for a single module)
  int64_t calls = 0;    // summed over the group
  std::string inputs;   // shapes of the first call: "1x3x224x224, 1x77"; "-" when never called
  std::string outputs;
  int64_t params = 0;   // distinct parameter elements of the subtrees
  bool called = false;
  // Never called, nor anything under it: its weights were read by the ops of a module above (the code
  // of MultiheadAttention uses out_proj.weight), so its work is in that row ("in parent"); or they
  // were not read at all in this run ("not run").
  bool work_in_parent = false;
  bool not_run = false;
  Counts counts;        // summed over calls and the group
  int64_t bytes = 0;    // moved by the ops that ran (unfused, docs/bytes.md)
  double seconds = 0.0; // real runs: time inside the calls, with recording hooks
  double percent_of_flops = 0.0;
  Counts backward;      // training: summed over calls and the group
  int64_t data_dependent_flops = 0;  // of counts, on shapes the input's values decided (after nms, ...)
  bool data_dependent = false;       // some of its calls ran such ops, even ones that did no work

  // The type as tables show it: marked " *" when its count holds for this input only (see the totals).
  std::string marked_type() const { return data_dependent ? type + " *" : type; }
};

// The lines of module_rows(); with options.sort, each row's children ordered by that column, largest
// first (a group's rows stay under it).
std::vector<ModuleLine> module_lines(const AnalyzedRun& run, const TableOptions& options);

// The columns rows can be ordered by: "flops", "macs", "params", "bytes".
const std::vector<std::string>& sortable_columns();
// Throws Error(Usage) naming them unless `column` is one of them.
void check_sortable_column(const std::string& column);
// A line's value in one of sortable_columns(), and that column's header ("FLOPs").
int64_t column_value(const ModuleLine& line, const std::string& column);
std::string column_header(const std::string& column);

// The cells of the module table (header first) shown by the text table and Markdown: module (as
// `label` writes it), type, calls, inputs, outputs, params, FLOPs, matmul FLOPs, elementwise FLOPs,
// MACs, % FLOPs; "-" for the counts of a module that never ran. `si`: counts as "41.23 G".
std::vector<std::vector<std::string>> module_table_cells(const std::vector<ModuleLine>& lines,
                                                         const std::function<std::string(const ModuleLine&)>& label, bool si = false);

// The training step's section in Markdown, modules labelled by `label` (run.analysis->training must be
// set; the text table's is render_training_table in report.h).
std::string render_training_markdown(const AnalyzedRun& run, const TableOptions& options,
                                     const std::function<std::string(const ModuleLine&)>& label);

}  // namespace flopscope
