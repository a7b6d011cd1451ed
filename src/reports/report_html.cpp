// HTML: one self-contained page (inline CSS, SVG and script; nothing fetched) with the header, totals,
// an icicle chart of where the FLOPs go (both on a 1280 x 800 window's first screen), towers, the
// collapsible and sortable module tree with every column of the table (narrow windows leave some out),
// the roofline when asked for, the cross-check verdict, coverage and conventions.
// Every number is one of the table's (module_table) or the analysis's; the page computes none.
#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include "flopscope/core/conventions.h"
#include "flopscope/reports/module_table.h"
#include "flopscope/reports/number_format.h"
#include "flopscope/reports/report.h"
#include "flopscope/reports/tool_identity.h"
#include "docs_links.h"
#include "html_assets.h"
#include "svg_kit.h"

namespace flopscope {
namespace {

using svg::escape;
using svg::number;

// When the page loads, rows of the module tree are shown down to this depth, and a group's blocks
// stay folded: one rule for every tower (OpenCLIP: (model) > visual > transformer > resblocks.[0-11]).
constexpr int kOpenDepth = 3;
bool opens(const ModuleLine& line) { return line.row.depth < kOpenDepth && line.repeat == 1; }
constexpr double kIcicleWidth = 1200, kIcicleRow = 22;
const char* const kPalette[] = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#9c755f"};

// Each line's parent line (-1 for the top), from the depths of the lines in tree order.
std::vector<int> parents_of(const std::vector<ModuleLine>& lines) {
  std::vector<int> parents(lines.size(), -1), open;
  for (size_t i = 0; i < lines.size(); ++i) {
    const int depth = lines[i].row.depth;
    while (!open.empty() && lines[static_cast<size_t>(open.back())].row.depth >= depth) open.pop_back();
    parents[i] = open.empty() ? -1 : open.back();
    open.push_back(static_cast<int>(i));
  }
  return parents;
}

// "attn (x12)" for "visual.transformer.resblocks.[0-11].attn" (summed over 12 blocks); the group's
// own row "resblocks.[0-11] (x12)", as the terminal table names it.
std::string local_name(const ModuleLine& line) {
  if (line.row.path.empty()) return "(model)";
  const std::string& label = line.row.tree_label;
  const std::string name = label.substr(std::min(label.find_first_not_of(' '), label.size()));
  const std::string repeats = " (x" + std::to_string(line.repeat) + ")";
  const bool marked = name.size() >= repeats.size() && name.compare(name.size() - repeats.size(), repeats.size(), repeats) == 0;
  return line.repeat > 1 && !marked ? name + repeats : name;
}

std::string display_path(const ModuleLine& line) {
  return (line.row.path.empty() ? "(model)" : line.row.path) + (line.repeat > 1 ? " (x" + std::to_string(line.repeat) + ")" : "");
}

// Modules with a call whose rule disagreed with its ops, or whose rule failed.
std::set<int> modules_with_check_problems(const AnalyzedRun& run) {
  std::set<int> modules;
  for (size_t i = 0; i < run.analysis->calls.size(); ++i) {
    const CheckStatus status = run.analysis->calls[i].status;
    if (status == CheckStatus::Mismatch || status == CheckStatus::RuleFailed) modules.insert(run.recording->calls[i].module);
  }
  return modules;
}

// The model, what ran and how, in two lines of a grid, and the conventions every number follows.
void write_header(std::ostringstream& out, const AnalyzedRun& run) {
  out << "<h1>" << escape(run.model->path()) << "</h1>\n<dl class=\"meta\">\n<dt>inputs</dt><dd>" << escape(run.options->method) << "(";
  for (size_t i = 0; i < run.options->inputs.size(); ++i) out << (i ? ", " : "") << "<code>" << escape(to_string(run.options->inputs[i])) << "</code>";
  out << ")</dd>\n<dt>run</dt><dd>"
      << (run.recording->timed ? "real forward on " + escape(to_string(run.options->device)) : std::string(kDryRunMeaning)) << "</dd>\n"
      << "<dt>tool</dt><dd>" << escape(tool_identity()) << "</dd>\n";
  if (!run.command_line.empty()) out << "<dt>command</dt><dd><code>" << escape(run.command_line) << "</code></dd>\n";
  out << "</dl>\n<p class=\"convention\">" << kConventions << "; bytes are what the ops that ran read and wrote, each argument once ("
      << link_docs("docs/bytes.md") << "); a group of identical blocks (<code>[0-11] (x12)</code>) shows the sum over its repeats.</p>\n";
}

void write_totals(std::ostringstream& out, const AnalyzedRun& run) {
  out << "<h2>Totals</h2>\n<table id=\"totals\">\n";
  for (const auto& line : total_lines(run)) {
    out << "<tr><th scope=\"row\" class=\"depth" << line.depth << "\">" << escape(line.name) << "</th><td class=\"n\">"
        << line.exact << "</td><td class=\"n\">" << escape(line.human) << "</td><td class=\"muted\">" << link_docs(escape(line.meaning))
        << "</td></tr>\n";
  }
  out << "</table>\n";
}

void write_towers(std::ostringstream& out, const AnalyzedRun& run) {
  if (run.towers.empty()) return;
  const Counts& t = run.analysis->total;
  out << "<h2>Towers</h2>\n<table id=\"towers\"><tr><th>tower</th><th class=\"n\">params</th><th class=\"n\">FLOPs</th>"
         "<th class=\"n\">matmul FLOPs</th><th class=\"n\">% FLOPs</th></tr>\n";
  for (const CountedTower& tower : run.towers) {
    const TowerTotals& totals = tower.totals;
    const double share = t.flops() > 0 ? 100.0 * static_cast<double>(totals.counts.flops()) / static_cast<double>(t.flops()) : 0.0;
    out << "<tr><td>" << escape(tower.name) << "</td><td class=\"n\">" << with_separators(totals.params) << "</td><td class=\"n\">"
        << with_separators(totals.counts.flops()) << "</td><td class=\"n\">" << with_separators(totals.counts.matmul_flops)
        << "</td><td class=\"n\">" << fixed(share, 2) << "%</td></tr>\n";
  }
  out << "</table>\n";
}

// What each drawn block of the icicle is called: its own name, or where two blocks would read the
// same ("transformer", "attn (x12)" in both towers), the name of the top-level module it is under
// too ("attn (x12) in visual"), and failing that its path.
std::vector<std::string> icicle_labels(const std::vector<ModuleLine>& lines, const std::vector<int>& parents) {
  std::vector<std::string> labels;
  for (const auto& line : lines) labels.push_back(local_name(line));
  // Which labels more than one block has (one pass, not a search per block: pages have 1,500 rows).
  const auto shared = [&]() {
    std::map<std::string, int> uses;
    for (const auto& label : labels) ++uses[label];
    std::vector<bool> more(labels.size());
    for (size_t i = 0; i < labels.size(); ++i) more[i] = uses[labels[i]] > 1;
    return more;
  };
  std::vector<bool> repeated = shared();
  for (size_t i = 0; i < lines.size(); ++i) {
    if (!repeated[i] || lines[i].row.depth < 2) continue;
    size_t top = i;
    while (lines[top].row.depth > 1) top = static_cast<size_t>(parents[top]);
    labels[i] += " in " + local_name(lines[top]);
  }
  repeated = shared();
  for (size_t i = 0; i < lines.size(); ++i) {
    if (repeated[i]) labels[i] = display_path(lines[i]);
  }
  return labels;
}

// An icicle: one band per tree level, each module as wide as its share of the model's FLOPs, placed
// under its parent; a parent's own ops leave the rest of its width empty. Hover shows the numbers.
void write_icicle(std::ostringstream& out, const std::vector<ModuleLine>& lines, const std::vector<int>& parents) {
  const int64_t total = lines.empty() ? 0 : lines[0].counts.flops();
  if (total <= 0) return;
  int levels = 0;
  for (const auto& line : lines) levels = std::max(levels, line.row.depth + 1);
  std::vector<double> left(lines.size(), 0.0), cursor(lines.size(), 0.0);
  std::hash<std::string> hash;
  const std::vector<std::string> labels = icicle_labels(lines, parents);
  out << "<h2>Where the FLOPs go</h2>\n<p class=\"muted\">Width is the share of the model's "
      << with_separators(total) << " FLOPs; hover a block for its numbers, click it to find it in the module tree.</p>\n"
      << "<div class=\"scroll\"><svg id=\"icicle\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" << kIcicleWidth << "\" height=\""
      << number(levels * kIcicleRow) << "\" role=\"img\" aria-label=\"FLOPs by module\">\n";
  for (size_t i = 0; i < lines.size(); ++i) {
    const ModuleLine& line = lines[i];
    const double width = kIcicleWidth * static_cast<double>(line.counts.flops()) / static_cast<double>(total);
    const int parent = parents[i];
    left[i] = parent < 0 ? 0.0 : cursor[static_cast<size_t>(parent)];
    cursor[i] = left[i];
    if (parent >= 0) cursor[static_cast<size_t>(parent)] += width;
    if (!line.called || width < 0.5) continue;  // too narrow to see; its numbers are in the tree
    const double y = line.row.depth * kIcicleRow;
    out << "<g data-path=\"" << escape(line.row.path) << "\" data-label=\"" << escape(labels[i]) << "\"><rect x=\"" << number(left[i]) << "\" y=\"" << number(y)
        << "\" width=\"" << number(width) << "\" height=\"" << number(kIcicleRow - 1) << "\" fill=\""
        << kPalette[hash(line.type) % std::size(kPalette)] << "\"/><title>" << escape(display_path(line)) << " (" << escape(line.type)
        << ")\nFLOPs " << with_separators(line.counts.flops()) << " (" << fixed(line.percent_of_flops, 2) << "%)\nmatmul "
        << with_separators(line.counts.matmul_flops) << ", elementwise " << with_separators(line.counts.elementwise_flops)
        << "\nparams " << with_separators(line.params) << "</title>";
    const std::string& name = labels[i];
    const size_t fits = static_cast<size_t>(std::max(0.0, (width - 6) / 7));  // ~7 px per character at 12 px
    if (fits >= 3) {
      out << "<text x=\"" << number(left[i] + 3) << "\" y=\"" << number(y + 15) << "\" font-size=\"12\" fill=\"#fff\" pointer-events=\"none\">"
          << escape(name.size() <= fits ? name : name.substr(0, fits - 1) + "\u2026") << "</text>";
    }
    out << "</g>\n";
  }
  out << "</svg></div>\n";
}

void write_module_tree(std::ostringstream& out, const AnalyzedRun& run, const std::vector<ModuleLine>& lines,
                       const std::vector<int>& parents) {
  const bool timed = run.recording->timed;
  const std::set<int> problems = modules_with_check_problems(run);
  std::vector<bool> has_children(lines.size(), false);
  for (const int parent : parents) {
    if (parent >= 0) has_children[static_cast<size_t>(parent)] = true;
  }
  // Columns of class o1 (inputs, outputs), then o2 (matmul and elementwise FLOPs), are left out of
  // narrower windows, as the terminal table leaves them out (the style's media queries).
  out << "<h2>Modules</h2>\n<p class=\"tools\"><button id=\"expand-all\">expand all</button><button id=\"collapse-all\">"
         "collapse all</button><span class=\"muted\">Click a column title to sort each module's children by it.</span></p>\n"
         "<p class=\"muted left-out\">Left out to fit this window: <span class=\"o1-note\">inputs and outputs (below 1,600 px)</span>"
         "<span class=\"o2-note\">, matmul and elementwise FLOPs (below 1,400 px; matmul = 2 x MACs, elementwise = FLOPs - matmul)"
         "</span>. A wider window shows them; the CSV and JSON reports have every column.</p>\n"
      << "<div class=\"scroll\"><table id=\"modules\"><thead><tr><th>module</th><th>type</th><th class=\"n\" data-sort=\"calls\">calls</th>"
         "<th class=\"o1\">inputs</th><th class=\"o1\">outputs</th><th class=\"n\" data-sort=\"params\">params</th>"
         "<th class=\"n\" data-sort=\"flops\">FLOPs</th><th class=\"n o2\" data-sort=\"matmul\">matmul FLOPs</th>"
         "<th class=\"n o2\" data-sort=\"elementwise\">elementwise FLOPs</th><th class=\"n\" data-sort=\"macs\">MACs</th>"
         "<th class=\"n\">% FLOPs</th><th class=\"n\" data-sort=\"bytes\">bytes</th>"
      << (timed ? "<th class=\"n\" data-sort=\"time\">time</th>" : "") << "</tr></thead>\n<tbody>\n";
  for (size_t i = 0; i < lines.size(); ++i) {
    const ModuleLine& line = lines[i];
    bool visible = true;  // every ancestor is open
    for (int p = parents[i]; visible && p >= 0; p = parents[static_cast<size_t>(p)]) visible = opens(lines[static_cast<size_t>(p)]);
    const bool bad = std::any_of(line.row.modules.begin(), line.row.modules.end(), [&](int m) { return problems.count(m) > 0; });
    const auto count = [&](int64_t n, const char* more = "") {
      const std::string cls = std::string("n") + more;
      return line.called ? "<td class=\"" + cls + "\" data-v=\"" + std::to_string(n) + "\">" + with_separators(n) + "</td>"
                         : "<td class=\"" + cls + "\">-</td>";
    };
    const std::string flops = line.work_in_parent ? "<td class=\"n\" title=\"never called: its weights are used by the module above, "
                                                    "whose row counts that work\">in parent</td>"
                              : line.not_run      ? "<td class=\"n\" title=\"never called, and nothing read its weights\">not run</td>"
                                                  : count(line.counts.flops());
    out << "<tr data-p=\"" << parents[i] << "\" data-path=\"" << escape(line.row.path) << "\"" << (bad ? " class=\"bad\"" : "")
        << (visible ? "" : " hidden") << "><td class=\"module\" style=\"padding-left:" << 4 + 16 * line.row.depth << "px\">"
        << (has_children[i] ? std::string("<button class=\"tw\" aria-expanded=\"") + (opens(line) ? "true" : "false") +
                                  "\" aria-label=\"expand or collapse\"></button>"
                            : "<span class=\"leaf\"></span>")
        << escape(line.row.path.empty() ? "(model)" : local_name(line)) << "</td><td class=\"type\" title=\"" << escape(line.marked_type())
        << "\">" << escape(line.marked_type()) << "</td>"
        << "<td class=\"n\" data-v=\"" << line.calls << "\">" << line.calls << "</td><td class=\"shape o1\" title=\"" << escape(line.inputs)
        << "\">" << escape(line.inputs) << "</td><td class=\"shape o1\" title=\"" << escape(line.outputs) << "\">" << escape(line.outputs)
        << "</td><td class=\"n\" data-v=\"" << line.params << "\">" << with_separators(line.params) << "</td>" << flops
        << count(line.counts.matmul_flops, " o2") << count(line.counts.elementwise_flops, " o2") << count(line.counts.macs)
        << "<td class=\"n\">" << (line.called ? fixed(line.percent_of_flops, 2) + "%" : "-") << "</td>" << count(line.bytes);
    if (timed) out << "<td class=\"n\" data-v=\"" << line.seconds << "\">" << (line.called ? human_seconds(line.seconds) : "-") << "</td>";
    out << "</tr>\n";
  }
  out << "</tbody></table></div>\n";
}

void write_crosscheck(std::ostringstream& out, const AnalyzedRun& run) {
  const Analysis& a = *run.analysis;
  const bool clean = a.mismatched_calls == 0 && a.failed_rule_calls == 0 && a.total.matmul_flops == a.op_level_total.matmul_flops;
  out << "<h2>Cross-check</h2>\n<p>Each call with a module rule is counted twice, by the rule and from the aten ops that ran "
         "inside it (matmul FLOPs): <span class=\""
      << (clean ? "verdict-ok\">all agree" : "verdict-bad\">disagreements below") << "</span>. Rule calls " << a.rule_calls << ": match "
      << a.matched_calls << ", mismatch " << a.mismatched_calls << ", rule failed " << a.failed_rule_calls
      << ". Totals: reported " << with_separators(a.total.matmul_flops) << ", op-level " << with_separators(a.op_level_total.matmul_flops)
      << ".</p>\n";
  if (clean) return;
  out << "<ul id=\"mismatches\">\n";
  for (size_t i = 0; i < a.calls.size(); ++i) {
    const CallCounts& c = a.calls[i];
    if (c.status != CheckStatus::Mismatch && c.status != CheckStatus::RuleFailed) continue;
    const CallRecord& call = run.recording->calls[i];
    out << "<li class=\"bad\">" << to_string(c.status) << " <code>" << escape(run.model->modules()[static_cast<size_t>(call.module)].name)
        << " #" << call.call_index << "</code>: rule " << with_separators(c.rule.matmul_flops) << ", ops "
        << with_separators(c.op_level.matmul_flops) << (c.rule_error.empty() ? "" : " (" + escape(c.rule_error) + ")") << "</li>\n";
  }
  out << "</ul>\n";
}

void write_coverage(std::ostringstream& out, const Analysis& a) {
  out << "<h2>Coverage</h2>\n";
  if (a.uncovered_ops.empty()) {
    out << "<p>Every op that ran has a formula.</p>\n";
  } else {
    out << "<p class=\"verdict-bad\">Uncovered ops: their work is NOT, or not fully, in the counts.</p>\n<table id=\"uncovered\">"
           "<tr><th>op</th><th class=\"n\">count</th><th>first in</th><th>inputs</th><th>why</th></tr>\n";
    for (const auto& op : a.uncovered_ops) {
      out << "<tr class=\"bad\"><td><code>" << escape(op.op) << "</code></td><td class=\"n\">" << op.count << "</td><td>"
          << escape(op.module.empty() ? "(model)" : op.module) << "</td><td>" << escape(op.shapes) << "</td><td>" << escape(op.reason)
          << "</td></tr>\n";
    }
    out << "</table>\n";
  }
  if (!a.modules_by_base_rule.empty()) {
    out << "<p>Modules counted by the rule of the type they extend (their ops count the same; " << link_docs("docs/counting.md") << "):</p>\n<ul>\n";
    for (const auto& m : a.modules_by_base_rule) {
      out << "<li><code>" << escape(m.type) << "</code> extends <code>" << escape(m.base) << "</code>, " << m.calls << " calls, e.g. "
          << escape(m.example) << "</li>\n";
    }
    out << "</ul>\n";
  }
  if (a.modules_without_rule.empty()) return;
  out << "<p>Modules without a rule, counted from the aten ops they ran:</p>\n<ul>\n";
  for (const auto& m : a.modules_without_rule) {
    out << "<li><code>" << escape(m.type) << "</code>, " << m.calls << " calls, e.g. " << escape(m.example.empty() ? "(model)" : m.example)
        << (m.fully_counted ? "" : " (has uncovered ops)") << "</li>\n";
  }
  out << "</ul>\n";
}

void write_conventions(std::ostringstream& out, const AnalyzedRun& run) {
  out << "<h2>The same run in other tools' conventions</h2>\n<table id=\"conventions\">\n";
  for (const auto& c : conventions(*run.model, *run.recording, *run.analysis, run.towers)) {
    const bool macs = c.name.rfind("MACs", 0) == 0;
    out << "<tr><td>" << escape(c.name) << "</td><td class=\"n\">" << with_separators(c.value) << (macs ? " MACs" : " FLOPs")
        << "</td><td class=\"muted\">" << escape(c.meaning) << "</td></tr>\n";
  }
  out << "</table>\n<p class=\"muted\">See " << link_docs("docs/conventions.md") << ".</p>\n";
}

}  // namespace

std::string render_html(const AnalyzedRun& run, const TableOptions& options) {
  const std::vector<ModuleLine> lines = module_lines(run, options);
  const std::vector<int> parents = parents_of(lines);
  std::ostringstream out;
  out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>flopscope: " << escape(run.model->path())
      << "</title>\n<script>" << html::kErrorCatcher << "</script>\n<style>" << html::kStyle
      << "</style>\n<noscript><style>#modules tr[hidden] { display: table-row; } .tw, .tools { display: none; }</style></noscript>\n"
         "</head>\n<body>\n";
  write_header(out, run);
  write_totals(out, run);
  write_icicle(out, lines, parents);
  write_towers(out, run);
  write_module_tree(out, run, lines, parents);
  if (run.hardware != nullptr) {
    out << "<h2>Roofline</h2>\n<div class=\"scroll\">" << render_roofline_svg(run, options) << "</div>\n<pre>"
        << link_docs(escape(render_roofline_table(run, options))) << "</pre>\n";
  }
  write_crosscheck(out, run);
  write_coverage(out, *run.analysis);
  write_conventions(out, run);
  out << "<script>" << html::kScript << "</script>\n</body>\n</html>\n";
  return out.str();
}

}  // namespace flopscope
