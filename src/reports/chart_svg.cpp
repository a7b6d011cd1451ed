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
constexpr const char* kFlopsColor = "#1f5fbf";
constexpr const char* kTimeColor = "#c0392b";

// The axes fitted to the points, and where a size, a FLOP count or a time falls on the canvas.
struct SweepPlot {
  bool log = false;
  int64_t max_size = 0;
  double max_seconds = 0;  // 0: nothing timed, no time axis
  chart::Axis x_axis, flops_axis, time_axis;
  double width = kWidth - kLeft - kRight, height = kHeight - kTop - kBottom;
  double x(double size) const { return kLeft + width * x_axis.fraction(size); }
  double y_flops(double flops) const { return kTop + height * (1 - flops_axis.fraction(flops)); }
  double y_time(double seconds) const { return kTop + height * (1 - time_axis.fraction(seconds)); }
};

SweepPlot fit_plot(const std::vector<SweepPoint>& points) {
  std::vector<int64_t> sizes;
  double min_flops = 0, max_flops = 0, min_seconds = 0;
  SweepPlot plot;
  for (const auto& p : points) {
    sizes.push_back(p.size);
    const double flops = static_cast<double>(p.counts.flops());
    min_flops = sizes.size() == 1 ? flops : std::min(min_flops, flops);
    max_flops = std::max(max_flops, flops);
    if (p.timed && p.seconds > 0) {
      min_seconds = min_seconds == 0 ? p.seconds : std::min(min_seconds, p.seconds);
      plot.max_seconds = std::max(plot.max_seconds, p.seconds);
    }
  }
  // Batch sizes that double: a log2 axis spaces them evenly, and the counts then go on log axes too,
  // so proportional growth is still a straight line (of slope 1). Otherwise all linear from zero.
  plot.log = chart::all_powers_of_two(sizes) && sizes.size() >= 3 && min_flops > 0;
  plot.max_size = *std::max_element(sizes.begin(), sizes.end());
  plot.x_axis = plot.log ? chart::log2_axis(sizes) : chart::linear_axis(static_cast<double>(plot.max_size));
  plot.flops_axis = plot.log ? chart::log_axis(min_flops, max_flops) : chart::linear_axis(max_flops);
  plot.time_axis = plot.log && min_seconds > 0 ? chart::log_axis(min_seconds, plot.max_seconds) : chart::linear_axis(plot.max_seconds);
  return plot;
}

// The title, the axes with their names, the FLOPs grid and the size ticks.
void draw_frame(std::ostream& svg, const SweepPlot& plot, const SweepContext& s, const std::string& axis_name) {
  const double bottom = kTop + plot.height;
  svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << kWidth << "\" height=\"" << kHeight
      << "\" font-family=\"sans-serif\" font-size=\"12\">\n"
      << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      << "<text x=\"" << kWidth / 2 << "\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">"
      << escape(s.model->path()) << ": FLOPs and time vs " << escape(axis_name) << "</text>\n"
      << "<line x1=\"" << kLeft << "\" y1=\"" << bottom << "\" x2=\"" << kLeft + plot.width << "\" y2=\"" << bottom
      << "\" stroke=\"black\"/>\n"
      << "<line x1=\"" << kLeft << "\" y1=\"" << kTop << "\" x2=\"" << kLeft << "\" y2=\"" << bottom << "\" stroke=\"black\"/>\n"
      << "<text x=\"" << kLeft + plot.width / 2 << "\" y=\"" << kHeight - 15 << "\" text-anchor=\"middle\">" << escape(axis_name)
      << (plot.log ? " (log2 scale)" : "") << "</text>\n"
      << "<text x=\"16\" y=\"" << kTop + plot.height / 2 << "\" transform=\"rotate(-90 16 " << kTop + plot.height / 2
      << ")\" text-anchor=\"middle\" fill=\"" << kFlopsColor << "\">"
      << (s.plan->options.training ? "FLOPs per training step" : "FLOPs per forward") << (plot.log ? " (log scale)" : "")
      << "</text>\n";
  for (const double f : plot.flops_axis.ticks) {
    svg << "<line x1=\"" << kLeft << "\" y1=\"" << number(plot.y_flops(f)) << "\" x2=\"" << kLeft + plot.width << "\" y2=\""
        << number(plot.y_flops(f)) << "\" stroke=\"#e5e8ee\"/><text x=\"" << kLeft - 6 << "\" y=\""
        << number(plot.y_flops(f) + 4) << "\" text-anchor=\"end\" fill=\"" << kFlopsColor << "\">"
        << escape(round_number(f, "FLOPs")) << "</text>\n";
  }
  for (const double b : plot.x_axis.ticks) {
    if (b != std::round(b)) continue;  // sizes are whole
    svg << "<text x=\"" << number(plot.x(b)) << "\" y=\"" << bottom + 16 << "\" text-anchor=\"middle\">"
        << with_separators(std::llround(b)) << "</text>\n";
  }
}

// The dashed reference the FLOPs line is judged against; returns its legend text ("" when none).
std::string draw_flops_reference(std::ostream& svg, const SweepPlot& plot, const SweepContext& s) {
  const auto& points = s.result->points;
  const auto& first = points.front();
  const QuadraticFit& fit = s.result->linearity.total_fit;
  if (!s.options->varied) {
    // The exact-proportionality reference: FLOPs(B) = B * FLOPs(B0) / B0.
    const double per_sample = static_cast<double>(first.counts.flops()) / static_cast<double>(first.size);
    const double reference_from = plot.log ? plot.x_axis.lo : 0.0;
    const double reference_to = static_cast<double>(plot.max_size);
    svg << "<line x1=\"" << number(plot.x(reference_from)) << "\" y1=\"" << number(plot.y_flops(per_sample * reference_from))
        << "\" x2=\"" << number(plot.x(reference_to)) << "\" y2=\"" << number(plot.y_flops(per_sample * reference_to))
        << "\" stroke=\"" << kFlopsColor << "\" stroke-dasharray=\"4 4\"/>\n";
    return " (dashed: B x FLOPs per sample at B=" + std::to_string(first.size) + ")";
  }
  if (!fit.exact || fit.c.is_zero()) return "";
  // The fit without its quadratic term, a + b*P, at each size.
  svg << "<polyline fill=\"none\" stroke=\"" << kFlopsColor << "\" stroke-dasharray=\"4 4\" points=\"";
  for (const auto& p : points) {
    const double linear_part = fit.a.value() + fit.b.value() * static_cast<double>(p.variable);
    svg << number(plot.x(static_cast<double>(p.size))) << ',' << number(plot.y_flops(linear_part)) << ' ';
  }
  svg << "\"/>\n";
  QuadraticFit linear = fit;
  linear.c = {};
  return " (dashed: without the P^2 term, " + linear.formula("P") + ")";
}

// One measured series: a line through its points and a dot with a tooltip at each.
struct Series {
  const char* color;
  double stroke_width, radius;
};

template <typename Y, typename Tip>
void draw_series(std::ostream& svg, const SweepPlot& plot, const std::vector<SweepPoint>& points, const Series& series,
                 bool (*has_value)(const SweepPoint&), Y y, Tip tip) {
  svg << "<polyline fill=\"none\" stroke=\"" << series.color << "\" stroke-width=\"" << series.stroke_width << "\" points=\"";
  for (const auto& p : points) {
    if (has_value(p)) svg << number(plot.x(static_cast<double>(p.size))) << ',' << number(y(p)) << ' ';
  }
  svg << "\"/>\n";
  for (const auto& p : points) {
    if (!has_value(p)) continue;
    svg << "<circle cx=\"" << number(plot.x(static_cast<double>(p.size))) << "\" cy=\"" << number(y(p)) << "\" r=\""
        << series.radius << "\" fill=\"" << series.color << "\"><title>" << tip(p) << "</title></circle>\n";
  }
}

// The right-hand time axis, its name and ticks.
void draw_time_axis(std::ostream& svg, const SweepPlot& plot, const std::string& time_name) {
  const double right = kLeft + plot.width, middle = kTop + plot.height / 2;
  svg << "<line x1=\"" << right << "\" y1=\"" << kTop << "\" x2=\"" << right << "\" y2=\"" << kTop + plot.height
      << "\" stroke=\"black\"/>\n"
      << "<text x=\"" << kWidth - 18 << "\" y=\"" << middle << "\" transform=\"rotate(90 " << kWidth - 18 << ' ' << middle
      << ")\" text-anchor=\"middle\" fill=\"" << kTimeColor << "\">" << time_name << (plot.time_axis.log ? " (log scale)" : "")
      << "</text>\n";
  for (const double t : plot.time_axis.ticks) {
    svg << "<text x=\"" << right + 6 << "\" y=\"" << number(plot.y_time(t) + 4) << "\" fill=\"" << kTimeColor << "\">"
        << round_seconds(t) << "</text>\n";
  }
}

// The line above the plot: the exact fit for --vary, the proportionality verdict for batch sizes.
std::string sweep_verdict(const SweepContext& s) {
  const auto& points = s.result->points;
  const Linearity& l = s.result->linearity;
  const QuadraticFit& fit = l.total_fit;
  if (s.options->varied) {
    if (!fit.exact) return "FLOPs(P) not polynomial of degree 2";
    return "exact: FLOPs(P) = " + fit.formula("P") + "; P^2 share " + fixed(100 * fit.quadratic_share(points.front().variable), 1) +
           "% at N=" + std::to_string(points.front().size) + ", " + fixed(100 * fit.quadratic_share(points.back().variable), 1) +
           "% at N=" + std::to_string(points.back().size);
  }
  std::string verdict = l.proportional ? "FLOPs exactly proportional to B" : "FLOPs not exactly proportional to B";
  verdict += l.matmul_proportional ? "; matmul FLOPs exactly proportional" : "; matmul FLOPs not proportional";
  constexpr size_t kNamed = 3;  // the title line has room for a few
  for (size_t i = 0; i < l.not_proportional.size() && i < kNamed; ++i) {
    const ModuleGrowth& g = l.not_proportional[i];
    verdict += "; " + (g.module.empty() ? std::string("(model)") : g.module) + ": " + to_string(g.growth);
  }
  if (l.not_proportional.size() > kNamed) verdict += "; " + std::to_string(l.not_proportional.size() - kNamed) + " more";
  return verdict;
}

void draw_legend_line(std::ostream& svg, double y, const char* color, const std::string& text) {
  svg << "<line x1=\"" << kLeft + 10 << "\" y1=\"" << y << "\" x2=\"" << kLeft + 40 << "\" y2=\"" << y << "\" stroke=\"" << color
      << "\" stroke-width=\"2\"/><text x=\"" << kLeft + 46 << "\" y=\"" << y + 4 << "\">" << text << "</text>\n";
}

bool always(const SweepPoint&) { return true; }
bool timed(const SweepPoint& p) { return p.timed && p.seconds > 0; }

}  // namespace

std::string render_sweep_svg(const SweepContext& s) {
  const auto& points = s.result->points;
  const std::string size = size_name(*s.options);
  const std::string axis_name = s.options->varied ? "N (dims " + s.options->varied->text() + ")" : "batch size B";
  const std::string time_name = s.plan->options.training ? "median step time" : "median forward time";
  const SweepPlot plot = fit_plot(points);

  std::ostringstream svg;
  draw_frame(svg, plot, s, axis_name);
  const std::string reference_legend = draw_flops_reference(svg, plot, s);
  draw_series(
      svg, plot, points, {kFlopsColor, 2, 3.5}, always,
      [&](const SweepPoint& p) { return plot.y_flops(static_cast<double>(p.counts.flops())); },
      [&](const SweepPoint& p) { return size + '=' + std::to_string(p.size) + ": " + with_separators(p.counts.flops()) + " FLOPs"; });
  if (plot.max_seconds > 0) {
    draw_time_axis(svg, plot, time_name);
    draw_series(
        svg, plot, points, {kTimeColor, 2, 3}, timed, [&](const SweepPoint& p) { return plot.y_time(p.seconds); },
        [&](const SweepPoint& p) { return size + '=' + std::to_string(p.size) + ": " + human_seconds(p.seconds); });
  }
  svg << "<text x=\"" << kLeft << "\" y=\"" << kTop - 22 << "\">" << escape(sweep_verdict(s)) << "</text>\n";
  draw_legend_line(svg, kTop + 14, kFlopsColor, "FLOPs" + escape(reference_legend));
  if (plot.max_seconds > 0) draw_legend_line(svg, kTop + 32, kTimeColor, time_name);
  svg << "</svg>\n";
  return svg.str();
}

}  // namespace flopscope
