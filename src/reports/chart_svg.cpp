// The sweep chart: FLOPs (left axis) and median forward time (right axis) against batch size, both
// axes linear from zero so that proportional growth shows as a straight line through the origin.
#include <algorithm>
#include <cstdio>
#include <sstream>

#include "flopscope/reports/report.h"
#include "flopscope/reports/sweep_report.h"
#include "svg_kit.h"

namespace flopscope {
namespace {

using svg::escape;
using svg::number;

constexpr double kWidth = 820, kHeight = 460, kLeft = 130, kRight = 90, kTop = 70, kBottom = 60;

}  // namespace

std::string render_sweep_svg(const SweepContext& s) {
  const auto& points = s.result->points;
  double max_batch = 1, max_flops = 1, max_seconds = 0;
  for (const auto& p : points) {
    max_batch = std::max(max_batch, static_cast<double>(p.batch));
    max_flops = std::max(max_flops, static_cast<double>(p.counts.flops()));
    if (p.timed) max_seconds = std::max(max_seconds, p.seconds);
  }
  const double plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom;
  const auto x = [&](double batch) { return kLeft + plot_w * batch / max_batch; };
  const auto y_flops = [&](double flops) { return kTop + plot_h * (1 - flops / max_flops); };
  const auto y_time = [&](double seconds) { return kTop + plot_h * (1 - seconds / max_seconds); };

  std::ostringstream svg;
  svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << kWidth << "\" height=\"" << kHeight
      << "\" font-family=\"sans-serif\" font-size=\"12\">\n"
      << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      << "<text x=\"" << kWidth / 2 << "\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">"
      << escape(s.model->path()) << ": FLOPs and time vs batch size</text>\n"
      << "<line x1=\"" << kLeft << "\" y1=\"" << kTop + plot_h << "\" x2=\"" << kLeft + plot_w << "\" y2=\"" << kTop + plot_h
      << "\" stroke=\"black\"/>\n"
      << "<line x1=\"" << kLeft << "\" y1=\"" << kTop << "\" x2=\"" << kLeft << "\" y2=\"" << kTop + plot_h << "\" stroke=\"black\"/>\n"
      << "<text x=\"" << kLeft + plot_w / 2 << "\" y=\"" << kHeight - 15 << "\" text-anchor=\"middle\">batch size B</text>\n"
      << "<text x=\"16\" y=\"" << kTop + plot_h / 2 << "\" transform=\"rotate(-90 16 " << kTop + plot_h / 2
      << ")\" text-anchor=\"middle\" fill=\"#1f5fbf\">FLOPs (count)</text>\n";
  for (int tick = 0; tick <= 4; ++tick) {
    const double f = max_flops * tick / 4;
    svg << "<text x=\"" << kLeft - 6 << "\" y=\"" << number(y_flops(f) + 4) << "\" text-anchor=\"end\" fill=\"#1f5fbf\">"
        << escape(human_flops(static_cast<int64_t>(f))) << "</text>\n";
  }
  for (const auto& p : points) {
    svg << "<text x=\"" << number(x(static_cast<double>(p.batch))) << "\" y=\"" << kTop + plot_h + 16
        << "\" text-anchor=\"middle\">" << p.batch << "</text>\n";
  }
  // The exact-proportionality reference: FLOPs(B) = B * FLOPs(B0) / B0, dashed.
  const auto& first = points.front();
  const double per_sample = static_cast<double>(first.counts.flops()) / static_cast<double>(first.batch);
  svg << "<line x1=\"" << number(x(0)) << "\" y1=\"" << number(y_flops(0)) << "\" x2=\"" << number(x(max_batch)) << "\" y2=\""
      << number(y_flops(per_sample * max_batch)) << "\" stroke=\"#1f5fbf\" stroke-dasharray=\"4 4\"/>\n";
  svg << "<polyline fill=\"none\" stroke=\"#1f5fbf\" stroke-width=\"2\" points=\"";
  for (const auto& p : points) svg << number(x(static_cast<double>(p.batch))) << ',' << number(y_flops(static_cast<double>(p.counts.flops()))) << ' ';
  svg << "\"/>\n";
  for (const auto& p : points) {
    svg << "<circle cx=\"" << number(x(static_cast<double>(p.batch))) << "\" cy=\"" << number(y_flops(static_cast<double>(p.counts.flops())))
        << "\" r=\"3.5\" fill=\"#1f5fbf\"/>\n";
  }
  if (max_seconds > 0) {
    svg << "<line x1=\"" << kLeft + plot_w << "\" y1=\"" << kTop << "\" x2=\"" << kLeft + plot_w << "\" y2=\"" << kTop + plot_h
        << "\" stroke=\"black\"/>\n"
        << "<text x=\"" << kWidth - 18 << "\" y=\"" << kTop + plot_h / 2 << "\" transform=\"rotate(90 " << kWidth - 18 << ' '
        << kTop + plot_h / 2 << ")\" text-anchor=\"middle\" fill=\"#c0392b\">median forward time (s)</text>\n";
    for (int tick = 0; tick <= 4; ++tick) {
      const double t = max_seconds * tick / 4;
      char label[32];
      std::snprintf(label, sizeof label, "%.3g", t);
      svg << "<text x=\"" << kLeft + plot_w + 6 << "\" y=\"" << number(y_time(t) + 4) << "\" fill=\"#c0392b\">" << label << "</text>\n";
    }
    svg << "<polyline fill=\"none\" stroke=\"#c0392b\" stroke-width=\"2\" points=\"";
    for (const auto& p : points) svg << number(x(static_cast<double>(p.batch))) << ',' << number(y_time(p.seconds)) << ' ';
    svg << "\"/>\n";
  }
  const Linearity& l = s.result->linearity;
  std::string verdict = l.proportional ? "FLOPs exactly proportional to B" : "FLOPs not exactly proportional to B";
  verdict += l.matmul_proportional ? "; matmul FLOPs exactly proportional" : "; matmul FLOPs not proportional";
  for (const auto& g : l.not_proportional) {
    verdict += "; " + (g.module.empty() ? std::string("(model)") : g.module) + ": " + to_string(g.growth);
  }
  svg << "<text x=\"" << kLeft << "\" y=\"" << kTop - 22 << "\">" << escape(verdict) << "</text>\n"
      << "<line x1=\"" << kLeft + 10 << "\" y1=\"" << kTop + 14 << "\" x2=\"" << kLeft + 40 << "\" y2=\"" << kTop + 14
      << "\" stroke=\"#1f5fbf\" stroke-width=\"2\"/><text x=\"" << kLeft + 46 << "\" y=\"" << kTop + 18
      << "\">FLOPs (dashed: B x FLOPs per sample at B=" << first.batch << ")</text>\n";
  if (max_seconds > 0) {
    svg << "<line x1=\"" << kLeft + 10 << "\" y1=\"" << kTop + 32 << "\" x2=\"" << kLeft + 40 << "\" y2=\"" << kTop + 32
        << "\" stroke=\"#c0392b\" stroke-width=\"2\"/><text x=\"" << kLeft + 46 << "\" y=\"" << kTop + 36
        << "\">median forward time</text>\n";
  }
  svg << "</svg>\n";
  return svg.str();
}

}  // namespace flopscope
