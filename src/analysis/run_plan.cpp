#include "flopscope/analysis/run_plan.h"

#include "flopscope/core/error.h"
#include "flopscope/core/manifest.h"
#include "flopscope/analysis/presets.h"

namespace flopscope {

RunPlan plan_run(const Model& model, const RunRequest& request) {
  const auto& manifest = model.manifest();
  RunPlan plan;
  RunOptions& run = plan.options;
  run.method = !request.method.empty() ? request.method
                                       : (manifest && !manifest->method.empty() ? manifest->method : "forward");
  static_cast<RunSettings&>(run) = request;
  if (!request.training && (!request.loss.empty() || !request.frozen.empty())) {
    throw Error(ExitCode::Usage, std::string(request.loss.empty() ? "--freeze" : "--loss") + " needs --training");
  }
  if (!request.loss.empty()) {
    check_training_loss(request.loss);
    run.loss = request.loss;
  }
  if (!request.dtype.empty()) {
    run.dtype = parse_dtype(request.dtype);
    if (!run.dtype || !is_floating(*run.dtype)) {
      throw Error(ExitCode::Usage, "--dtype must be float16, bfloat16, float32 or float64, got '" + request.dtype + "'");
    }
  }
  if (request.threads < 0) throw Error(ExitCode::Usage, "--threads must be >= 0");
  const auto arguments = model.method_arguments(run.method);  // checks that the method exists

  plan.preset = !request.preset.empty() ? request.preset : (manifest ? manifest->preset : "");
  std::optional<Preset> preset;
  if (!plan.preset.empty()) {
    preset = make_preset(plan.preset, model, run.method);
    plan.towers = preset->towers;
  }
  const bool manifest_fits = manifest && (manifest->method.empty() ? "forward" : manifest->method) == run.method;
  if (!request.inputs.empty()) {
    for (const auto& text : request.inputs) run.inputs.push_back(parse_input_spec(text));
  } else if (preset) {
    run.inputs = preset->inputs;
  } else if (manifest_fits) {
    for (const auto& text : manifest->inputs) run.inputs.push_back(parse_input_spec(text));
  }
  if (run.inputs.empty() && !arguments.empty()) {
    std::string names;
    for (const auto& arg : arguments) names += (names.empty() ? "" : ", ") + arg.name + ": " + arg.type;
    const bool looks_like_clip = model.find_module("visual") >= 0;
    throw Error(ExitCode::Usage, "no inputs given: pass one --input per argument of '" + run.method + "' (" + names + ")" +
                                     (looks_like_clip ? ", or --preset openclip" : ""));
  }
  if (request.batch) apply_batch(run.inputs, *request.batch);
  if (request.sized_dims) apply_sized_dims(run.inputs, *request.sized_dims);
  for (InputSpec& spec : run.inputs) {
    if (run.dtype && is_floating(spec.dtype)) spec.dtype = *run.dtype;
  }
  return plan;
}

}  // namespace flopscope
