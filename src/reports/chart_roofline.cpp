// The roofline chart: attainable FLOP/s = min(peak, bandwidth x FLOP/byte) for each device and
// precision, log-log, with the model's modules as points (docs/hardware.md).
#include <algorithm>
#include <cmath>
#include <sstream>

#include "flopscope/reports/module_rows.h"
#include "flopscope/reports/number_format.h"
#include "flopscope/reports/report.h"
#include "flopscope/reports/workload.h"
#include "svg_kit.h"

namespace flopscope {
namespace {

using svg::escape;
using svg::number;

constexpr double kWidth = 1000, kHeight = 620, kLeft = 100, kRight = 270, kTop = 60, kBottom = 60;
constexpr int kLabelledPoints = 8;  // the heaviest rows get a visible label; every point has a tooltip
const char* const kColors[] = {"#1f5fbf", "#c0392b", "#27864a", "#8e44ad", "#d68910", "#16a085", "#7f8c8d"};
const char* const kDashes[] = {"", "8 4", "2 3", "10 3 2 3"};

struct Point {
  std::string label;
  double intensity = 0, rate = 0;
  Workload workload;
  bool total = false;
};

// A decade range [10^lo, 10^hi] that holds every value.
struct Decades {
  int lo = 0, hi = 1;
  void include(double v) {
    if (v <= 0) return;
    lo = std::min(lo, static_cast<int>(std::floor(std::log10(v))));
    hi = std::max(hi, static_cast<int>(std::ceil(std::log10(v))));
  }
  double position(double v) const { return (std::log10(v) - lo) / (hi - lo); }
};

std::string decade_text(int exponent) {
  if (exponent >= 0 && exponent <= 4) return std::to_string(static_cast<int64_t>(std::pow(10, exponent)));
  if (exponent < 0 && exponent >= -3) return fixed(std::pow(10, exponent), -exponent);
  return "1e" + std::to_string(exponent);
}

// "100 GFLOP/s": a decade of FLOP/s with its decimal prefix.
std::string decade_rate_text(int exponent) {
  static const char* const kPrefixes[] = {"", "K", "M", "G", "T", "P", "E"};
  if (exponent < 0 || exponent >= 21) return "1e" + std::to_string(exponent) + " FLOP/s";
  return std::to_string(static_cast<int64_t>(std::pow(10, exponent % 3))) + " " + kPrefixes[exponent / 3] + "FLOP/s";
}

std::string trimmed(const std::string& label) { return label.substr(label.find_first_not_of(' ')); }

// What the points mean: measured rates, or rates read off one device's roof (dry runs).
struct PointSource {
  PrecisionChoice precision;
  bool measured = false;
  const Hardware* placed_on = nullptr;  // dry runs: points sit on this device's roof
};

PointSource point_source(const AnalyzedRun& run) {
  const HardwareQuestion& question = *run.hardware;
  PointSource source{question.precisions.front(), run.recording->timed, nullptr};
  for (const Hardware& device : question.devices) {
    if (device.peak(source.precision.compute) != nullptr) {
      source.placed_on = &device;
      break;
    }
  }
  return source;
}

// A point for each module row below the root and one for the whole model; rows without FLOPs,
// bytes or a rate have no place on a log-log chart.
std::vector<Point> roofline_points(const AnalyzedRun& run, const TableOptions& options, const PointSource& source) {
  const auto rate_of = [&](const Workload& w, double intensity) {
    if (source.measured) return w.seconds > 0 ? static_cast<double>(w.flops) / w.seconds : 0.0;
    if (source.placed_on == nullptr) return 0.0;
    return std::min(source.placed_on->peak(source.precision.compute)->value, source.placed_on->bandwidth.value * intensity);
  };
  std::vector<Point> points;
  const auto add_point = [&](const std::string& label, const Workload& w, bool total) {
    const int64_t bytes = projected_bytes(w.traffic, source.precision);
    if (w.flops <= 0 || bytes <= 0) return;
    const double intensity = static_cast<double>(w.flops) / static_cast<double>(bytes);
    const double rate = rate_of(w, intensity);
    if (rate > 0) points.push_back({label, intensity, rate, w, total});
  };
  for (const ModuleRow& row : module_rows(run, options)) {
    if (row.depth > 0) add_point(trimmed(row.label), module_workload(*run.analysis, row.modules), false);
  }
  add_point("whole model", model_workload(run), true);
  return points;
}

// The plot area: decades wide enough for every point and every roof's ridge and peak.
struct Plot {
  Decades x, y;
  double width = kWidth - kLeft - kRight, height = kHeight - kTop - kBottom;
  double px(double v) const { return kLeft + width * x.position(v); }
  double py(double v) const { return kTop + height * (1 - y.position(std::max(v, std::pow(10, y.lo)))); }
  double legend_x() const { return kLeft + width + 14; }
};

Plot fit_plot(const std::vector<Point>& points, const HardwareQuestion& question) {
  Plot plot;
  for (const Point& p : points) {
    plot.x.include(p.intensity);
    plot.y.include(p.rate);
  }
  for (const Hardware& device : question.devices) {
    for (const PrecisionChoice& precision : question.precisions) {
      if (device.peak(precision.compute) == nullptr) continue;
      plot.x.include(ridge_point(device, precision.compute) * 4);
      plot.y.include(device.peak(precision.compute)->value * 2);
    }
  }
  plot.y.lo = std::max(plot.y.lo, plot.y.hi - 9);  // nine decades are plenty; tiny rates fall off the bottom edge
  return plot;
}

// The title, the formula line, the decade grid with its labels, the frame and the axis titles.
void draw_frame(std::ostream& out, const Plot& plot, const AnalyzedRun& run, const PointSource& source) {
  out << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << kWidth << "\" height=\"" << kHeight
      << "\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      << "<text x=\"" << kLeft << "\" y=\"22\" font-size=\"15\">" << escape(run.model->path()) << ": roofline at "
      << escape(to_string(source.precision)) << (source.measured ? " (points: measured on this machine)" : "") << "</text>\n"
      << "<text x=\"" << kLeft << "\" y=\"42\" fill=\"#555\">attainable FLOP/s = min(peak, bandwidth x FLOP/byte); bytes: every op "
         "reads its arguments and writes its results once (docs/bytes.md)"
      << "</text>\n";
  const double bottom = kTop + plot.height;
  for (int e = plot.x.lo; e <= plot.x.hi; ++e) {
    const double gx = plot.px(std::pow(10, e));
    out << "<line x1=\"" << number(gx) << "\" y1=\"" << kTop << "\" x2=\"" << number(gx) << "\" y2=\"" << bottom
        << "\" stroke=\"#e4e4e4\"/><text x=\"" << number(gx) << "\" y=\"" << bottom + 16 << "\" text-anchor=\"middle\">"
        << decade_text(e) << "</text>\n";
  }
  for (int e = plot.y.lo; e <= plot.y.hi; ++e) {
    const double gy = plot.py(std::pow(10, e));
    out << "<line x1=\"" << kLeft << "\" y1=\"" << number(gy) << "\" x2=\"" << kLeft + plot.width << "\" y2=\"" << number(gy)
        << "\" stroke=\"#e4e4e4\"/><text x=\"" << kLeft - 6 << "\" y=\"" << number(gy + 4) << "\" text-anchor=\"end\">"
        << decade_rate_text(e) << "</text>\n";
  }
  out << "<rect x=\"" << kLeft << "\" y=\"" << kTop << "\" width=\"" << plot.width << "\" height=\"" << plot.height
      << "\" fill=\"none\" stroke=\"black\"/>\n"
      << "<text x=\"" << kLeft + plot.width / 2 << "\" y=\"" << kHeight - 18
      << "\" text-anchor=\"middle\">arithmetic intensity (FLOP/byte, log)</text>\n"
      << "<text x=\"18\" y=\"" << kTop + plot.height / 2 << "\" transform=\"rotate(-90 18 " << kTop + plot.height / 2
      << ")\" text-anchor=\"middle\">FLOP/s (log)</text>\n";
}

// Roofs: one color per device, one dash pattern per precision; a legend line for each. Returns the
// legend's next free line.
double draw_roofs(std::ostream& out, const Plot& plot, const HardwareQuestion& question) {
  double legend_y = kTop + 8;
  const double x_left = std::pow(10, plot.x.lo), x_right = std::pow(10, plot.x.hi);
  for (size_t d = 0; d < question.devices.size(); ++d) {
    const Hardware& device = question.devices[d];
    const char* color = kColors[d % std::size(kColors)];
    for (size_t k = 0; k < question.precisions.size(); ++k) {
      const Rate* peak = device.peak(question.precisions[k].compute);
      if (peak == nullptr) continue;
      const double ridge = ridge_point(device, question.precisions[k].compute);
      const double start = std::max(x_left, std::pow(10, plot.y.lo) / device.bandwidth.value);
      const std::string dash = kDashes[k % std::size(kDashes)];
      const std::string dash_attribute = dash.empty() ? "" : " stroke-dasharray=\"" + dash + "\"";
      const std::string name = device.name + " " + to_string(question.precisions[k].compute);
      out << "<g><title>" << escape(name + ": peak " + human_rate(peak->value, "FLOP/s") + ", memory " +
                                    human_rate(device.bandwidth.value, "B/s") + ", ridge " + fixed(ridge, 1) + " FLOP/B")
          << "</title><polyline fill=\"none\" stroke=\"" << color << "\" stroke-width=\"2\"" << dash_attribute << " points=\""
          << number(plot.px(start)) << ',' << number(plot.py(device.bandwidth.value * start)) << ' ' << number(plot.px(ridge))
          << ',' << number(plot.py(peak->value)) << ' ' << number(plot.px(x_right)) << ',' << number(plot.py(peak->value))
          << "\"/><circle cx=\"" << number(plot.px(ridge)) << "\" cy=\"" << number(plot.py(peak->value)) << "\" r=\"3\" fill=\""
          << color << "\"/></g>\n";
      out << "<line x1=\"" << plot.legend_x() << "\" y1=\"" << legend_y << "\" x2=\"" << plot.legend_x() + 30 << "\" y2=\""
          << legend_y << "\" stroke=\"" << color << "\" stroke-width=\"2\"" << dash_attribute << "/><text x=\""
          << plot.legend_x() + 36 << "\" y=\"" << legend_y + 4 << "\">" << escape(name) << "</text>\n"
          << "<text x=\"" << plot.legend_x() + 36 << "\" y=\"" << legend_y + 18 << "\" fill=\"#555\" font-size=\"11\">"
          << escape(human_rate(peak->value, "FLOP/s") + ", ridge " + fixed(ridge, 1)) << "</text>\n";
      legend_y += 34;
    }
  }
  return legend_y;
}

// The heaviest points, whole model first, up to kLabelledPoints rows besides it.
std::vector<size_t> heaviest(const std::vector<Point>& points) {
  std::vector<size_t> by_flops(points.size());
  for (size_t i = 0; i < points.size(); ++i) by_flops[i] = i;
  std::sort(by_flops.begin(), by_flops.end(), [&](size_t a, size_t b) { return points[a].workload.flops > points[b].workload.flops; });
  if (by_flops.size() > kLabelledPoints + 1) by_flops.resize(kLabelledPoints + 1);
  return by_flops;
}

// Every point with its tooltip; the labelled ones (label_of[i] > 0) get their number beside them,
// moved up until it overprints no other number.
void draw_points(std::ostream& out, const Plot& plot, const std::vector<Point>& points, const std::vector<int>& label_of,
                 const PointSource& source) {
  std::vector<std::pair<double, double>> placed;
  for (size_t i = 0; i < points.size(); ++i) {
    const Point& p = points[i];
    const std::string tip =
        p.label + ": " + human_flops(p.workload.flops) + ", " + human_bytes(projected_bytes(p.workload.traffic, source.precision)) +
        ", " + fixed(p.intensity, 2) + " FLOP/B, " + human_rate(p.rate, "FLOP/s") +
        (source.measured ? " measured (" + human_seconds(p.workload.seconds) + ")" : " on " + source.placed_on->name + "'s roof");
    const double cx = plot.px(p.intensity), cy = plot.py(p.rate);
    out << "<g><title>" << escape(tip) << "</title><circle cx=\"" << number(cx) << "\" cy=\"" << number(cy) << "\" r=\""
        << (p.total ? 6 : 4) << "\" fill=\"" << (p.total ? "black" : "#333") << "\" fill-opacity=\"" << (p.total ? 1 : 0.55)
        << "\"/></g>\n";
    if (label_of[i] == 0) continue;
    double ly = cy - 6;
    for (bool moved = true; moved;) {
      moved = false;
      for (const auto& [x0, y0] : placed) {
        if (std::abs(x0 - cx) < 16 && std::abs(y0 - ly) < 12) {
          ly = y0 - 12;
          moved = true;
        }
      }
    }
    placed.emplace_back(cx, ly);
    out << "<text x=\"" << number(cx + 6) << "\" y=\"" << number(ly) << "\" font-size=\"11\" font-weight=\"bold\">" << label_of[i]
        << "</text>\n";
  }
}

// Beside the chart, under the roofs' legend: what the points mean and the labelled points' names.
void draw_point_list(std::ostream& out, const Plot& plot, double legend_y, const std::vector<Point>& points,
                     const std::vector<size_t>& labelled, const PointSource& source) {
  legend_y += 6;
  out << "<text x=\"" << plot.legend_x() << "\" y=\"" << legend_y << "\" font-size=\"11\" fill=\"#555\">"
      << (source.measured             ? "points: FLOPs / measured time here"
          : source.placed_on != nullptr ? "points: on " + escape(source.placed_on->name) + "'s roof (dry run)"
                                        : "points: none (no peak)")
      << "</text>\n";
  for (size_t k = 0; k < labelled.size(); ++k) {
    legend_y += 15;
    std::string label = points[labelled[k]].label;
    if (label.size() > 38) label = "..." + label.substr(label.size() - 35);
    out << "<text x=\"" << plot.legend_x() << "\" y=\"" << legend_y << "\" font-size=\"11\"><tspan font-weight=\"bold\">" << k + 1
        << "</tspan> " << escape(label) << "</text>\n";
  }
  out << "<text x=\"" << plot.legend_x() << "\" y=\"" << legend_y + 20 << "\" font-size=\"11\" fill=\"#555\">"
      << "hover a point or roof for its numbers</text>\n";
}

}  // namespace

std::string render_roofline_svg(const AnalyzedRun& run, const TableOptions& options) {
  const PointSource source = point_source(run);
  const std::vector<Point> points = roofline_points(run, options, source);
  const Plot plot = fit_plot(points, *run.hardware);
  const std::vector<size_t> labelled = heaviest(points);
  std::vector<int> label_of(points.size(), 0);
  for (size_t k = 0; k < labelled.size(); ++k) label_of[labelled[k]] = static_cast<int>(k) + 1;

  std::ostringstream out;
  draw_frame(out, plot, run, source);
  const double legend_y = draw_roofs(out, plot, *run.hardware);
  draw_points(out, plot, points, label_of, source);
  draw_point_list(out, plot, legend_y, points, labelled, source);
  out << "</svg>\n";
  return out.str();
}

}  // namespace flopscope
