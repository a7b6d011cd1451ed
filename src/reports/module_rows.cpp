#include "flopscope/reports/module_rows.h"

#include <algorithm>
#include <map>
#include <sstream>

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

  // `members`: the module shown, and for a group its counterpart in every repeat (same structure).
  void emit(const std::vector<int>& members, const std::string& path, const std::string& local_name, int depth,
            std::vector<ModuleRow>& rows) {
    if (options_.depth >= 0 && depth > options_.depth) return;
    const std::string indent(static_cast<size_t>(depth) * 2, ' ');
    rows.push_back({indent + (path.empty() ? "(model)" : path), indent + local_name, path, depth, members});
    const auto& children = tree_.children(members[0]);
    const std::string prefix = path.empty() ? "" : path + ".";
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
      std::vector<int> child_members;
      for (size_t k = i; k < j; ++k) {
        for (const int member : members) child_members.push_back(tree_.children(member)[k]);
      }
      if (j - i > 1) {
        const size_t before = rows.size();
        const std::string range = "[" + first_name + "-" + tree_.local_name(children[j - 1]) + "]";
        emit(child_members, prefix + range, range, depth + 1, rows);
        if (rows.size() > before) {
          const std::string repeats = " (x" + std::to_string(j - i) + ")";
          rows[before].label += repeats;
          rows[before].tree_label += repeats;
        }
      } else {
        emit(child_members, prefix + first_name, first_name, depth + 1, rows);
      }
      i = j;
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
