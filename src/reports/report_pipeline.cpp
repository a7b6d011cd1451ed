#include <cmath>
#include <sstream>

#include "flopscope/core/conventions.h"
#include "flopscope/reports/number_format.h"
#include "flopscope/reports/pipeline_report.h"
#include "flopscope/reports/report.h"
#include "flopscope/reports/text_table.h"
#include "flopscope/reports/tool_identity.h"

namespace flopscope {

nlohmann::json measure_json(const ComponentMeasure& m) {
  return {{"counts", counts_json(m.counts)},
          {"prefill_counts", counts_json(m.prefill)},
          {"bytes", {{"weight_elements", m.bytes.weight_elements}, {"kv_read_elements", m.bytes.kv_read_elements},
                     {"kv_written_elements", m.bytes.kv_written_elements}, {"activation_elements", m.bytes.activation_elements},
                     {"other_bytes", m.bytes.other_bytes}}},
          {"params", m.params},
          {"call", m.call},
          {"seconds", m.seconds}};
}

ComponentMeasure measure_from_json(const nlohmann::json& j) {
  ComponentMeasure m;
  const auto counts = [](const nlohmann::json& c) {
    return Counts{c.at("macs"), c.at("matmul_flops"), c.at("elementwise_flops"), c.at("activation_matmul_flops"), c.at("integer_matmul_flops")};
  };
  m.counts = counts(j.at("counts"));
  m.prefill = counts(j.at("prefill_counts"));
  const nlohmann::json& b = j.at("bytes");
  m.bytes.weight_elements = b.at("weight_elements");
  m.bytes.kv_read_elements = b.at("kv_read_elements");
  m.bytes.kv_written_elements = b.at("kv_written_elements");
  m.bytes.activation_elements = b.at("activation_elements");
  m.bytes.other_bytes = b.at("other_bytes");
  m.params = j.at("params");
  m.call = j.at("call");
  m.seconds = j.at("seconds").get<std::vector<double>>();
  return m;
}

namespace {

using Rows = std::vector<std::vector<std::string>>;

int64_t priced(const PipelineContext& p, const StepBytes& bytes) {
  const GenerationPrecision& first = p.precisions.front();
  return bytes.bytes_at(first.weight_bits, first.activation_bits, first.kv_bits);
}

double per_request(const PipelineContext& p, size_t i, double per_run) {
  return per_run * p.pipeline->runs_per_request(p.pipeline->components[i]);
}

double total_flops(const PipelineContext& p) {
  double total = 0.0;
  for (size_t i = 0; i < p.measures.size(); ++i) total += per_request(p, i, static_cast<double>(p.measures[i].counts.flops()));
  return total;
}

double total_bytes(const PipelineContext& p) {
  double total = 0.0;
  for (size_t i = 0; i < p.measures.size(); ++i) total += per_request(p, i, static_cast<double>(priced(p, p.measures[i].bytes)));
  return total;
}

// "3.2x the quoted 17.6 GFLOPs (as MACs: 1.0x)": the measured value in the quoted unit.
std::string quoted_cell(const PipelineContext& p, size_t i) {
  const auto& quoted = p.pipeline->components[i].quoted;
  if (!quoted) return "-";
  const Counts& counts = quoted->of_prefill ? p.measures[i].prefill : p.measures[i].counts;
  const double measured = quoted->macs ? static_cast<double>(counts.macs) : static_cast<double>(counts.flops());
  const std::string unit = quoted->macs ? "MACs" : "FLOPs";
  std::string cell = significant(quoted->value / 1e9, 3) + " G" + unit + (quoted->of_prefill ? " (prefill)" : "") + ": measured " +
                     significant(measured / quoted->value, 3) + "x";
  if (!quoted->macs) {
    // A figure called FLOPs is often MACs: say so when the MACs match it better.
    const double as_macs = static_cast<double>(counts.macs) / quoted->value;
    if (std::abs(std::log(as_macs)) < std::abs(std::log(measured / quoted->value))) cell += " (MACs " + significant(as_macs, 3) + "x)";
  }
  return cell;
}

// Runs per request, and what they are per when that is not the request ("1 per audio_seconds").
std::string runs_cell(const PipelineContext& p, size_t i) {
  const PipelineComponent& c = p.pipeline->components[i];
  const std::string runs = significant(p.pipeline->runs_per_request(c), 3);
  return c.per == "request" ? runs : runs + " (" + significant(c.runs, 3) + " per " + c.per + ")";
}

Rows component_rows(const PipelineContext& p) {
  Rows rows{{"component", "model", "call", "params", "runs / request", "FLOPs / run", "FLOPs / request", "MACs / request",
             "bytes / request", "quoted"}};
  for (size_t i = 0; i < p.measures.size(); ++i) {
    const PipelineComponent& c = p.pipeline->components[i];
    const ComponentMeasure& m = p.measures[i];
    rows.push_back({c.name, c.model.substr(c.model.find_last_of('/') + 1), m.call, human_count(m.params), runs_cell(p, i),
                    human_flops(m.counts.flops()), human_flops(static_cast<int64_t>(per_request(p, i, static_cast<double>(m.counts.flops())))),
                    human_count(static_cast<int64_t>(per_request(p, i, static_cast<double>(m.counts.macs)))),
                    human_bytes(static_cast<int64_t>(per_request(p, i, static_cast<double>(priced(p, m.bytes))))), quoted_cell(p, i)});
  }
  rows.push_back({"request", "", "", "", "", "", human_flops(static_cast<int64_t>(total_flops(p))), "", human_bytes(static_cast<int64_t>(total_bytes(p))), ""});
  return rows;
}

std::string rate_text(double rate) { return significant(rate, 3) + " request(s)/s"; }

std::string need_line(const PipelineContext& p) {
  const double flops = total_flops(p) * p.rate;
  return "At " + rate_text(p.rate) + ": " + human_rate(flops, "FLOP/s") + " = " + significant(flops / 1e12, 3) + " TOPS (1 TOPS = 10^12 "
         "operations/s, 2 per multiply-add), and " + human_rate(total_bytes(p) * p.rate, "B/s") + " of memory traffic at " +
         p.precisions.front().name() + ".";
}

// Per device and precision: the time per request, and with `per_component` each component's share.
Rows device_rows(const PipelineContext& p, bool per_component) {
  Rows rows{{"device", "precision"}};
  if (per_component) {
    for (const PipelineComponent& c : p.pipeline->components) rows[0].push_back(c.name);
  }
  for (const char* column : {"per request", "requests/s at most", "busy at the rate"}) rows[0].push_back(column);
  if (!per_component) rows[0].push_back("most of it");
  for (size_t d = 0; d < p.devices.size(); ++d) {
    for (size_t q = 0; q < p.precisions.size(); ++q) {
      const size_t column = d * p.precisions.size() + q;
      std::vector<std::string> row{p.devices[d].name, p.precisions[q].name()};
      double total = 0.0, largest = 0.0;
      size_t largest_at = 0;
      bool complete = true;
      for (size_t i = 0; i < p.measures.size(); ++i) {
        const double seconds = p.measures[i].seconds[column];
        complete = complete && seconds >= 0;
        if (per_component) row.push_back(seconds >= 0 ? human_seconds(per_request(p, i, seconds)) : "no peak");
        if (seconds < 0) continue;
        total += per_request(p, i, seconds);
        if (per_request(p, i, seconds) > largest) largest = per_request(p, i, seconds), largest_at = i;
      }
      if (!complete) continue;
      row.push_back(human_seconds(total));
      row.push_back(significant(1.0 / total, 3));
      row.push_back(significant(100.0 * total * p.rate, 3) + "%");
      if (!per_component) row.push_back(p.pipeline->components[largest_at].name + " " + significant(100.0 * largest / total, 3) + "%");
      rows.push_back(row);
    }
  }
  return rows;
}

const char* kBoundLine =
    "Each run's bound is max(FLOPs / peak, bytes / bandwidth), a generation's summed over its prefill and decode steps "
    "(docs/generate.md); bytes move once (weights, inputs, outputs, KV caches); components run one after another.";

// Its first line is the title; the description is wrapped within `width` (0: one line).
std::string header(const PipelineContext& p, size_t width) {
  std::ostringstream out;
  out << p.pipeline->name << (p.dry_run ? "  (dry runs: shapes only)" : "") << "\n";
  if (!p.pipeline->description.empty()) out << wrap_text("", p.pipeline->description, width) << "\n";
  out << "one request:";
  for (const auto& [quantity, amount] : p.pipeline->request) {
    if (quantity != "request") out << " " << significant(amount, 3) << " " << quantity << ";";
  }
  out << " bytes at " << p.precisions.front().name() << "; " << kConventions << "\n";
  return out.str();
}

// The components' notes and the sources of their quoted figures, each within `width` (0: one line).
std::string notes(const PipelineContext& p, const std::string& bullet, size_t width) {
  std::string out;
  for (const PipelineComponent& c : p.pipeline->components) {
    if (!c.note.empty()) out += wrap_text(bullet + c.name + ": ", c.note, width);
    if (c.quoted) out += wrap_text(bullet + c.name + ", quoted: ", c.quoted->source, width);
  }
  return out;
}

std::string render_pipeline_table(const PipelineContext& p) {
  std::ostringstream out;
  const FittedTable components = fit_text_table(component_rows(p), 3, {"call", "model", "params", "FLOPs / run"}, p.width, {"component"});
  out << header(p, p.width) << "\n" << components.text << left_out_line(components, p.width) << notes(p, "  ", p.width) << "\n" << wrap_text("", need_line(p), p.width);
  if (!p.devices.empty()) out << "\n" << wrap_text("", kBoundLine, p.width) << format_text_table(device_rows(p, false), 2);
  out << "\n" << tool_identity() << "\n";
  return out.str();
}

std::string render_pipeline_markdown(const PipelineContext& p) {
  std::ostringstream out;
  const std::string head = header(p, 0);
  out << "## " << head.substr(0, head.find('\n')) << "\n\n" << head.substr(head.find('\n') + 1) << "\n"
      << format_markdown_table(component_rows(p), "llllrrrrrl") << "\n" << notes(p, "- ", 0) << "\n" << need_line(p) << "\n";
  if (!p.devices.empty()) {
    const Rows devices = device_rows(p, true);
    out << "\n" << kBoundLine << "\n\n" << format_markdown_table(devices, std::string(devices.front().size(), 'r'));
  }
  return out.str();
}

nlohmann::json render_pipeline_json(const PipelineContext& p) {
  nlohmann::json components = nlohmann::json::array();
  for (size_t i = 0; i < p.measures.size(); ++i) {
    const PipelineComponent& c = p.pipeline->components[i];
    nlohmann::json component = measure_json(p.measures[i]);
    component["name"] = c.name;
    component["model"] = c.model;
    component["runs_per_request"] = p.pipeline->runs_per_request(c);
    if (c.quoted) component["quoted"] = {{"value", c.quoted->value}, {"unit", c.quoted->macs ? "MACs" : "FLOPs"}, {"source", c.quoted->source}};
    components.push_back(component);
  }
  nlohmann::json configurations = nlohmann::json::array();
  for (const Hardware& device : p.devices) {
    for (const GenerationPrecision& precision : p.precisions) configurations.push_back({{"device", device.name}, {"precision", precision.name()}});
  }
  return {{"schema_version", kJsonSchemaVersion},
          {"tool", tool_json()},
          {"conventions", kConventions},
          {"invocation", {{"command_line", p.command_line}}},
          {"dry_run", p.dry_run},
          {"pipeline", {{"name", p.pipeline->name}, {"rate_per_second", p.rate}}},
          {"components", components},
          {"seconds_columns", configurations},
          {"request", {{"flops", total_flops(p)}, {"bytes", total_bytes(p)}, {"bytes_precision", p.precisions.front().name()}}}};
}

}  // namespace

const std::vector<PipelineFormat>& pipeline_formats() {
  static const std::vector<PipelineFormat> formats = {
      {"table", "each component per run and per request, the request's total, the rate's needs and each device's time", render_pipeline_table},
      {"markdown", "the table's sections as Markdown (docs pages)", render_pipeline_markdown},
      {"json", "every component's counts, bytes and bound per device and precision",
       [](const PipelineContext& p) { return render_pipeline_json(p).dump(2) + "\n"; }},
  };
  return formats;
}

}  // namespace flopscope
