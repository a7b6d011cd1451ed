// flopscope's cost, measured as ratios taken in one run (the machine is shared and noisy; absolute
// times are not compared across runs). Writes this LibTorch's section of docs/perf.md, keeping the
// other LibTorch's section: tools/bench/run.sh runs it under 1.13 and, in the Debian 13 root, 2.6.
//
//   flopscope_bench [--output docs/perf.md] [--repeat 5] [--models torchscript_models]
//                   [--real-weights NAME-real.pt,...] [--only-real-weights]
//
// Paths are relative to the project root, where tools/bench/run.sh runs it.
//
// Time: for each model and batch, a warm-up, then rounds of {plain forward, analyze, analyze +
// cross-check report}, each round starting with the next of the three (a fixed order favoured
// whichever ran second). Each ratio is taken within its round and the median of the rounds' ratios
// is reported, so a slow spell of the machine moves numerator and denominator together. Fast
// forwards get more rounds (kRowSeconds each row): at 0.3 s a single round's ratio varies by 10%. analyze = the instrumented forward + analysis + report; the instrumented forward alone
// (the module and op hooks, timed inside analyze) has its own ratio. Peak memory: each mode runs once in a fresh child process (this binary,
// re-executed), and the children's peak RSS are compared. Dry runs are measured in children too.
//
// Real-weight files (--real-weights, made by make_checkpoint.py: an OpenCLIP model NAME with every
// weight byte, NAME-real.pt) are dry-run against their placeholder twins (the bundled NAME.pt), with the
// file in the page cache and evicted from it, and the bytes each child read from the disk (its
// rusage's block input). They get a section of their own, which --only-real-weights writes alone.
#include <fcntl.h>
#include <malloc.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <torch/torch.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "flopscope/counting/formula_coverage.h"
#include "flopscope/analysis/analysis.h"
#include "flopscope/reports/output_file.h"
#include "flopscope/runtime/recorder.h"
#include "flopscope/reports/number_format.h"
#include "flopscope/reports/report.h"
#include "flopscope/analysis/run_plan.h"
#include "flopscope/reports/tool_identity.h"
#include "flopscope/runtime/libtorch_compat.h"

namespace {

using flopscope::fixed;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// Every benchmarked model is an OpenCLIP model: inputs come from the preset, so a checkpoint without a
// manifest works too.
flopscope::RunPlan plan_for(const flopscope::Model& model, int64_t batch) {
  flopscope::RunRequest request;
  request.preset = "openclip";
  request.batch = batch;
  return flopscope::plan_run(model, request);
}

struct AnalyzeTimes {
  double whole = 0;     // instrumented forward + analysis + report
  double recorded = 0;  // the instrumented forward alone
};

// One analysis as the CLI does it: instrumented forward, analysis, report (built into a string that is
// then thrown away).
AnalyzeTimes analyze_once(flopscope::Model& model, const flopscope::RunPlan& plan, bool crosscheck) {
  const auto start = Clock::now();
  const flopscope::Recording recording = flopscope::record(model, plan.options, flopscope::formula_coverage());
  AnalyzeTimes times;
  times.recorded = seconds_since(start);
  const flopscope::Analysis analysis = flopscope::analyze(model, recording);
  const flopscope::AnalyzedRun run{&model, &plan.options, &recording, &analysis,
                                       flopscope::count_towers(model, recording, analysis, plan.towers), ""};
  flopscope::TableOptions with_crosscheck;
  with_crosscheck.crosscheck = true;
  const std::string report = crosscheck ? flopscope::render_table(run, with_crosscheck) : flopscope::render_json(run, false).dump();
  times.whole = seconds_since(start);
  return times;
}

// ---- child processes ------------------------------------------------------------------------------

// This process's peak resident memory (VmHWM), KiB. Read by the child itself: the rusage a parent gets
// also counts the pages the child held between fork and exec, the parent's own.
long peak_rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

// Bytes this process has read from the storage device (not from the page cache).
double disk_read_mib() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_inblock) * 512 / (1 << 20);
}

// Runs in a fresh process: load, one operation, report its wall time, peak memory and disk reads on
// stdout. Dry runs report load + count; the others only the operation, after the load.
int child_main(const std::string& mode, const std::string& path, int64_t batch) {
  const auto load_start = Clock::now();
  flopscope::LoadOptions load;
  load.meta = mode == "dry";
  flopscope::Model model = flopscope::Model::load(path, load);
  const flopscope::RunPlan plan = plan_for(model, batch);
  const auto start = mode == "dry" ? load_start : Clock::now();
  if (mode == "plain") flopscope::run_plain(model, plan.options);
  else analyze_once(model, plan, mode == "crosscheck");
  std::cout << seconds_since(start) << ' ' << peak_rss_kib() << ' ' << disk_read_mib() << std::endl;
  return 0;
}

struct ChildResult {
  double seconds = 0;
  double peak_mib = 0;
  double disk_read_mib = 0;
};

ChildResult run_child(const std::string& mode, const std::string& path, int64_t batch) {
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) throw std::runtime_error("pipe failed");
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(pipe_fds[1], STDOUT_FILENO);
    ::close(pipe_fds[0]);
    const std::string batch_text = std::to_string(batch);
    ::execl("/proc/self/exe", "flopscope_bench", "--child", mode.c_str(), path.c_str(), batch_text.c_str(), nullptr);
    ::_exit(127);
  }
  ::close(pipe_fds[1]);
  std::string out;
  char buffer[256];
  ssize_t n;
  while ((n = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0) out.append(buffer, static_cast<size_t>(n));
  ::close(pipe_fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) throw std::runtime_error("child " + mode + " failed on " + path);
  std::istringstream fields(out);
  ChildResult result;
  double peak_kib = 0;
  fields >> result.seconds >> peak_kib >> result.disk_read_mib;
  result.peak_mib = peak_kib / 1024.0;
  return result;
}

// Drops the file's pages from the page cache, so that the next reader reads it from the disk.
void evict_from_page_cache(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0 || ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) != 0) throw std::runtime_error("cannot evict " + path);
  ::close(fd);
}

// ---- measurements ---------------------------------------------------------------------------------

double matmul_gflops(int repeat) {
  const int64_t n = 2048;
  const at::Tensor a = at::randn({n, n}), b = at::randn({n, n});
  at::mm(a, b);  // warm-up
  std::vector<double> times;
  for (int i = 0; i < repeat; ++i) {
    const auto start = Clock::now();
    at::mm(a, b);
    times.push_back(seconds_since(start));
  }
  return 2.0 * n * n * n / median(times) / 1e9;
}

constexpr int kMmapThreshold = 256 << 20, kTrimThreshold = 1 << 30;  // bytes; see main()
constexpr double kRowSeconds = 30;  // rounds for a row: at least `repeat`, more while they fit in this
constexpr int kMostRounds = 25;

struct OverheadRow {
  std::string model;
  int64_t batch = 0;
  int rounds = 0;
  double load_seconds = 0, plain = 0, analyze = 0;
  double recorded_ratio = 0, analyze_ratio = 0, crosscheck_ratio = 0;  // medians of the rounds' ratios
  double plain_mib = 0, analyze_mib = 0, crosscheck_mib = 0;
  double gflops = 0;
};

OverheadRow measure_overhead(const std::string& path, int64_t batch, int repeat) {
  OverheadRow row;
  const auto bundled = path.find("torchscript_models/");
  row.model = bundled == std::string::npos ? path.substr(path.rfind('/') + 1) : path.substr(bundled + 19);
  row.batch = batch;
  const auto load_start = Clock::now();
  flopscope::Model model = flopscope::Model::load(path);
  row.load_seconds = seconds_since(load_start);
  const flopscope::RunPlan plan = plan_for(model, batch);
  const double warm_plain = flopscope::run_plain(model, plan.options);  // warm-up
  analyze_once(model, plan, false);
  row.rounds = std::clamp(static_cast<int>(kRowSeconds / (3 * warm_plain)), repeat, std::max(repeat, kMostRounds));
  std::vector<double> plain, analyze, recorded_ratio, analyze_ratio, crosscheck_ratio;
  for (int i = 0; i < row.rounds; ++i) {
    double plain_seconds = 0;
    AnalyzeTimes analyzed, crosschecked;
    for (int k = 0; k < 3; ++k) {
      switch ((i + k) % 3) {
        case 0: plain_seconds = flopscope::run_plain(model, plan.options); break;
        case 1: analyzed = analyze_once(model, plan, false); break;
        default: crosschecked = analyze_once(model, plan, true); break;
      }
    }
    plain.push_back(plain_seconds);
    analyze.push_back(analyzed.whole);
    recorded_ratio.push_back(analyzed.recorded / plain.back());
    analyze_ratio.push_back(analyzed.whole / plain.back());
    crosscheck_ratio.push_back(crosschecked.whole / plain.back());
  }
  row.plain = median(plain);
  row.analyze = median(analyze);
  row.recorded_ratio = median(recorded_ratio);
  row.analyze_ratio = median(analyze_ratio);
  row.crosscheck_ratio = median(crosscheck_ratio);
  const flopscope::Recording recording = flopscope::record(model, plan.options, flopscope::formula_coverage());
  row.gflops = static_cast<double>(flopscope::analyze(model, recording).total.flops()) / row.plain / 1e9;
  row.plain_mib = run_child("plain", path, batch).peak_mib;
  row.analyze_mib = run_child("analyze", path, batch).peak_mib;
  row.crosscheck_mib = run_child("crosscheck", path, batch).peak_mib;
  return row;
}

// The report file with this LibTorch's section (between markers) replaced or added, the others kept.
std::string with_section(const std::string& path, const std::string& version, const std::string& section) {
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string header =
      "# Performance\n\nGenerated by `tools/bench/run.sh` (`flopscope_bench`), one section per LibTorch; do not edit "
      "by hand. Ratios are taken within one run on this machine; absolute times are only indicative.\n";
  const std::string begin = "<!-- libtorch " + version + " -->\n", end = "<!-- end libtorch " + version + " -->\n";
  const auto from = text.find(begin), to = text.find(end);
  if (text.rfind("# Performance", 0) != 0) text = header;
  if (from != std::string::npos && to != std::string::npos && to > from) {
    return text.substr(0, from) + begin + section + end + text.substr(to + end.size());
  }
  return text + "\n" + begin + section + end;
}


// Dry runs of real-weight files against their placeholder twins: rounds of {placeholder twin, real
// file evicted from the page cache, real file again (now cached)}, medians of each.
std::string real_weight_section(const std::vector<std::string>& files, const std::string& models, int repeat) {
  std::ostringstream md;
  md << "### Dry runs of real-weight files (fresh process each)\n\n"
        "A dry run reads the archive's directory, pickles and code, never the weights (docs/hooks.md, \"What a dry run "
        "reads\"). Each real-weight file, made by `tools/bench/make_checkpoint.py` (random weights, not committed), "
        "against its placeholder twin, the bundled file of the same architecture; "
     << repeat << " rounds, medians. *cold*: the file evicted from the page cache before the run (posix_fadvise "
                  "DONTNEED); *disk read*: the child's block input (rusage). Target: cold within 1.5x of the twin, <= 64 MiB "
                  "read.\n\n"
        "| model | file (GiB) | twin (s) | real, cached (s) | real, cold (s) | cold / twin | disk read, cold (MiB) | peak RSS (MiB) |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const std::string& real : files) {
    const std::string stem = std::filesystem::path(real).stem().string();
    const std::string name = stem.substr(0, stem.rfind("-real"));
    const std::string twin = models + "openclip/" + name + ".pt";
    std::cerr << "real-weight dry runs " << real << " (twin " << twin << ")\n";
    std::vector<double> twin_seconds, cached, cold, read_mib, peak_mib;
    for (int i = 0; i < repeat; ++i) {
      twin_seconds.push_back(run_child("dry", twin, 1).seconds);
      evict_from_page_cache(real);
      const ChildResult first = run_child("dry", real, 1);
      cold.push_back(first.seconds);
      read_mib.push_back(first.disk_read_mib);
      peak_mib.push_back(first.peak_mib);
      cached.push_back(run_child("dry", real, 1).seconds);
    }
    md << "| " << name << " | " << fixed(static_cast<double>(std::filesystem::file_size(real)) / (1 << 30), 2) << " | "
       << fixed(median(twin_seconds), 2) << " | " << fixed(median(cached), 2) << " | " << fixed(median(cold), 2) << " | "
       << fixed(median(cold) / median(twin_seconds), 2) << "x | " << fixed(median(read_mib), 1) << " | "
       << fixed(median(peak_mib), 0) << " |\n";
  }
  return md.str();
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 4 && args[0] == "--child") return child_main(args[1], args[2], std::stoll(args[3]));
  std::string output = "docs/perf.md", models_dir = "torchscript_models";
  std::vector<std::string> real_weights;
  bool only_real_weights = false;
  int repeat = 5;
  for (size_t i = 0; i < args.size(); ++i) {
    const bool has_value = i + 1 < args.size();
    if (args[i] == "--only-real-weights") only_real_weights = true;
    else if (args[i] == "--output" && has_value) output = args[++i];
    else if (args[i] == "--repeat" && has_value) repeat = std::max(5, std::stoi(args[++i]));
    else if (args[i] == "--models" && has_value) models_dir = args[++i];
    else if (args[i] == "--real-weights" && has_value) {
      std::istringstream list(args[++i]);
      for (std::string file; std::getline(list, file, ',');) real_weights.push_back(file);
    } else {
      std::cerr << "usage: flopscope_bench [--output FILE] [--repeat N>=5] [--models DIR] [--real-weights NAME-real.pt,...] "
                   "[--only-real-weights]\n";
      return 2;
    }
  }
  // glibc's dynamic mmap threshold decides, run by run, whether a large activation is mapped afresh,
  // and then every page of it faults: ViT-B-16 at B=8 took 2.7 to 3.9 s a forward with 90k to 225k
  // page faults, plain and hooked alike, and 1.95 to 2.0 s with none once the thresholds were fixed.
  // Fixed, the ratios measure flopscope's work rather than the allocator's state.
  const bool fixed_allocator = mallopt(M_MMAP_THRESHOLD, kMmapThreshold) == 1 && mallopt(M_TRIM_THRESHOLD, kTrimThreshold) == 1;
  const int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  at::set_num_threads(threads);
  const std::string models = models_dir + "/";
  const std::string version = flopscope::compat::libtorch_version();
  if (!real_weights.empty()) {
    const std::string section = "## LibTorch " + version + ": real-weight files\n\n" + real_weight_section(real_weights, models, repeat);
    flopscope::write_file_atomically(output, with_section(output, version + " real-weight files", section));
    std::cerr << "wrote " << output << "\n";
  }
  if (only_real_weights) return 0;

  std::ostringstream md;
  md << "## LibTorch " << version << "\n\n" << flopscope::tool_identity() << ", " << threads << " threads.\n\n";

  std::cerr << "matmul baseline\n";
  const double matmul = matmul_gflops(repeat);
  md << "### Overhead of analyze vs a plain forward (CPU)\n\n"
     << "Rounds of the three modes after a warm-up, each round starting with the next mode (at least " << repeat
     << "; more for fast forwards, about " << kRowSeconds << " s a row); times are medians, and each ratio is the median of the "
        "rounds' ratios (numerator and denominator from the same round). *hooks* = the instrumented forward alone (module "
        "enter/exit hooks with their timers, op recorder); *analyze* = instrumented forward + analysis + JSON report; "
        "*crosscheck* = the same with the cross-check table. "
     << (fixed_allocator ? "The timing process fixes glibc's malloc thresholds (mmap 256 MiB, trim 1 GiB): with the default, dynamic "
                           "threshold a forward's large activations are mapped afresh in some runs and not others, and ViT-B-16 at "
                           "B=8 then took 2.7 to 3.9 s with 90k to 225k page faults, plain and hooked alike (1.95 to 2.0 s and no "
                           "faults when fixed); the same environment variables, MALLOC_MMAP_THRESHOLD_=268435456 "
                           "MALLOC_TRIM_THRESHOLD_=1073741824, steady any LibTorch CPU run. "
                         : "glibc's malloc thresholds could not be fixed: large-batch rows vary with page faults. ")
     << "Peak RSS: each mode once in a fresh process (default allocator). "
        "Targets: time <= 1.05x (at most 1.10x), memory <= 1.10x.\n\n"
     << "| model | B | rounds | load (s) | plain (s) | analyze (s) | hooks ratio | analyze ratio | crosscheck ratio | plain peak (MiB) | analyze peak ratio | crosscheck peak ratio | forward GFLOP/s | vs 2048^2 matmul |\n"
     << "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  // The PyTorch 2.6 export runs scaled_dot_product_attention: flopscope's stand-in on 1.13, native on 2.x.
  for (const char* model : {"openclip/ViT-B-16.pt", "openclip/ViT-L-14-336.pt", "torch2/openclip/ViT-B-16.pt"}) {
    for (const int64_t batch : {1, 8}) {
      std::cerr << "overhead " << model << " B=" << batch << "\n";
      const OverheadRow r = measure_overhead(models + model, batch, repeat);
      md << "| " << r.model << " | " << r.batch << " | " << r.rounds << " | " << fixed(r.load_seconds, 2) << " | " << fixed(r.plain, 3) << " | "
         << fixed(r.analyze, 3) << " | " << fixed(r.recorded_ratio, 3) << "x | " << fixed(r.analyze_ratio, 3) << "x | "
         << fixed(r.crosscheck_ratio, 3) << "x | " << fixed(r.plain_mib, 0) << " | " << fixed(r.analyze_mib / r.plain_mib, 3) << "x | "
         << fixed(r.crosscheck_mib / r.plain_mib, 3) << "x | " << fixed(r.gflops, 1) << " | "
         << fixed(r.gflops / matmul, 2) << " of " << fixed(matmul, 1) << " |\n";
    }
  }

  md << "\n### Dry runs (no kernels; fresh process each)\n\nTarget: EVA02-E-14 at B=1 and B=1024 <= 1 s and <= 500 MB "
        "peak RSS.\n\n"
     << "| model | B | load + count (s) | whole process (s) | peak RSS (MiB) |\n|---|---:|---:|---:|---:|\n";
  const std::vector<std::pair<std::string, int64_t>> dry = {{models + "openclip/EVA02-E-14.pt", 1}, {models + "openclip/EVA02-E-14.pt", 1024}};
  for (const auto& [path, batch] : dry) {
    std::cerr << "dry run " << path << " B=" << batch << "\n";
    const auto start = Clock::now();
    try {
      const ChildResult r = run_child("dry", path, batch);
      md << "| " << path.substr(path.rfind('/') + 1) << " | " << batch << " | " << fixed(r.seconds, 2) << " | "
         << fixed(seconds_since(start), 2) << " | " << fixed(r.peak_mib, 0) << " |\n";
    } catch (const std::exception& e) {
      md << "| " << path.substr(path.rfind('/') + 1) << " | " << batch << " | failed: " << e.what() << " | | |\n";
    }
  }
  flopscope::write_file_atomically(output, with_section(output, version, md.str()));
  std::cerr << "wrote " << output << "\n";
  return 0;
}
