// Sweep reports: a text table, JSON (timings only under "timing" keys), CSV, and an SVG chart of
// FLOPs and forward time against batch size that a browser opens.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "flopscope/runtime/model.h"
#include "flopscope/analysis/run_plan.h"
#include "flopscope/analysis/sweep.h"
#include "flopscope/reports/report_formats.h"

namespace flopscope {

struct SweepContext {
  const Model* model = nullptr;
  const RunPlan* plan = nullptr;
  const SweepOptions* options = nullptr;
  const SweepResult* result = nullptr;
  std::string command_line;
};

std::string render_sweep_table(const SweepContext& sweep);
nlohmann::json render_sweep_json(const SweepContext& sweep);
std::string render_sweep_csv(const SweepContext& sweep);
std::string render_sweep_svg(const SweepContext& sweep);

// An exact fit as JSON: its coefficients as exact text ("3/64") and how many points fixed and checked
// it (the generation report's fits too).
nlohmann::json fit_json(const QuadraticFit& fit);

using SweepFormat = Format<SweepContext>;
const std::vector<SweepFormat>& sweep_formats();  // table, json, csv (the chart is --chart, beside any of them)

}  // namespace flopscope
