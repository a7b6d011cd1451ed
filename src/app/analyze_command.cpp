// analyze: record one run of the model, count it, and render the report (and the roofline chart).
#include "flopscope/analysis/analysis.h"
#include "flopscope/app/commands.h"
#include "flopscope/counting/formula_coverage.h"
#include "flopscope/hardware/roofline.h"
#include "flopscope/reports/report_formats.h"
#include "app/model_work.h"

namespace flopscope {
namespace {

// --tower NAME=module.path: a subtree reported on its own, added to the preset's towers.
Tower parse_tower(const std::string& text, const Model& model) {
  const auto equals = text.find('=');
  if (equals == std::string::npos || equals == 0 || equals + 1 == text.size()) {
    throw Error(ExitCode::Usage, "--tower must be NAME=module.path, got '" + text + "'");
  }
  const std::string path = text.substr(equals + 1);
  if (model.find_module(path) < 0) throw Error(ExitCode::Usage, "--tower " + text + ": the model has no module '" + path + "'");
  return {text.substr(0, equals), {path}, {}, {}};
}

}  // namespace

WorkResult analyze_command(const AnalyzeRequest& request) {
  // Hardware files and precisions are checked before the model runs.
  const bool roofline = !request.hardware.empty() || !request.precision.empty() || !request.weight_precision.empty() ||
                        request.fps > 0;
  if (!request.chart.empty() && request.hardware.empty()) {
    throw Error(ExitCode::Usage, "--chart draws the roofs of --hardware devices: add e.g. --hardware rtx4090,this-machine");
  }
  if ((request.table.summary || request.table.top > 0) && request.model.format != "table") {
    throw Error(ExitCode::Usage, std::string(request.table.summary ? "--summary" : "--top") + " shapes the terminal table; --format " +
                                     request.model.format + " writes every row (drop the option, or use --format table)");
  }
  if (request.table.totals_only && request.model.format != "json") {
    throw Error(ExitCode::Usage, "--totals-only shapes the JSON report: add --format json (or -o FILE.json)");
  }
  const HardwareQuestion question =
      parse_hardware_question(request.hardware, request.precision, request.weight_precision, request.fps);
  const ModelRequest& target = request.model;
  return run_on_model(target, target.run, [&](Model& model) {
    const RunPlan plan = plan_run(model, target.run);
    std::vector<Tower> towers = plan.towers;
    for (const auto& text : request.towers) towers.push_back(parse_tower(text, model));
    const Recording recording = record(model, plan.options, formula_coverage());
    const Analysis analysis = analyze(model, recording);
    const AnalyzedRun analyzed{&model, &plan.options, &recording, &analysis, count_towers(model, recording, analysis, towers),
                               target.command_line,
                               roofline ? &question : nullptr};
    WorkResult result;
    if (!request.chart.empty()) result.outputs.push_back({request.chart, render_roofline_svg(analyzed, request.table)});
    result.outputs.push_back({target.output, find_format(report_formats(), target.format).render(analyzed, request.table)});
    const int mismatched = analysis.mismatched_calls + analysis.backward_mismatched_calls;
    if (request.strict && (mismatched > 0 || !analysis.uncovered_ops.empty() || analysis.failed_rule_calls > 0)) {
      result.exit_code = static_cast<int>(ExitCode::CheckFailed);
      result.message = "--strict: " + std::to_string(mismatched) + " mismatched call(s) (forward or backward), " +
                       std::to_string(analysis.failed_rule_calls) + " failed rule(s), " +
                       std::to_string(analysis.uncovered_ops.size()) + " uncovered op kind(s)";
    }
    return result;
  });
}

}  // namespace flopscope
