#include <set>
#include <sstream>

#include "flopscope/core/conventions.h"
#include "flopscope/reports/generation_report.h"
#include "flopscope/reports/number_format.h"
#include "flopscope/reports/report.h"
#include "flopscope/reports/sweep_report.h"
#include "flopscope/reports/text_table.h"
#include "flopscope/reports/tool_identity.h"
#include "html_assets.h"
#include "svg_kit.h"

namespace flopscope {
namespace {

using Rows = std::vector<std::vector<std::string>>;

const GenerationPrecision& pricing(const GenerationContext& g) { return g.precisions.front(); }

int64_t priced(const GenerationContext& g, const StepBytes& bytes) {
  const GenerationPrecision& p = pricing(g);
  return bytes.bytes_at(p.weight_bits, p.activation_bits, p.kv_bits);
}

int64_t weight_bytes(const GenerationContext& g, int64_t elements) { return elements * pricing(g).weight_bits / 8; }
int64_t kv_bytes(const GenerationContext& g, int64_t elements) { return elements * pricing(g).kv_bits / 8; }

std::string step_label(const GenerationStep& step) {
  if (step.step == 0) return "prefill";
  return "decode " + std::to_string(step.step) + (step.fed ? "" : " (by shape)");
}

std::string module_label(const std::string& name) { return name.empty() ? "(model)" : name; }

int depth_of(const std::string& name) {
  return name.empty() ? 0 : 1 + static_cast<int>(std::count(name.begin(), name.end(), '.'));
}

std::string feed_text(const GenerationResult& r) {
  if (!r.feeds_caches()) return "no cache returned: every step re-reads the prompt and the tokens so far (argument 0 grows by one)";
  std::string text;
  for (const FeedRule& rule : r.feed) {
    text += (text.empty() ? "" : ", ") + (rule.position ? "the tokens before the step -> argument " + std::to_string(rule.argument)
                                                        : "output " + std::to_string(rule.output) + " -> argument " + std::to_string(rule.argument));
  }
  return text + "; the next token (argmax of output 0's last position) -> argument 0";
}

std::string header(const GenerationContext& g) {
  const GenerationResult& r = *g.result;
  std::ostringstream out;
  out << "flopscope generate: " << g.model_name << (g.dry_run ? "  (dry run: shapes only, no timings)" : "") << "\n"
      << with_separators(g.model->total_params()) << " params; batch " << r.batch << "; prompt " << r.prompt << " tokens; "
      << r.new_tokens << " new tokens, greedy\n"
      << "fed: " << feed_text(r) << "\n"
      << "bytes at " << pricing(g).name() << " (weights " << pricing(g).weight_bits << " bits, activations "
      << pricing(g).activation_bits << ", KV cache " << pricing(g).kv_bits << "); " << kConventions << "\n";
  return out.str();
}

Rows step_rows(const GenerationContext& g) {
  Rows rows{{"step", "tokens", "context L", "FLOPs", "matmul", "act x act", "weights read", "KV read", "KV written", "caches in"}};
  for (const GenerationStep& s : g.result->steps) {
    rows.push_back({step_label(s), with_separators(s.tokens), with_separators(s.context), human_flops(s.counts.flops()),
                    human_flops(s.counts.matmul_flops), human_flops(s.counts.activation_flops),
                    human_bytes(weight_bytes(g, s.bytes.weight_elements)), human_bytes(kv_bytes(g, s.bytes.kv_read_elements)),
                    human_bytes(kv_bytes(g, s.bytes.kv_written_elements)), s.shapes.empty() ? "-" : s.shapes});
  }
  return rows;
}

// What the cross-check of every step run found: "module rules equal the ops that ran in all 5 steps
// (1,545 rule calls)", or the mismatches and ops without a formula.
std::string crosscheck_line(const GenerationResult& r) {
  int rules = 0, mismatched = 0;
  std::set<std::string> uncovered;
  for (const GenerationStep& s : r.steps) {
    rules += s.rule_calls;
    mismatched += s.mismatched_calls;
    uncovered.insert(s.uncovered_ops.begin(), s.uncovered_ops.end());
  }
  std::string line = mismatched == 0 ? "cross-check: module rules equal the ops that ran in all " + std::to_string(r.steps.size()) +
                                           " steps (" + with_separators(rules) + " rule calls)"
                                     : "cross-check: " + std::to_string(mismatched) + " of " + with_separators(rules) +
                                           " rule calls differ from the ops that ran (flopscope analyze --crosscheck shows where)";
  if (!uncovered.empty()) {
    std::string names;
    for (const std::string& op : uncovered) names += (names.empty() ? "" : ", ") + op;
    line += "; not counted, no formula: " + names;
  }
  return line + "\n";
}

// "through decode steps 1-3, checked on step 256".
std::string fit_evidence(const GenerationResult& r) {
  if (!r.decode.determined) return "fewer than 3 decode steps ran: no formula; every step is above";
  std::string checked;
  for (size_t i = 4; i < r.steps.size(); ++i) checked = std::to_string(r.steps[i].step);
  const std::string more = r.steps.size() > 5 ? "steps 4-" + checked : "step " + checked;
  return "exact, through decode steps 1-3" + (checked.empty() ? std::string(" (no further step to check it on)") : ", checked on " + more);
}

struct Quantity {
  std::string name;
  const QuadraticFit* fit;
  std::string unit;  // "FLOPs", "elements"
};

std::vector<Quantity> quantities(const GenerationResult& r) {
  const DecodeFits& f = r.decode;
  return {{"FLOPs, matmul", &f.matmul_flops, "FLOPs"}, {"FLOPs, elementwise", &f.elementwise_flops, "FLOPs"},
          {"  of matmul: act x act", &f.activation_flops, "FLOPs"}, {"  of matmul: int8", &f.integer_flops, "OPs"},
          {"weights read", &f.weight_elements, "elements"},  {"KV cache read", &f.kv_read_elements, "elements"},
          {"KV cache written", &f.kv_written_elements, "elements"}, {"other activations", &f.activation_elements, "elements"},
          {"integer tensors", &f.other_bytes, "bytes"}};
}

Rows formula_rows(const GenerationContext& g) {
  const GenerationResult& r = *g.result;
  const int64_t first = r.prompt, last = r.prompt + r.new_tokens - 1;
  Rows rows{{"per decode step", "at context L", "L = " + with_separators(first), "L = " + with_separators(last)}};
  for (const Quantity& q : quantities(r)) {
    if (q.fit->exact && q.fit->a.is_zero() && q.fit->b.is_zero() && q.fit->c.is_zero()) continue;
    const std::optional<int64_t> at_first = q.fit->value_at(first), at_last = q.fit->value_at(last);
    rows.push_back({q.name, q.fit->exact ? q.fit->formula("L") + " " + q.unit : "not a + b·L + c·L²",
                    at_first ? with_separators(*at_first) : "-", at_last ? with_separators(*at_last) : "-"});
  }
  return rows;
}

Rows request_rows(const GenerationContext& g) {
  const GenerationResult& r = *g.result;
  const Counts decode = r.decode_total();
  const StepBytes decode_bytes = r.decode_bytes_total();
  const GenerationStep& prefill = r.prefill();
  Rows rows{{"request", "FLOPs", "exact", "bytes at " + pricing(g).name()}};
  rows.push_back({"prefill (" + std::to_string(r.prompt) + " tokens)", human_flops(prefill.counts.flops()),
                  with_separators(prefill.counts.flops()), human_bytes(priced(g, prefill.bytes))});
  rows.push_back({"decode (" + std::to_string(r.new_tokens) + " steps)", human_flops(decode.flops()), with_separators(decode.flops()),
                  human_bytes(priced(g, decode_bytes))});
  rows.push_back({"whole request", human_flops(prefill.counts.flops() + decode.flops()), with_separators(prefill.counts.flops() + decode.flops()),
                  human_bytes(priced(g, prefill.bytes) + priced(g, decode_bytes))});
  return rows;
}

std::string bound_cell(const Bound& bound) {
  return human_seconds(bound.seconds()) + (bound.memory_bound() ? " mem" : " compute");
}

// With devices, each module's bound in decode step 1 (L = P) on the first device and precision.
Rows module_rows(const GenerationContext& g) {
  const GenerationResult& r = *g.result;
  const GenerationStep& first = r.steps.size() > 1 ? r.steps[1] : r.steps[0];
  const Hardware* device = g.devices.empty() ? nullptr : &g.devices.front();
  Rows rows{{"module", "prefill FLOPs", "FLOPs per decode step at L", "bytes per decode step at L (as run)"}};
  if (device != nullptr) rows[0].push_back("L=" + std::to_string(first.context) + " on " + device->name + " " + pricing(g).name());
  for (const ModuleStepFit& m : r.decode.modules) {
    const auto index = static_cast<size_t>(m.module);
    const std::string& name = g.model->modules()[index].name;
    if (depth_of(name) > g.depth) continue;
    rows.push_back({module_label(name), with_separators(r.prefill().modules[index].flops()),
                    m.flops.exact ? m.flops.formula("L") : "not a + b·L + c·L²", m.bytes.exact ? m.bytes.formula("L") : "not a + b·L + c·L²"});
    if (device == nullptr) continue;
    const std::optional<Bound> bound = work_bound(first.modules[index], boundary_bytes(first.module_traffic[index]), *device, pricing(g));
    rows.back().push_back(bound ? bound_cell(*bound) : "no peak");
  }
  return rows;
}

Rows bound_rows(const GenerationContext& g) {
  const GenerationResult& r = *g.result;
  const int64_t batch = g.bounds.empty() ? 1 : g.bounds.front().batch;
  Rows rows{{"device", "precision", "peak", "TTFT", "decode L=" + std::to_string(r.prompt), "decode L=" + std::to_string(r.prompt + r.new_tokens - 1),
             "tokens/s", "request", "compute-bound from", "weights alone"}};
  if (batch > 1) rows[0].insert(rows[0].end() - 2, "tokens/s x" + std::to_string(batch * r.batch));
  for (const GenerationBound& b : g.bounds) {
    rows.push_back({b.device, b.precision.name(), b.precision.activation_bits == 8 ? "int8 + " + to_string(b.compute) : to_string(b.compute),
                    bound_cell(b.prefill), bound_cell(b.first_decode), bound_cell(b.last_decode), significant(b.tokens_per_second, 3),
                    human_seconds(b.request_seconds()), b.compute_bound_batch ? "batch " + with_separators(*b.compute_bound_batch) : "never",
                    "batch " + with_separators(b.weights_compute_bound_batch)});
    if (batch > 1) rows.back().insert(rows.back().end() - 2, significant(b.batch_tokens_per_second, 3));
  }
  return rows;
}

Rows required_rows(const GenerationContext& g) {
  Rows rows{{"precision", "FLOP/s", "bytes/s"}};
  for (const GenerationPrecision& p : g.precisions) {
    const RequiredRate rate = required_rate(*g.result, p, g.target_tokens_per_second);
    rows.push_back({p.name(), human_rate(rate.flops_per_second, "FLOP/s"), human_rate(rate.bytes_per_second, "B/s")});
  }
  return rows;
}

std::string kv_line(const GenerationContext& g) {
  const GenerationResult& r = *g.result;
  const int64_t elements = r.kv_elements_at_end();
  return "KV cache after " + with_separators(r.prompt + r.new_tokens) + " tokens: " + with_separators(elements) + " elements = " +
         human_bytes(kv_bytes(g, elements)) + " at " + std::to_string(pricing(g).kv_bits) + " bits";
}

const char* kBoundFormula =
    "time = max(FLOPs / peak, bytes / bandwidth) per step; bytes = (weights x w + activations x a + KV x kv bits) / 8, each weight "
    "read once per step for the whole batch; a8 runs the matrix products at the int8 peak; peaks and bandwidth from hardware/*.json";

std::string render_generation_table(const GenerationContext& g) {
  std::ostringstream out;
  out << header(g) << "\n" << format_text_table(step_rows(g), 1) << crosscheck_line(*g.result) << "\n";
  out << "Per decode step at context L (" << fit_evidence(*g.result) << "):\n" << format_text_table(formula_rows(g), 2) << "\n";
  out << format_text_table(request_rows(g), 1) << kv_line(g) << "\n\n";
  out << "Modules to depth " << g.depth << " (--depth):\n" << format_text_table(module_rows(g), 1);
  if (!g.bounds.empty()) out << "\n" << wrap_text("Bounds: ", kBoundFormula, kTerminalWidth) << format_text_table(bound_rows(g), 2);
  if (g.target_tokens_per_second > 0) {
    out << "\nFor " << significant(g.target_tokens_per_second, 3) << " tokens/s (the request's mean decode step):\n"
        << format_text_table(required_rows(g), 1);
  }
  out << "\n" << tool_identity() << "\n";
  return out.str();
}

std::string render_generation_markdown(const GenerationContext& g) {
  const Rows modules = module_rows(g), bounds = bound_rows(g);
  std::ostringstream out;
  const std::string head = header(g);
  out << "## " << head.substr(0, head.find('\n')) << "\n\n" << head.substr(head.find('\n') + 1) << "\n"
      << format_markdown_table(step_rows(g), "lrrrrrrrrl") << "\n" << crosscheck_line(*g.result) << "\n**Per decode step at context L** (" << fit_evidence(*g.result)
      << ")\n\n" << format_markdown_table(formula_rows(g), "llrr") << "\n" << format_markdown_table(request_rows(g), "lrrr") << "\n"
      << kv_line(g) << "\n\n**Modules** to depth " << g.depth << "\n\n" << format_markdown_table(modules, std::string(modules.front().size(), 'l'));
  if (!g.bounds.empty()) out << "\n**Bounds**: " << kBoundFormula << "\n\n" << format_markdown_table(bounds, std::string(bounds.front().size(), 'l'));
  if (g.target_tokens_per_second > 0) {
    out << "\n**For " << significant(g.target_tokens_per_second, 3) << " tokens/s**\n\n" << format_markdown_table(required_rows(g), "lrr");
  }
  out << "\n" << tool_identity() << "\n";
  return out.str();
}

std::string render_generation_csv(const GenerationContext& g) {
  std::ostringstream out;
  out << "step,tokens,context,flops,macs,matmul_flops,elementwise_flops,activation_flops,integer_flops,weight_elements,"
         "kv_read_elements,kv_written_elements,activation_elements,other_bytes,by_shape\n";
  for (const GenerationStep& s : g.result->steps) {
    out << s.step << "," << s.tokens << "," << s.context << "," << s.counts.flops() << "," << s.counts.macs << "," << s.counts.matmul_flops
        << "," << s.counts.elementwise_flops << "," << s.counts.activation_flops << "," << s.counts.integer_flops << ","
        << s.bytes.weight_elements << "," << s.bytes.kv_read_elements << "," << s.bytes.kv_written_elements << ","
        << s.bytes.activation_elements << "," << s.bytes.other_bytes << "," << (s.fed ? 0 : 1) << "\n";
  }
  return out.str();
}

nlohmann::json bytes_json(const StepBytes& b) {
  return {{"weight_elements", b.weight_elements}, {"kv_read_elements", b.kv_read_elements}, {"kv_written_elements", b.kv_written_elements},
          {"activation_elements", b.activation_elements}, {"other_bytes", b.other_bytes}};
}

nlohmann::json bound_json(const Bound& b) {
  return {{"seconds", b.seconds()}, {"compute_seconds", b.compute_seconds}, {"memory_seconds", b.memory_seconds},
          {"bound", b.memory_bound() ? "memory" : "compute"}};
}

}  // namespace

nlohmann::json render_generation_json(const GenerationContext& g) {
  const GenerationResult& r = *g.result;
  nlohmann::json steps = nlohmann::json::array();
  for (const GenerationStep& s : r.steps) {
    nlohmann::json step = {{"step", s.step}, {"tokens", s.tokens}, {"context", s.context}, {"fed", s.fed},
                           {"counts", counts_json(s.counts)}, {"bytes", bytes_json(s.bytes)},
                           {"crosscheck", {{"rule_calls", s.rule_calls}, {"mismatched_calls", s.mismatched_calls}}},
                           {"uncovered_ops", s.uncovered_ops}};
    if (s.timed) step["timing"] = {{"seconds", s.seconds}};
    steps.push_back(step);
  }
  nlohmann::json fits = nlohmann::json::object();
  for (const Quantity& q : quantities(r)) fits[q.name.substr(q.name.find_first_not_of(' '))] = fit_json(*q.fit);
  nlohmann::json modules = nlohmann::json::array();
  for (const ModuleStepFit& m : r.decode.modules) {
    modules.push_back({{"module", g.model->modules()[static_cast<size_t>(m.module)].name},
                       {"prefill_flops", r.prefill().modules[static_cast<size_t>(m.module)].flops()},
                       {"flops_fit", fit_json(m.flops)}, {"bytes_fit", fit_json(m.bytes)}});
  }
  nlohmann::json feed = nlohmann::json::array();
  for (const FeedRule& rule : r.feed) feed.push_back({{"output", rule.output}, {"argument", rule.argument}, {"position", rule.position}});
  nlohmann::json bounds = nlohmann::json::array();
  for (const GenerationBound& b : g.bounds) {
    nlohmann::json bound = {{"device", b.device}, {"precision", b.precision.name()}, {"compute_precision", to_string(b.compute)},
                            {"prefill", bound_json(b.prefill)}, {"first_decode", bound_json(b.first_decode)},
                            {"last_decode", bound_json(b.last_decode)}, {"decode_seconds", b.decode_seconds},
                            {"tokens_per_second", b.tokens_per_second}, {"request_seconds", b.request_seconds()},
                            {"batch", b.batch}, {"batch_tokens_per_second", b.batch_tokens_per_second},
                            {"weights_compute_bound_batch", b.weights_compute_bound_batch}};
    bound["compute_bound_batch"] = b.compute_bound_batch ? nlohmann::json(*b.compute_bound_batch) : nlohmann::json(nullptr);
    bounds.push_back(bound);
  }
  return {{"schema_version", kJsonSchemaVersion},
          {"tool", tool_json()},
          {"conventions", kConventions},
          {"invocation", {{"command_line", g.command_line}}},
          {"dry_run", g.dry_run},
          {"model", {{"name", g.model_name}, {"params", g.model->total_params()}}},
          {"generation", {{"batch", r.batch}, {"prompt", r.prompt}, {"new_tokens", r.new_tokens}, {"feeds_caches", r.feeds_caches()}, {"feed", feed}}},
          {"steps", steps},
          {"decode_fits", {{"determined", r.decode.determined}, {"exact", r.decode.hold}, {"quantities", fits}, {"modules", modules}}},
          {"request", {{"prefill", counts_json(r.prefill().counts)}, {"decode", counts_json(r.decode_total())},
                       {"decode_bytes", bytes_json(r.decode_bytes_total())}, {"kv_elements_at_end", r.kv_elements_at_end()}}},
          {"bounds", bounds}};
}

namespace {

// One page that opens offline: the chart, and the table's sections as they read in a terminal.
std::string render_generation_html(const GenerationContext& g) {
  std::ostringstream out;
  out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>flopscope generate: " << svg::escape(g.model_name)
      << "</title>\n<style>" << html::kStyle << "</style>\n</head>\n<body>\n<h1>flopscope generate: " << svg::escape(g.model_name)
      << "</h1>\n<div class=\"scroll\">" << render_generation_svg(g) << "</div>\n<pre>" << svg::escape(render_generation_table(g))
      << "</pre>\n</body>\n</html>\n";
  return out.str();
}

}  // namespace

const std::vector<GenerationFormat>& generation_formats() {
  static const std::vector<GenerationFormat> formats = {
      {"table", "the steps, the per-step formulas over the context, the request, modules and bounds", render_generation_table},
      {"json", "every step, every exact fit, the request and the bounds (docs/json-schema.md)",
       [](const GenerationContext& g) { return render_generation_json(g).dump(2) + "\n"; }},
      {"markdown", "the table's sections as Markdown", render_generation_markdown},
      {"csv", "one row per step run, exact integers", render_generation_csv},
      {"html", "one page: the chart against the context and the table's sections", render_generation_html},
  };
  return formats;
}

}  // namespace flopscope
