// Reports — the per-module account of one analyzed run, as a text table, JSON (docs/json-schema.md),
// CSV, Markdown or an HTML page; reports/report_formats.h finds them by name.
//
// All read the same AnalyzedRun and never compute counts themselves: every number comes from the
// Analysis. The table groups identical consecutive siblings ("resblocks.[0-23] (x24)").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "flopscope/analysis/analysis.h"
#include "flopscope/hardware/hardware.h"
#include "flopscope/hardware/roofline.h"
#include "flopscope/reports/number_format.h"
#include "flopscope/reports/text_table.h"
#include "flopscope/runtime/model.h"
#include "flopscope/runtime/recorder.h"

namespace flopscope {

struct AnalyzedRun {
  const Model* model = nullptr;
  const RunOptions* options = nullptr;
  const Recording* recording = nullptr;
  const Analysis* analysis = nullptr;
  std::vector<CountedTower> towers;  // count_towers(...)
  std::string command_line;
  const HardwareQuestion* hardware = nullptr;  // roofline sections when set
};

struct TableOptions {
  int depth = -1;        // deepest module level shown; -1: all
  bool group = true;     // group identical consecutive siblings
  bool crosscheck = false;  // append the rule vs op-level cross-check
  size_t width = kTerminalWidth;  // terminal tables: columns left out and prose wrapped to fit; 0: no limit
  bool summary = false;           // terminal table: one line (params, FLOPs, MACs, matmul share) instead
  int top = 0;                    // terminal table: the K modules with the most FLOPs of their own, not the tree
  bool all_conventions = false;   // terminal table: every other tool's convention, not the folded line
  bool all_rows = false;          // terminal table: also modules that hold no parameters and do no work (Identity)
  Units units = Units::Fit;       // terminal tables of counts, and Markdown's module table
  std::string sort;               // a column of sortable_columns(): siblings, and --top's ranking, by it; "": model order
  bool totals_only = false;       // JSON: without the per-module and per-call lists (for scripts that need the totals)
};

// What the data-dependent FLOPs of a report are, wherever it shows them ("FLOPs of ...").
inline constexpr const char* kDataDependentMeaning =
    "ops on shapes the input's values decided (after nms, nonzero, masked_select, unique), counted for this "
    "input only; types marked * in the table (docs/files.md)";

// One line of the totals, the same facts in the table and the HTML page.
struct TotalLine {
  std::string name;     // "matmul"
  int depth = 0;        // 1: a part of the line above at depth 0 (matmul of FLOPs)
  std::string exact;    // "41,225,670,624"; "" where there is no exact integer (a time)
  std::string human;    // "41.23 GFLOPs"
  std::string meaning;  // "matrix products and convolutions, 2 x MACs"
};
// Parameters, FLOPs and their parts, MACs, bytes, the memory estimate, the forward time (towers apart).
std::vector<TotalLine> total_lines(const AnalyzedRun& run);

std::string render_table(const AnalyzedRun& run, const TableOptions& options);
// `totals_only`: "modules" and "calls" left out, "totals_only": true.
nlohmann::json render_json(const AnalyzedRun& run, bool crosscheck, bool totals_only = false);
// One set of counts as every JSON report writes it: flops, matmul_flops, elementwise_flops,
// activation_matmul_flops, macs.
nlohmann::json counts_json(const Counts& counts);
// One row per table row, every column, exact integers (columns: docs/cli.md).
std::string render_csv(const AnalyzedRun& run, const TableOptions& options);
// The header, module table and totals as Markdown.
std::string render_markdown(const AnalyzedRun& run, const TableOptions& options);
// One self-contained page: header, totals, towers, FLOPs chart, collapsible sortable module tree,
// roofline, cross-check, coverage, conventions. Opens offline.
std::string render_html(const AnalyzedRun& run, const TableOptions& options);

// The roofline sections (run.hardware must be set): per module and in total, bytes, FLOP/byte, the
// bound on every device at every precision and, after a real run, the measured times.
std::string render_roofline_table(const AnalyzedRun& run, const TableOptions& options);
nlohmann::json render_roofline_json(const AnalyzedRun& run);
// The roofline chart (SVG, log-log): the roofs and ridge points of every device at every precision,
// and one point per shown module row at the first precision: measured FLOP/s after a real run, else
// on the first device's roof. Every point carries its numbers as a tooltip.
std::string render_roofline_svg(const AnalyzedRun& run, const TableOptions& options);

// The training step's sections (run.analysis->training must be set): per module forward, backward,
// their sum and ratio; totals with the loss, per sample, and against 3 x forward (docs/training.md).
std::string render_training_table(const AnalyzedRun& run, const TableOptions& options);

// 2: bytes per module and call ("traffic", "boundary_traffic"), per-module times, "roofline".
inline constexpr int kJsonSchemaVersion = 2;

}  // namespace flopscope
