// count_flops MODEL.pt: the FLOPs of one forward with the inputs its manifest names, through the
// installed library: once by its layers (record, then analyze) and once by the analyze command's
// library call, which must agree.
#include <iostream>

#include <nlohmann/json.hpp>

#include "flopscope/analysis/analysis.h"
#include "flopscope/analysis/run_plan.h"
#include "flopscope/app/commands.h"
#include "flopscope/core/error.h"
#include "flopscope/counting/formula_coverage.h"
#include "flopscope/runtime/model.h"
#include "flopscope/runtime/recorder.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: count_flops MODEL.pt\n";
    return 2;
  }
  try {
    // The command first: it runs the model in a forked child, which must not inherit LibTorch's
    // thread pools from work already done in this process.
    flopscope::AnalyzeRequest request;
    request.model.path = argv[1];
    request.model.format = "json";
    const flopscope::WorkResult result = flopscope::analyze_command(request);
    const auto report = nlohmann::json::parse(result.outputs.back().content);
    const auto by_command = report.at("totals").at("flops").get<int64_t>();

    flopscope::Model model = flopscope::Model::load(argv[1]);
    const flopscope::RunPlan plan = flopscope::plan_run(model, flopscope::RunRequest{});
    const flopscope::Recording recording = flopscope::record(model, plan.options, flopscope::formula_coverage());
    const int64_t by_layers = flopscope::analyze(model, recording).total.flops();
    if (by_command != by_layers) {
      std::cerr << "the analyze command counts " << by_command << " FLOPs, the layers " << by_layers << "\n";
      return 1;
    }
    std::cout << by_layers << "\n";
  } catch (const flopscope::Error& e) {
    std::cerr << e.what() << "\n";
    return static_cast<int>(e.code());
  }
  return 0;
}
