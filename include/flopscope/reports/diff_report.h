// The diff of two reports as a table, Markdown or JSON (formats found by name, like analyze's).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "flopscope/analysis/diff.h"
#include "flopscope/reports/report_formats.h"
#include "flopscope/reports/text_table.h"

namespace flopscope {

struct DiffOptions {
  int depth = 4;  // deepest module level listed; identical consecutive blocks at the last level shown are one row
  size_t width = kTerminalWidth;  // the table's columns: inputs, then types left out to fit; 0: no limit
};

using DiffFormat = Format<ReportDiff, DiffOptions>;
const std::vector<DiffFormat>& diff_formats();  // table, json, markdown

std::string render_diff_table(const ReportDiff& diff, const DiffOptions& options);
std::string render_diff_markdown(const ReportDiff& diff, const DiffOptions& options);
nlohmann::json render_diff_json(const ReportDiff& diff);  // every module, ungrouped

}  // namespace flopscope
