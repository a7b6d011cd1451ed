// Report formats — how `analyze` writes its report, found by name (--format) as rules are found by
// type: table, json, csv, markdown. Each renders the same AnalyzedRun.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "flopscope/reports/report.h"

namespace flopscope {

struct ReportFormat {
  std::string name;         // "csv"
  std::string description;  // one line, for --help and docs
  std::function<std::string(const AnalyzedRun&, const TableOptions&)> render;
};

const std::vector<ReportFormat>& report_formats();
// Throws Error(Usage) naming the formats there are.
const ReportFormat& find_report_format(const std::string& name);

}  // namespace flopscope
