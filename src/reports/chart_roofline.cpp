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

}  // namespace

std::string render_roofline_svg(const AnalyzedRun& run, const TableOptions& options) {
  const HardwareQuestion& question = *run.hardware;
  const PrecisionChoice& first = question.precisions.front();
  const Hardware* placed_on = nullptr;  // dry runs: points sit on this device's roof
  for (const Hardware& device : question.devices) {
    if (device.peak(first.compute) != nullptr) {
      placed_on = &device;
      break;
    }
  }
  const bool measured = run.recording->timed;
  const auto rate_of = [&](const Workload& w, double intensity) {
    if (measured) return w.seconds > 0 ? static_cast<double>(w.flops) / w.seconds : 0.0;
    if (placed_on == nullptr) return 0.0;
    return std::min(placed_on->peak(first.compute)->value, placed_on->bandwidth.value * intensity);
  };
  std::vector<Point> points;
  const auto add_point = [&](const std::string& label, const Workload& w, bool total) {
    const int64_t bytes = projected_bytes(w.traffic, first);
    if (w.flops <= 0 || bytes <= 0) return;
    const double intensity = static_cast<double>(w.flops) / static_cast<double>(bytes);
    const double rate = rate_of(w, intensity);
    if (rate > 0) points.push_back({label, intensity, rate, w, total});
  };
  for (const ModuleRow& row : module_rows(run, options)) {
    if (row.depth > 0) add_point(trimmed(row.label), module_workload(*run.analysis, row.modules), false);
  }
  add_point("whole model", model_workload(run), true);

  Decades x, y;
  for (const Point& p : points) {
    x.include(p.intensity);
    y.include(p.rate);
  }
  for (const Hardware& device : question.devices) {
    for (const PrecisionChoice& precision : question.precisions) {
      if (device.peak(precision.compute) == nullptr) continue;
      x.include(ridge_point(device, precision.compute) * 4);
      y.include(device.peak(precision.compute)->value * 2);
    }
  }
  y.lo = std::max(y.lo, y.hi - 9);  // nine decades are plenty; tiny rates fall off the bottom edge
  const double plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom;
  const auto px = [&](double v) { return kLeft + plot_w * x.position(v); };
  const auto py = [&](double v) { return kTop + plot_h * (1 - y.position(std::max(v, std::pow(10, y.lo)))); };

  std::ostringstream out;
  out << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << kWidth << "\" height=\"" << kHeight
      << "\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      << "<text x=\"" << kLeft << "\" y=\"22\" font-size=\"15\">" << escape(run.model->path()) << ": roofline at "
      << escape(to_string(first)) << (measured ? " (points: measured on this machine)" : "") << "</text>\n"
      << "<text x=\"" << kLeft << "\" y=\"42\" fill=\"#555\">attainable FLOP/s = min(peak, bandwidth x FLOP/byte); bytes: every op "
         "reads its arguments and writes its results once (docs/bytes.md)"
      << "</text>\n";
  // Grid and decade ticks.
  for (int e = x.lo; e <= x.hi; ++e) {
    const double gx = px(std::pow(10, e));
    out << "<line x1=\"" << number(gx) << "\" y1=\"" << kTop << "\" x2=\"" << number(gx) << "\" y2=\"" << kTop + plot_h
        << "\" stroke=\"#e4e4e4\"/><text x=\"" << number(gx) << "\" y=\"" << kTop + plot_h + 16 << "\" text-anchor=\"middle\">"
        << decade_text(e) << "</text>\n";
  }
  for (int e = y.lo; e <= y.hi; ++e) {
    const double gy = py(std::pow(10, e));
    out << "<line x1=\"" << kLeft << "\" y1=\"" << number(gy) << "\" x2=\"" << kLeft + plot_w << "\" y2=\"" << number(gy)
        << "\" stroke=\"#e4e4e4\"/><text x=\"" << kLeft - 6 << "\" y=\"" << number(gy + 4) << "\" text-anchor=\"end\">"
        << decade_rate_text(e) << "</text>\n";
  }
  out << "<rect x=\"" << kLeft << "\" y=\"" << kTop << "\" width=\"" << plot_w << "\" height=\"" << plot_h
      << "\" fill=\"none\" stroke=\"black\"/>\n"
      << "<text x=\"" << kLeft + plot_w / 2 << "\" y=\"" << kHeight - 18 << "\" text-anchor=\"middle\">arithmetic intensity (FLOP/byte, log)</text>\n"
      << "<text x=\"18\" y=\"" << kTop + plot_h / 2 << "\" transform=\"rotate(-90 18 " << kTop + plot_h / 2
      << ")\" text-anchor=\"middle\">FLOP/s (log)</text>\n";

  // Roofs: one color per device, one dash pattern per precision; a legend line for each.
  double legend_y = kTop + 8;
  const double x_left = std::pow(10, x.lo), x_right = std::pow(10, x.hi);
  for (size_t d = 0; d < question.devices.size(); ++d) {
    const Hardware& device = question.devices[d];
    const char* color = kColors[d % std::size(kColors)];
    for (size_t k = 0; k < question.precisions.size(); ++k) {
      const Rate* peak = device.peak(question.precisions[k].compute);
      if (peak == nullptr) continue;
      const double ridge = ridge_point(device, question.precisions[k].compute);
      const double start = std::max(x_left, std::pow(10, y.lo) / device.bandwidth.value);
      const std::string dash = kDashes[k % std::size(kDashes)];
      const std::string name = device.name + " " + to_string(question.precisions[k].compute);
      out << "<g><title>" << escape(name + ": peak " + human_rate(peak->value, "FLOP/s") + ", memory " +
                                    human_rate(device.bandwidth.value, "B/s") + ", ridge " + fixed(ridge, 1) + " FLOP/B")
          << "</title><polyline fill=\"none\" stroke=\"" << color << "\" stroke-width=\"2\""
          << (dash.empty() ? "" : " stroke-dasharray=\"" + dash + "\"") << " points=\"" << number(px(start)) << ','
          << number(py(device.bandwidth.value * start)) << ' ' << number(px(ridge)) << ',' << number(py(peak->value)) << ' '
          << number(px(x_right)) << ',' << number(py(peak->value)) << "\"/><circle cx=\"" << number(px(ridge)) << "\" cy=\""
          << number(py(peak->value)) << "\" r=\"3\" fill=\"" << color << "\"/></g>\n";
      out << "<line x1=\"" << kLeft + plot_w + 14 << "\" y1=\"" << legend_y << "\" x2=\"" << kLeft + plot_w + 44 << "\" y2=\""
          << legend_y << "\" stroke=\"" << color << "\" stroke-width=\"2\"" << (dash.empty() ? "" : " stroke-dasharray=\"" + dash + "\"")
          << "/><text x=\"" << kLeft + plot_w + 50 << "\" y=\"" << legend_y + 4 << "\">" << escape(name) << "</text>\n"
          << "<text x=\"" << kLeft + plot_w + 50 << "\" y=\"" << legend_y + 18 << "\" fill=\"#555\" font-size=\"11\">"
          << escape(human_rate(peak->value, "FLOP/s") + ", ridge " + fixed(ridge, 1)) << "</text>\n";
      legend_y += 34;
    }
  }

  // Points: the heaviest rows numbered and listed beside the chart; every point has a tooltip.
  std::vector<size_t> by_flops(points.size());
  for (size_t i = 0; i < points.size(); ++i) by_flops[i] = i;
  std::sort(by_flops.begin(), by_flops.end(), [&](size_t a, size_t b) { return points[a].workload.flops > points[b].workload.flops; });
  if (by_flops.size() > kLabelledPoints + 1) by_flops.resize(kLabelledPoints + 1);  // the whole model is always the heaviest
  std::vector<int> number_of(points.size(), 0);
  for (size_t k = 0; k < by_flops.size(); ++k) number_of[by_flops[k]] = static_cast<int>(k) + 1;
  std::vector<std::pair<double, double>> placed;  // number labels already drawn, to avoid overprinting
  for (size_t i = 0; i < points.size(); ++i) {
    const Point& p = points[i];
    const std::string tip = p.label + ": " + human_flops(p.workload.flops) + ", " +
                            human_bytes(projected_bytes(p.workload.traffic, first)) + ", " + fixed(p.intensity, 2) + " FLOP/B, " +
                            human_rate(p.rate, "FLOP/s") +
                            (measured ? " measured (" + human_seconds(p.workload.seconds) + ")" : " on " + placed_on->name + "'s roof");
    const double cx = px(p.intensity), cy = py(p.rate);
    out << "<g><title>" << escape(tip) << "</title><circle cx=\"" << number(cx) << "\" cy=\"" << number(cy) << "\" r=\""
        << (p.total ? 6 : 4) << "\" fill=\"" << (p.total ? "black" : "#333") << "\" fill-opacity=\"" << (p.total ? 1 : 0.55)
        << "\"/></g>\n";
    if (number_of[i] == 0) continue;
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
    out << "<text x=\"" << number(cx + 6) << "\" y=\"" << number(ly) << "\" font-size=\"11\" font-weight=\"bold\">" << number_of[i]
        << "</text>\n";
  }
  legend_y += 6;
  out << "<text x=\"" << kLeft + plot_w + 14 << "\" y=\"" << legend_y << "\" font-size=\"11\" fill=\"#555\">"
      << (measured ? "points: FLOPs / measured time here"
                   : placed_on != nullptr ? "points: on " + escape(placed_on->name) + "'s roof (dry run)" : "points: none (no peak)")
      << "</text>\n";
  for (const size_t i : by_flops) {
    legend_y += 15;
    std::string label = points[i].label;
    if (label.size() > 38) label = "..." + label.substr(label.size() - 35);
    out << "<text x=\"" << kLeft + plot_w + 14 << "\" y=\"" << legend_y << "\" font-size=\"11\"><tspan font-weight=\"bold\">"
        << number_of[i] << "</tspan> " << escape(label) << "</text>\n";
  }
  out << "<text x=\"" << kLeft + plot_w + 14 << "\" y=\"" << legend_y + 20 << "\" font-size=\"11\" fill=\"#555\">"
      << "hover a point or roof for its numbers</text>\n</svg>\n";
  return out.str();
}

}  // namespace flopscope
