// The generation chart: against the context L of a decode step, three panels sharing the L axis: the
// FLOPs of one step, its bytes at each precision, and the tokens/s its roofline bound allows on each
// device and precision. Every value is the step's exact count (or its exact fit) at that L.
#include <algorithm>
#include <sstream>

#include "flopscope/reports/generation_report.h"
#include "flopscope/reports/number_format.h"
#include "chart_axis.h"
#include "svg_kit.h"

namespace flopscope {
namespace {

using svg::escape;
using svg::number;

constexpr double kWidth = 820, kLeft = 110, kRight = 230, kPanel = 170, kGap = 60, kTop = 60;
constexpr const char* kPalette[] = {"#1f5fbf", "#c0392b", "#27ae60", "#8e44ad", "#d35400", "#16a085", "#7f8c8d", "#2c3e50"};

struct Series {
  std::string label;
  std::vector<double> values;  // one per sampled context
};

// Up to 65 contexts from the first decode step's to the last's, both included.
std::vector<int64_t> sampled_contexts(const GenerationResult& r) {
  const int64_t first = r.prompt, last = r.prompt + r.new_tokens - 1;
  std::vector<int64_t> contexts;
  const int64_t steps = std::min<int64_t>(64, last - first);
  for (int64_t i = 0; i <= steps; ++i) contexts.push_back(steps == 0 ? first : first + (last - first) * i / steps);
  return contexts;
}

void draw_panel(std::ostream& svg, double top, const std::string& title, const std::string& unit, const std::vector<int64_t>& contexts,
                const std::vector<Series>& series) {
  const double width = kWidth - kLeft - kRight;
  double max = 0;
  for (const Series& s : series) max = std::max(max, *std::max_element(s.values.begin(), s.values.end()));
  const chart::Axis y = chart::linear_axis(max > 0 ? max : 1);
  const double span = static_cast<double>(std::max<int64_t>(1, contexts.back() - contexts.front()));
  const auto x = [&](int64_t context) { return kLeft + width * static_cast<double>(context - contexts.front()) / span; };
  const auto y_of = [&](double v) { return top + kPanel * (1 - y.fraction(v)); };
  svg << "<text x=\"" << kLeft << "\" y=\"" << top - 10 << "\" font-size=\"13\">" << escape(title) << "</text>\n"
      << "<line x1=\"" << kLeft << "\" y1=\"" << top + kPanel << "\" x2=\"" << kLeft + width << "\" y2=\"" << top + kPanel << "\" stroke=\"black\"/>\n"
      << "<line x1=\"" << kLeft << "\" y1=\"" << top << "\" x2=\"" << kLeft << "\" y2=\"" << top + kPanel << "\" stroke=\"black\"/>\n";
  for (const double tick : y.ticks) {
    svg << "<line x1=\"" << kLeft << "\" y1=\"" << number(y_of(tick)) << "\" x2=\"" << kLeft + width << "\" y2=\"" << number(y_of(tick))
        << "\" stroke=\"#dddddd\"/>\n<text x=\"" << kLeft - 6 << "\" y=\"" << number(y_of(tick) + 4) << "\" text-anchor=\"end\">"
        << escape(round_number(tick, unit)) << "</text>\n";
  }
  for (const int64_t context : {contexts.front(), contexts[contexts.size() / 2], contexts.back()}) {
    svg << "<text x=\"" << number(x(context)) << "\" y=\"" << top + kPanel + 16 << "\" text-anchor=\"middle\">" << with_separators(context)
        << "</text>\n";
  }
  for (size_t s = 0; s < series.size(); ++s) {
    const char* color = kPalette[s % (sizeof kPalette / sizeof *kPalette)];
    svg << "<polyline fill=\"none\" stroke=\"" << color << "\" stroke-width=\"2\" points=\"";
    for (size_t i = 0; i < contexts.size(); ++i) svg << number(x(contexts[i])) << "," << number(y_of(series[s].values[i])) << " ";
    svg << "\"><title>" << escape(series[s].label) << "</title></polyline>\n"
        << "<text x=\"" << kLeft + width + 10 << "\" y=\"" << number(top + 14 + 16 * static_cast<double>(s)) << "\" fill=\"" << color << "\">"
        << escape(series[s].label) << "</text>\n";
  }
}

}  // namespace

std::string render_generation_svg(const GenerationContext& g) {
  const GenerationResult& r = *g.result;
  const std::vector<int64_t> contexts = sampled_contexts(r);
  Series flops{"FLOPs", {}}, activation{"of which attention over the context", {}};
  std::vector<Series> bytes, rates;
  for (const GenerationPrecision& p : g.precisions) bytes.push_back({p.name(), {}});
  for (const Hardware& device : g.devices) {
    for (const GenerationPrecision& p : g.precisions) {
      if (work_bound({}, {}, device, p)) rates.push_back({device.name + " " + p.name(), {}});
    }
  }
  for (const int64_t context : contexts) {
    const Counts counts = r.decode_counts(context);
    const StepBytes step = r.decode_bytes(context);
    flops.values.push_back(static_cast<double>(counts.flops()));
    activation.values.push_back(static_cast<double>(counts.activation_flops));
    for (size_t i = 0; i < g.precisions.size(); ++i) {
      const GenerationPrecision& p = g.precisions[i];
      bytes[i].values.push_back(static_cast<double>(step.bytes_at(p.weight_bits, p.activation_bits, p.kv_bits)));
    }
    size_t series = 0;
    for (const Hardware& device : g.devices) {
      for (const GenerationPrecision& p : g.precisions) {
        const std::optional<Bound> bound = work_bound(counts, step, device, p);
        if (bound) rates[series++].values.push_back(static_cast<double>(r.batch) / bound->seconds());
      }
    }
  }
  const int panels = rates.empty() ? 2 : 3;
  const double height = kTop + panels * (kPanel + kGap) + 10;
  std::ostringstream svg;
  svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << kWidth << "\" height=\"" << height
      << "\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      << "<text x=\"" << kWidth / 2 << "\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">" << escape(g.model_name)
      << ": one decode step against the context L (tokens in the cache)</text>\n";
  draw_panel(svg, kTop, "FLOPs per decode step", "FLOPs", contexts, {flops, activation});
  draw_panel(svg, kTop + kPanel + kGap, "bytes per decode step (weights, KV cache, logits)", "B", contexts, bytes);
  if (!rates.empty()) {
    draw_panel(svg, kTop + 2 * (kPanel + kGap), "tokens/s per sequence at the roofline bound", "", contexts, rates);
  }
  svg << "<text x=\"" << kLeft + (kWidth - kLeft - kRight) / 2 << "\" y=\"" << height - 8 << "\" text-anchor=\"middle\">context L</text>\n"
      << "</svg>\n";
  return svg.str();
}

}  // namespace flopscope
