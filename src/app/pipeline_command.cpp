// pipeline: each component of a pipeline file counted in its own child (a forward, or a decoder's
// generation), then the request's totals, the rate's needs and the time per request per device.
#include "flopscope/analysis/analysis.h"
#include "flopscope/analysis/generation.h"
#include "flopscope/analysis/pipeline.h"
#include "flopscope/app/commands.h"
#include "flopscope/counting/formula_coverage.h"
#include "flopscope/hardware/generation_bounds.h"
#include "flopscope/reports/pipeline_report.h"
#include "app/model_work.h"

namespace flopscope {
namespace {

struct Devices {
  const std::vector<Hardware>& devices;
  const std::vector<GenerationPrecision>& precisions;
};

// A forward: its counts, the bytes it moves once (weights, inputs, outputs), its bound per device.
ComponentMeasure measure_forward(Model& model, const RunPlan& plan, const Devices& on) {
  const Recording recording = record(model, plan.options, formula_coverage());
  const Analysis analysis = analyze(model, recording);
  ComponentMeasure m;
  m.counts = analysis.total;
  m.bytes = boundary_bytes(analysis.calls.front().boundary);
  m.call = plan.options.method;
  for (const InputSpec& input : plan.options.inputs) m.call += " " + to_string(input);
  for (const Hardware& device : on.devices) {
    for (const GenerationPrecision& precision : on.precisions) {
      const std::optional<Bound> bound = work_bound(m.counts, m.bytes, device, precision);
      m.seconds.push_back(bound ? bound->seconds() : -1.0);
    }
  }
  return m;
}

// A generation: the prefill and every decode step together, each step at its own bound.
ComponentMeasure measure_generation(Model& model, const RunPlan& plan, const PipelineComponent& component, const Devices& on) {
  GenerationOptions options;
  options.prompt = component.prompt;
  options.new_tokens = component.new_tokens;
  options.feed = feed_rules_for(component.feed, model);
  const GenerationResult result = run_generation(model, plan, options);
  ComponentMeasure m;
  m.prefill = result.prefill().counts;
  m.counts = m.prefill + result.decode_total();
  m.bytes = result.prefill().bytes;
  m.bytes += result.decode_bytes_total();
  m.call = "generate: prompt " + std::to_string(result.prompt) + ", " + std::to_string(result.new_tokens) + " new tokens";
  for (const Hardware& device : on.devices) {
    for (const GenerationPrecision& precision : on.precisions) {
      const std::vector<GenerationBound> bounds = bound_generation(result, {device}, {precision}, 1);
      m.seconds.push_back(bounds.empty() ? -1.0 : bounds.front().request_seconds());
    }
  }
  return m;
}

}  // namespace

WorkResult pipeline_command(const PipelineRequest& request) {
  const Pipeline pipeline = read_pipeline(request.path);
  find_format(pipeline_formats(), request.format);
  PipelineContext context;
  context.pipeline = &pipeline;
  context.rate = request.rate.empty() ? pipeline.rate : parse_rate(request.rate);
  context.precisions = parse_generation_precisions(request.precision.empty() ? "w16a16" : request.precision);
  if (!request.hardware.empty()) context.devices = parse_hardware_question(request.hardware, "", "", 0.0).devices;
  context.dry_run = request.dry_run;
  context.width = request.width;
  context.command_line = request.command_line;
  const Devices on{context.devices, context.precisions};
  WorkResult result;
  for (const PipelineComponent& component : pipeline.components) {
    if (request.progress) request.progress(component.name + ": " + component.model);
    ModelRequest target;
    target.path = component.model;
    target.run.method = component.method;
    target.run.inputs = component.inputs;
    target.dry_run = request.dry_run;
    target.isolation = request.isolation;
    target.max_memory = request.max_memory;
    try {
      const WorkResult measured = run_on_model(target, target.run, [&](Model& model) {
        const RunPlan plan = plan_run(model, target.run);
        ComponentMeasure m = component.generate ? measure_generation(model, plan, component, on) : measure_forward(model, plan, on);
        m.params = model.total_params();
        WorkResult work;
        work.outputs.push_back({"", measure_json(m).dump()});  // the child's answer, read back below
        return work;
      });
      context.measures.push_back(measure_from_json(nlohmann::json::parse(measured.outputs.at(0).content)));
      if (!measured.note.empty()) result.note += (result.note.empty() ? "" : "\n") + component.name + ": " + measured.note;
    } catch (const Error& e) {
      throw Error(e.code(), "component '" + component.name + "' (" + component.model + "): " + e.what());
    }
  }
  if (request.progress) request.progress("");
  result.outputs.push_back({request.output, find_format(pipeline_formats(), request.format).render(context)});
  return result;
}

}  // namespace flopscope
