#include "flopscope/analysis/sweep.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "flopscope/analysis/analysis.h"
#include "flopscope/core/error.h"
#include "flopscope/runtime/recorder.h"

namespace flopscope {

std::string to_string(Growth growth) {
  switch (growth) {
    case Growth::Proportional: return "proportional";
    case Growth::ConstantTerm: return "constant term";
    case Growth::FasterThanLinear: return "faster than linear";
  }
  return "?";
}

std::vector<int64_t> parse_batch_list(const std::string& text) {
  std::vector<int64_t> batches;
  std::string::size_type start = 0;
  while (start <= text.size()) {
    const auto end = std::min(text.find(',', start), text.size());
    const std::string item = text.substr(start, end - start);
    int64_t value = 0;
    const auto result = std::from_chars(item.data(), item.data() + item.size(), value);
    if (item.empty() || result.ec != std::errc() || result.ptr != item.data() + item.size() || value < 1) {
      throw Error(ExitCode::Usage, "--batch wants a comma-separated list of sizes >= 1, e.g. 1,2,4,8; got '" + text + "'");
    }
    batches.push_back(value);
    start = end + 1;
  }
  std::sort(batches.begin(), batches.end());
  batches.erase(std::unique(batches.begin(), batches.end()), batches.end());
  return batches;
}

namespace {

using Wide = __int128;

// Exact shape of f over the batch sizes b (b sorted, distinct).
ModuleGrowth classify(const std::vector<int64_t>& b, const std::vector<int64_t>& f) {
  ModuleGrowth growth;
  const size_t n = b.size();
  bool proportional = true, collinear = true;
  for (size_t i = 1; i < n; ++i) {
    proportional = proportional && Wide(f[i]) * b[0] == Wide(f[0]) * b[i];
    if (i >= 2) collinear = collinear && Wide(f[i] - f[0]) * (b[1] - b[0]) == Wide(f[1] - f[0]) * (b[i] - b[0]);
  }
  if (n >= 2) {
    growth.slope = static_cast<double>(f[n - 1] - f[0]) / static_cast<double>(b[n - 1] - b[0]);
    growth.constant = static_cast<double>(f[0]) - growth.slope * static_cast<double>(b[0]);
  } else {
    growth.slope = static_cast<double>(f[0]) / static_cast<double>(b[0]);
  }
  if (proportional) {
    growth.constant = 0.0;
    growth.growth = Growth::Proportional;
  } else if (collinear) {
    growth.growth = Growth::ConstantTerm;
  } else {
    // Quadratic through the first three points: second divided difference.
    const double d1 = static_cast<double>(f[1] - f[0]) / static_cast<double>(b[1] - b[0]);
    const double d2 = static_cast<double>(f[2] - f[1]) / static_cast<double>(b[2] - b[1]);
    growth.quadratic = (d2 - d1) / static_cast<double>(b[2] - b[0]);
    growth.growth = Growth::FasterThanLinear;
  }
  return growth;
}

}  // namespace

Linearity judge_linearity(const Model& model, const std::vector<SweepPoint>& points) {
  Linearity verdict;
  std::vector<int64_t> b, total, matmul;
  for (const auto& p : points) {
    b.push_back(p.batch);
    total.push_back(p.counts.flops());
    matmul.push_back(p.counts.matmul_flops);
  }
  verdict.proportional = classify(b, total).growth == Growth::Proportional;
  verdict.matmul_proportional = classify(b, matmul).growth == Growth::Proportional;

  // Least squares over the points.
  const double n = static_cast<double>(points.size());
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (size_t i = 0; i < points.size(); ++i) {
    const double x = static_cast<double>(b[i]), y = static_cast<double>(total[i]);
    sx += x, sy += y, sxx += x * x, sxy += x * y;
  }
  const double denominator = n * sxx - sx * sx;
  verdict.slope = denominator != 0 ? (n * sxy - sx * sy) / denominator : (n > 0 ? sy / sx : 0);
  verdict.intercept = n > 0 ? (sy - verdict.slope * sx) / n : 0;
  double ss_res = 0, ss_tot = 0;
  for (size_t i = 0; i < points.size(); ++i) {
    const double y = static_cast<double>(total[i]);
    const double fit = verdict.slope * static_cast<double>(b[i]) + verdict.intercept;
    ss_res += (y - fit) * (y - fit);
    ss_tot += (y - sy / n) * (y - sy / n);
  }
  verdict.r_squared = ss_tot > 0 ? 1.0 - ss_res / ss_tot : 1.0;

  // Each module's own work: its total minus its children's, so the culprit is named, not its parents.
  const auto& modules = model.modules();
  for (size_t m = 0; m < modules.size(); ++m) {
    std::vector<int64_t> own;
    for (const auto& p : points) {
      int64_t value = p.modules[m].flops();
      for (const int child : modules[m].children) value -= p.modules[static_cast<size_t>(child)].flops();
      own.push_back(value);
    }
    if (std::all_of(own.begin(), own.end(), [](int64_t v) { return v == 0; })) continue;
    ModuleGrowth growth = classify(b, own);
    if (growth.growth == Growth::Proportional) continue;
    growth.module = modules[m].name;
    verdict.not_proportional.push_back(growth);
  }
  return verdict;
}

SweepResult run_sweep(Model& model, const RunPlan& plan, const SweepOptions& options,
                      const std::function<void(const std::string&)>& progress) {
  if (options.batches.empty()) throw Error(ExitCode::Usage, "--batch needs at least one size");
  if (options.repeat < 1 || options.warmup < 0) throw Error(ExitCode::Usage, "--repeat must be >= 1 and --warmup >= 0");
  SweepResult result;
  for (const int64_t batch : options.batches) {
    RunOptions run = plan.options;
    apply_batch(run.inputs, batch);
    if (!options.dry_run) {
      for (int i = 0; i < options.warmup; ++i) {
        if (progress) progress("B=" + std::to_string(batch) + ": warm-up " + std::to_string(i + 1) + "/" + std::to_string(options.warmup));
        run_plain(model, run);
      }
    }
    if (progress) progress("B=" + std::to_string(batch) + ": counting");
    const Recording recording = record(model, run);
    const Analysis analysis = analyze(model, recording);
    SweepPoint point;
    point.batch = batch;
    point.counts = analysis.total;
    point.op_level = analysis.op_level_total;
    point.params = model.total_params();
    for (const auto& m : analysis.modules) {
      point.modules.push_back(m.total);
      point.module_seconds.push_back(recording.timed ? m.seconds : 0.0);
    }
    if (!options.dry_run) {
      for (int i = 0; i < options.repeat; ++i) {
        if (progress) progress("B=" + std::to_string(batch) + ": run " + std::to_string(i + 1) + "/" + std::to_string(options.repeat));
        point.samples.push_back(run_plain(model, run));
      }
      std::vector<double> sorted = point.samples;
      std::sort(sorted.begin(), sorted.end());
      const size_t mid = sorted.size() / 2;
      point.seconds = sorted.size() % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
      point.timed = true;
    }
    result.points.push_back(std::move(point));
  }
  result.linearity = judge_linearity(model, result.points);
  return result;
}

}  // namespace flopscope
