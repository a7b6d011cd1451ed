// Module rows — which modules a per-module report shows, in tree order, with identical consecutive
// numbered siblings folded into one group row ("resblocks.[0-11] (x12)"). Shared by the counts table,
// the roofline table and chart, CSV, Markdown and the diff of two reports, so all show the same rows.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "flopscope/reports/report.h"

namespace flopscope {

struct ModuleRow {
  std::string label;         // "visual.transformer.resblocks.[0-11] (x12)", indented two spaces per level
  std::string tree_label;    // "[0-11] (x12)", the name under the row above, indented the same (terminal tables)
  std::string path;          // "visual.transformer.resblocks.[0-11]"; "" for the model
  int depth = 0;
  std::vector<int> modules;  // the module, or for a group row the corresponding module of every repeat
};

// Any module tree: node 0 is the root. `own_signature` must be equal for two nodes whose own numbers
// read the same; subtrees are compared by their signatures and their children's, recursively.
struct RowTree {
  std::function<const std::vector<int>&(int)> children;
  std::function<std::string(int)> local_name;
  std::function<std::string(int)> own_signature;
  // Optional: a node that did nothing itself (a ModuleList). When its children form one group, the
  // group's row stands for it ("resblocks.[0-11] (x12)").
  std::function<bool(int)> passes_through;
};

std::vector<ModuleRow> group_rows(const RowTree& tree, const TableOptions& options);

// The rows of an analyzed run's module tree.
std::vector<ModuleRow> module_rows(const AnalyzedRun& run, const TableOptions& options);

}  // namespace flopscope
