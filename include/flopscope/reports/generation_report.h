// Generation reports: the steps run, the exact per-step formulas over the context, the whole
// request, the modules' formulas and the bounds per device and precision, as a terminal table,
// JSON (docs/json-schema.md), Markdown, or CSV (one row per step run); an SVG chart beside any of them.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "flopscope/analysis/generation.h"
#include "flopscope/hardware/generation_bounds.h"
#include "flopscope/reports/report_formats.h"
#include "flopscope/runtime/model.h"

namespace flopscope {

struct GenerationContext {
  const Model* model = nullptr;
  const GenerationResult* result = nullptr;
  std::vector<GenerationPrecision> precisions;  // the first prices the bytes in the step table
  std::vector<Hardware> devices;                // --hardware
  std::vector<GenerationBound> bounds;          // empty: no --hardware
  double target_tokens_per_second = 0.0;        // --target-rate (0: not asked)
  int depth = 1;                                // module rows down to this depth
  bool dry_run = false;
  std::string model_name;
  std::string command_line;
};

using GenerationFormat = Format<GenerationContext>;
const std::vector<GenerationFormat>& generation_formats();  // table, json, markdown, csv, html

nlohmann::json render_generation_json(const GenerationContext& generation);

// An SVG chart against the context L: a decode step's FLOPs, its bytes per precision, and with
// devices the tokens/s its bound allows on each (generate --chart).
std::string render_generation_svg(const GenerationContext& generation);

}  // namespace flopscope
