#include <cmath>
#include <cstdio>
#include <sstream>

#include "flopscope/core/conventions.h"
#include "flopscope/reports/number_format.h"
#include "flopscope/reports/report.h"
#include "flopscope/reports/sweep_report.h"
#include "flopscope/reports/text_table.h"
#include "flopscope/reports/tool_identity.h"

namespace flopscope {

nlohmann::json fit_json(const QuadraticFit& fit) {
  nlohmann::json out = {{"exact", fit.exact}, {"determined_by", fit.determined_by}, {"checked_on", fit.checked_on}};
  if (fit.too_large) out["too_large"] = true;
  if (fit.exact_after_first) {
    out["exact_after_first"] = true;
    out["first_off"] = fit.first_off.text();
  }
  if (fit.exact || fit.exact_after_first) {
    out["a"] = fit.a.text();
    out["b"] = fit.b.text();
    out["c"] = fit.c.text();
  }
  return out;
}

namespace {

double gflops_per_second(const SweepPoint& p) {
  return p.timed && p.seconds > 0 ? static_cast<double>(p.counts.flops()) / p.seconds / 1e9 : 0.0;
}

std::string module_label(const std::string& name) { return name.empty() ? "(model)" : name; }

// "FLOPs(B)" or "FLOPs(P)".
std::string flops_of(const SweepContext& s) { return "FLOPs(" + variable_name(*s.options) + ")"; }

// The fit's formula, "-" when there is none.
std::string formula_of(const SweepContext& s, const QuadraticFit& fit) {
  return fit.exact || fit.exact_after_first ? fit.formula(variable_name(*s.options)) : "-";
}

// How many points fixed a fit and how many more confirmed it; or where it fails.
std::string fit_evidence(const SweepContext& s, const QuadraticFit& fit) {
  const auto& points = s.result->points;
  const std::string size = size_name(*s.options) + "=";
  if (fit.too_large) return "too large to fit exactly in 128-bit integers";
  const std::string determined = "through " + std::to_string(fit.determined_by) + " point" + (fit.determined_by == 1 ? "" : "s");
  const std::string checked = fit.checked_on == 0 ? " only: give more sizes to check it" : ", checked on " + std::to_string(fit.checked_on) + " more";
  if (fit.exact_after_first) {
    const bool below = fit.first_off.num < 0;
    const Fraction off{below ? -fit.first_off.num : fit.first_off.num, fit.first_off.den};
    return "exact from " + size + std::to_string(points[1].size) + " on, " + determined + checked + "; " + size +
           std::to_string(points[0].size) + " is " + off.text() + " FLOPs " + (below ? "below" : "above") + " it";
  }
  if (!fit.exact) {
    const auto& failing = points[static_cast<size_t>(fit.determined_by + fit.checked_on - 1)];
    return "not polynomial of degree 2: the fit through the first 3 points misses " + size + std::to_string(failing.size);
  }
  return determined + checked;
}

std::string growth_line(const SweepContext& s, const ModuleGrowth& g) {
  std::string line = module_label(g.module) + ": " + to_string(g.growth);
  if (g.growth == Growth::NotPolynomial) {
    return line + (g.fit.exact_after_first ? "; own FLOPs = " + formula_of(s, g.fit) + ", " + fit_evidence(s, g.fit) : "");
  }
  line += ", own FLOPs = " + formula_of(s, g.fit);
  if (g.growth == Growth::FasterThanLinear) line += " (" + variable_name(*s.options) + "^2 coefficient " + g.fit.c.text() + ")";
  return line;
}

std::string verdict_text(const SweepContext& s) {
  const Linearity& l = s.result->linearity;
  const std::string variable = variable_name(*s.options);
  std::ostringstream out;
  const int64_t x0 = s.result->points.front().variable;
  out << "Proportional: " << flops_of(s) << " == " << variable << " * FLOPs(" << x0 << ")/" << x0 << " exactly: "
      << (l.proportional ? "yes" : "NO") << "; matmul FLOPs alone: " << (l.matmul_proportional ? "yes" : "NO") << '\n';
  out << wrap_text("  exact fit: ", flops_of(s) + " = " + formula_of(s, l.total_fit) + "  (" + fit_evidence(s, l.total_fit) + ")",
                   kTerminalWidth);
  out << "  least squares line: " << flops_of(s) << " = " << fixed(l.slope, 1) << " * " << variable << ' '
      << (l.intercept < 0 ? "- " : "+ ") << fixed(std::abs(l.intercept), 1) << "  (R^2 = " << fixed(l.r_squared, 12) << ")\n";
  if (!l.not_proportional.empty()) out << "Work not proportional to " << variable << " (each module's own, children excluded):\n";
  // Over input sizes most modules have a constant term (a class token, a head): the per-module fit
  // shows them; the lines here keep to what grows faster.
  int linear = 0;
  for (const auto& g : l.not_proportional) {
    if (s.options->varied && g.growth == Growth::ConstantTerm) {
      ++linear;
      continue;
    }
    const std::string line = growth_line(s, g);
    const size_t after_name = line.find(": ") + 2;  // "visual: ": further lines start under what follows it
    out << wrap_text("  " + line.substr(0, after_name), line.substr(after_name), kTerminalWidth);
    for (const auto& op : g.carriers) out << "    carried by " << op.module << ": " << formula_of(s, op.fit) << " FLOPs\n";
  }
  if (linear > 0) out << "  and " << linear << " module(s) linear in " << variable << " with a constant term\n";
  return out.str();
}

constexpr int kTimedDepth = 2;  // the time table shows the model and two levels below it

int depth_of(const Model& model, size_t module) {
  int depth = 0;
  for (int m = model.modules()[module].parent; m >= 0; m = model.modules()[static_cast<size_t>(m)].parent) ++depth;
  return depth;
}

// Each module's time between its hooks in the recorded run, and the FLOP/s that makes, per size: two
// tables of short cells, so that eight sizes fit in 120 columns.
std::string module_time_tables(const SweepContext& s) {
  const auto& points = s.result->points;
  if (points.empty() || !points.front().timed) return "";
  std::vector<std::string> header = {"module"};
  for (const auto& p : points) header.push_back(size_name(*s.options) + "=" + std::to_string(p.size));
  std::vector<std::vector<std::string>> times = {header}, rates = {header};
  const auto& modules = s.model->modules();
  for (size_t m = 0; m < modules.size(); ++m) {
    if (depth_of(*s.model, m) > kTimedDepth) continue;
    std::vector<std::string> time = {module_label(modules[m].name)}, rate = time;
    bool ran = false;
    for (const auto& p : points) {
      const double seconds = p.module_seconds[m];
      ran = ran || seconds > 0;
      const int64_t flops = p.modules[m].flops();
      time.push_back(seconds <= 0 ? "-" : human_seconds(seconds));
      rate.push_back(seconds <= 0 || flops == 0 ? "-" : human_count(static_cast<int64_t>(static_cast<double>(flops) / seconds)));
    }
    if (!ran) continue;
    times.push_back(time);
    rates.push_back(rate);
  }
  return "\nPer-module time of the recorded forward (hooks on, after the warm-up; the model and two levels below it):\n" +
         format_text_table(times, 1) + "\nThe FLOP/s each module achieved in it (its FLOPs, children included, / its time; K, M, G = 1e3, 1e6, 1e9):\n" +
         format_text_table(rates, 1);
}

// Per module (down to two levels), the exact fit of its total and its quadratic share at each size.
std::string module_fit_table(const SweepContext& s) {
  const std::string variable = variable_name(*s.options);
  std::vector<std::vector<std::string>> rows = {{"module", flops_of(s) + ", children included", "fit"}};
  for (const auto& p : s.result->points) rows[0].push_back(size_name(*s.options) + "=" + std::to_string(p.size));
  for (const auto& m : s.result->linearity.module_fits) {
    if (depth_of(*s.model, static_cast<size_t>(m.module)) > kTimedDepth) continue;
    std::vector<std::string> row = {module_label(s.model->modules()[static_cast<size_t>(m.module)].name),
                                    formula_of(s, m.fit), m.fit.exact ? "exact" : fit_evidence(s, m.fit)};
    for (const auto& p : s.result->points) row.push_back(m.fit.exact ? fixed(100 * m.fit.quadratic_share(p.variable), 1) + "%" : "-");
    rows.push_back(row);
  }
  return "\nPer-module fit (the model and two levels below it), and the share of its " + variable + "^2 term, c*" + variable +
         "^2 / FLOPs(" + variable + "), at each size:\n" + format_text_table(rows, 1);
}

}  // namespace

// What each point is and what the fits run on.
std::string sweep_description(const SweepContext& s) {
  const SweepOptions& o = *s.options;
  std::string text = o.varied ? "sizes: N sets dim(s) " + o.varied->text().substr(o.varied->text().find(':') + 1) + " of input " +
                                    std::to_string(o.varied->input) + "; fits in P = N" +
                                    (o.varied->dims.size() > 1 ? "^" + std::to_string(o.varied->dims.size()) : "") +
                                    ", the positions those dims span"
                              : std::string("sizes: the batch B (dim 0 of every input); fits in B");
  text += "\n";
  if (s.plan->options.training) {
    text += wrap_text("", "each point is one training step (loss '" + s.plan->options.loss +
                              "'): forward, loss and backward, FLOPs per module include their backward; time = the whole step",
                      kTerminalWidth);
  }
  return text;
}

std::string render_sweep_table(const SweepContext& s) {
  const SweepOptions& o = *s.options;
  const Linearity& l = s.result->linearity;
  const bool show_variable = o.varied && o.varied->dims.size() > 1;
  const bool show_share = l.total_fit.exact && !l.total_fit.c.is_zero();
  std::ostringstream out;
  out << "flopscope sweep: " << s.model->path() << "  method " << s.plan->options.method
      << (o.dry_run ? "  (dry run: no timings)" : "") << "\n" << tool_identity() << "\n"
      << kConventions << "; time = median of " << o.repeat
      << " plain runs after " << o.warmup << " warm-up\n" << sweep_description(s) << '\n';
  std::vector<std::string> header = {o.varied ? "N" : "batch"};
  if (show_variable) header.push_back("P");
  for (const char* column : {"FLOPs", "op-level FLOPs", "matmul FLOPs"}) header.push_back(column);
  if (show_share) header.push_back(variable_name(o) + "^2 share");
  for (const char* column : {"params", "time", "samples/s", "FLOP/s"}) header.push_back(column);
  std::vector<std::vector<std::string>> rows = {header};
  for (const auto& p : s.result->points) {
    const double flop_rate = p.timed && p.seconds > 0 ? static_cast<double>(p.counts.flops()) / p.seconds : 0.0;
    std::vector<std::string> row = {std::to_string(p.size)};
    if (show_variable) row.push_back(with_separators(p.variable));
    for (const Counts* c : {&p.counts, &p.op_level}) row.push_back(with_separators(c->flops()));
    row.push_back(with_separators(p.counts.matmul_flops));
    if (show_share) row.push_back(fixed(100 * l.total_fit.quadratic_share(p.variable), 1) + "%");
    row.insert(row.end(), {with_separators(p.params), p.timed ? human_seconds(p.seconds) : "-",
                           p.timed ? significant(static_cast<double>(p.batch) / p.seconds, 3) : "-",
                           p.timed ? human_rate(flop_rate, "FLOP/s") : "-"});
    rows.push_back(row);
  }
  out << format_text_table(rows, 0);
  out << module_time_tables(s) << (o.varied ? module_fit_table(s) : "") << '\n' << verdict_text(s);
  return out.str();
}

nlohmann::json render_sweep_json(const SweepContext& s) {
  nlohmann::json points = nlohmann::json::array();
  for (const auto& p : s.result->points) {
    nlohmann::json point = {{"size", p.size},           {"variable", p.variable},         {"batch", p.batch},
                            {"counts", counts_json(p.counts)}, {"op_level", counts_json(p.op_level)}, {"params", p.params}};
    if (s.plan->options.training) point["loss"] = counts_json(p.loss);
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
  const auto growth_json = [](const ModuleGrowth& g) {
    return nlohmann::json{{"module", g.module},     {"growth", to_string(g.growth)}, {"slope", g.slope},
                          {"constant", g.constant}, {"quadratic", g.quadratic},      {"fit", fit_json(g.fit)}};
  };
  for (const auto& g : l.not_proportional) {
    nlohmann::json entry = growth_json(g);
    if (!g.carriers.empty()) {
      entry["carried_by"] = nlohmann::json::array();
      for (const auto& op : g.carriers) entry["carried_by"].push_back(growth_json(op));
    }
    modules.push_back(entry);
  }
  nlohmann::json module_fits = nlohmann::json::array();
  for (const auto& m : l.module_fits) {
    module_fits.push_back({{"module", s.model->modules()[static_cast<size_t>(m.module)].name}, {"fit", fit_json(m.fit)}});
  }
  const SweepOptions& o = *s.options;
  nlohmann::json sizes = {{"over", o.varied ? "dims" : "batch"}, {"variable", variable_name(o)}, {"training", s.plan->options.training}};
  if (o.varied) {
    sizes["input"] = o.varied->input;
    sizes["dims"] = o.varied->dims;
    sizes["variable_power"] = o.varied->dims.size();
  }
  if (s.plan->options.training) sizes["loss"] = s.plan->options.loss;
  nlohmann::json inputs = nlohmann::json::array();
  for (const auto& spec : s.plan->options.inputs) inputs.push_back(to_string(spec));
  return {{"schema_version", kJsonSchemaVersion},
          {"tool", tool_json()},
          {"conventions", kConventions},
          {"invocation", {{"command_line", s.command_line}}},
          {"model", s.model->path()},
          {"method", s.plan->options.method},
          {"inputs_at_batch_1", inputs},
          {"dry_run", s.options->dry_run},
          {"sweep", sizes},
          {"points", points},
          {"linearity",
           {{"proportional", l.proportional},
            {"matmul_proportional", l.matmul_proportional},
            {"least_squares", {{"slope", l.slope}, {"intercept", l.intercept}, {"r_squared", l.r_squared}}},
            {"exact_fit", fit_json(l.total_fit)},
            {"module_fits", module_fits},
            {"modules_not_proportional", modules}}}};
}

std::string render_sweep_csv(const SweepContext& s) {
  std::ostringstream out;
  out << "batch,flops,matmul_flops,elementwise_flops,macs,op_level_flops,params,median_seconds,samples_per_second,"
         "gflop_per_second,size,variable\n";
  for (const auto& p : s.result->points) {
    out << p.batch << ',' << p.counts.flops() << ',' << p.counts.matmul_flops << ',' << p.counts.elementwise_flops << ','
        << p.counts.macs << ',' << p.op_level.flops() << ',' << p.params << ',';
    if (p.timed) out << fixed(p.seconds, 6) << ',' << fixed(static_cast<double>(p.batch) / p.seconds, 3) << ',' << fixed(gflops_per_second(p), 3);
    else out << ",,";
    out << ',' << p.size << ',' << p.variable << '\n';
  }
  return out.str();
}

const std::vector<SweepFormat>& sweep_formats() {
  static const std::vector<SweepFormat> formats = {
      {"table", "one row per size: counts, time, the quadratic share; the exact fits and the verdict", render_sweep_table},
      {"json", "every point, the exact fits per module (docs/json-schema.md)",
       [](const SweepContext& sweep) { return render_sweep_json(sweep).dump(2) + "\n"; }},
      {"csv", "one row per size, exact integers", render_sweep_csv},
  };
  return formats;
}

}  // namespace flopscope
