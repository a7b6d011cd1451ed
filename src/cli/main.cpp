// flopscope command line: binds each command's flags to its request (flopscope/app/commands.h), calls
// the library and writes what it returns. Every user mistake ends here as one line on stderr and a
// documented exit code (docs/cli.md).
#include <CLI/CLI.hpp>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <sstream>

#include "flopscope/app/commands.h"
#include "flopscope/core/conventions.h"
#include "flopscope/reports/diff_report.h"
#include "flopscope/reports/module_table.h"
#include "flopscope/reports/report_formats.h"
#include "flopscope/reports/sweep_report.h"
#include "flopscope/reports/generation_report.h"
#include "flopscope/reports/pipeline_report.h"
#include "flopscope/reports/text_table.h"
#include "flopscope/reports/tool_identity.h"
#include "flopscope/reports/zoo_report.h"

namespace {

using flopscope::Error;
using flopscope::ExitCode;

// --help within 80 columns (the narrowest --width a table takes): a line too long wraps, its further
// lines under its description's first column. CLI11 does not wrap descriptions itself.
class HelpWithin80Columns : public CLI::Formatter {
 public:
  std::string make_help(const CLI::App* app, std::string name, CLI::AppFormatMode mode) const override {
    std::istringstream lines(CLI::Formatter::make_help(app, std::move(name), mode));
    std::string wrapped;
    for (std::string line; std::getline(lines, line);) {
      if (line.size() <= kColumns) {
        wrapped += line + "\n";
        continue;
      }
      // An option line: "  --name TYPE      description"; other lines wrap under their indentation.
      size_t column = line.find_first_not_of(' ');
      const size_t gap = line.find("  ", column);
      if (column == 2 && gap != std::string::npos && line.find_first_not_of(' ', gap) < kColumns / 2) {
        column = line.find_first_not_of(' ', gap);
      }
      wrapped += flopscope::wrap_text(line.substr(0, column), line.substr(column), kColumns);
    }
    return wrapped;
  }

 private:
  static constexpr size_t kColumns = 80;
};

// A help page's footer: commands to copy.
std::string examples(std::initializer_list<const char*> commands) {
  std::string text = "\nExamples:";
  for (const char* command : commands) text += std::string("\n  ") + command;
  return text;
}

constexpr const char* kWidthHelp = "columns the table fits in, 80 or more (default 120): columns left out, lines wrapped; 0: no limit";

// --width: 0 (no limit) or at least 80, the narrowest terminal a table is laid out for.
void add_width_option(CLI::App& command, size_t& width) {
  command.add_option("--width", width, kWidthHelp)->check(CLI::Validator(
      [](std::string& text) {
        const bool fits = text == "0" || (text.find_first_not_of("0123456789") == std::string::npos && text.size() >= 2 &&
                                          (text.size() > 2 || std::stoi(text) >= 80));
        return fits ? std::string() : "0 (no limit) or a number of columns from 80, not " + text;
      },
      "0|>=80"));
}

// The child process a model runs in (docs/isolation.md).
void add_isolation_options(CLI::App& command, flopscope::IsolationLimits& limits, std::string& max_memory) {
  command.add_option("--timeout", limits.timeout_seconds, "stop the model's run after SECONDS (default: none)")
      ->check(CLI::PositiveNumber);
  command.add_option("--max-memory", max_memory, "memory the model's run may use, e.g. 8G (default: 3/4 of physical memory)");
  command.add_flag_function("--no-isolate", [&limits](int64_t) { limits.isolate = false; },
                            "run the model in this process: no sandbox, timeout or memory limit (for debugging)");
}

// Options shared by the commands that run a model.
void add_model_options(CLI::App& command, flopscope::ModelRequest& o) {
  command.add_option("model", o.path, "TorchScript file (.pt) to analyze")->required();
  command.add_option("--input,-i", o.run.inputs,
                     "one per method argument, in order: SHAPE:DTYPE[:FILL], e.g. 1x3x224x224:float32, "
                     "1x77:int64:randint:0:49408; a list '[SPEC,SPEC]', a tuple '(SPEC,SPEC)', none, int:8, float:0.5, "
                     "bool:true (default: the preset's or the manifest's)")
      ->allow_extra_args(false);  // one SPEC per --input, and CLI11 must not split '[A,B]' into two
  command.add_option("--method,-m", o.run.method, "method to analyze (default: the manifest's, else forward)");
  command.add_option("--load-library", o.libraries,
                     "a shared object registering operators the file calls (TORCH_LIBRARY), loaded before it "
                     "(repeatable; torchvision's is loaded where python3-torchvision is installed)");
  command.add_option("--formulas", o.formulas,
                     "a JSON file of formulas for ops flopscope has none for, e.g. a custom operator's "
                     "(repeatable; docs/formulas-file.md)");
  command.add_option("--preset", o.run.preset, "model family whose inputs and towers flopscope derives: openclip");
  command.add_option("--threads", o.run.threads, "CPU threads for the forward (default: all cores)");
  command
      .add_option_function<std::string>(
          "--device", [&o](const std::string& text) { o.run.device = flopscope::parse_device(text); }, "cpu or cuda")
      ->check(CLI::IsMember({"cpu", "cuda"}));
  command.add_option("--output,-o", o.output, "write the report to FILE (atomically) instead of stdout");
  command.add_flag("--autograd", o.run.enable_grad,
                   "run as in training: autograd on, parameters requiring grad (counts are the same)");
  command.add_option("--dtype", o.run.dtype,
                     "run in this floating-point dtype: parameters, buffers and float inputs converted "
                     "(float16, bfloat16, float32, float64)");
  command.add_flag("--dry-run", o.dry_run,
                   "count on shape-only (meta) tensors: no kernel runs, little memory, any checkpoint or batch size");
  add_isolation_options(command, o.isolation, o.max_memory);
  std::string losses = "with --training, the scalar differentiated (default: sum):";
  for (const auto& loss : flopscope::training_losses()) losses += "\n  " + loss.name + ": " + loss.description;
  command.add_flag("--training", o.run.training,
                   "count a training step: the forward in train mode, the loss, and the backward, per module "
                   "(CPU or --dry-run; docs/training.md)");
  command.add_option("--loss", o.run.loss, losses);
  command.add_option("--freeze", o.run.frozen,
                     "with --training, a module path or parameter name whose parameters get no gradient (repeatable)");
}

// A command's --format and --output: without --format, `-o report.json` (.csv, .md, .html) asks for the
// format its extension names, where the command has that format.
struct FormatChoice {
  CLI::Option* option;
  std::string* format;
  const std::string* output;
  std::vector<std::string> names;

  // Throws Error(Usage) when --format and the output's extension name two different formats.
  void infer_from_output() const {
    if (output->empty()) return;
    static const std::vector<std::pair<std::string, std::string>> by_extension = {
        {".json", "json"}, {".csv", "csv"}, {".md", "markdown"}, {".html", "html"}, {".htm", "html"}};
    const std::string extension = std::filesystem::path(*output).extension().string();
    for (const auto& [suffix, name] : by_extension) {
      if (extension != suffix || std::find(names.begin(), names.end(), name) == names.end()) continue;
      if (option->count() == 0) {
        *format = name;
      } else if (*format != name) {
        throw Error(ExitCode::Usage, "--format " + *format + " but --output " + *output + " names " + name +
                                         ": drop --format, or give the file the extension of its format");
      }
    }
  }
};

// Edits (insertions, deletions, substitutions, swaps of neighbours) that turn `a` into `b`.
size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

// "unknown option --detph; did you mean --depth?" for the first word of argv that looks like an option
// and is none of `command`'s; empty when there is none.
std::string unknown_option(const CLI::App& command, int argc, char** argv) {
  std::vector<std::string> known = {"--help"};
  for (const CLI::Option* option : command.get_options()) {
    for (const std::string& name : option->get_lnames()) known.push_back("--" + name);
  }
  for (int i = 1; i < argc; ++i) {
    const std::string argument = argv[i];
    const std::string word = argument.substr(0, argument.find('='));
    if (word.rfind("--", 0) != 0 || word.size() < 3 || std::find(known.begin(), known.end(), word) != known.end()) continue;
    std::string nearest;
    size_t best = word.size() / 3 + 1;  // farther than this is another word, not a typo
    for (const std::string& name : known) {
      const size_t distance = edit_distance(word, name);
      if (distance < best || (distance <= best && name.rfind(word, 0) == 0)) best = distance, nearest = name;
    }
    return "unknown option " + word + (nearest.empty() ? "" : "; did you mean " + nearest + "?");
  }
  return "";
}

// --format NAME, checked against a registry of formats, each described in --help.
template <class Formats>
void add_format_option(CLI::App& command, std::string& target, const Formats& formats, const std::string& output,
                       std::vector<FormatChoice>& choices) {
  std::string help = "report format (default: the one -o FILE's extension names, else " + target + "):";
  std::vector<std::string> names;
  for (const auto& format : formats) {
    help += "\n  " + format.name + ": " + format.description;
    names.push_back(format.name);
  }
  choices.push_back({command.add_option("--format,-f", target, help)->check(CLI::IsMember(names)), &target, &output, names});
}

void add_output_option(CLI::App& command, std::string& output) {
  command.add_option("--output,-o", output, "write to FILE (atomically) instead of stdout");
}

std::string command_line(int argc, char** argv) {
  std::string text;
  for (int i = 0; i < argc; ++i) text += (i ? " " : "") + std::string(argv[i]);
  return text;
}

// Progress lines on stderr: a sweep's or a generation's as one live line on a terminal, plain lines in logs.
flopscope::Progress progress_lines() {
  return [](const std::string& line) { std::cerr << line << '\n'; };
}
flopscope::Progress live_line(const std::string& command) {
  const bool interactive = ::isatty(STDERR_FILENO) != 0;
  return [interactive, command](const std::string& step) {
    if (step.empty()) std::cerr << (interactive ? "\r\033[K" : "") << std::flush;
    else std::cerr << (interactive ? "\r\033[K" : "") << command << " " << step << (interactive ? "" : "\n") << std::flush;
  };
}

int run_cli(int argc, char** argv) {
  // Named, so that usage lines read "flopscope analyze", not the path it was started by.
  CLI::App app{std::string("flopscope: exact FLOPs, MACs and parameters of TorchScript models, verified by running them.\n") +
                   "Conventions: " + flopscope::kConventions + ".",
               "flopscope"};
  app.formatter(std::make_shared<HelpWithin80Columns>());
  app.require_subcommand(1);
  app.set_version_flag("--version", flopscope::tool_identity());
  std::vector<FormatChoice> format_choices;

  flopscope::AnalyzeRequest analyze;
  CLI::App* analyze_app = app.add_subcommand(
      "analyze", "per-module parameters, FLOPs and MACs of one forward (with --training, of one training step)");
  add_model_options(*analyze_app, analyze.model);
  add_format_option(*analyze_app, analyze.model.format, flopscope::report_formats(), analyze.model.output, format_choices);
  int64_t analyze_batch = 0;
  CLI::Option* analyze_batch_option = analyze_app->add_option("--batch,-b", analyze_batch, "replace dim 0 of every input by N");
  analyze_app->add_option("--depth,-d", analyze.table.depth, "deepest module level shown in the table (0 = model only)")
      ->check(CLI::NonNegativeNumber);
  analyze_app->add_flag_function("--no-group", [&](int64_t) { analyze.table.group = false; },
                                 "list identical consecutive siblings one by one");
  add_width_option(*analyze_app, analyze.table.width);
  analyze_app->add_flag("--summary", analyze.table.summary, "one line: params, FLOPs, MACs and the matmul share (table format)");
  analyze_app->add_option("--top", analyze.table.top, "instead of the tree, the K modules with the most FLOPs of their own")
      ->check(CLI::NonNegativeNumber);
  analyze_app->add_option("--sort", analyze.table.sort,
                          "order each module's children by flops, macs, params or bytes, largest first (and --top by it)")
      ->transform(CLI::IsMember(flopscope::sortable_columns(), CLI::ignore_case));
  analyze_app
      ->add_option_function<std::string>(
          "--units", [&](const std::string& units) { analyze.table.units = units == "si" ? flopscope::Units::SI : flopscope::Units::Exact; },
          "counts in the module table: exact (41,225,670,624) or si (41.23 G); default: exact when it fits --width")
      ->transform(CLI::IsMember({"exact", "si"}, CLI::ignore_case));
  analyze_app->add_flag("--totals-only", analyze.table.totals_only, "JSON without the per-module and per-call lists (a few KB)");
  analyze_app->add_flag("--all-rows", analyze.table.all_rows, "also list modules that hold no parameters and do no work (Identity)");
  analyze_app->add_flag("--conventions", analyze.table.all_conventions,
                        "list the run in every other tool's convention (default: matmul FLOPs and MACs, one line)");
  analyze_app->add_flag("--crosscheck", analyze.table.crosscheck, "compare each module rule with the op-level count of what ran");
  analyze_app->add_flag("--strict", analyze.strict, "exit 9 on any cross-check mismatch, failed rule or uncovered op");
  analyze_app->add_option("--hardware", analyze.hardware,
                          "comma-separated devices for a roofline: presets (flopscope hardware), this-machine, or FILE.json");
  analyze_app->add_option("--precision", analyze.precision,
                          "comma-separated precisions of the roofline: fp64 fp32 tf32 bf16 fp16 fp8 int8 int4 (default fp32)");
  analyze_app->add_option("--weight-precision", analyze.weight_precision,
                          "weights stored in this precision (weight-only quantization: bytes shrink, compute stays)");
  analyze_app->add_option("--fps", analyze.fps, "frames per second: the compute required, and the max fps each device allows");
  analyze_app->add_option("--chart", analyze.chart,
                          "write the roofline as an SVG chart (log-log; roofs of --hardware, a point per module row)");
  analyze_app->add_option("--tower", analyze.towers, "NAME=module.path: totals of that subtree on their own (repeatable)");
  analyze_app->footer(examples({"flopscope analyze model.pt --input 1x3x224x224",
                                "flopscope analyze clip.pt --preset openclip --batch 8 --crosscheck",
                                "flopscope analyze checkpoint.pt --dry-run --summary",
                                "flopscope analyze model.pt --top 10 --hardware rtx4090 --fps 30",
                                "flopscope analyze model.pt --format html -o report.html"}));

  flopscope::HardwareRequest hardware;
  CLI::App* hardware_app = app.add_subcommand("hardware", "list the hardware presets, or measure this machine");
  hardware_app->add_flag("--measure", hardware.measure, "time matrix products and a large copy here; cache as 'this-machine'");
  hardware_app->add_option("--threads", hardware.threads, "CPU threads for --measure (default: all cores)");
  hardware_app->footer(examples({"flopscope hardware", "flopscope hardware --measure"}));

  flopscope::SweepRequest sweep;
  CLI::App* sweep_app = app.add_subcommand(
      "sweep", "counts and timings at several batch sizes or input sizes, with the exact fit a + b*N + c*N^2 per module");
  add_model_options(*sweep_app, sweep.model);
  CLI::Option* sweep_batch_option = sweep_app->add_option(
      "--batch,-b", sweep.sizes, "comma-separated batch sizes (default 1,2,4,8,16); with --vary, one batch for every point");
  sweep_app->add_option("--vary", sweep.vary,
                        "INPUT:DIM[,DIM...]=N1,N2,...: set those dims of that input to each N instead of varying the batch "
                        "(0:2,3=160,224,288,336: image sizes; 1:1=16,32,77: sequence lengths); fits run on P = N^(number of dims)");
  sweep_app->add_option("--repeat", sweep.repeat, "timed runs per size; the median is reported (default 5)");
  sweep_app->add_option("--warmup", sweep.warmup, "untimed runs before them (default 1)");
  add_format_option(*sweep_app, sweep.model.format, flopscope::sweep_formats(), sweep.model.output, format_choices);
  sweep_app->add_option("--chart", sweep.chart, "also write an SVG chart of FLOPs and time against the swept size");
  sweep_app->footer(examples({"flopscope sweep model.pt --batch 1,2,4,8", "flopscope sweep vit.pt --vary 0:2,3=160,224,288 --dry-run",
                              "flopscope sweep clip.pt --preset openclip --training --loss clip --dry-run"}));

  flopscope::GenerateRequest generate;
  CLI::App* generate_app = app.add_subcommand(
      "generate", "a decoder's prefill and decode steps fed with its own KV caches: exact FLOPs and bytes per token as formulas "
                  "of the context, time to first token and tokens/s per device and precision");
  add_model_options(*generate_app, generate.model);
  generate_app->add_option("--prompt", generate.prompt, "tokens of the prefill (default: dim 1 of --input 1, the token ids)")
      ->check(CLI::PositiveNumber);
  generate_app->add_option("--new-tokens,-n", generate.new_tokens, "tokens to decode, one step each (default 16)")->check(CLI::PositiveNumber);
  generate_app->add_option("--feed", generate.feed,
                           "OUTPUT:ARGUMENT,...: which returned value feeds which argument of the next step (0-based; default: output i "
                           "-> argument i for i >= 1, when it is that argument grown by the step's tokens; or the manifest's \"feed\")");
  generate_app->add_flag("--every-step", generate.every_step,
                         "run every decode step fed (default: steps 1-3 fed and the last made by shape, the rest from the exact fits)");
  generate_app->add_option("--hardware", generate.hardware,
                           "comma-separated devices for the bounds: presets (flopscope hardware), this-machine, or FILE.json");
  generate_app->add_option("--precision", generate.precision,
                           "comma-separated wNaM[kvK]: bits of weights, activations and KV cache (w16a16,w8a8,w4a16,kv8; "
                           "default: as the model ran)");
  generate_app->add_option("--batch,-b", generate.batch, "concurrent sequences in the bounds: each weight read once per step for all")
      ->check(CLI::PositiveNumber);
  generate_app->add_option("--target-rate", generate.target_rate, "tokens/s per sequence: the FLOP/s and bytes/s it needs")
      ->check(CLI::NonNegativeNumber);
  generate_app->add_option("--depth,-d", generate.depth, "deepest module level listed (default 1)")->check(CLI::NonNegativeNumber);
  generate_app->add_option("--chart", generate.chart,
                           "also write an SVG chart of a decode step's FLOPs, bytes and tokens/s against the context length");
  add_format_option(*generate_app, generate.model.format, flopscope::generation_formats(), generate.model.output, format_choices);
  generate_app->footer(examples({"flopscope generate decoder.pt --prompt 512 --new-tokens 256 --dry-run",
                                 "flopscope generate llama.pt --dry-run --prompt 512 -n 256 --hardware a100-sxm,h100-sxm --precision w16a16,w4a16",
                                 "flopscope generate whisper-decoder.pt --feed 1:2,2:3,3:4,4:5 --new-tokens 32"}));

  flopscope::PipelineRequest pipeline;
  CLI::App* pipeline_app = app.add_subcommand(
      "pipeline", "several models serving one request (an image encoder, an LLM's generation, a speech encoder ...): FLOPs and "
                  "bytes per request, the TOPS a request rate needs, the time per request on each device");
  pipeline_app->add_option("file", pipeline.path, "the pipeline's JSON file (docs/pipeline.md)")->required();
  pipeline_app->add_option("--rate", pipeline.rate, "requests per second, minute or hour: 2/s, 120/min (default: the file's, else 1/s)");
  pipeline_app->add_option("--hardware", pipeline.hardware,
                           "comma-separated devices: presets (flopscope hardware), this-machine, or FILE.json");
  pipeline_app->add_option("--precision", pipeline.precision,
                           "comma-separated wNaM[kvK]: bits of weights, activations and KV cache (default w16a16)");
  pipeline_app->add_flag("--dry-run", pipeline.dry_run, "count every component on shape-only tensors: no kernel runs, any model size");
  add_width_option(*pipeline_app, pipeline.width);
  add_isolation_options(*pipeline_app, pipeline.isolation, pipeline.max_memory);
  add_format_option(*pipeline_app, pipeline.format, flopscope::pipeline_formats(), pipeline.output, format_choices);
  add_output_option(*pipeline_app, pipeline.output);
  pipeline_app->footer(examples({"flopscope pipeline docs/assistant.json --dry-run --rate 2/s",
                                 "flopscope pipeline assistant.json --dry-run --hardware h100-sxm,rtx4090 --precision w16a16,w4a16"}));

  flopscope::ZooRequest zoo;
  CLI::App* zoo_app = app.add_subcommand("zoo", "parameters and FLOPs of every model in a directory (OpenCLIP's per tower)");
  zoo_app->add_option("directory", zoo.directory, "directory of TorchScript files (*.pt)")->required();
  add_format_option(*zoo_app, zoo.format, flopscope::zoo_formats(), zoo.output, format_choices);
  add_output_option(*zoo_app, zoo.output);
  zoo_app->add_option("--threads", zoo.options.threads, "CPU threads per model (default: the cores shared among the jobs)");
  zoo_app->add_flag("--dry-run", zoo.options.dry_run, "count on shape-only tensors: no kernel runs, any model size");
  zoo_app->add_option("--input,-i", zoo.options.inputs,
                      "every model's inputs, one per argument (default: each model's MODEL.json, else OpenCLIP's)");
  zoo_app->add_option("--jobs,-j", zoo.options.jobs, "models analyzed at once, each in its own child (default 1)")
      ->check(CLI::Range(1, 256));
  add_isolation_options(*zoo_app, zoo.isolation, zoo.max_memory);
  zoo_app->footer(examples({"flopscope zoo openclip-models/ --jobs 2 -o zoo.md", "flopscope zoo openclip-models/ --dry-run",
                            "flopscope zoo classifiers/ --input 1x3x224x224 --dry-run"}));

  flopscope::PlanningRequest planning;
  CLI::App* planning_app = app.add_subcommand(
      "planning", "TOPS for a multimodal assistant: the hardware arithmetic recomputed, and OpenCLIP models in DIR on every preset (Markdown)");
  planning_app->add_option("directory", planning.directory, "directory of OpenCLIP TorchScript files (counted by dry runs)")->required();
  add_output_option(*planning_app, planning.output);
  planning_app->footer(examples({"flopscope planning openclip-models/ -o planning.md"}));

  flopscope::DiffRequest diff;
  CLI::App* diff_app = app.add_subcommand("diff", "compare two `analyze --format json` reports module by module");
  diff_app->add_option("a", diff.a, "the first report (A)")->required();
  diff_app->add_option("b", diff.b, "the second report (B)")->required();
  add_format_option(*diff_app, diff.format, flopscope::diff_formats(), diff.output, format_choices);
  diff_app->add_option("--depth,-d", diff.options.depth, "deepest module level listed (default 4)")->check(CLI::NonNegativeNumber);
  add_width_option(*diff_app, diff.options.width);
  diff_app->add_option("--fail-above", diff.fail_above,
                       "exit 9 after the report when a total (params, FLOPs, MACs, bytes) changed by more than PCT percent")
      ->check(CLI::NonNegativeNumber);
  diff_app->add_flag("--per-module", diff.per_module, "with --fail-above, every module's counts too (and modules only one side has)");
  add_output_option(*diff_app, diff.output);
  diff_app->footer(examples({"flopscope diff before.json after.json", "flopscope diff before.json after.json --fail-above 1 --per-module"}));

  flopscope::FormulasRequest formulas;
  CLI::App* formulas_app = app.add_subcommand("formulas", "print the module rule table and the op formulas (Markdown)");
  add_output_option(*formulas_app, formulas.output);
  formulas_app->add_option("--formulas", formulas.formulas, "also list (and check) the formulas in this file (repeatable)");
  formulas_app->footer(examples({"flopscope formulas -o formulas.md", "flopscope formulas --formulas my_ops.json"}));

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    const auto parsed = app.get_subcommands();
    const CLI::App& command = parsed.empty() ? app : *parsed.front();
    const std::string help = parsed.empty() ? "flopscope --help" : "flopscope " + command.get_name() + " --help";
    const std::string unknown = unknown_option(command, argc, argv);
    std::cerr << "flopscope: error: " << (unknown.empty() ? std::string(e.what()) : unknown) << " (see " << help << ")\n";
    return static_cast<int>(ExitCode::Usage);
  }
  const std::string typed = command_line(argc, argv);
  try {
    for (const FormatChoice& choice : format_choices) choice.infer_from_output();
    if (analyze_app->parsed()) {
      if (analyze_batch_option->count() > 0) analyze.model.run.batch = analyze_batch;
      analyze.model.command_line = typed;
      flopscope::deliver(flopscope::analyze_command(analyze));
    } else if (sweep_app->parsed()) {
      sweep.sizes_given = sweep_batch_option->count() > 0;
      sweep.model.command_line = typed;
      sweep.progress = live_line("sweep");
      flopscope::deliver(flopscope::sweep_command(sweep));
    } else if (generate_app->parsed()) {
      generate.model.command_line = typed;
      generate.progress = live_line("generate");
      flopscope::deliver(flopscope::generate_command(generate));
    } else if (pipeline_app->parsed()) {
      pipeline.command_line = typed;
      pipeline.progress = live_line("pipeline");
      flopscope::deliver(flopscope::pipeline_command(pipeline));
    } else if (hardware_app->parsed()) {
      hardware.progress = progress_lines();
      flopscope::deliver(flopscope::hardware_command(hardware));
    } else if (formulas_app->parsed()) {
      flopscope::deliver(flopscope::formulas_command(formulas));
    } else if (diff_app->parsed()) {
      flopscope::deliver(flopscope::diff_command(diff));
    } else if (planning_app->parsed()) {
      planning.command_line = typed;
      planning.progress = progress_lines();
      flopscope::deliver(flopscope::planning_command(planning));
    } else if (zoo_app->parsed()) {
      zoo.command_line = typed;
      zoo.progress = progress_lines();
      flopscope::deliver(flopscope::zoo_command(zoo));
    } else {
      return static_cast<int>(ExitCode::Usage);
    }
    return 0;
  } catch (const Error& e) {
    std::cerr << "flopscope: error: " << e.what() << '\n';
    return static_cast<int>(e.code());
  } catch (const std::exception& e) {
    std::cerr << "flopscope: internal error: " << flopscope::first_line(e.what()) << '\n';
    return static_cast<int>(ExitCode::Internal);
  }
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
