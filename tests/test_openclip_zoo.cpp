// The OpenCLIP zoo (tools/export_openclip.py): parameter counts to the unit, and matrix FLOPs equal to
// a closed form computed here from each model's config, independently of flopscope's rules and ops.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "flopscope/counting/formula_coverage.h"
#include "flopscope/core/manifest.h"
#include "flopscope/analysis/presets.h"
#include "flopscope/analysis/run_plan.h"
#include "test_helpers.h"

namespace flopscope {
namespace {

struct Closed {
  int64_t image = 0, text = 0;
};

// Matrix FLOPs at batch 1 (architecture sheet, section 6), from the config alone.
//   OpenCLIP block, T tokens, width d, MLP h:  2T(4d^2 + 2dh) + 4T^2 d
//   EVA02-L block (SwiGLU, 3 MLP matrices):     2T(4d^2 + 3dh) + 4T^2 d
//   image: patch conv 2 G^2 W 3P^2 + L blocks + projection 2 W E
//   text:  L_t blocks (T = 77, h = 4D) + projection of the pooled token 2 D E
Closed closed_form(const nlohmann::json& cfg) {
  const auto& v = cfg["vision"];
  const auto& t = cfg["text"];
  const int64_t E = cfg["embed_dim"], P = v["patch_size"], W = v["width"], L = v["layers"], H = v["mlp_width"];
  const int64_t G = v["image_size"].get<int64_t>() / P, N = G * G + 1;
  const bool swiglu = cfg["kind"] == "eva02-swiglu-rope";
  const int64_t vision_block = 2 * N * (4 * W * W + (swiglu ? 3 : 2) * W * H) + 4 * N * N * W;
  const int64_t D = t["width"], Lt = t["layers"], C = 77;
  const int64_t text_block = 2 * C * (4 * D * D + 2 * D * 4 * D) + 4 * C * C * D;
  return {2 * G * G * W * 3 * P * P + L * vision_block + 2 * W * E, Lt * text_block + 2 * D * E};
}

nlohmann::json expected_of(const std::string& relative) {
  return read_manifest_for(testing::model_path(relative))->expected;
}

struct Towers {
  int64_t params = 0, image_params = 0, text_params = 0;
  Counts total, image, text;
};

Towers analyze_openclip(const std::string& relative, bool meta = false) {
  LoadOptions load;
  load.meta = meta;
  Model model = Model::load(testing::model_path(relative), load);
  RunRequest request;
  request.preset = "openclip";
  request.threads = 2;
  const RunPlan plan = plan_run(model, request);
  const Recording recording = record(model, plan.options, formula_coverage());
  const Analysis analysis = analyze(model, recording);
  Towers towers;
  towers.params = model.total_params();
  towers.total = analysis.total;
  for (const Tower& tower : plan.towers) {
    const TowerTotals t = tower_totals(model, recording, analysis, tower);
    if (tower.name == "image") {
      towers.image = t.counts;
      towers.image_params = t.params;
    } else if (tower.name == "text") {
      towers.text = t.counts;
      towers.text_params = t.params;
    }
  }
  EXPECT_EQ(analysis.mismatched_calls, 0);
  EXPECT_EQ(analysis.failed_rule_calls, 0);
  EXPECT_TRUE(analysis.uncovered_ops.empty());
  EXPECT_EQ(analysis.total.matmul_flops, analysis.op_level_total.matmul_flops);
  return towers;
}

double two_decimals(int64_t flops) { return std::round(static_cast<double>(flops) / 1e7) / 100.0; }

class OpenClipModel : public ::testing::TestWithParam<std::string> {};

std::string test_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  for (char& c : name) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return name;
}

// Counted on meta tensors: DryRunEqualsRealRun checks, model by model, that a real run gives the same.
TEST_P(OpenClipModel, ParamsAndFlopsMatchTheClosedForm) {
  const std::string relative = GetParam() + ".pt";
  const nlohmann::json expected = expected_of(relative);
  const Towers towers = analyze_openclip(relative, /*meta=*/true);
  EXPECT_EQ(towers.params, expected["params"]["total"].get<int64_t>());
  EXPECT_EQ(towers.image_params, expected["params"]["image"].get<int64_t>());
  EXPECT_EQ(towers.text_params, expected["params"]["text"].get<int64_t>());

  const Closed closed = closed_form(expected["config"]);
  EXPECT_EQ(towers.image.matmul_flops, closed.image);
  EXPECT_EQ(towers.text.matmul_flops, closed.text);
  EXPECT_EQ(towers.total.matmul_flops, closed.image + closed.text);
  // OpenCLIP's published profile, to its two decimals.
  EXPECT_DOUBLE_EQ(two_decimals(towers.total.matmul_flops), expected["published_gflops"]["total"].get<double>());
  EXPECT_DOUBLE_EQ(two_decimals(towers.image.matmul_flops), expected["published_gflops"]["image"].get<double>());
  EXPECT_DOUBLE_EQ(two_decimals(towers.text.matmul_flops), expected["published_gflops"]["text"].get<double>());
}

// The zoo, and the two models scripted again by PyTorch 2.6 (batch-first, as current OpenCLIP).
INSTANTIATE_TEST_SUITE_P(Zoo, OpenClipModel,
                         ::testing::Values("openclip/ViT-B-32", "openclip/ViT-B-16", "openclip/ViT-B-16-batch-first",
                                           "openclip/ViT-L-14", "openclip/ViT-L-14-336", "openclip/ViT-H-14",
                                           "openclip/ViT-g-14", "openclip/ViT-bigG-14", "openclip/EVA02-E-14",
                                           "openclip/EVA02-L-14", "torch2/openclip/ViT-B-16", "torch2/openclip/EVA02-L-14"),
                         test_name);

TEST(OpenClipParameterTable, ParameterCountsOfTheClipTable) {
  // ViT-L-14-336: the table's parts; its printed total 427,944,793 is a typo for 427,944,193.
  Model l336 = Model::load(testing::model_path("openclip/ViT-L-14-336.pt"));
  EXPECT_EQ(l336.total_params(), 427'944'193);
  EXPECT_EQ(l336.modules()[static_cast<size_t>(l336.find_module("visual"))].subtree_params, 304'293'888);
  EXPECT_EQ(l336.modules()[static_cast<size_t>(l336.find_module("visual.transformer"))].subtree_params, 302'309'376);
  EXPECT_EQ(l336.modules()[static_cast<size_t>(l336.find_module("transformer"))].subtree_params, 85'054'464);
  Model h14 = Model::load(testing::model_path("openclip/ViT-H-14.pt"));
  EXPECT_EQ(h14.total_params(), 986'109'441);
  EXPECT_EQ(h14.modules()[static_cast<size_t>(h14.find_module("visual"))].subtree_params, 632'076'800);
  EXPECT_EQ(h14.modules()[static_cast<size_t>(h14.find_module("visual.transformer"))].subtree_params, 629'678'080);
  EXPECT_EQ(h14.modules()[static_cast<size_t>(h14.find_module("transformer"))].subtree_params, 302'309'376);
}

TEST(OpenClipParameterTable, BothAttentionLayoutsCountTheSame) {
  const Towers seq_first = analyze_openclip("openclip/ViT-B-16.pt");
  const Towers batch_first = analyze_openclip("openclip/ViT-B-16-batch-first.pt");
  EXPECT_EQ(seq_first.total, batch_first.total);
}

TEST(OpenClipParameterTable, RenamedClassesCountTheSame) {
  // Every class, torch.nn ones included, renamed into another Python module: rules no longer match
  // by name, and the op-level count must give the very same numbers.
  const Towers original = analyze_openclip("openclip/ViT-B-32.pt");
  const Towers renamed = analyze_openclip("test/ViT-B-32-renamed.pt");
  EXPECT_EQ(renamed.total, original.total);
  EXPECT_EQ(renamed.params, original.params);
}

TEST(OpenClipParameterTable, TracedAsOpenClipTracesItCountsTheSame) {
  // torch.jit.trace, as open_clip's trace_model makes deployment files: attributes other than tensors
  // are gone, so attention is counted from its ops; the same matrix work and parameters, and no rule
  // that fails. The traced graph computes sizes as 0-dim tensors (a few scalar FLOPs more), and has no
  // encode_text call: the text projection (2 x 512 x 512) is the model's own work, outside the tower.
  const Towers original = analyze_openclip("openclip/ViT-B-32.pt");
  const Towers traced = analyze_openclip("test/ViT-B-32-traced.pt");
  EXPECT_EQ(traced.total.matmul_flops, original.total.matmul_flops);
  EXPECT_EQ(traced.image.matmul_flops, original.image.matmul_flops);
  EXPECT_EQ(traced.text.matmul_flops + 2 * 512 * 512, original.text.matmul_flops);
  EXPECT_EQ(traced.params, original.params);
  EXPECT_GE(traced.total.elementwise_flops, original.total.elementwise_flops);
  EXPECT_LE(traced.total.elementwise_flops, original.total.elementwise_flops + 100);
}

TEST(OpenClipParameterTable, OpenClipsLayerNormIsCountedAsTheLayerNormItExtends) {
  // OpenCLIP's LayerNorm subclass (a cast back to the input dtype after F.layer_norm) keeps only its
  // own name: its 51 calls in ViT-B-16 are checked by nn.LayerNorm's rule, no module is left without one.
  Model model = Model::load(testing::model_path("openclip/ViT-B-16.pt"));
  RunRequest request;
  request.preset = "openclip";
  request.threads = 2;
  const RunPlan plan = plan_run(model, request);
  const Analysis analysis = analyze(model, record(model, plan.options, formula_coverage()));
  EXPECT_TRUE(analysis.modules_without_rule.empty());
  ASSERT_EQ(analysis.modules_by_base_rule.size(), 1u);
  EXPECT_EQ(analysis.modules_by_base_rule[0].type, "LayerNorm");
  EXPECT_EQ(analysis.modules_by_base_rule[0].base, "torch.nn.modules.normalization.LayerNorm");
  EXPECT_EQ(analysis.modules_by_base_rule[0].calls, 51);
  EXPECT_EQ(analysis.matched_calls, analysis.rule_calls);
}

TEST(OpenClipPreset, DerivesInputsFromTheModel) {
  Model model = Model::load(testing::model_path("openclip/ViT-L-14-336.pt"));
  const OpenClipShape shape = openclip_shape(model);
  EXPECT_EQ(shape.image_size, 336);
  EXPECT_EQ(shape.context_length, 77);
  EXPECT_EQ(shape.vocab_size, 49408);
  Model eva = Model::load(testing::model_path("openclip/EVA02-L-14.pt"));
  EXPECT_EQ(openclip_shape(eva).image_size, 224);
  EXPECT_EQ(make_preset("openclip", eva, "encode_text").inputs.size(), 1u);
}

}  // namespace
}  // namespace flopscope
