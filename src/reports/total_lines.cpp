// The totals every full report shows, as lines the table and the HTML page each lay out their way.
#include <algorithm>
#include <utility>

#include "flopscope/analysis/memory_estimate.h"
#include "flopscope/reports/number_format.h"
#include "flopscope/reports/report.h"

namespace flopscope {
namespace {

// Puts `line` before the line called `name`.
void insert_before(std::vector<TotalLine>& lines, const std::string& name, TotalLine line) {
  const auto at = std::find_if(lines.begin(), lines.end(), [&](const TotalLine& l) { return l.name == name; });
  lines.insert(at, std::move(line));
}

}  // namespace

std::vector<TotalLine> total_lines(const AnalyzedRun& run) {
  const Counts& t = run.analysis->total;
  const MemoryEstimate memory = estimate_memory(*run.model, *run.recording);
  const auto flops = [](const std::string& name, int depth, int64_t value, const std::string& meaning) {
    return TotalLine{name, depth, with_separators(value), human_flops(value), meaning};
  };
  const CodeConstants& constants = run.model->code_constants();
  std::vector<TotalLine> lines = {
      {"parameters", 0, with_separators(run.model->total_params()), human_count(run.model->total_params()),
       with_separators(run.model->total_param_bytes()) + " bytes"},
      flops("FLOPs", 0, t.flops(), "matmul + elementwise"),
      flops("matmul", 1, t.matmul_flops, "matrix products and convolutions, 2 x MACs"),
      flops("of which", 2, t.activation_flops, "activation x activation (attention QK^T and AV, similarities)"),
      flops("elementwise", 1, t.elementwise_flops, "norms, activations, softmax, bias and residual adds (docs/counting.md)"),
      {"MACs", 0, with_separators(t.macs), human_count(t.macs), "multiply-adds"},
      {"bytes moved", 0, with_separators(run.analysis->traffic.bytes), human_bytes(run.analysis->traffic.bytes),
       "every op reads its arguments and writes its results once (docs/bytes.md)"},
      {"memory (estimate)", 0, "", human_bytes(memory.total()),
       std::string(constants.tensors > 0 ? "weights and constants " : "weights ") + human_bytes(memory.parameter_bytes) +
           " + activations at their peak " + human_bytes(memory.activation_bytes) + "; a low estimate (docs/isolation.md)"},
  };
  // Integer work is a line only where a quantized op did it.
  if (t.integer_flops > 0) {
    insert_before(lines, "elementwise",
                  {"of which", 2, with_separators(t.integer_flops), human_count(t.integer_flops) + " int8 OPs",
                   "quantized ops' integer multiply-adds x 2, for an int8 peak (docs/files.md)"});
  }
  // A dry run's time says nothing about the model's.
  if (run.recording->timed) lines.push_back({"forward time", 0, "", human_seconds(run.recording->seconds), "with the recording hooks on"});
  const Counts& data_dependent = run.analysis->data_dependent_total;
  if (run.analysis->data_dependent_code) {
    insert_before(lines, "MACs", flops("data-dependent", 1, data_dependent.flops(), std::string("FLOPs of ") + kDataDependentMeaning));
  }
  // A frozen file keeps its weights in its code, and its modules inlined into one.
  if (constants.tensors > 0) {
    const bool inlined = run.model->modules().size() == 1;
    lines.insert(lines.begin() + 1,
                 {"constants", 0, with_separators(constants.elements), human_count(constants.elements),
                  with_separators(constants.bytes) + " bytes in " + with_separators(constants.tensors) +
                      " tensors held by the code, not as parameters (torch.jit.freeze folds weights into it" +
                      (inlined ? ", and the module tree into one module: docs/files.md)" : ": docs/files.md)")});
  }
  return lines;
}

}  // namespace flopscope
