// zoo and planning: every OpenCLIP model in a directory, each in its own child.
#include "flopscope/app/commands.h"
#include "flopscope/hardware/hardware.h"
#include "flopscope/reports/zoo_report.h"
#include "app/model_work.h"

namespace flopscope {
namespace {

// The first failed model's error, after the report of the others is out.
Error zoo_failure(const Zoo& zoo) {
  const ZooFailure& first = zoo.failures.front();
  return Error(first.code, std::to_string(zoo.failures.size()) + " of " + std::to_string(zoo.failures.size() + zoo.entries.size()) +
                               " models could not be analyzed; first, " + first.name + ": " + first.message);
}

}  // namespace

WorkResult zoo_command(const ZooRequest& request) {
  ZooOptions options = request.options;
  options.isolation = resolve_isolation(request.isolation, request.max_memory, Device::Cpu);
  const Zoo zoo = analyze_zoo(request.directory, options, request.progress);
  if (zoo.entries.empty()) throw zoo_failure(zoo);  // no report of nothing
  WorkResult result;
  result.outputs.push_back({request.output, find_format(zoo_formats(), request.format).render(zoo, request.command_line)});
  if (!zoo.failures.empty()) {
    const Error failure = zoo_failure(zoo);
    result.exit_code = static_cast<int>(failure.code());
    result.message = failure.what();
  }
  return result;
}

// Counts by dry runs, devices from the presets (not this machine: the page must be the same wherever
// it is generated).
WorkResult planning_command(const PlanningRequest& request) {
  ZooOptions options;
  options.dry_run = true;
  const Zoo zoo = analyze_zoo(request.directory, options, request.progress);
  if (!zoo.failures.empty()) throw zoo_failure(zoo);  // the page is written whole or not at all
  std::vector<Hardware> devices;
  for (const auto& name : hardware_presets()) devices.push_back(load_hardware(name));
  return {{{request.output, render_planning_markdown(zoo.entries, devices, request.command_line)}}};
}

}  // namespace flopscope
