// Module rows — which modules a per-module report shows, in tree order, with identical consecutive
// siblings folded into one group row ("resblocks.[0-11] (x12)"). Shared by the counts table and the
// roofline table so both show the same rows.
#pragma once

#include <string>
#include <vector>

#include "flopscope/reports/report.h"

namespace flopscope {

struct ModuleRow {
  std::string label;         // "visual.transformer.resblocks.[0-11] (x12)", indented two spaces per level
  int depth = 0;
  std::vector<int> modules;  // the module, or for a group row the corresponding module of every repeat
};

std::vector<ModuleRow> module_rows(const AnalyzedRun& run, const TableOptions& options);

}  // namespace flopscope
