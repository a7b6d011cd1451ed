// Commands — each flopscope command as one library call: a request with named fields in, the reports
// out. The CLI (src/cli/main.cpp) only binds flags to these requests and prints errors; tests and
// tests/consumer call the same functions. Commands that run a model run it in a sandboxed child
// (docs/isolation.md), forked from the caller: call them before the caller runs LibTorch work of its
// own (a forked child must not inherit LibTorch's thread pools, whose threads it lacks), or set
// `isolation.isolate = false` to run in the caller.
//
// A command returns a WorkResult: the texts to write, in order (an empty path is stdout), and an exit
// status to give after writing them (--strict, and a zoo with failed models, fail after the report is
// out). deliver() writes them. Errors that stop a command before any report throw Error.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "flopscope/analysis/run_plan.h"
#include "flopscope/analysis/zoo.h"
#include "flopscope/reports/diff_report.h"
#include "flopscope/reports/report.h"
#include "flopscope/reports/text_table.h"
#include "flopscope/runtime/isolation.h"

namespace flopscope {

// Called with a line of progress for stderr (a zoo model done; a sweep's "B=2: counting", then "" when
// the sweep is done, so that a live line can be cleared).
using Progress = std::function<void(const std::string& line)>;

// What every command that runs a model is given.
struct ModelRequest {
  std::string path;            // the TorchScript file
  RunRequest run;              // method, inputs, batch, device, dtype, training, ...
  bool dry_run = false;        // shape-only (meta) tensors: no kernel runs
  IsolationLimits isolation;   // --timeout, --no-isolate (the memory limit comes from max_memory)
  std::string max_memory;      // --max-memory ("8G"); empty: 3/4 of physical memory, none on CUDA
  std::vector<std::string> libraries;  // --load-library: operator libraries to load before the file
  std::vector<std::string> formulas;   // --formulas: files of formulas for ops flopscope has none for
  std::string format = "table";
  std::string output;          // the report's file; empty: stdout
  std::string command_line;    // as typed, recorded in the reports
};

struct AnalyzeRequest {
  ModelRequest model;
  TableOptions table;                  // --depth, --no-group, --crosscheck, --width
  bool strict = false;                 // exit 9 on a mismatch, failed rule or uncovered op
  std::string hardware;                // roofline devices: presets, this-machine, FILE.json
  std::string precision;               // roofline precisions ("fp32,bf16")
  std::string weight_precision;        // weight-only quantization
  double fps = 0.0;                    // frames per second to reach (0: not asked)
  std::vector<std::string> towers;     // NAME=module.path
  std::string chart;                   // the roofline's SVG file (needs hardware)
};
WorkResult analyze_command(const AnalyzeRequest& request);

struct SweepRequest {
  ModelRequest model;
  std::string sizes = "1,2,4,8,16";  // --batch: the batch sizes, or with vary the batch of every point
  bool sizes_given = false;          // --batch was typed
  std::string vary;                  // INPUT:DIM[,DIM...]=N1,N2,...; empty: vary the batch
  int repeat = 5;                    // timed runs per size
  int warmup = 1;                    // untimed runs before them
  std::string chart;                 // the SVG chart's file
  Progress progress;
};
WorkResult sweep_command(const SweepRequest& request);

// A decoder's prefill and decode steps (analysis/generation.h), with bounds per device and precision.
struct GenerateRequest {
  ModelRequest model;                 // --input gives the prefill's arguments (tokens, empty caches)
  int64_t prompt = 0;                 // --prompt: tokens of the prefill (0: as --input gives them)
  int64_t new_tokens = 16;            // --new-tokens
  std::string feed;                   // --feed OUTPUT:ARGUMENT,...; empty: the manifest's, else the default
  bool every_step = false;            // --every-step
  std::string hardware;               // devices for the bounds
  std::string precision;              // "w16a16,w4a16,kv8"; empty: as the model ran
  int64_t batch = 1;                  // --batch: concurrent sequences in the bounds
  double target_rate = 0.0;           // --target-rate: tokens/s per sequence to reach
  int depth = 1;                      // module rows to this depth
  std::string chart;                  // --chart: the SVG chart's file
  Progress progress;
};
WorkResult generate_command(const GenerateRequest& request);

// Several models serving one request (analysis/pipeline.h): FLOPs and bytes per request, what a
// request rate needs, and the time per request per device and precision.
struct PipelineRequest {
  std::string path;             // the pipeline's JSON file
  std::string rate;             // --rate "2/s"; empty: the file's, else 1/s
  std::string hardware;         // devices
  std::string precision;        // "w16a16,w4a16" (generation_bounds.h); empty: w16a16
  bool dry_run = false;         // count every component shape-only
  size_t width = kTerminalWidth;  // the table's columns (0: no limit)
  IsolationLimits isolation;    // per component's child
  std::string max_memory;
  std::string format = "table";
  std::string output;
  std::string command_line;
  Progress progress;
};
WorkResult pipeline_command(const PipelineRequest& request);

struct ZooRequest {
  std::string directory;       // of OpenCLIP TorchScript files
  ZooOptions options;          // threads, dry_run, jobs (isolation from the fields below)
  IsolationLimits isolation;   // --timeout, --no-isolate
  std::string max_memory;      // --max-memory per child
  std::string format = "markdown";
  std::string output;
  std::string command_line;
  Progress progress;
};
WorkResult zoo_command(const ZooRequest& request);

// docs/planning.md: the hardware arithmetic and every OpenCLIP model in `directory` on every preset.
struct PlanningRequest {
  std::string directory;
  std::string output;
  std::string command_line;
  Progress progress;
};
WorkResult planning_command(const PlanningRequest& request);

struct DiffRequest {
  std::string a, b;  // two `analyze --format json` reports
  DiffOptions options;
  std::optional<double> fail_above;  // --fail-above PCT: exit 9 when a total changed by more
  bool per_module = false;           // --per-module: and when a module's count did
  std::string format = "table";
  std::string output;
};
WorkResult diff_command(const DiffRequest& request);

// The hardware presets and this machine (measured with `measure`, and cached for later runs).
struct HardwareRequest {
  bool measure = false;
  int threads = 0;  // for measuring; 0: all cores
  Progress progress;
};
WorkResult hardware_command(const HardwareRequest& request);

// The rule table and the op formulas as Markdown (docs/formulas.md).
struct FormulasRequest {
  std::vector<std::string> formulas;  // --formulas: user formula files, listed after the built-in ones
  std::string output;
};
WorkResult formulas_command(const FormulasRequest& request);

// Writes the result's texts in order (stdout, or files atomically), then throws Error with its exit
// status and message if it has one.
void deliver(const WorkResult& result);

}  // namespace flopscope
