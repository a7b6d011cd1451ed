// The training step's report sections: what the backward costs per module and in total, next to the
// forward, and against the rule of thumb "a training step = 3 x the forward". The text table and
// Markdown write the same cells and lines.
#include <functional>
#include <sstream>

#include "flopscope/reports/module_table.h"
#include "flopscope/reports/number_format.h"
#include "flopscope/reports/report.h"
#include "flopscope/reports/text_table.h"

namespace flopscope {
namespace {

// "2.000x"; "-" when the forward did nothing.
std::string ratio(int64_t numerator, int64_t denominator) {
  return denominator == 0 ? "-" : fixed(static_cast<double>(numerator) / static_cast<double>(denominator), 3) + "x";
}

// Batch size as --batch sets it (the table's convention, "B = dim 0 of the inputs"); at least 1.
int64_t batch_of(const AnalyzedRun& run) { return std::max<int64_t>(1, batch_size(run.options->inputs)); }

// Per module row: forward, backward, step and their ratio (header first).
std::vector<std::vector<std::string>> training_cells(const std::vector<ModuleLine>& lines,
                                                     const std::function<std::string(const ModuleLine&)>& label, bool si = false) {
  std::vector<std::vector<std::string>> cells = {{"module", "type", "forward FLOPs", "backward FLOPs", "step FLOPs", "bwd / fwd"}};
  for (const ModuleLine& l : lines) {
    if (!l.called) {  // a container that is never called (ModuleList): kept, its children are indented under it
      cells.push_back({label(l), l.type, "-", "-", "-", "-"});
      continue;
    }
    cells.push_back({label(l), l.type, count_cell(l.counts.flops(), si), count_cell(l.backward.flops(), si),
                     count_cell(l.counts.flops() + l.backward.flops(), si),
                     ratio(l.backward.flops(), l.counts.flops())});
  }
  return cells;
}

// "6 x 85,054,464 x 197 + ... = X (...): the step is r of it", layer by layer over the product weights.
std::string six_params_tokens_text(const TrainingCounts& t, int64_t step) {
  if (t.product_weights_by_tokens.empty()) return "no Linear or MultiheadAttention layer ran: the rule does not apply";
  std::string terms;
  for (auto it = t.product_weights_by_tokens.rbegin(); it != t.product_weights_by_tokens.rend(); ++it) {
    terms += (terms.empty() ? "6 x " : " + 6 x ") + with_separators(it->second) + " x " + with_separators(it->first);
  }
  return terms + " = " + with_separators(t.six_params_tokens()) +
         " (Linear and attention-projection weights x the tokens through them): the step is " + ratio(step, t.six_params_tokens()) +
         " of it";
}

// The totals as {name, text} lines.
std::vector<std::pair<std::string, std::string>> training_totals(const AnalyzedRun& run) {
  const TrainingCounts& t = *run.analysis->training;
  const TrainingRecord& record = *run.recording->training;
  const int64_t batch = batch_of(run);
  const int64_t step = t.step().flops();
  return {
      {"parameters", with_separators(record.trainable_params) + " trainable, " + with_separators(record.frozen_params) + " frozen"},
      {"forward", with_separators(t.forward.flops()) + " FLOPs (" + human_flops(t.forward.flops()) + "): the model " +
                      with_separators(run.analysis->total.flops()) + " + the loss " + with_separators(t.loss.flops())},
      {"backward", with_separators(t.backward.flops()) + " FLOPs (" + human_flops(t.backward.flops()) + "), of which the loss's " +
                       with_separators(t.loss_backward.flops()) + "; matmul " + with_separators(t.backward.matmul_flops) +
                       ", elementwise " + with_separators(t.backward.elementwise_flops)},
      {"training step", with_separators(step) + " FLOPs (" + human_flops(step) + "), " + with_separators(t.step().macs) +
                            " MACs; backward / forward " + ratio(t.backward.flops(), t.forward.flops())},
      {"per sample", with_separators(step / batch) + (step % batch == 0 ? "" : " (rounded down)") + " FLOPs (step / B, B = " +
                         std::to_string(batch) + ")"},
      {"vs 3 x forward", with_separators(3 * t.forward.flops()) + ": the step is " + ratio(step, 3 * t.forward.flops()) + " of it"},
      {"vs 6 x params x tokens", six_params_tokens_text(t, step)},
      {"backward time", human_seconds(record.backward_seconds) + (run.recording->timed ? "" : " (dry run: no kernels)")},
  };
}

std::string heading(const AnalyzedRun& run) {
  return "Training step: forward (train mode) + loss '" + run.recording->training->loss +
         "' + backward, counted from the backward ops that ran (docs/training.md)";
}

}  // namespace

std::string render_training_table(const AnalyzedRun& run, const TableOptions& options) {
  std::ostringstream out;
  out << "\n" << wrap_text("", heading(run), options.width);
  const auto tree = [](const ModuleLine& l) { return l.row.tree_label; };
  const std::vector<ModuleLine> lines = module_lines(run, options);
  const FittedTable table = fit_counts_table([&](bool si) { return training_cells(lines, tree, si); }, 2, {}, {"type"},
                                             options.width, {"module"}, options.units);
  out << table.text << left_out_line(table, options.width);
  for (const auto& [name, text] : training_totals(run)) {
    out << wrap_text("  " + name + std::string(name.size() < 18 ? 18 - name.size() : 1, ' '), text, options.width);
  }
  return out.str();
}

std::string render_training_markdown(const AnalyzedRun& run, const TableOptions& options,
                                     const std::function<std::string(const ModuleLine&)>& label) {
  std::ostringstream out;
  out << "\n### " << heading(run) << "\n\n" << format_markdown_table(training_cells(module_lines(run, options), label), "llrrrr") << "\n";
  for (const auto& [name, text] : training_totals(run)) out << "- **" << name << ":** " << text << "\n";
  return out.str();
}

}  // namespace flopscope
