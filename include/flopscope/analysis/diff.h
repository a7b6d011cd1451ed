// Report diff — two `analyze --format json` reports compared module by module: modules matched by
// qualified name (so block 5 of one model meets block 5 of the other), the change of parameters,
// FLOPs, bytes and input shapes, modules only one side has, and the totals.
//
// Reads reports, not models: a diff needs no LibTorch and compares runs made anywhere. Refuses
// reports of different schema versions or counting conventions, whose numbers do not compare.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace flopscope {

// One side's numbers for a module, or for the whole model.
struct DiffSide {
  bool present = false;
  std::string type;
  int64_t params = 0;
  int64_t calls = 0;
  int64_t flops = 0, matmul_flops = 0, activation_flops = 0, elementwise_flops = 0, macs = 0;
  int64_t bytes = 0;
  std::string inputs;  // shapes of the first call, "1x3x224x224, 1x77"; "-" when never called
};

struct ModuleDiff {
  std::string path;  // qualified name, "" for the model
  int depth = 0;
  DiffSide a, b;
};

struct ReportDiff {
  std::string a_label, b_label;  // model path, method and inputs of each side
  std::string convention;        // the counting convention both reports state
  DiffSide a_total, b_total;
  std::vector<ModuleDiff> modules;  // A's modules in A's order, then those only B has, in B's order
};

// A report file as JSON. Throws Error(FileNotFound) or Error(BadReport) (not JSON).
nlohmann::json read_report(const std::string& path);

// Throws Error(BadReport) naming the file when a report is not an analyze report or the two do not
// compare (different schema versions or conventions).
ReportDiff diff_reports(const nlohmann::json& a, const std::string& a_name, const nlohmann::json& b, const std::string& b_name);

// The counts that changed by more than `percent` of A's value (params, FLOPs, matmul and elementwise
// FLOPs, MACs, bytes; from 0 to anything is above any threshold): of the totals, and with
// `per_module` of every module, a module only one side has included. Each as "totals FLOPs +12.50%
// (1,000 -> 1,125)"; empty when none did (`diff --fail-above PCT`).
std::vector<std::string> changes_above(const ReportDiff& diff, double percent, bool per_module);

}  // namespace flopscope
