// sweep: the counts and timings at several batch sizes or input sizes, with the exact fits.
#include "flopscope/analysis/sweep.h"
#include "flopscope/app/commands.h"
#include "flopscope/reports/sweep_report.h"
#include "app/model_work.h"

namespace flopscope {

WorkResult sweep_command(const SweepRequest& request) {
  ModelRequest target = request.model;
  SweepOptions options;
  if (request.vary.empty()) {
    options.sizes = parse_size_list(request.sizes);
  } else {
    parse_vary(request.vary, options);
    if (request.sizes_given) {
      // With --vary, --batch fixes the batch of every point.
      const auto batch = parse_size_list(request.sizes);
      if (batch.size() != 1) throw Error(ExitCode::Usage, "with --vary, --batch takes one size (the batch of every point)");
      target.run.batch = batch.front();
    }
  }
  options.repeat = request.repeat;
  options.warmup = request.warmup;
  options.dry_run = target.dry_run;
  RunRequest largest = target.run;
  if (options.varied) largest.sized_dims = SizedDims{*options.varied, options.sizes.back()};
  else largest.batch = options.sizes.back();
  return run_on_model(target, largest, [&](Model& model) {
    const RunPlan plan = plan_run(model, target.run);
    const SweepResult result = run_sweep(model, plan, options, request.progress);
    if (request.progress) request.progress("");  // done: a live progress line is cleared
    const SweepContext context{&model, &plan, &options, &result, target.command_line};
    WorkResult work;
    if (!request.chart.empty()) work.outputs.push_back({request.chart, render_sweep_svg(context)});
    work.outputs.push_back({target.output, find_format(sweep_formats(), target.format).render(context)});
    return work;
  });
}

}  // namespace flopscope
