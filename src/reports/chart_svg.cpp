// The sweep chart: FLOPs (left axis) and median time (right axis) against the swept size. Axes are
// linear from zero, or logarithmic when the sizes double (1, 2, 4, ...); either way proportional
// growth is a straight line, and ticks fall on round 1-2-5 values. Dashed: for batch sizes the exact
// proportionality B x FLOPs per sample; for --vary the exact fit without its quadratic term, so the
// gap to the FLOPs line is the P² work.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "flopscope/reports/number_format.h"
#include "flopscope/reports/report.h"
#include "flopscope/reports/sweep_report.h"
#include "chart_axis.h"
#include "svg_kit.h"

namespace flopscope {
namespace {

using svg::escape;
using svg::number;

constexpr double kWidth = 820, kHeight = 460, kLeft = 130, kRight = 90, kTop = 70, kBottom = 60;

}  // namespace

std::string render_sweep_svg(const SweepContext& s) {
  const auto& points = s.result->points;
  const SweepOptions& o = *s.options;
  const QuadraticFit& fit = s.result->linearity.total_fit;
  const std::string size = size_name(o);
  const std::string axis_name = o.varied ? "N (dims " + o.varied->text() + ")" : "batch size B";
  const std::string time_name = s.plan->options.training ? "median step time" : "median forward time";
  std::vector<int64_t> sizes;
  double min_flops = 0, max_flops = 0, min_seconds = 0, max_seconds = 0;
  for (const auto& p : points) {
    sizes.push_back(p.size);
    const double flops = static_cast<double>(p.counts.flops());
    min_flops = sizes.size() == 1 ? flops : std::min(min_flops, flops);
    max_flops = std::max(max_flops, flops);
    if (p.timed && p.seconds > 0) {
      min_seconds = min_seconds == 0 ? p.seconds : std::min(min_seconds, p.seconds);
      max_seconds = std::max(max_seconds, p.seconds);
    }
  }
  // Batch sizes that double: a log2 axis spaces them evenly, and the counts then go on log axes too,
  // so proportional growth is still a straight line (of slope 1). Otherwise all linear from zero.
  const bool log = chart::all_powers_of_two(sizes) && sizes.size() >= 3 && min_flops > 0;
  const int64_t max_size = *std::max_element(sizes.begin(), sizes.end());
  const chart::Axis x_axis = log ? chart::log2_axis(sizes) : chart::linear_axis(static_cast<double>(max_size));
  const chart::Axis flops_axis = log ? chart::log_axis(min_flops, max_flops) : chart::linear_axis(max_flops);
  const chart::Axis time_axis = log && min_seconds > 0 ? chart::log_axis(min_seconds, max_seconds) : chart::linear_axis(max_seconds);
  const double plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom;
  const auto x = [&](double size) { return kLeft + plot_w * x_axis.fraction(size); };
  const auto y_flops = [&](double flops) { return kTop + plot_h * (1 - flops_axis.fraction(flops)); };
  const auto y_time = [&](double seconds) { return kTop + plot_h * (1 - time_axis.fraction(seconds)); };

  std::ostringstream svg;
  svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << kWidth << "\" height=\"" << kHeight
      << "\" font-family=\"sans-serif\" font-size=\"12\">\n"
      << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      << "<text x=\"" << kWidth / 2 << "\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">"
      << escape(s.model->path()) << ": FLOPs and time vs " << escape(axis_name) << "</text>\n"
      << "<line x1=\"" << kLeft << "\" y1=\"" << kTop + plot_h << "\" x2=\"" << kLeft + plot_w << "\" y2=\"" << kTop + plot_h
      << "\" stroke=\"black\"/>\n"
      << "<line x1=\"" << kLeft << "\" y1=\"" << kTop << "\" x2=\"" << kLeft << "\" y2=\"" << kTop + plot_h << "\" stroke=\"black\"/>\n"
      << "<text x=\"" << kLeft + plot_w / 2 << "\" y=\"" << kHeight - 15 << "\" text-anchor=\"middle\">" << escape(axis_name)
      << (log ? " (log2 scale)" : "") << "</text>\n"
      << "<text x=\"16\" y=\"" << kTop + plot_h / 2 << "\" transform=\"rotate(-90 16 " << kTop + plot_h / 2
      << ")\" text-anchor=\"middle\" fill=\"#1f5fbf\">" << (s.plan->options.training ? "FLOPs per training step" : "FLOPs per forward") << (log ? " (log scale)" : "") << "</text>\n";
  for (const double f : flops_axis.ticks) {
    svg << "<line x1=\"" << kLeft << "\" y1=\"" << number(y_flops(f)) << "\" x2=\"" << kLeft + plot_w << "\" y2=\"" << number(y_flops(f))
        << "\" stroke=\"#e5e8ee\"/><text x=\"" << kLeft - 6 << "\" y=\"" << number(y_flops(f) + 4)
        << "\" text-anchor=\"end\" fill=\"#1f5fbf\">" << escape(round_number(f, "FLOPs")) << "</text>\n";
  }
  for (const double b : x_axis.ticks) {
    if (b != std::round(b)) continue;  // sizes are whole
    svg << "<text x=\"" << number(x(b)) << "\" y=\"" << kTop + plot_h + 16 << "\" text-anchor=\"middle\">"
        << with_separators(std::llround(b)) << "</text>\n";
  }
  const auto& first = points.front();
  std::string reference_legend;
  if (!o.varied) {
    // The exact-proportionality reference: FLOPs(B) = B * FLOPs(B0) / B0.
    const double per_sample = static_cast<double>(first.counts.flops()) / static_cast<double>(first.size);
    const double reference_from = log ? x_axis.lo : 0.0;
    svg << "<line x1=\"" << number(x(reference_from)) << "\" y1=\"" << number(y_flops(per_sample * reference_from)) << "\" x2=\""
        << number(x(static_cast<double>(max_size))) << "\" y2=\"" << number(y_flops(per_sample * static_cast<double>(max_size)))
        << "\" stroke=\"#1f5fbf\" stroke-dasharray=\"4 4\"/>\n";
    reference_legend = " (dashed: B x FLOPs per sample at B=" + std::to_string(first.size) + ")";
  } else if (fit.exact && !fit.c.is_zero()) {
    // The fit without its quadratic term, a + b*P, at each size.
    svg << "<polyline fill=\"none\" stroke=\"#1f5fbf\" stroke-dasharray=\"4 4\" points=\"";
    for (const auto& p : points) {
      const double linear_part = fit.a.value() + fit.b.value() * static_cast<double>(p.variable);
      svg << number(x(static_cast<double>(p.size))) << ',' << number(y_flops(linear_part)) << ' ';
    }
    svg << "\"/>\n";
    QuadraticFit linear = fit;
    linear.c = {};
    reference_legend = " (dashed: without the P^2 term, " + linear.formula("P") + ")";
  }
  svg << "<polyline fill=\"none\" stroke=\"#1f5fbf\" stroke-width=\"2\" points=\"";
  for (const auto& p : points) svg << number(x(static_cast<double>(p.size))) << ',' << number(y_flops(static_cast<double>(p.counts.flops()))) << ' ';
  svg << "\"/>\n";
  for (const auto& p : points) {
    svg << "<circle cx=\"" << number(x(static_cast<double>(p.size))) << "\" cy=\"" << number(y_flops(static_cast<double>(p.counts.flops())))
        << "\" r=\"3.5\" fill=\"#1f5fbf\"><title>" << size << '=' << p.size << ": " << with_separators(p.counts.flops()) << " FLOPs</title></circle>\n";
  }
  if (max_seconds > 0) {
    svg << "<line x1=\"" << kLeft + plot_w << "\" y1=\"" << kTop << "\" x2=\"" << kLeft + plot_w << "\" y2=\"" << kTop + plot_h
        << "\" stroke=\"black\"/>\n"
        << "<text x=\"" << kWidth - 18 << "\" y=\"" << kTop + plot_h / 2 << "\" transform=\"rotate(90 " << kWidth - 18 << ' '
        << kTop + plot_h / 2 << ")\" text-anchor=\"middle\" fill=\"#c0392b\">" << time_name << (time_axis.log ? " (log scale)" : "")
        << "</text>\n";
    for (const double t : time_axis.ticks) {
      svg << "<text x=\"" << kLeft + plot_w + 6 << "\" y=\"" << number(y_time(t) + 4) << "\" fill=\"#c0392b\">" << round_seconds(t)
          << "</text>\n";
    }
    svg << "<polyline fill=\"none\" stroke=\"#c0392b\" stroke-width=\"2\" points=\"";
    for (const auto& p : points) {
      if (p.timed && p.seconds > 0) svg << number(x(static_cast<double>(p.size))) << ',' << number(y_time(p.seconds)) << ' ';
    }
    svg << "\"/>\n";
    for (const auto& p : points) {
      if (!p.timed || p.seconds <= 0) continue;
      svg << "<circle cx=\"" << number(x(static_cast<double>(p.size))) << "\" cy=\"" << number(y_time(p.seconds))
          << "\" r=\"3\" fill=\"#c0392b\"><title>" << size << '=' << p.size << ": " << human_seconds(p.seconds) << "</title></circle>\n";
    }
  }
  const Linearity& l = s.result->linearity;
  std::string verdict;
  if (o.varied) {
    verdict = !fit.exact ? "FLOPs(P) not polynomial of degree 2"
                         : "exact: FLOPs(P) = " + fit.formula("P") + "; P^2 share " +
                               fixed(100 * fit.quadratic_share(first.variable), 1) + "% at N=" + std::to_string(first.size) +
                               ", " + fixed(100 * fit.quadratic_share(points.back().variable), 1) + "% at N=" +
                               std::to_string(points.back().size);
  } else {
    verdict = l.proportional ? "FLOPs exactly proportional to B" : "FLOPs not exactly proportional to B";
    verdict += l.matmul_proportional ? "; matmul FLOPs exactly proportional" : "; matmul FLOPs not proportional";
    constexpr size_t kNamed = 3;  // the title line has room for a few
    for (size_t i = 0; i < l.not_proportional.size() && i < kNamed; ++i) {
      const ModuleGrowth& g = l.not_proportional[i];
      verdict += "; " + (g.module.empty() ? std::string("(model)") : g.module) + ": " + to_string(g.growth);
    }
    if (l.not_proportional.size() > kNamed) verdict += "; " + std::to_string(l.not_proportional.size() - kNamed) + " more";
  }
  svg << "<text x=\"" << kLeft << "\" y=\"" << kTop - 22 << "\">" << escape(verdict) << "</text>\n"
      << "<line x1=\"" << kLeft + 10 << "\" y1=\"" << kTop + 14 << "\" x2=\"" << kLeft + 40 << "\" y2=\"" << kTop + 14
      << "\" stroke=\"#1f5fbf\" stroke-width=\"2\"/><text x=\"" << kLeft + 46 << "\" y=\"" << kTop + 18
      << "\">FLOPs" << escape(reference_legend) << "</text>\n";
  if (max_seconds > 0) {
    svg << "<line x1=\"" << kLeft + 10 << "\" y1=\"" << kTop + 32 << "\" x2=\"" << kLeft + 40 << "\" y2=\"" << kTop + 32
        << "\" stroke=\"#c0392b\" stroke-width=\"2\"/><text x=\"" << kLeft + 46 << "\" y=\"" << kTop + 36
        << "\">" << time_name << "</text>\n";
  }
  svg << "</svg>\n";
  return svg.str();
}

}  // namespace flopscope
