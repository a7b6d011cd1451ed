#include <cmath>
#include <cstdio>
#include <sstream>

#include "flopscope/reports/number_format.h"
#include "flopscope/reports/report.h"
#include "flopscope/reports/sweep_report.h"
#include "flopscope/reports/text_table.h"
#include "flopscope/reports/tool_identity.h"

namespace flopscope {
namespace {

double gflops_per_second(const SweepPoint& p) {
  return p.timed && p.seconds > 0 ? static_cast<double>(p.counts.flops()) / p.seconds / 1e9 : 0.0;
}

std::string module_label(const std::string& name) { return name.empty() ? "(model)" : name; }

std::string verdict_text(const SweepContext& s) {
  const Linearity& l = s.result->linearity;
  std::ostringstream out;
  const int64_t b0 = s.result->points.front().batch;
  out << "Linearity: FLOPs(B) == B * FLOPs(" << b0 << ")/" << b0 << " exactly: " << (l.proportional ? "yes" : "NO")
      << "; matmul FLOPs alone: " << (l.matmul_proportional ? "yes" : "NO") << '\n';
  out << "  least squares: FLOPs(B) = " << fixed(l.slope, 1) << " * B " << (l.intercept < 0 ? "- " : "+ ")
      << fixed(std::abs(l.intercept), 1)
      << "  (R^2 = " << fixed(l.r_squared, 12) << ")\n";
  for (const auto& g : l.not_proportional) {
    out << "  " << module_label(g.module) << ": " << to_string(g.growth);
    if (g.growth == Growth::ConstantTerm) {
      out << ", " << fixed(g.constant, 0) << (g.constant == 1.0 ? " FLOP" : " FLOPs") << " whatever B, plus "
          << fixed(g.slope, 1) << " per sample";
    } else {
      out << ", B^2 coefficient " << fixed(g.quadratic, 3) << " FLOPs (e.g. a B x B product)";
    }
    out << '\n';
  }
  return out.str();
}

constexpr int kTimedDepth = 2;  // the time table shows the model and two levels below it

int depth_of(const Model& model, size_t module) {
  int depth = 0;
  for (int m = model.modules()[module].parent; m >= 0; m = model.modules()[static_cast<size_t>(m)].parent) ++depth;
  return depth;
}

// Each module's time between its hooks in the recorded run, and the FLOP/s that makes, per batch.
std::string module_time_table(const SweepContext& s) {
  const auto& points = s.result->points;
  if (points.empty() || !points.front().timed) return "";
  std::vector<std::vector<std::string>> rows = {{"module"}};
  for (const auto& p : points) rows[0].push_back("B=" + std::to_string(p.batch));
  const auto& modules = s.model->modules();
  for (size_t m = 0; m < modules.size(); ++m) {
    if (depth_of(*s.model, m) > kTimedDepth) continue;
    std::vector<std::string> row = {module_label(modules[m].name)};
    bool ran = false;
    for (const auto& p : points) {
      const double seconds = p.module_seconds[m];
      ran = ran || seconds > 0;
      const int64_t flops = p.modules[m].flops();
      row.push_back(seconds <= 0 ? "-" : flops == 0 ? human_seconds(seconds)
                                                    : human_seconds(seconds) + " " + human_rate(static_cast<double>(flops) / seconds, "FLOP/s"));
    }
    if (ran) rows.push_back(row);
  }
  return "\nPer-module time of the recorded forward (hooks on, after the warm-up) and the FLOP/s it achieved:\n" +
         format_text_table(rows, 1);
}

}  // namespace

std::string render_sweep_table(const SweepContext& s) {
  std::ostringstream out;
  out << "flopscope sweep: " << s.model->path() << "  method " << s.plan->options.method
      << (s.options->dry_run ? "  (dry run: no timings)" : "") << "\n" << tool_identity() << "\n"
      << "1 multiply-add = 1 MAC = 2 FLOPs; counts are FLOPs, rates are FLOP/s; time = median of " << s.options->repeat
      << " plain forwards after " << s.options->warmup << " warm-up\n\n";
  std::vector<std::vector<std::string>> rows = {
      {"batch", "FLOPs", "op-level FLOPs", "matmul FLOPs", "params", "time", "samples/s", "FLOP/s"}};
  for (const auto& p : s.result->points) {
    const double flop_rate = p.timed && p.seconds > 0 ? static_cast<double>(p.counts.flops()) / p.seconds : 0.0;
    rows.push_back({std::to_string(p.batch), with_separators(p.counts.flops()), with_separators(p.op_level.flops()),
                    with_separators(p.counts.matmul_flops), with_separators(p.params), p.timed ? human_seconds(p.seconds) : "-",
                    p.timed ? significant(static_cast<double>(p.batch) / p.seconds, 3) : "-",
                    p.timed ? human_rate(flop_rate, "FLOP/s") : "-"});
  }
  out << format_text_table(rows, 0);
  out << module_time_table(s) << '\n' << verdict_text(s);
  return out.str();
}

nlohmann::json render_sweep_json(const SweepContext& s) {
  const auto counts = [](const Counts& c) {
    return nlohmann::json{{"flops", c.flops()}, {"matmul_flops", c.matmul_flops}, {"elementwise_flops", c.elementwise_flops},
                          {"activation_matmul_flops", c.activation_flops}, {"macs", c.macs}};
  };
  nlohmann::json points = nlohmann::json::array();
  for (const auto& p : s.result->points) {
    nlohmann::json point = {{"batch", p.batch}, {"counts", counts(p.counts)}, {"op_level", counts(p.op_level)}, {"params", p.params}};
    if (p.timed) {
      point["timing"] = {{"median_seconds", p.seconds},
                         {"samples_per_second", static_cast<double>(p.batch) / p.seconds},
                         {"gflop_per_second", gflops_per_second(p)},
                         {"runs_seconds", p.samples}};
      nlohmann::json module_seconds = nlohmann::json::object();
      for (size_t m = 0; m < p.module_seconds.size(); ++m) {
        if (p.module_seconds[m] > 0) module_seconds[s.model->modules()[m].name] = p.module_seconds[m];
      }
      point["timing"]["module_seconds"] = module_seconds;
    }
    points.push_back(point);
  }
  const Linearity& l = s.result->linearity;
  nlohmann::json modules = nlohmann::json::array();
  for (const auto& g : l.not_proportional) {
    modules.push_back({{"module", g.module}, {"growth", to_string(g.growth)}, {"slope", g.slope}, {"constant", g.constant},
                       {"quadratic", g.quadratic}});
  }
  nlohmann::json inputs = nlohmann::json::array();
  for (const auto& spec : s.plan->options.inputs) inputs.push_back(to_string(spec));
  return {{"schema_version", kJsonSchemaVersion},
          {"tool", tool_json()},
          {"conventions", "1 multiply-add = 1 MAC = 2 FLOPs; counts are FLOPs, rates are FLOP/s"},
          {"invocation", {{"command_line", s.command_line}}},
          {"model", s.model->path()},
          {"method", s.plan->options.method},
          {"inputs_at_batch_1", inputs},
          {"dry_run", s.options->dry_run},
          {"points", points},
          {"linearity",
           {{"proportional", l.proportional},
            {"matmul_proportional", l.matmul_proportional},
            {"least_squares", {{"slope", l.slope}, {"intercept", l.intercept}, {"r_squared", l.r_squared}}},
            {"modules_not_proportional", modules}}}};
}

std::string render_sweep_csv(const SweepContext& s) {
  std::ostringstream out;
  out << "batch,flops,matmul_flops,elementwise_flops,macs,op_level_flops,params,median_seconds,samples_per_second,"
         "gflop_per_second\n";
  for (const auto& p : s.result->points) {
    out << p.batch << ',' << p.counts.flops() << ',' << p.counts.matmul_flops << ',' << p.counts.elementwise_flops << ','
        << p.counts.macs << ',' << p.op_level.flops() << ',' << p.params << ',';
    if (p.timed) out << fixed(p.seconds, 6) << ',' << fixed(static_cast<double>(p.batch) / p.seconds, 3) << ',' << fixed(gflops_per_second(p), 3);
    else out << ",,";
    out << '\n';
  }
  return out.str();
}

}  // namespace flopscope
