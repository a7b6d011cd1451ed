#include "flopscope/reports/module_rows.h"

#include <algorithm>
#include <map>
#include <sstream>
#include <utility>

namespace flopscope {

namespace {

class RowLister {
 public:
  RowLister(const RowTree& tree, const TableOptions& options) : tree_(tree), options_(options) {}

  std::vector<ModuleRow> rows() {
    std::vector<ModuleRow> rows;
    emit({0}, "", "(model)", 0, rows);
    return rows;
  }

 private:
  // Everything that must be equal for two sibling subtrees to be shown as one group row.
  const std::string& signature(int index) {
    const auto found = signatures_.find(index);
    if (found != signatures_.end()) return found->second;
    std::string s = tree_.own_signature(index) + '{';
    for (const int child : tree_.children(index)) s += tree_.local_name(child) + '=' + signature(child) + ';';
    return signatures_[index] = s + '}';
  }

  static bool is_index(const std::string& name) {
    return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; });
  }

  // Consecutive children [first, end) that one group row shows: numbered in sequence, equal subtrees.
  std::vector<std::pair<size_t, size_t>> spans(int index) {
    const auto& children = tree_.children(index);
    std::vector<std::pair<size_t, size_t>> spans;
    for (size_t i = 0; i < children.size();) {
      size_t j = i + 1;
      const std::string first_name = tree_.local_name(children[i]);
      if (options_.group && is_index(first_name)) {
        while (j < children.size() && is_index(tree_.local_name(children[j])) &&
               std::stoll(tree_.local_name(children[j])) == std::stoll(first_name) + static_cast<long long>(j - i) &&
               signature(children[j]) == signature(children[i])) {
          ++j;
        }
      }
      spans.emplace_back(i, j);
      i = j;
    }
    return spans;
  }

  // `members`: the module shown, and for a group its counterpart in every repeat (same structure).
  // A container that never ran and holds one group (a ModuleList of equal blocks) is shown as that
  // group's row: "resblocks.[0-11] (x12)".
  void emit(const std::vector<int>& members, const std::string& path, const std::string& local_name, int depth,
            std::vector<ModuleRow>& rows) {
    if (options_.depth >= 0 && depth > options_.depth) return;
    const auto child_spans = spans(members[0]);
    const bool folds = tree_.passes_through && tree_.passes_through(members[0]) && child_spans.size() == 1 &&
                       child_spans[0].second - child_spans[0].first > 1 && !path.empty();
    if (folds) {
      emit_span(members, child_spans[0], path + ".", local_name + ".", depth, rows);
      return;
    }
    const std::string indent(static_cast<size_t>(depth) * 2, ' ');
    rows.push_back({indent + (path.empty() ? "(model)" : path), indent + local_name, path, depth, members});
    for (const auto& span : child_spans) emit_span(members, span, path.empty() ? "" : path + ".", "", depth + 1, rows);
  }

  // The row of children [span.first, span.second) of each of `members`: one child's, or a group's.
  void emit_span(const std::vector<int>& members, std::pair<size_t, size_t> span, const std::string& prefix,
                 const std::string& name_prefix, int depth, std::vector<ModuleRow>& rows) {
    const auto [i, j] = span;
    const auto& children = tree_.children(members[0]);
    std::vector<int> child_members;
    for (size_t k = i; k < j; ++k) {
      for (const int member : members) child_members.push_back(tree_.children(member)[k]);
    }
    const std::string first_name = tree_.local_name(children[i]);
    if (j - i == 1) {
      emit(child_members, prefix + first_name, name_prefix + first_name, depth, rows);
      return;
    }
    const size_t before = rows.size();
    const std::string range = "[" + first_name + "-" + tree_.local_name(children[j - 1]) + "]";
    emit(child_members, prefix + range, name_prefix + range, depth, rows);
    if (rows.size() > before) {
      const std::string repeats = " (x" + std::to_string(j - i) + ")";
      rows[before].label += repeats;
      rows[before].tree_label += repeats;
    }
  }

  const RowTree& tree_;
  const TableOptions& options_;
  std::map<int, std::string> signatures_;
};

}  // namespace

std::vector<ModuleRow> group_rows(const RowTree& tree, const TableOptions& options) { return RowLister(tree, options).rows(); }

std::vector<ModuleRow> module_rows(const AnalyzedRun& run, const TableOptions& options) {
  std::map<int, const CallRecord*> first_call;
  for (const auto& call : run.recording->calls) first_call.emplace(call.module, &call);
  const auto& modules = run.model->modules();
  const auto shapes = [&](int index, bool inputs) {
    const auto found = first_call.find(index);
    if (found == first_call.end()) return std::string("-");
    std::string text;
    for (const auto& v : inputs ? found->second->inputs : found->second->outputs) text += describe(v) + ";";
    return text;
  };
  RowTree tree;
  tree.children = [&](int index) -> const std::vector<int>& { return modules[static_cast<size_t>(index)].children; };
  tree.local_name = [&](int index) { return modules[static_cast<size_t>(index)].local_name(); };
  tree.passes_through = [&](int index) { return run.analysis->modules[static_cast<size_t>(index)].calls == 0; };
  tree.own_signature = [&](int index) {
    const ModuleInfo& m = modules[static_cast<size_t>(index)];
    const ModuleCounts& c = run.analysis->modules[static_cast<size_t>(index)];
    std::ostringstream s;
    s << m.type << '|' << m.subtree_params << '|' << c.calls << '|' << c.total.matmul_flops << '|' << c.total.elementwise_flops
      << '|' << c.traffic.bytes << '|' << shapes(index, true) << '|' << shapes(index, false);
    return s.str();
  };
  return group_rows(tree, options);
}

}  // namespace flopscope
