#include "flopscope/reports/module_rows.h"

#include <algorithm>
#include <map>
#include <sstream>

namespace flopscope {

namespace {

class RowLister {
 public:
  RowLister(const AnalyzedRun& run, const TableOptions& options) : run_(run), options_(options) {
    const auto& calls = run.recording->calls;
    for (size_t i = 0; i < calls.size(); ++i) first_call_.emplace(calls[i].module, static_cast<int>(i));
  }

  std::vector<ModuleRow> rows() {
    std::vector<ModuleRow> rows;
    emit({0}, "(model)", 0, rows);
    return rows;
  }

 private:
  // Everything that must be equal for two sibling subtrees to be shown as one group row.
  const std::string& signature(int index) {
    const auto found = signatures_.find(index);
    if (found != signatures_.end()) return found->second;
    const ModuleInfo& m = module(index);
    const ModuleCounts& c = run_.analysis->modules[static_cast<size_t>(index)];
    std::ostringstream s;
    s << m.type << '|' << m.subtree_params << '|' << c.calls << '|' << c.total.matmul_flops << '|'
      << c.total.elementwise_flops << '|' << c.traffic.bytes << '|' << shapes(index, true) << '|' << shapes(index, false) << '{';
    for (const int child : m.children) s << module(child).local_name() << '=' << signature(child) << ';';
    s << '}';
    return signatures_[index] = s.str();
  }

  const ModuleInfo& module(int index) const { return run_.model->modules()[static_cast<size_t>(index)]; }

  std::string shapes(int index, bool inputs) const {
    const auto found = first_call_.find(index);
    if (found == first_call_.end()) return "-";
    const CallRecord& call = run_.recording->calls[static_cast<size_t>(found->second)];
    std::string text;
    for (const auto& v : inputs ? call.inputs : call.outputs) text += describe(v) + ";";
    return text;
  }

  static bool is_index(const std::string& name) {
    return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; });
  }

  // `members`: the module shown, and for a group its counterpart in every repeat (same structure).
  void emit(const std::vector<int>& members, const std::string& label, int depth, std::vector<ModuleRow>& rows) {
    if (options_.depth >= 0 && depth > options_.depth) return;
    rows.push_back({std::string(static_cast<size_t>(depth) * 2, ' ') + label, depth, members});
    const auto& children = module(members[0]).children;
    const std::string prefix = label == "(model)" ? "" : label + ".";
    for (size_t i = 0; i < children.size();) {
      size_t j = i + 1;
      const std::string& first_name = module(children[i]).local_name();
      if (options_.group && is_index(first_name)) {
        while (j < children.size() && is_index(module(children[j]).local_name()) &&
               std::stoll(module(children[j]).local_name()) == std::stoll(first_name) + static_cast<long long>(j - i) &&
               signature(children[j]) == signature(children[i])) {
          ++j;
        }
      }
      std::vector<int> child_members;
      for (size_t k = i; k < j; ++k) {
        for (const int member : members) child_members.push_back(module(member).children[k]);
      }
      if (j - i > 1) {
        const size_t before = rows.size();
        emit(child_members, prefix + "[" + first_name + "-" + module(children[j - 1]).local_name() + "]", depth + 1, rows);
        if (rows.size() > before) rows[before].label += " (x" + std::to_string(j - i) + ")";
      } else {
        emit(child_members, prefix + first_name, depth + 1, rows);
      }
      i = j;
    }
  }

  const AnalyzedRun& run_;
  const TableOptions& options_;
  std::map<int, int> first_call_;
  std::map<int, std::string> signatures_;
};

}  // namespace

std::vector<ModuleRow> module_rows(const AnalyzedRun& run, const TableOptions& options) {
  return RowLister(run, options).rows();
}

}  // namespace flopscope
