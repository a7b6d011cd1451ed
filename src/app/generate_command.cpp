// generate: a decoder's prefill and decode steps, fed with its own caches, with the exact per-step
// formulas over the context and the bounds per device and precision.
#include <filesystem>

#include "flopscope/analysis/generation.h"
#include "flopscope/app/commands.h"
#include "flopscope/hardware/generation_bounds.h"
#include "flopscope/reports/generation_report.h"
#include "app/model_work.h"

namespace flopscope {

WorkResult generate_command(const GenerateRequest& request) {
  // Options are checked before the model runs.
  if (request.new_tokens < 1) throw Error(ExitCode::Usage, "--new-tokens must be 1 or more");
  if (request.prompt < 0) throw Error(ExitCode::Usage, "--prompt must be 1 or more");
  if (request.batch < 1) throw Error(ExitCode::Usage, "--batch (concurrent sequences) must be 1 or more");
  if (request.target_rate < 0) throw Error(ExitCode::Usage, "--target-rate must be a positive number of tokens/s");
  const ModelRequest& target = request.model;
  find_format(generation_formats(), target.format);
  std::vector<GenerationPrecision> precisions;
  if (!request.precision.empty()) precisions = parse_generation_precisions(request.precision);
  std::vector<Hardware> devices;
  if (!request.hardware.empty()) devices = parse_hardware_question(request.hardware, "", "", 0.0).devices;
  GenerationOptions options;
  options.prompt = request.prompt;
  options.new_tokens = request.new_tokens;
  options.every_step = request.every_step;
  if (!request.feed.empty()) parse_feed_rules(request.feed);  // a mistake stops before the model runs
  return run_on_model(target, target.run, [&](Model& model) {
    const RunPlan plan = plan_run(model, target.run);
    GenerationOptions fed = options;
    fed.feed = feed_rules_for(request.feed, model);
    const GenerationResult result = run_generation(model, plan, fed, request.progress);
    if (request.progress) request.progress("");
    GenerationContext context;
    context.model = &model;
    context.result = &result;
    context.precisions = precisions;
    if (context.precisions.empty()) {
      // As the model ran: its weights' bits for everything.
      context.precisions.push_back({result.run_bits, result.run_bits, result.run_bits});
    }
    context.devices = devices;
    if (!devices.empty()) context.bounds = bound_generation(result, devices, context.precisions, request.batch);
    context.target_tokens_per_second = request.target_rate;
    context.depth = request.depth;
    context.dry_run = target.dry_run;
    context.model_name = std::filesystem::path(target.path).filename().string();
    context.command_line = target.command_line;
    WorkResult work;
    if (!request.chart.empty()) work.outputs.push_back({request.chart, render_generation_svg(context)});
    work.outputs.push_back({target.output, find_format(generation_formats(), target.format).render(context)});
    return work;
  });
}

}  // namespace flopscope
