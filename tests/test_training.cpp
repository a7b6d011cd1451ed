// Training steps (docs/training.md): backward FLOPs per module against hand-computed integers, frozen
// parameters, dry runs, the CLIP loss's B^2 term, and the errors.
#include <gtest/gtest.h>

#include <map>

#include "flopscope/counting/formula_coverage.h"
#include "flopscope/core/error.h"
#include "test_helpers.h"

namespace flopscope {
namespace {

using testing::analyze_file;
using testing::inputs;

RunOptions training(std::vector<std::string> frozen = {}, const std::string& loss = "sum") {
  RunOptions options = inputs({"1x4x6x6:float32", "1x5:int64:randint:0:10"});
  options.training = true;
  options.frozen = std::move(frozen);
  options.loss = loss;
  return options;
}

// training.pt (tools/export_test_models.py), B = 1, everything trainable. By hand:
//   conv   Conv2d(4, 6, 3, groups 2) on the 1x4x6x6 image: out 6x4x4 = 96, forward MACs 96 x 2 x 9 =
//          1,728. The image needs no gradient, so only the weight gradient (grad x input, 1,728 MACs,
//          activation x activation) and the bias gradient (96 adds).
//   norm   LayerNorm(6) on 16 x 6 = 96 elements: input 96 x (8 + 1) = 864, weight 96 x 2 = 192,
//          bias 96: 1,152.
//   fc     Linear(6, 8) on 16 rows: grad input 16x8 . 8x6 = 768 MACs (times the weight), grad weight
//          8x16 . 16x6 = 768 MACs (activation x activation), bias gradient sums 16 x 8 = 128.
//   emb    Embedding(10, 8), 5 tokens: the gradient's 5 x 8 = 40 elements scattered into rows.
//   attn   MultiheadAttention(8, 2 heads), L = 5, head dim 4 (the unfused path of training):
//          out_proj: grad input 5x8 . 8x8 = 320, grad weight 320 (activations), bias sum 40;
//          AV: grad A = 2 heads x 5x4 . 4x5 = 200, grad V 200; softmax backward 2x5x5 x 4 = 200;
//          QK^T: grad Q 200, grad K 200; q scaling 2x5x4 = 40; in_proj: grad input 5x8 . 8x24 =
//          960, grad weight 960 (activations), bias sum 5 x 24 = 120.
//          MACs 320 + 320 + 4 x 200 + 960 + 960 = 3,360, of them between activations 320 + 800 +
//          960 = 2,080; elementwise 40 + 200 + 40 + 120 = 400.
TEST(Training, BackwardPerModuleByHand) {
  const auto a = analyze_file("test/training.pt", training());
  ASSERT_TRUE(a.analysis.training.has_value());
  EXPECT_EQ(a.module("conv").backward, (Counts{1'728, 3'456, 96, 3'456}));
  EXPECT_EQ(a.module("norm").backward, (Counts{0, 0, 1'152, 0}));
  EXPECT_EQ(a.module("fc").backward, (Counts{1'536, 3'072, 128, 1'536}));
  EXPECT_EQ(a.module("emb").backward, (Counts{0, 0, 40, 0}));
  EXPECT_EQ(a.module("attn").backward, (Counts{3'360, 6'720, 400, 4'160}));
  // The model's own x.sum(1) and a.sum(1) and the loss's sums backward as expands: views, nothing.
  const TrainingCounts& t = *a.analysis.training;
  EXPECT_EQ(t.backward, (Counts{6'624, 13'248, 1'816, 9'152}));
  EXPECT_EQ(t.loss_backward, Counts{});
  // The loss: sum of two 1 x 8 outputs (8 + 8) and their add.
  EXPECT_EQ(t.loss, (Counts{0, 0, 17, 0}));
  EXPECT_EQ(t.forward, a.analysis.total + t.loss);
  EXPECT_TRUE(a.analysis.uncovered_ops.empty());
  EXPECT_EQ(a.recording.training->trainable_params, 550);
  EXPECT_EQ(a.recording.training->frozen_params, 0);
  // 6 x params x tokens, layer by layer: fc's 48 weights see 16 rows; attn's packed projection
  // (3 x 64) and out_proj (64) see the 5 tokens: 6 x 48 x 16 + 6 x 256 x 5.
  EXPECT_EQ(t.product_weights_by_tokens, (std::map<int64_t, int64_t>{{16, 48}, {5, 256}}));
  EXPECT_EQ(t.six_params_tokens(), 12'288);
}

// LiT-style: a frozen part loses its weight gradients, and an input gradient is computed only where
// something before it trains.
TEST(Training, FrozenPartsKeepOnlyTheGradientsOthersNeed) {
  // conv frozen: no conv backward at all; norm's input no longer needs a gradient: weight 192 + bias 96.
  const auto conv = analyze_file("test/training.pt", training({"conv"}));
  EXPECT_EQ(conv.module("conv").backward, Counts{});
  EXPECT_EQ(conv.module("norm").backward, (Counts{0, 0, 288, 0}));
  EXPECT_EQ(conv.module("fc").backward, (Counts{1'536, 3'072, 128, 1'536}));
  EXPECT_EQ(conv.recording.training->frozen_params, 114);  // 6 x 2 x 9 weights + 6 biases
  // fc frozen: its input gradient still flows (norm and conv train), its weight and bias gradients go.
  const auto fc = analyze_file("test/training.pt", training({"fc"}));
  EXPECT_EQ(fc.module("fc").backward, (Counts{768, 1'536, 0, 0}));
  // conv and norm frozen: fc's input needs no gradient: 1 x its forward matmul plus the bias sum.
  const auto both = analyze_file("test/training.pt", training({"conv", "norm"}));
  EXPECT_EQ(both.module("fc").backward, (Counts{768, 1'536, 128, 1'536}));
  EXPECT_EQ(both.module("norm").backward, Counts{});
  // A parameter by its own name.
  const auto bias = analyze_file("test/training.pt", training({"fc.bias"}));
  EXPECT_EQ(bias.module("fc").backward, (Counts{1'536, 3'072, 0, 1'536}));
}

// --crosscheck: each product layer's backward against forward MACs x the gradients needed, computed
// from the call's recorded inputs and the frozen names, not from the backward ops. conv: weight only
// (the image needs none), 1 x 1,728 MACs; fc: input and weight, 2 x 768; with conv and norm frozen,
// fc's input needs none: 1 x 768. A backward op lost from the attribution is a mismatch.
TEST(Training, CrosscheckComparesProductBackwardsWithTheirRule) {
  const auto call_of = [](const testing::Analyzed& a, const std::string& name) -> const CallCounts& {
    for (size_t i = 0; i < a.recording.calls.size(); ++i) {
      if (a.model.modules()[static_cast<size_t>(a.recording.calls[i].module)].name == name) return a.analysis.calls[i];
    }
    throw std::out_of_range(name);
  };
  const auto full = analyze_file("test/training.pt", training());
  EXPECT_EQ(full.analysis.backward_rule_calls, 2);  // conv and fc (MultiheadAttention uses out_proj.weight, never calls it)
  EXPECT_EQ(full.analysis.backward_mismatched_calls, 0);
  EXPECT_EQ(call_of(full, "conv").backward_rule, multiply_adds(1'728));
  EXPECT_EQ(call_of(full, "conv").backward_status, CheckStatus::Match);
  EXPECT_EQ(call_of(full, "fc").backward_rule, multiply_adds(2 * 768));
  EXPECT_EQ(call_of(full, "fc").backward_status, CheckStatus::Match);
  const auto frozen = analyze_file("test/training.pt", training({"conv", "norm"}));
  EXPECT_EQ(call_of(frozen, "fc").backward_rule, multiply_adds(768));
  EXPECT_EQ(call_of(frozen, "fc").backward_status, CheckStatus::Match);
  EXPECT_EQ(call_of(frozen, "conv").backward_rule, Counts{});  // nothing of it trains
  // The check can fail: without fc's backward ops its rule no longer matches.
  testing::Analyzed broken = analyze_file("test/training.pt", training());
  for (auto& call : broken.recording.calls) {
    if (broken.model.modules()[static_cast<size_t>(call.module)].name == "fc") call.backward_ops.clear();
  }
  const Analysis reanalyzed = analyze(broken.model, broken.recording);
  EXPECT_EQ(reanalyzed.backward_mismatched_calls, 1);
}

TEST(Training, DryRunCountsTheSameAsARealRun) {
  const auto real = analyze_file("test/training.pt", training());
  LoadOptions meta;
  meta.meta = true;
  const auto dry = analyze_file("test/training.pt", training(), meta);
  ASSERT_TRUE(dry.analysis.training.has_value());
  EXPECT_EQ(dry.analysis.training->backward, real.analysis.training->backward);
  EXPECT_EQ(dry.analysis.training->forward, real.analysis.training->forward);
  for (const char* module : {"conv", "norm", "fc", "emb", "attn"}) {
    EXPECT_EQ(dry.module(module).backward, real.module(module).backward) << module;
  }
}

// Norms and activations beyond the transformer's: batch and group norm, pooling, transposed and 1-D
// and 3-D convolutions (convnet.pt), whose backward kernels LibTorch 1.13 lacks on meta tensors
// (flopscope supplies them), count the same in a dry run.
TEST(Training, VisionLayersDryRunCountsTheSameAsARealRun) {
  const auto step = [](bool meta) {
    LoadOptions load;
    load.meta = meta;
    Model model = Model::load(testing::model_path("test/convnet.pt"), load);
    RunRequest request;
    request.training = true;
    request.threads = 1;
    const RunPlan plan = plan_run(model, request);
    const Analysis a = analyze(model, record(model, plan.options, formula_coverage()));
    EXPECT_EQ(a.backward_mismatched_calls, 0);
    EXPECT_TRUE(a.uncovered_ops.empty());
    return a.training->step();
  };
  EXPECT_EQ(step(true), step(false));
}

// The repeated runs of one Model (sweeps, benchmarks) must not accumulate gradients into the last.
TEST(Training, RepeatedStepsCountTheSame) {
  Model model = Model::load(testing::model_path("test/training.pt"));
  RunOptions options = training();
  options.threads = 1;
  const Analysis first = analyze(model, record(model, options, formula_coverage()));
  const Analysis second = analyze(model, record(model, options, formula_coverage()));
  EXPECT_EQ(first.training->backward, second.training->backward);
  // And a forward after a training step is an eval forward again: no autograd, train mode restored.
  const Analysis after = analyze(model, record(model, inputs({"1x4x6x6:float32", "1x5:int64:randint:0:10"}), formula_coverage()));
  EXPECT_FALSE(after.training.has_value());
  EXPECT_EQ(after.total, first.total);
}

// OpenCLIP ViT-B-16, dry run: the CLIP loss's two B x D x B similarity products make the step grow
// with B^2: 2 x 2 x B^2 x 512 matmul FLOPs forward, and twice that backward (each product's two
// gradients).
TEST(Training, ClipLossCarriesTheBatchSquaredTerm) {
  LoadOptions meta;
  meta.meta = true;
  Model model = Model::load(testing::model_path("openclip/ViT-B-16.pt"), meta);
  std::vector<Counts> loss, loss_backward;
  for (const int64_t batch : {2, 4}) {
    RunRequest request;
    request.preset = "openclip";
    request.batch = batch;
    request.training = true;
    request.loss = "clip";
    const RunPlan plan = plan_run(model, request);
    const Analysis a = analyze(model, record(model, plan.options, formula_coverage()));
    loss.push_back(a.training->loss);
    loss_backward.push_back(a.training->loss_backward);
    EXPECT_EQ(a.training->loss.matmul_flops, 2 * 2 * batch * batch * 512) << batch;
    EXPECT_EQ(a.training->loss.activation_flops, a.training->loss.matmul_flops) << batch;
    EXPECT_EQ(a.training->loss_backward.matmul_flops, 2 * a.training->loss.matmul_flops) << batch;
  }
  EXPECT_EQ(loss[1].matmul_flops, 4 * loss[0].matmul_flops);
}

// ViT-B-16 at B = 1 (dry run, which counts as the CPU run does): every backward op has a formula, and the step is close to (not equal
// to) 3 x forward: the first layer needs no input gradient, norms and the loss cost less than 2x.
TEST(Training, OpenClipStepIsCoveredAndNearThreeForwards) {
  LoadOptions meta;
  meta.meta = true;
  Model model = Model::load(testing::model_path("openclip/ViT-B-16.pt"), meta);
  RunRequest request;
  request.preset = "openclip";
  request.training = true;
  const RunPlan plan = plan_run(model, request);
  const Analysis a = analyze(model, record(model, plan.options, formula_coverage()));
  EXPECT_TRUE(a.uncovered_ops.empty()) << a.uncovered_ops.front().op;
  // conv1's input is the image: its backward is the weight gradient only, 1 x its forward.
  const int conv1 = model.find_module("visual.conv1");
  EXPECT_EQ(a.modules[static_cast<size_t>(conv1)].backward.matmul_flops, a.modules[static_cast<size_t>(conv1)].total.matmul_flops);
  EXPECT_EQ(a.training->backward.flops(), 82'153'749'701);
  EXPECT_LT(a.training->step().flops(), 3 * a.training->forward.flops());
}

// The reports carry the step: the table and Markdown sections, and the JSON "training" object (valid
// against docs/schemas/analyze.schema.json) with the same integers.
TEST(Training, ReportsShowTheStep) {
  Model model = Model::load(testing::model_path("test/training.pt"));
  RunOptions options = training({"conv"});
  options.threads = 1;
  const Recording recording = record(model, options, formula_coverage());
  const Analysis analysis = analyze(model, recording);
  const AnalyzedRun run{&model, &options, &recording, &analysis, {}, ""};
  const std::string table = render_table(run, {});
  EXPECT_NE(table.find("Training step: forward (train mode) + loss 'sum' + backward"), std::string::npos) << table;
  EXPECT_NE(table.find("436 trainable, 114 frozen"), std::string::npos) << table;
  EXPECT_NE(table.find("training step     20,531 FLOPs"), std::string::npos) << table;
  EXPECT_NE(table.find("vs 3 x forward    29,649: the step is 0.692x of it"), std::string::npos) << table;
  const std::string markdown = render_markdown(run, {});
  EXPECT_NE(markdown.find("| `norm` | LayerNorm | 672 | 288 | 960 | 0.429x |"), std::string::npos) << markdown;
  const nlohmann::json j = render_json(run, false);
  EXPECT_EQ(testing::schema_errors(j, "analyze"), "");
  EXPECT_EQ(j["training"]["step"]["flops"], 20'531);
  EXPECT_EQ(j["training"]["module_backward"]["norm"]["elementwise_flops"], 288);
  EXPECT_EQ(j["training"]["frozen_params"], 114);
  EXPECT_TRUE(j["timing"].contains("backward_seconds"));
}

TEST(Training, MistakesAreRefusedWithOneLine) {
  const auto code_of = [](const std::function<void()>& f) {
    try {
      f();
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
      return e.code();
    }
    return ExitCode::Ok;
  };
  EXPECT_EQ(code_of([] { analyze_file("test/training.pt", training({"nothing"})); }), ExitCode::Usage);
  EXPECT_EQ(code_of([] { analyze_file("test/training.pt", training({}, "mse")); }), ExitCode::Usage);
  // The CLIP loss needs (image, text, scale) outputs; training.pt returns two tensors.
  EXPECT_EQ(code_of([] { analyze_file("test/training.pt", training({}, "clip")); }), ExitCode::BadInputs);
  // Everything frozen: nothing to differentiate.
  EXPECT_EQ(code_of([] { analyze_file("test/training.pt", training({"conv", "norm", "fc", "emb", "attn"})); }), ExitCode::BadInputs);
  Model model = Model::load(testing::model_path("test/training.pt"));
  RunRequest request;
  request.frozen = {"conv"};
  EXPECT_EQ(code_of([&] { plan_run(model, request); }), ExitCode::Usage);  // --freeze without --training
}

}  // namespace
}  // namespace flopscope
