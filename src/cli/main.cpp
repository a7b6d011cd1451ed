// flopscope command line: parses options, calls the library, prints or writes the report.
// Every user mistake ends here as one line on stderr and a documented exit code (docs/cli.md).
#include <CLI/CLI.hpp>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <optional>

#include "flopscope/analysis/analysis.h"
#include "flopscope/analysis/memory_estimate.h"
#include "flopscope/core/error.h"
#include "flopscope/core/input_spec.h"
#include "flopscope/runtime/isolation.h"
#include "flopscope/runtime/meta_kernels.h"
#include "flopscope/runtime/model.h"
#include "flopscope/counting/backward_rules.h"
#include "flopscope/counting/formula_coverage.h"
#include "flopscope/counting/module_rules.h"
#include "flopscope/counting/op_formulas.h"
#include "flopscope/reports/output_file.h"
#include "flopscope/runtime/recorder.h"
#include "flopscope/reports/report.h"
#include "flopscope/reports/tool_identity.h"
#include "flopscope/analysis/run_plan.h"
#include "flopscope/analysis/sweep.h"
#include "flopscope/reports/sweep_report.h"
#include "flopscope/reports/zoo_report.h"
#include "flopscope/hardware/hardware.h"
#include "flopscope/hardware/measure_machine.h"
#include "flopscope/hardware/roofline.h"
#include "flopscope/reports/number_format.h"
#include "flopscope/reports/report_formats.h"
#include "flopscope/reports/diff_report.h"
#include "flopscope/analysis/diff.h"

namespace {

using flopscope::Error;
using flopscope::ExitCode;

constexpr const char* kWidthHelp = "columns the table fits in (default 120): columns left out, lines wrapped; 0: no limit";

// The child process a model runs in (docs/isolation.md): --timeout, --max-memory, --no-isolate.
struct IsolationFlags {
  flopscope::IsolationLimits limits;
  std::string max_memory;  // --max-memory text, parsed after the command line

  void add_to(CLI::App& command) {
    command.add_option("--timeout", limits.timeout_seconds, "stop the model's run after SECONDS (default: none)")
        ->check(CLI::PositiveNumber);
    command.add_option("--max-memory", max_memory, "memory the model's run may use, e.g. 8G (default: 3/4 of physical memory)");
    command.add_flag_function("--no-isolate", [this](int64_t) { limits.isolate = false; },
                              "run the model in this process: no sandbox, timeout or memory limit (for debugging)");
  }
  // CUDA reserves large address ranges and pins host memory: no default limit there.
  flopscope::IsolationLimits resolve(const std::string& device = "cpu") const {
    flopscope::IsolationLimits resolved = limits;
    if (!max_memory.empty()) resolved.max_memory_bytes = flopscope::parse_memory_size(max_memory);
    else if (device == "cuda") resolved.max_memory_bytes = -1;
    return resolved;
  }
};

// Options shared by the commands that run a model.
struct ModelOptions {
  std::string path;
  flopscope::RunRequest request;
  std::string format = "table";
  std::string output;
  bool dry_run = false;
  IsolationFlags isolation;

  // Opens the model file (in the child). Before a real CPU run of a large model, or under an explicit
  // --max-memory, a dry run of `largest` (the request with the largest batch that will run) estimates
  // the memory it needs; when that exceeds the limit, one line suggesting --dry-run instead of a
  // forward that would run out. "Large": a file of 1/16 of the limit or more; the dry run costs about
  // a second, which small models would feel (docs/isolation.md).
  flopscope::Model load(const flopscope::RunRequest& largest) const {
    flopscope::ModelFile file(path, request.device != "cuda");
    const int64_t limit = flopscope::effective_memory_limit(isolation.resolve(request.device));
    std::error_code error;
    const auto file_bytes = static_cast<int64_t>(std::filesystem::file_size(path, error));
    const bool large = !error && file_bytes >= limit / 16;
    if (!dry_run && limit > 0 && request.device == "cpu" && (large || !isolation.max_memory.empty())) {
      flopscope::check_memory_fits(flopscope::estimate_run_memory(file, largest), limit);
    }
    return file.load(dry_run);
  }
};

void add_model_options(CLI::App& command, ModelOptions& o) {
  command.add_option("model", o.path, "TorchScript file (.pt) to analyze")->required();
  command.add_option("--input,-i", o.request.inputs,
                     "one per method argument, in order: SHAPE:DTYPE[:FILL], e.g. 1x3x224x224:float32, "
                     "1x77:int64:randint:0:49408 (default: the preset's or the manifest's)");
  command.add_option("--method,-m", o.request.method, "method to analyze (default: the manifest's, else forward)");
  command.add_option("--preset", o.request.preset, "model family whose inputs and towers flopscope derives: openclip");
  command.add_option("--threads", o.request.threads, "CPU threads for the forward (default: all cores)");
  command.add_option("--device", o.request.device, "cpu or cuda")->check(CLI::IsMember({"cpu", "cuda"}));
  command.add_option("--output,-o", o.output, "write the report to FILE (atomically) instead of stdout");
  command.add_flag("--autograd", o.request.enable_grad,
                   "run as in training: autograd on, parameters requiring grad (counts are the same)");
  command.add_option("--dtype", o.request.dtype,
                     "run in this floating-point dtype: parameters, buffers and float inputs converted "
                     "(float16, bfloat16, float32, float64)");
  command.add_flag("--dry-run", o.dry_run,
                   "count on shape-only (meta) tensors: no kernel runs, little memory, any checkpoint or batch size");
  o.isolation.add_to(command);
}

// analyze and sweep (a zoo counts forwards).
void add_training_options(CLI::App& command, flopscope::RunRequest& request) {
  std::string losses = "with --training, the scalar differentiated (default: sum):";
  for (const auto& loss : flopscope::training_losses()) losses += "\n  " + loss.name + ": " + loss.description;
  command.add_flag("--training", request.training,
                   "count a training step: the forward in train mode, the loss, and the backward, per module "
                   "(CPU or --dry-run; docs/training.md)");
  command.add_option("--loss", request.loss, losses);
  command.add_option("--freeze", request.frozen,
                     "with --training, a module path or parameter name whose parameters get no gradient (repeatable)");
}

// --format NAME, checked against a registry of formats, each described in --help.
template <class Formats>
void add_format_option(CLI::App& command, std::string& target, const Formats& formats) {
  std::string help = "report format:";
  std::vector<std::string> names;
  for (const auto& format : formats) {
    help += "\n  " + format.name + ": " + format.description;
    names.push_back(format.name);
  }
  command.add_option("--format,-f", target, help)->check(CLI::IsMember(names));
}

// The work on a model runs in a sandboxed child (docs/isolation.md); its outputs are written here.
flopscope::WorkResult run_model_work(const ModelOptions& o, const std::function<flopscope::WorkResult()>& work) {
  return flopscope::run_isolated(work, o.isolation.resolve(o.request.device));
}

std::string command_line(int argc, char** argv) {
  std::string text;
  for (int i = 0; i < argc; ++i) text += (i ? " " : "") + std::string(argv[i]);
  return text;
}

void emit(const std::string& text, const std::string& output) {
  if (output.empty()) {
    std::cout << text;
    std::cout.flush();
  } else {
    flopscope::write_file_atomically(output, text);
  }
}

// Writes what the work produced, in order, then fails with its exit status if it has one.
int deliver(const flopscope::WorkResult& result) {
  for (const auto& output : result.outputs) emit(output.content, output.path);
  if (result.exit_code != 0) throw Error(static_cast<ExitCode>(result.exit_code), result.message);
  return 0;
}

 // analyze's own options.
struct AnalyzeFlags {
  int depth = -1;
  size_t width = flopscope::kTerminalWidth;
  bool no_group = false, crosscheck = false, strict = false;
  std::string hardware, precision, weight_precision;
  double fps = 0.0;
  std::vector<std::string> towers;  // NAME=module.path
  std::string chart;                // roofline SVG
};

// --tower NAME=module.path: a subtree reported on its own, added to the preset's towers.
flopscope::Tower parse_tower(const std::string& text, const flopscope::Model& model) {
  const auto equals = text.find('=');
  if (equals == std::string::npos || equals == 0 || equals + 1 == text.size()) {
    throw Error(ExitCode::Usage, "--tower must be NAME=module.path, got '" + text + "'");
  }
  const std::string path = text.substr(equals + 1);
  if (model.find_module(path) < 0) throw Error(ExitCode::Usage, "--tower " + text + ": the model has no module '" + path + "'");
  return {text.substr(0, equals), {path}, {}, {}};
}

int analyze_command(ModelOptions& o, const AnalyzeFlags& flags, const std::string& cmdline) {
  // Hardware files and precisions are checked before the model runs.
  const bool roofline = !flags.hardware.empty() || !flags.precision.empty() || !flags.weight_precision.empty() || flags.fps > 0;
  if (!flags.chart.empty() && flags.hardware.empty()) {
    throw Error(ExitCode::Usage, "--chart draws the roofs of --hardware devices: add e.g. --hardware rtx4090,this-machine");
  }
  const flopscope::HardwareQuestion question =
      flopscope::parse_hardware_question(flags.hardware, flags.precision, flags.weight_precision, flags.fps);
  return deliver(run_model_work(o, [&]() {
    flopscope::Model model = o.load(o.request);
    const flopscope::RunPlan plan = flopscope::plan_run(model, o.request);
    std::vector<flopscope::Tower> towers = plan.towers;
    for (const auto& text : flags.towers) towers.push_back(parse_tower(text, model));
    const flopscope::Recording recording = flopscope::record(model, plan.options, flopscope::formula_coverage());
    const flopscope::Analysis analysis = flopscope::analyze(model, recording);
    flopscope::AnalyzedRun analyzed{&model, &plan.options, &recording, &analysis, towers, cmdline, roofline ? &question : nullptr};
    const flopscope::TableOptions table{flags.depth, !flags.no_group, flags.crosscheck, flags.width};
    flopscope::WorkResult result;
    if (!flags.chart.empty()) result.outputs.push_back({flags.chart, flopscope::render_roofline_svg(analyzed, table)});
    result.outputs.push_back({o.output, flopscope::find_format(flopscope::report_formats(), o.format).render(analyzed, table)});
    const int mismatched = analysis.mismatched_calls + analysis.backward_mismatched_calls;
    if (flags.strict && (mismatched > 0 || !analysis.uncovered_ops.empty() || analysis.failed_rule_calls > 0)) {
      result.exit_code = static_cast<int>(ExitCode::CheckFailed);
      result.message = "--strict: " + std::to_string(mismatched) + " mismatched call(s) (forward or backward), " +
                       std::to_string(analysis.failed_rule_calls) + " failed rule(s), " +
                       std::to_string(analysis.uncovered_ops.size()) + " uncovered op kind(s)";
    }
    return result;
  }));
}

struct SweepFlags {
  std::string batches = "1,2,4,8,16";
  CLI::Option* batch_option = nullptr;  // given explicitly
  std::string vary;
  std::string chart;
  int repeat = 5, warmup = 1;
};

int sweep_command(ModelOptions& o, const SweepFlags& flags, const std::string& cmdline) {
  flopscope::SweepOptions options;
  if (flags.vary.empty()) {
    options.sizes = flopscope::parse_size_list(flags.batches);
  } else {
    flopscope::parse_vary(flags.vary, options);
    if (flags.batch_option->count() > 0) {
      // With --vary, --batch fixes the batch of every point.
      const auto batch = flopscope::parse_size_list(flags.batches);
      if (batch.size() != 1) throw Error(ExitCode::Usage, "with --vary, --batch takes one size (the batch of every point)");
      o.request.batch = batch.front();
    }
  }
  options.repeat = flags.repeat;
  options.warmup = flags.warmup;
  options.dry_run = o.dry_run;
  const bool interactive = ::isatty(STDERR_FILENO) != 0;
  flopscope::RunRequest largest = o.request;
  if (options.varied) largest.sized_dims = flopscope::SizedDims{*options.varied, options.sizes.back()};
  else largest.batch = options.sizes.back();
  return deliver(run_model_work(o, [&]() {
    flopscope::Model model = o.load(largest);
    const flopscope::RunPlan plan = flopscope::plan_run(model, o.request);
    const flopscope::SweepResult result = flopscope::run_sweep(model, plan, options, [&](const std::string& step) {
      // A live line on a terminal; plain lines in logs.
      std::cerr << (interactive ? "\r\033[K" : "") << "sweep " << step << (interactive ? "" : "\n") << std::flush;
    });
    if (interactive) std::cerr << "\r\033[K" << std::flush;
    const flopscope::SweepContext context{&model, &plan, &options, &result, cmdline};
    flopscope::WorkResult work;
    if (!flags.chart.empty()) work.outputs.push_back({flags.chart, flopscope::render_sweep_svg(context)});
    work.outputs.push_back({o.output, flopscope::find_format(flopscope::sweep_formats(), o.format).render(context)});
    return work;
  }));
}

// The rule table and the op formulas, as Markdown (docs/formulas.md is this output).
std::string formulas_markdown() {
  std::ostringstream out;
  out << "# Rule table and op formulas\n\nGenerated by `flopscope formulas`; do not edit by hand. "
         "1 multiply-add = 1 MAC = 2 FLOPs. B is every leading dimension of the input.\n\n"
         "## Module rules (matched by class type)\n\n| module type | counts |\n|---|---|\n";
  for (const auto* rule : flopscope::all_module_rules()) out << "| `" << rule->type << "` | " << rule->formula << " |\n";
  out << "\n## Backward rules (training cross-check, matmul FLOPs)\n\n| module type | backward products |\n|---|---|\n";
  for (const auto& rule : flopscope::backward_rules()) out << "| `" << rule.type << "` | " << rule.formula << " |\n";
  out << "\n## Op formulas (outermost op with a formula is counted; its children are not)\n\n| aten op | counts |\n|---|---|\n";
  for (const auto* op : flopscope::all_op_formulas()) out << "| `" << op->op << "` | " << op->description << " |\n";
  out << "\n## Shape-only (Meta) kernels supplied for dry runs\n\n";
  for (const auto& op : flopscope::register_meta_kernels()) out << "`aten::" << op << "` ";
  out << "\n";
  return out.str();
}

// One line per device: bandwidth, then each dense peak and its ridge point.
std::string hardware_listing(const std::vector<flopscope::Hardware>& devices) {
  std::ostringstream out;
  out << "Dense peaks (never the sparsity figures) and memory bandwidth; ridge = peak / bandwidth in FLOP/byte.\n"
         "Sources are in each file. Add a device with --hardware FILE.json (format: docs/hardware.md).\n";
  for (const auto& device : devices) {
    out << "\n" << flopscope::wrap_text(device.name + "  ", device.description, flopscope::kTerminalWidth) << "  from " << device.origin << "\n  memory "
        << flopscope::human_rate(device.bandwidth.value, "B/s") << "\n";
    for (const auto& [precision, rate] : device.peaks) {
      out << "  " << flopscope::to_string(precision) << "  " << flopscope::human_rate(rate.value, "FLOP/s") << "  ridge "
          << flopscope::fixed(flopscope::ridge_point(device, precision), 1) << " FLOP/B\n";
    }
  }
  return out.str();
}

int hardware_command(bool measure, int threads) {
  std::vector<flopscope::Hardware> devices;
  if (measure) {
    std::cerr << "measuring this machine (matrix products per dtype, a 256 MiB copy)...\n";
    const flopscope::MachineMeasurement measured = flopscope::measure_this_machine(threads);
    const std::filesystem::path cache = flopscope::this_machine_cache_path();
    std::error_code error;
    std::filesystem::create_directories(cache.parent_path(), error);
    if (error) throw Error(ExitCode::OutputFailed, "cannot create " + cache.parent_path().string() + ": " + error.message());
    flopscope::write_file_atomically(cache, flopscope::hardware_json(measured.hardware).dump(2) + "\n");
    for (const auto& line : measured.skipped) std::cerr << "not measured: " << line << '\n';
    std::cerr << "saved to " << cache.string() << '\n';
    devices.push_back(measured.hardware);
  } else {
    for (const auto& name : flopscope::hardware_presets()) devices.push_back(flopscope::load_hardware(name));
  }
  bool this_machine_known = measure;
  if (!measure) {
    try {
      devices.push_back(flopscope::load_hardware(flopscope::kThisMachine));
      this_machine_known = true;
    } catch (const Error&) {
      // Not measured yet: the listing says how.
    }
  }
  emit(hardware_listing(devices) +
           (this_machine_known ? "" : "\nthis-machine: not measured yet; run `flopscope hardware --measure`\n"),
       "");
  return 0;
}

// Every OpenCLIP model in `directory`, each in its own child, with a progress line as each ends.
flopscope::Zoo analyze_zoo_with_progress(const std::string& directory, const flopscope::ZooOptions& options) {
  return flopscope::analyze_zoo(directory, options, [](const std::string& line) { std::cerr << line << '\n'; });
}

// The first failed model's error, after the report of the others is out.
flopscope::Error zoo_failure(const flopscope::Zoo& zoo) {
  const flopscope::ZooFailure& first = zoo.failures.front();
  return Error(first.code, std::to_string(zoo.failures.size()) + " of " + std::to_string(zoo.failures.size() + zoo.entries.size()) +
                               " models could not be analyzed; first, " + first.name + ": " + first.message);
}

int zoo_command(const std::string& directory, const std::string& format, const std::string& output,
                flopscope::ZooOptions options, const IsolationFlags& isolation, const std::string& cmdline) {
  options.isolation = isolation.resolve();
  const flopscope::Zoo zoo = analyze_zoo_with_progress(directory, options);
  emit(flopscope::find_format(flopscope::zoo_formats(), format).render(zoo, cmdline), output);
  if (!zoo.failures.empty()) throw zoo_failure(zoo);
  return 0;
}

// docs/planning.md: counts by dry runs, devices from the presets (not this machine: the page must be
// the same wherever it is generated).
int planning_command(const std::string& directory, const std::string& output, const std::string& cmdline) {
  flopscope::ZooOptions options;
  options.dry_run = true;
  const flopscope::Zoo zoo = analyze_zoo_with_progress(directory, options);
  if (!zoo.failures.empty()) throw zoo_failure(zoo);  // the page is written whole or not at all
  std::vector<flopscope::Hardware> devices;
  for (const auto& name : flopscope::hardware_presets()) devices.push_back(flopscope::load_hardware(name));
  emit(flopscope::render_planning_markdown(zoo.entries, devices, cmdline), output);
  return 0;
}

int run_cli(int argc, char** argv) {
  CLI::App app{"flopscope: exact FLOPs, MACs and parameters of TorchScript models, verified by running them.\n"
               "Conventions: 1 multiply-add = 1 MAC = 2 FLOPs; counts are FLOPs, rates are FLOP/s."};
  app.require_subcommand(1);
  app.set_version_flag("--version", flopscope::tool_identity());

  ModelOptions analyze;
  AnalyzeFlags flags;
  CLI::App* analyze_app = app.add_subcommand(
      "analyze", "per-module parameters, FLOPs and MACs of one forward (with --training, of one training step)");
  add_model_options(*analyze_app, analyze);
  add_training_options(*analyze_app, analyze.request);
  add_format_option(*analyze_app, analyze.format, flopscope::report_formats());
  int64_t analyze_batch = 0;
  CLI::Option* analyze_batch_option = analyze_app->add_option("--batch,-b", analyze_batch, "replace dim 0 of every input by N");
  analyze_app->add_option("--depth,-d", flags.depth, "deepest module level shown in the table (0 = model only)");
  analyze_app->add_flag("--no-group", flags.no_group, "list identical consecutive siblings one by one");
  analyze_app->add_option("--width", flags.width, kWidthHelp);
  analyze_app->add_flag("--crosscheck", flags.crosscheck, "compare each module rule with the op-level count of what ran");
  analyze_app->add_flag("--strict", flags.strict, "exit 9 on any cross-check mismatch, failed rule or uncovered op");
  analyze_app->add_option("--hardware", flags.hardware,
                          "comma-separated devices for a roofline: presets (flopscope hardware), this-machine, or FILE.json");
  analyze_app->add_option("--precision", flags.precision,
                          "comma-separated precisions of the roofline: fp64 fp32 tf32 bf16 fp16 fp8 int8 int4 (default fp32)");
  analyze_app->add_option("--weight-precision", flags.weight_precision,
                          "weights stored in this precision (weight-only quantization: bytes shrink, compute stays)");
  analyze_app->add_option("--fps", flags.fps, "frames per second: the compute required, and the max fps each device allows");
  analyze_app->add_option("--chart", flags.chart,
                          "write the roofline as an SVG chart (log-log; roofs of --hardware, a point per module row)");
  analyze_app->add_option("--tower", flags.towers, "NAME=module.path: totals of that subtree on their own (repeatable)");

  bool measure = false;
  int measure_threads = 0;
  CLI::App* hardware_app = app.add_subcommand("hardware", "list the hardware presets, or measure this machine");
  hardware_app->add_flag("--measure", measure, "time matrix products and a large copy here; cache as 'this-machine'");
  hardware_app->add_option("--threads", measure_threads, "CPU threads for --measure (default: all cores)");

  ModelOptions sweep;
  SweepFlags sweep_flags;
  CLI::App* sweep_app = app.add_subcommand(
      "sweep", "counts and timings at several batch sizes or input sizes, with the exact fit a + b*N + c*N^2 per module");
  add_model_options(*sweep_app, sweep);
  add_training_options(*sweep_app, sweep.request);
  sweep_flags.batch_option = sweep_app->add_option("--batch,-b", sweep_flags.batches,
                                                   "comma-separated batch sizes (default 1,2,4,8,16); with --vary, one batch for every point");
  sweep_app->add_option("--vary", sweep_flags.vary,
                        "INPUT:DIM[,DIM...]=N1,N2,...: set those dims of that input to each N instead of varying the batch "
                        "(0:2,3=160,224,288,336: image sizes; 1:1=16,32,77: sequence lengths); fits run on P = N^(number of dims)");
  sweep_app->add_option("--repeat", sweep_flags.repeat, "timed runs per size; the median is reported (default 5)");
  sweep_app->add_option("--warmup", sweep_flags.warmup, "untimed runs before them (default 1)");
  add_format_option(*sweep_app, sweep.format, flopscope::sweep_formats());
  sweep_app->add_option("--chart", sweep_flags.chart, "also write an SVG chart of FLOPs and time against the swept size");

  std::string zoo_directory, zoo_format = "markdown", zoo_output;
  flopscope::ZooOptions zoo_options;
  IsolationFlags zoo_isolation;
  CLI::App* zoo_app = app.add_subcommand("zoo", "parameters and FLOPs of every OpenCLIP model in a directory (batch 1)");
  zoo_app->add_option("directory", zoo_directory, "directory of OpenCLIP TorchScript files")->required();
  add_format_option(*zoo_app, zoo_format, flopscope::zoo_formats());
  zoo_app->add_option("--output,-o", zoo_output, "write to FILE (atomically) instead of stdout");
  zoo_app->add_option("--threads", zoo_options.threads, "CPU threads per model (default: the cores shared among the jobs)");
  zoo_app->add_flag("--dry-run", zoo_options.dry_run, "count on shape-only tensors: no kernel runs, any model size");
  zoo_app->add_option("--jobs,-j", zoo_options.jobs, "models analyzed at once, each in its own child (default 1)")
      ->check(CLI::Range(1, 256));
  zoo_isolation.add_to(*zoo_app);

  std::string planning_directory, planning_output;
  CLI::App* planning_app = app.add_subcommand(
      "planning", "the seed document's hardware arithmetic recomputed, and OpenCLIP models in DIR on every preset (Markdown)");
  planning_app->add_option("directory", planning_directory, "directory of OpenCLIP TorchScript files (counted by dry runs)")->required();
  planning_app->add_option("--output,-o", planning_output, "write to FILE (atomically) instead of stdout");

  std::string diff_a, diff_b, diff_format = "table", diff_output;
  flopscope::DiffOptions diff_options;
  CLI::App* diff_app = app.add_subcommand("diff", "compare two `analyze --format json` reports module by module");
  diff_app->add_option("a", diff_a, "the first report (A)")->required();
  diff_app->add_option("b", diff_b, "the second report (B)")->required();
  add_format_option(*diff_app, diff_format, flopscope::diff_formats());
  diff_app->add_option("--depth,-d", diff_options.depth, "deepest module level listed (default 4)");
  diff_app->add_option("--width", diff_options.width, kWidthHelp);
  diff_app->add_option("--output,-o", diff_output, "write to FILE (atomically) instead of stdout");

  std::string formulas_output;
  CLI::App* formulas_app = app.add_subcommand("formulas", "print the module rule table and the op formulas (Markdown)");
  formulas_app->add_option("--output,-o", formulas_output, "write to FILE (atomically) instead of stdout");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "flopscope: error: " << e.what() << " (see --help)\n";
    return static_cast<int>(ExitCode::Usage);
  }
  try {
    if (analyze_batch_option->count() > 0) analyze.request.batch = analyze_batch;
    if (sweep_app->parsed()) {
      return sweep_command(sweep, sweep_flags, command_line(argc, argv));
    }
    if (analyze_app->parsed()) return analyze_command(analyze, flags, command_line(argc, argv));
    if (hardware_app->parsed()) return hardware_command(measure, measure_threads);
    if (formulas_app->parsed()) {
      emit(formulas_markdown(), formulas_output);
      return 0;
    }
    if (diff_app->parsed()) {
      const flopscope::ReportDiff diff =
          flopscope::diff_reports(flopscope::read_report(diff_a), diff_a, flopscope::read_report(diff_b), diff_b);
      emit(flopscope::find_format(flopscope::diff_formats(), diff_format).render(diff, diff_options), diff_output);
      return 0;
    }
    if (planning_app->parsed()) return planning_command(planning_directory, planning_output, command_line(argc, argv));
    if (zoo_app->parsed()) {
      return zoo_command(zoo_directory, zoo_format, zoo_output, zoo_options, zoo_isolation, command_line(argc, argv));
    }
  } catch (const Error& e) {
    std::cerr << "flopscope: error: " << e.what() << '\n';
    return static_cast<int>(e.code());
  } catch (const std::exception& e) {
    std::cerr << "flopscope: internal error: " << flopscope::first_line(e.what()) << '\n';
    return static_cast<int>(ExitCode::Internal);
  }
  return static_cast<int>(ExitCode::Usage);
}

}  // namespace

int main(int argc, char** argv) {
  const int code = run_cli(argc, argv);
  // Skip LibTorch's static destructors: after a fork every page they touch is a copy-on-write fault,
  // about 0.2 s here, and nothing is left to clean up (reports are written and closed).
  std::cout.flush();
  std::cerr.flush();
  std::_Exit(code);
}
