// count_flops MODEL.pt: the FLOPs of one forward with the inputs its manifest names, through the
// installed library.
#include <iostream>

#include "flopscope/analysis/analysis.h"
#include "flopscope/counting/formula_coverage.h"
#include "flopscope/analysis/run_plan.h"
#include "flopscope/core/error.h"
#include "flopscope/runtime/model.h"
#include "flopscope/runtime/recorder.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: count_flops MODEL.pt\n";
    return 2;
  }
  try {
    flopscope::Model model = flopscope::Model::load(argv[1]);
    const flopscope::RunPlan plan = flopscope::plan_run(model, flopscope::RunRequest{});
    const flopscope::Recording recording = flopscope::record(model, plan.options, flopscope::formula_coverage());
    std::cout << flopscope::analyze(model, recording).total.flops() << "\n";
  } catch (const flopscope::Error& e) {
    std::cerr << e.what() << "\n";
    return static_cast<int>(e.code());
  }
  return 0;
}
