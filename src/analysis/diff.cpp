#include "flopscope/analysis/diff.h"

#include <cmath>
#include <cstdio>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>

#include "flopscope/core/error.h"
#include "flopscope/runtime/model.h"

namespace flopscope {

namespace {

using nlohmann::json;

void read_counts(const json& counts, DiffSide& side) {
  side.flops = counts.at("flops").get<int64_t>();
  side.matmul_flops = counts.at("matmul_flops").get<int64_t>();
  side.activation_flops = counts.at("activation_matmul_flops").get<int64_t>();
  side.elementwise_flops = counts.at("elementwise_flops").get<int64_t>();
  side.macs = counts.at("macs").get<int64_t>();
}

std::string shapes_text(const json& values) {
  std::string text;
  for (const auto& v : values) {
    if (!v.contains("shape")) continue;
    std::string shape;
    for (const auto& d : v.at("shape")) shape += (shape.empty() ? "" : "x") + std::to_string(d.get<int64_t>());
    text += (text.empty() ? "" : ", ") + (shape.empty() ? std::string("scalar") : shape);
  }
  return text.empty() ? "-" : text;
}

struct Side {
  DiffSide total;
  std::vector<std::string> order;            // module paths in report order
  std::map<std::string, ModuleDiff> modules;  // by path; this side's numbers in `a`
  std::string label;
};

int depth_of(const std::string& path) {
  return path.empty() ? 0 : 1 + static_cast<int>(std::count(path.begin(), path.end(), '.'));
}

Side read_side(const json& report, const std::string& name) {
  Side side;
  const json& totals = report.at("totals");
  side.total.present = true;
  side.total.params = totals.at("params").get<int64_t>();
  read_counts(totals, side.total);
  side.total.bytes = report.at("traffic").at("bytes").get<int64_t>();
  side.label = name + " (" + report.at("model").at("path").get<std::string>() + ", " + report.at("method").get<std::string>();
  for (const auto& input : report.at("inputs")) side.label += " " + input.get<std::string>();
  side.label += ")";
  std::map<std::string, std::string> first_inputs;
  for (const auto& call : report.at("calls")) first_inputs.emplace(call.at("module").get<std::string>(), shapes_text(call.at("inputs")));
  for (const auto& module : report.at("modules")) {
    ModuleDiff diff;
    diff.path = module.at("name").get<std::string>();
    diff.depth = depth_of(diff.path);
    DiffSide& s = diff.a;
    s.present = true;
    s.type = last_component(module.at("type").get<std::string>());
    s.params = module.at("params").get<int64_t>();
    s.calls = module.at("calls").get<int64_t>();
    read_counts(module.at("counts"), s);
    s.bytes = module.at("traffic").at("bytes").get<int64_t>();
    const auto found = first_inputs.find(diff.path);
    s.inputs = found == first_inputs.end() ? "-" : found->second;
    side.order.push_back(diff.path);
    side.modules.emplace(diff.path, std::move(diff));
  }
  return side;
}

// The report's schema version and convention, or one line saying why `name` is not an analyze report.
std::pair<int, std::string> identity(const json& report, const std::string& name) {
  if (report.is_object() && report.value("totals_only", false)) {
    throw Error(ExitCode::BadReport, name + " was written with --totals-only: diff compares modules; write both reports without it");
  }
  if (!report.is_object() || !report.contains("schema_version") || !report.contains("conventions") || !report.contains("modules")) {
    throw Error(ExitCode::BadReport, name + " is not a flopscope analyze report (no schema_version, conventions or modules)");
  }
  return {report.at("schema_version").get<int>(), report.at("conventions").get<std::string>()};
}

}  // namespace

json read_report(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ExitCode::FileNotFound, "cannot read report " + path + ": " + std::strerror(errno));
  try {
    return json::parse(in);
  } catch (const json::exception& e) {
    throw Error(ExitCode::BadReport, path + " is not a JSON report: " + first_line(e.what()));
  }
}

ReportDiff diff_reports(const json& a, const std::string& a_name, const json& b, const std::string& b_name) {
  const auto [a_schema, a_convention] = identity(a, a_name);
  const auto [b_schema, b_convention] = identity(b, b_name);
  if (a_schema != b_schema) {
    throw Error(ExitCode::BadReport, "the reports have different schema versions (" + a_name + ": " + std::to_string(a_schema) +
                                         ", " + b_name + ": " + std::to_string(b_schema) + "): make both with one flopscope");
  }
  if (a_convention != b_convention) {
    throw Error(ExitCode::BadReport, "the reports count under different conventions (" + a_name + ": '" + a_convention + "', " +
                                         b_name + ": '" + b_convention + "'): their numbers do not compare");
  }
  Side left, right;
  try {
    left = read_side(a, a_name);
    right = read_side(b, b_name);
  } catch (const json::exception& e) {
    throw Error(ExitCode::BadReport, "a report lacks a field the diff reads: " + std::string(e.what()));
  }
  ReportDiff diff;
  diff.a_label = left.label;
  diff.b_label = right.label;
  diff.convention = a_convention;
  diff.a_total = left.total;
  diff.b_total = right.total;
  for (const auto& path : left.order) {
    ModuleDiff module = left.modules.at(path);
    const auto other = right.modules.find(path);
    if (other != right.modules.end()) module.b = other->second.a;
    diff.modules.push_back(std::move(module));
  }
  for (const auto& path : right.order) {
    if (left.modules.count(path) != 0) continue;
    ModuleDiff module = right.modules.at(path);
    module.b = module.a;
    module.a = DiffSide{};
    diff.modules.push_back(std::move(module));
  }
  return diff;
}

namespace {

// Appends the counts of `a` -> `b` that changed by more than `percent`, named after `what`.
void add_changes_above(const std::string& what, const DiffSide& a, const DiffSide& b, double percent, std::vector<std::string>& out) {
  static const std::vector<std::pair<const char*, int64_t DiffSide::*>> counts = {
      {"params", &DiffSide::params}, {"FLOPs", &DiffSide::flops}, {"matmul FLOPs", &DiffSide::matmul_flops},
      {"elementwise FLOPs", &DiffSide::elementwise_flops}, {"MACs", &DiffSide::macs}, {"bytes", &DiffSide::bytes}};
  for (const auto& [name, count] : counts) {
    const int64_t before = a.*count, after = b.*count;
    if (before == after) continue;
    const double change = before == 0 ? 0.0 : 100.0 * static_cast<double>(after - before) / static_cast<double>(before);
    if (before != 0 && std::abs(change) <= percent) continue;
    char text[32];
    std::snprintf(text, sizeof text, "%+.2f%%", change);
    out.push_back(what + " " + name + " " + (before == 0 ? std::string("from 0") : std::string(text)) + " (" + std::to_string(before) +
                  " -> " + std::to_string(after) + ")");
  }
}

}  // namespace

std::vector<std::string> changes_above(const ReportDiff& diff, double percent, bool per_module) {
  std::vector<std::string> changes;
  add_changes_above("totals", diff.a_total, diff.b_total, percent, changes);
  if (!per_module) return changes;
  for (const ModuleDiff& module : diff.modules) {
    const std::string name = module.path.empty() ? "(model)" : module.path;
    if (module.a.present != module.b.present) {
      changes.push_back(name + (module.a.present ? " only in A" : " only in B"));
    } else {
      add_changes_above(name, module.a, module.b, percent, changes);
    }
  }
  return changes;
}

}  // namespace flopscope
