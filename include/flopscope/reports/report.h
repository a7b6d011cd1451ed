// Reports — the per-module account of one analyzed run, as a text table or JSON (docs/json-schema.md).
//
// Both read the same AnalyzedRun and never compute counts themselves: every number comes from the
// Analysis. The table groups identical consecutive siblings ("resblocks.[0-23] (x24)").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "flopscope/analysis/analysis.h"
#include "flopscope/reports/number_format.h"
#include "flopscope/runtime/model.h"
#include "flopscope/runtime/recorder.h"

namespace flopscope {

struct AnalyzedRun {
  const Model* model = nullptr;
  const RunOptions* options = nullptr;
  const Recording* recording = nullptr;
  const Analysis* analysis = nullptr;
  std::vector<Tower> towers;
  std::string command_line;
};

struct TableOptions {
  int depth = -1;        // deepest module level shown; -1: all
  bool group = true;     // group identical consecutive siblings
  bool crosscheck = false;  // append the rule vs op-level cross-check
};

std::string render_table(const AnalyzedRun& run, const TableOptions& options);
nlohmann::json render_json(const AnalyzedRun& run, bool crosscheck);

inline constexpr int kJsonSchemaVersion = 1;

}  // namespace flopscope
