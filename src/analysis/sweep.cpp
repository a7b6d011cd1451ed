#include "flopscope/analysis/sweep.h"

#include <algorithm>
#include <charconv>
#include <map>

#include "flopscope/analysis/analysis.h"
#include "flopscope/core/error.h"
#include "flopscope/counting/formula_coverage.h"
#include "flopscope/runtime/recorder.h"

namespace flopscope {

std::string to_string(Growth growth) {
  switch (growth) {
    case Growth::Proportional: return "proportional";
    case Growth::ConstantTerm: return "constant term";
    case Growth::FasterThanLinear: return "faster than linear";
    case Growth::NotPolynomial: return "not polynomial of degree 2";
  }
  return "?";
}

std::string size_name(const SweepOptions& options) { return options.varied ? "N" : "B"; }
std::string variable_name(const SweepOptions& options) { return options.varied ? "P" : "B"; }

std::vector<int64_t> parse_size_list(const std::string& text, const std::string& option) {
  std::vector<int64_t> sizes;
  std::string::size_type start = 0;
  while (start <= text.size()) {
    const auto end = std::min(text.find(',', start), text.size());
    const std::string item = text.substr(start, end - start);
    int64_t value = 0;
    const auto result = std::from_chars(item.data(), item.data() + item.size(), value);
    if (item.empty() || result.ec != std::errc() || result.ptr != item.data() + item.size() || value < 1) {
      throw Error(ExitCode::Usage, option + " wants a comma-separated list of sizes >= 1, e.g. 1,2,4,8; got '" + text + "'");
    }
    sizes.push_back(value);
    start = end + 1;
  }
  std::sort(sizes.begin(), sizes.end());
  sizes.erase(std::unique(sizes.begin(), sizes.end()), sizes.end());
  return sizes;
}

void parse_vary(const std::string& text, SweepOptions& options) {
  const auto equals = text.find('=');
  if (equals == std::string::npos) {
    throw Error(ExitCode::Usage, "--vary wants INPUT:DIM[,DIM...]=N1,N2,... (e.g. 0:2,3=160,224,288), got '" + text + "'");
  }
  options.varied = parse_varied_dims(text.substr(0, equals));
  options.sizes = parse_size_list(text.substr(equals + 1), "--vary");
}

namespace {

// Exact shape of f over the fit variable x (sorted, distinct).
ModuleGrowth classify(const std::vector<int64_t>& x, const std::vector<int64_t>& f) {
  ModuleGrowth growth;
  growth.fit = fit_quadratic(x, f);
  growth.constant = growth.fit.a.value();
  growth.slope = growth.fit.b.value();
  growth.quadratic = growth.fit.c.value();
  growth.growth = !growth.fit.exact            ? Growth::NotPolynomial
                  : !growth.fit.c.is_zero()    ? Growth::FasterThanLinear
                  : !growth.fit.a.is_zero()    ? Growth::ConstantTerm
                                               : Growth::Proportional;
  return growth;
}

// The loss's ops whose FLOPs do not grow in proportion: what carries its B² term.
std::vector<ModuleGrowth> loss_carriers(const std::vector<int64_t>& x, const std::vector<SweepPoint>& points) {
  std::map<std::string, std::vector<int64_t>> by_op;
  for (size_t i = 0; i < points.size(); ++i) {
    for (const auto& [op, flops] : points[i].loss_ops) {
      auto& series = by_op[op];
      series.resize(points.size(), 0);
      series[i] = flops;
    }
  }
  std::vector<ModuleGrowth> carriers;
  for (const auto& [op, series] : by_op) {
    ModuleGrowth growth = classify(x, series);
    if (growth.growth == Growth::FasterThanLinear || growth.growth == Growth::NotPolynomial) {
      growth.module = op;
      carriers.push_back(growth);
    }
  }
  return carriers;
}

}  // namespace

Linearity judge_linearity(const Model& model, const std::vector<SweepPoint>& points) {
  Linearity verdict;
  std::vector<int64_t> x, total, matmul;
  for (const auto& p : points) {
    x.push_back(p.variable);
    total.push_back(p.counts.flops());
    matmul.push_back(p.counts.matmul_flops);
  }
  const ModuleGrowth total_growth = classify(x, total);
  verdict.total_fit = total_growth.fit;
  verdict.proportional = total_growth.growth == Growth::Proportional;
  verdict.matmul_proportional = classify(x, matmul).growth == Growth::Proportional;

  // Least squares over the points: the straight line a reader would draw, for comparison.
  const double n = static_cast<double>(points.size());
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (size_t i = 0; i < points.size(); ++i) {
    const double xi = static_cast<double>(x[i]), y = static_cast<double>(total[i]);
    sx += xi, sy += y, sxx += xi * xi, sxy += xi * y;
  }
  const double denominator = n * sxx - sx * sx;
  verdict.slope = denominator != 0 ? (n * sxy - sx * sy) / denominator : (n > 0 ? sy / sx : 0);
  verdict.intercept = n > 0 ? (sy - verdict.slope * sx) / n : 0;
  double ss_res = 0, ss_tot = 0;
  for (size_t i = 0; i < points.size(); ++i) {
    const double y = static_cast<double>(total[i]);
    const double fit = verdict.slope * static_cast<double>(x[i]) + verdict.intercept;
    ss_res += (y - fit) * (y - fit);
    ss_tot += (y - sy / n) * (y - sy / n);
  }
  verdict.r_squared = ss_tot > 0 ? 1.0 - ss_res / ss_tot : 1.0;

  const auto& modules = model.modules();
  for (size_t m = 0; m < modules.size(); ++m) {
    std::vector<int64_t> inclusive, own;
    for (const auto& p : points) {
      int64_t value = p.modules[m].flops();
      inclusive.push_back(value);
      for (const int child : modules[m].children) value -= p.modules[static_cast<size_t>(child)].flops();
      own.push_back(value);
    }
    if (std::any_of(inclusive.begin(), inclusive.end(), [](int64_t v) { return v != 0; })) {
      verdict.module_fits.push_back({static_cast<int>(m), fit_quadratic(x, inclusive)});
    }
    if (std::all_of(own.begin(), own.end(), [](int64_t v) { return v == 0; })) continue;
    ModuleGrowth growth = classify(x, own);
    if (growth.growth == Growth::Proportional) continue;
    growth.module = modules[m].name;
    verdict.not_proportional.push_back(growth);
  }
  std::vector<int64_t> loss;
  for (const auto& p : points) loss.push_back(p.loss.flops());
  if (std::any_of(loss.begin(), loss.end(), [](int64_t v) { return v != 0; })) {
    ModuleGrowth growth = classify(x, loss);
    if (growth.growth != Growth::Proportional) {
      growth.module = "(loss)";
      growth.carriers = loss_carriers(x, points);
      verdict.not_proportional.push_back(growth);
    }
  }
  return verdict;
}

namespace {

// Counts one recorded run into a point.
void count_point(const Model& model, const Recording& recording, SweepPoint& point) {
  const Analysis analysis = analyze(model, recording);
  point.counts = analysis.total;
  point.op_level = analysis.op_level_total;
  point.params = model.total_params();
  for (const auto& m : analysis.modules) {
    point.modules.push_back(m.total + m.backward);
    point.module_seconds.push_back(recording.timed ? m.seconds : 0.0);
  }
  if (!analysis.training) return;
  const TrainingCounts& training = *analysis.training;
  point.counts = training.step();
  point.op_level = point.op_level + training.loss + training.backward;
  point.loss = training.loss + training.loss_backward;
  std::map<std::string, int64_t> by_op;
  for (const OpRecord& op : recording.training->loss_ops) by_op[op.op] += op_counts(op).flops();
  for (const OpRecord& op : recording.training->loss_backward_ops) by_op[op.op + " (backward)"] += op_counts(op).flops();
  for (const auto& [op, flops] : by_op) {
    if (flops != 0) point.loss_ops.emplace_back(op, flops);
  }
}

// The fit variable at size N: B, or N^k for k varied dims.
int64_t fit_variable(const SweepOptions& options, int64_t size) {
  int64_t variable = size;
  for (size_t i = 1; options.varied && i < options.varied->dims.size(); ++i) {
    if (__builtin_mul_overflow(variable, size, &variable)) throw Error(ExitCode::Usage, "--vary: N^k overflows at N=" + std::to_string(size));
  }
  return variable;
}

}  // namespace

SweepResult run_sweep(Model& model, const RunPlan& plan, const SweepOptions& options,
                      const std::function<void(const std::string&)>& progress) {
  if (options.sizes.empty()) throw Error(ExitCode::Usage, options.varied ? "--vary needs at least one size" : "--batch needs at least one size");
  if (options.repeat < 1 || options.warmup < 0) throw Error(ExitCode::Usage, "--repeat must be >= 1 and --warmup >= 0");
  SweepResult result;
  for (const int64_t size : options.sizes) {
    const std::string label = size_name(options) + "=" + std::to_string(size);
    RunOptions run = plan.options;
    if (options.varied) apply_sized_dims(run.inputs, {*options.varied, size});
    else apply_batch(run.inputs, size);
    SweepPoint point;
    point.size = size;
    point.variable = fit_variable(options, size);
    point.batch = batch_size(run.inputs);
    try {
      for (int i = 0; !options.dry_run && i < options.warmup; ++i) {
        if (progress) progress(label + ": warm-up " + std::to_string(i + 1) + "/" + std::to_string(options.warmup));
        try {
          run_plain(model, run);
        } catch (const Error&) {
          // The recorded run fails the same way and says in which module and op.
          (void)record(model, run, formula_coverage());
          throw;
        }
      }
      if (progress) progress(label + ": counting");
      count_point(model, record(model, run, formula_coverage()), point);
      for (int i = 0; !options.dry_run && i < options.repeat; ++i) {
        if (progress) progress(label + ": run " + std::to_string(i + 1) + "/" + std::to_string(options.repeat));
        point.samples.push_back(run_plain(model, run));
      }
    } catch (const Error& e) {
      throw Error(e.code(), "at " + label + ": " + e.what());
    }
    if (!point.samples.empty()) {
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
