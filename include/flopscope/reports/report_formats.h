// Report formats — how a command writes its report, found by name (--format) as rules are found by
// type. `analyze`: table, json, csv, markdown, html; `diff`: table, json, markdown (reports/diff_report.h);
// `sweep`: table, json, csv (reports/sweep_report.h); `zoo`: markdown, json (reports/zoo_report.h).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "flopscope/core/error.h"
#include "flopscope/reports/report.h"

namespace flopscope {

// Options: what else a command's renderers take beside the report (analyze: TableOptions; sweep: none).
template <class Report, class... Options>
struct Format {
  std::string name;         // "csv"
  std::string description;  // one line, for --help and docs
  std::function<std::string(const Report&, const Options&...)> render;
};

// Throws Error(Usage) naming the formats there are.
template <class Report, class... Options>
const Format<Report, Options...>& find_format(const std::vector<Format<Report, Options...>>& formats, const std::string& name) {
  std::string names;
  for (const auto& format : formats) {
    if (format.name == name) return format;
    names += (names.empty() ? "" : ", ") + format.name;
  }
  throw Error(ExitCode::Usage, "--format " + name + ": not a report format; there are " + names);
}

using ReportFormat = Format<AnalyzedRun, TableOptions>;
const std::vector<ReportFormat>& report_formats();

}  // namespace flopscope
