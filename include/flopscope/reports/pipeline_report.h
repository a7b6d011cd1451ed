// Pipeline reports: each component's FLOPs and bytes per run and per request (next to a figure quoted
// for it, in its convention), the request's total, what a request rate needs, and the time per
// request on each device and precision. Terminal table, Markdown (docs pages), JSON.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "flopscope/analysis/generation.h"
#include "flopscope/analysis/pipeline.h"
#include "flopscope/core/counts.h"
#include "flopscope/hardware/generation_bounds.h"
#include "flopscope/reports/report_formats.h"
#include "flopscope/reports/text_table.h"

namespace flopscope {

// One component, measured (one run: a forward, or a generation's prefill and every decode step).
struct ComponentMeasure {
  Counts counts;
  Counts prefill;  // a generation's prefill (zero for a forward)
  StepBytes bytes;
  int64_t params = 0;
  std::string call;             // "encode_image 1x3x224x224:float32", "generate: prompt 32, 32 new tokens"
  std::vector<double> seconds;  // per (device, precision), device-major; negative: no peak for it
};
nlohmann::json measure_json(const ComponentMeasure& measure);
ComponentMeasure measure_from_json(const nlohmann::json& json);

struct PipelineContext {
  const Pipeline* pipeline = nullptr;
  std::vector<ComponentMeasure> measures;  // parallel to pipeline->components
  std::vector<Hardware> devices;
  std::vector<GenerationPrecision> precisions;  // the first prices the bytes in the component table
  double rate = 1.0;                            // requests per second
  bool dry_run = false;
  size_t width = kTerminalWidth;  // the terminal table's columns (0: no limit)
  std::string command_line;
};

using PipelineFormat = Format<PipelineContext>;
const std::vector<PipelineFormat>& pipeline_formats();  // table, markdown, json

}  // namespace flopscope
