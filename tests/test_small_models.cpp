// The small test models of tools/export_test_models.py, with their counts computed by hand.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include <torch/cuda.h>
#include <torch/script.h>

#include "flopscope/counting/formula_coverage.h"
#include "flopscope/core/error.h"
#include "flopscope/counting/module_rules.h"
#include "flopscope/reports/module_table.h"
#include "flopscope/reports/report.h"
#include "command.h"
#include "test_helpers.h"

namespace flopscope {
namespace {

using testing::analyze_file;
using testing::inputs;

// mixed.pt on a 1x3x16x16 image. By hand:
//   conv       3->8, 3x3, stride 2, pad 1: out 8x8x8 = 512; MACs 512*3*9 = 13,824; bias 512
//   depthwise  8->8, 3x3, groups 8: MACs 512*9 = 4,608; bias 512
//   pointwise  8->16, 1x1: out 1,024; MACs 1,024*8 = 8,192; bias 1,024
//   norm       LayerNorm(16) on 64x16 = 1,024 elements x 7 = 7,168
//   attn       self-attention, L=64, d=16, 2 heads, sequence-first:
//              MACs 4*64*16^2 + 2*64^2*16 = 65,536 + 131,072 = 196,608, of which QK^T and AV
//              (activation x activation) 131,072 MACs = 262,144 FLOPs
//              elementwise: qkv bias 3*64*16 = 3,072; q scale 1,024; softmax 5*2*64*64 = 40,960;
//              out bias 1,024 -> 46,080
//   fc         Linear(16,16) called twice on 64 rows: MACs 2*64*16*16 = 32,768; bias 2*1,024
//   tied       Linear(16,16, no bias) sharing fc.weight: MACs 16,384
//   act        Swish (no rule): sigmoid 3 + mul 1 per element = 4,096
//   head       mean 1,024 + matmul [1,16]@[16,4] = 64 MACs
//   root       residual add 1,024
// Params: conv 224 + depthwise 80 + pointwise 144 + norm 32 + attn 1,088 + fc 272 + head 64 = 1,904
// (tied.weight is fc.weight: counted once).
TEST(SmallModels, MixedPerModuleCounts) {
  const auto a = analyze_file("test/mixed.pt", inputs({"1x3x16x16:float32"}));
  EXPECT_EQ(a.module("conv").total, (Counts{13'824, 27'648, 512}));
  EXPECT_EQ(a.module("depthwise").total, (Counts{4'608, 9'216, 512}));
  EXPECT_EQ(a.module("pointwise").total, (Counts{8'192, 16'384, 1'024}));
  EXPECT_EQ(a.module("norm").total, (Counts{0, 0, 7'168}));
  EXPECT_EQ(a.module("attn").total, (Counts{196'608, 393'216, 46'080, 262'144}));
  EXPECT_EQ(a.module("fc").total, (Counts{32'768, 65'536, 2'048}));
  EXPECT_EQ(a.module("fc").calls, 2);
  EXPECT_EQ(a.module("tied").total, (Counts{16'384, 32'768, 0}));
  EXPECT_EQ(a.module("act").total, (Counts{0, 0, 4'096}));
  EXPECT_EQ(a.module("head").total, (Counts{64, 128, 1'024}));
  EXPECT_EQ(a.analysis.total, (Counts{272'448, 544'896, 63'488, 262'144}));
  EXPECT_EQ(a.model.total_params(), 1'904);
  EXPECT_EQ(a.model.modules()[static_cast<size_t>(a.model.find_module("tied"))].subtree_params, 0);
}

TEST(SmallModels, EveryRuleMatchesTheOpLevelCount) {
  const auto a = analyze_file("test/mixed.pt", inputs({"1x3x16x16:float32"}));
  EXPECT_EQ(a.analysis.mismatched_calls, 0);
  EXPECT_EQ(a.analysis.failed_rule_calls, 0);
  EXPECT_EQ(a.analysis.matched_calls, a.analysis.rule_calls);
  EXPECT_EQ(a.analysis.total, a.analysis.op_level_total);
  EXPECT_TRUE(a.analysis.uncovered_ops.empty());
}

TEST(SmallModels, ModuleCalledTwiceGivesTwoRecords) {
  const auto a = analyze_file("test/mixed.pt", inputs({"1x3x16x16:float32"}));
  const int fc = a.model.find_module("fc");
  std::vector<int> call_indices;
  for (const auto& call : a.recording.calls) {
    if (call.module == fc) call_indices.push_back(call.call_index);
  }
  EXPECT_EQ(call_indices, (std::vector<int>{0, 1}));
}

TEST(SmallModels, UnruledLeafIsListedAndCountedFromOps) {
  const auto a = analyze_file("test/mixed.pt", inputs({"1x3x16x16:float32"}));
  std::vector<std::string> types;
  for (const auto& m : a.analysis.modules_without_rule) types.push_back(m.type);
  EXPECT_NE(std::find(types.begin(), types.end(), "Swish"), types.end());
  EXPECT_NE(std::find(types.begin(), types.end(), "Head"), types.end());
}

// A class extending a ruled type keeps only its own name in TorchScript: one whose name holds the
// type's ("MyLinear") is counted by that rule where the rule counts what its ops do, and from its ops
// where it does more (ScaledLinear's doubling is elementwise work the Linear rule has not).
class Subclasses : public testing::CommandTest {};

TEST_F(Subclasses, CountedByTheRuleOfTheTypeTheyExtendWhereTheirOpsAgree) {
  const auto save = [&](const std::string& name, const std::string& body) {
    torch::jit::Module layer(name);
    layer.register_parameter("weight", torch::ones({6, 4}), false);
    layer.register_parameter("bias", torch::ones({6}), false);
    layer.define("def forward(self, x):\n  return " + body + "\n");
    torch::jit::Module model("Model");
    model.register_module("layer", layer);
    model.define("def forward(self, x):\n  return self.layer.forward(x)\n");
    const std::string path = (dir_ / (name + ".pt")).string();
    model.save(path);
    return path;
  };
  for (const auto& [name, body, as_linear] :
       {std::tuple<std::string, std::string, bool>{"MyLinear", "torch.addmm(self.bias, x, self.weight.t())", true},
        {"ScaledLinear", "torch.addmm(self.bias, x, self.weight.t()) * 2.0", false}}) {
    Model model = Model::load(save(name, body));
    RunOptions options = inputs({"3x4:float32"});
    options.threads = 1;
    const Analysis a = analyze(model, record(model, options, formula_coverage()));
    EXPECT_EQ(a.total.matmul_flops, 2 * 3 * 4 * 6) << name;
    EXPECT_EQ(a.total.elementwise_flops, as_linear ? 18 : 36) << name;  // the bias adds (and the doubling)
    ASSERT_EQ(a.modules_by_base_rule.size(), as_linear ? 1u : 0u) << name;
    ASSERT_EQ(a.modules_without_rule.size(), as_linear ? 0u : 1u) << name;
    if (as_linear) {
      EXPECT_EQ(a.modules_by_base_rule[0].base, "torch.nn.modules.linear.Linear");
      EXPECT_EQ(a.matched_calls, 1);
    } else {
      EXPECT_EQ(a.modules_without_rule[0].type, name);
      EXPECT_EQ(a.rule_calls, 0);
    }
  }
}

// A module never called reads "in parent" where its weights were used by the code of a module above
// it (as MultiheadAttention uses out_proj.weight), "not run" where nothing read them; a module of no
// cost (one that returns its input) is left out of the terminal table and counted under it.
TEST_F(Subclasses, ModulesNeverCalledSayWhereTheirWorkIs) {
  const auto holding = [](const std::string& name, std::vector<int64_t> shape) {
    torch::jit::Module m(name);
    m.register_parameter("weight", torch::ones(shape), false);
    m.define("def forward(self, x):\n  return x\n");
    return m;
  };
  torch::jit::Module noop("Noop");
  noop.define("def forward(self, x):\n  return x\n");
  torch::jit::Module model("Model");
  model.register_module("proj", holding("Proj", {6, 4}));
  model.register_module("head", holding("Head", {2, 6}));
  model.register_module("noop", noop);
  model.define("def forward(self, x):\n  return self.noop.forward(torch.mm(x, self.proj.weight.t()))\n");
  const std::string path = (dir_ / "never_called.pt").string();
  model.save(path);
  for (const bool meta : {false, true}) {
    LoadOptions load;
    load.meta = meta;
    Model m = Model::load(path, load);
    RunOptions options = inputs({"3x4:float32"});
    options.threads = 1;
    const Recording recording = record(m, options, formula_coverage());
    const Analysis a = analyze(m, recording);
    const AnalyzedRun run{&m, &options, &recording, &a, {}, "test"};
    const std::vector<ModuleLine> lines = module_lines(run, {});
    ASSERT_EQ(lines.size(), 4u);
    EXPECT_TRUE(lines[1].work_in_parent && !lines[1].not_run) << "proj, meta " << meta;
    EXPECT_TRUE(lines[2].not_run && !lines[2].work_in_parent) << "head, meta " << meta;
    EXPECT_FALSE(lines[3].work_in_parent || lines[3].not_run) << "noop ran";
    const std::string table = render_table(run, {});
    EXPECT_NE(table.find("\n  proj   Proj   0      -       -            24  in parent  "), std::string::npos) << table;
    EXPECT_NE(table.find("\n  head   Head   0      -       -            12    not run  "), std::string::npos) << table;
    EXPECT_NE(table.find("\n  (1 row without parameters or work not shown: Noop x1; --all-rows shows them)\n"), std::string::npos) << table;
  }
}

TEST(SmallModels, OpWithoutFormulaIsReportedUncovered) {
  const auto a = analyze_file("test/odd.pt", inputs({"2x4x8:float32"}));
  ASSERT_EQ(a.analysis.uncovered_ops.size(), 1u);
  EXPECT_EQ(a.analysis.uncovered_ops[0].op, "aten::_logcumsumexp");
  EXPECT_EQ(a.analysis.uncovered_ops[0].shapes, "2x4x8");
  // fc: 8 rows x 8 x 8 = 512 MACs; bias 64.
  EXPECT_EQ(a.analysis.total, (Counts{512, 1'024, 64}));
}

TEST(SmallModels, FusedAndUnfusedAttentionPathsCountTheSame) {
  // Batch-first nn.MultiheadAttention in eval under no-grad runs aten::_native_multi_head_attention;
  // with autograd on it runs linear/bmm/softmax ops instead. Both must match the rule, and each other.
  auto options = inputs({"1x3x224x224:float32", "1x77:int64:randint:0:49408"});
  const auto fused = analyze_file("openclip/ViT-B-16-batch-first.pt", options);
  options.enable_grad = true;
  const auto unfused = analyze_file("openclip/ViT-B-16-batch-first.pt", options);
  const auto ran = [](const testing::Analyzed& a, const std::string& op) {
    for (const auto& call : a.recording.calls) {
      for (const auto& o : call.ops) {
        if (o.op == op) return true;
      }
    }
    return false;
  };
  ASSERT_TRUE(ran(fused, "aten::_native_multi_head_attention"));
  ASSERT_FALSE(ran(unfused, "aten::_native_multi_head_attention"));
  EXPECT_EQ(unfused.analysis.total, fused.analysis.total);
  EXPECT_EQ(unfused.analysis.op_level_total.matmul_flops, fused.analysis.op_level_total.matmul_flops);
  EXPECT_EQ(unfused.analysis.op_level_total.activation_flops, fused.analysis.op_level_total.activation_flops);
  EXPECT_EQ(fused.analysis.mismatched_calls, 0);
  EXPECT_EQ(unfused.analysis.mismatched_calls, 0);
}

TEST(SmallModels, CrossAttention) {
  // B=2, Lq=5, Lk=7, E=16, 2 heads. MACs: q proj 2*5*16*16 = 2,560; k and v proj 2*7*16*16 = 3,584
  // each; QK^T and AV 2 * 2*5*7*16 = 2,240; out proj 2,560 -> 14,528.
  const auto a = analyze_file("test/cross_attention.pt", inputs({"2x5x16:float32", "2x7x16:float32", "2x7x16:float32"}));
  EXPECT_EQ(a.module("attn").total.macs, 14'528);
  EXPECT_EQ(a.module("attn").total.activation_flops, 2 * 2'240);
  EXPECT_EQ(a.analysis.mismatched_calls, 0);
  EXPECT_EQ(a.analysis.matched_calls, 1);
}

TEST(ModuleRules, MultiheadAttentionWithKdimVdimAndSequenceFirstLayout) {
  // Sequence-first query [Lq=5, B=2, E=16], key [7, 2, 8], value [7, 2, 12]. MACs:
  //   q 2*5*16*16 = 2,560; k 2*7*8*16 = 1,792; v 2*7*12*16 = 2,688; QK^T + AV 2,240; out 2,560 -> 11,840
  ModuleInfo mha;
  mha.type = "torch.nn.modules.activation.MultiheadAttention";
  const auto integer = [](int64_t v) {
    ValueInfo i;
    i.kind = ValueInfo::Kind::Int;
    i.int_value = v;
    return i;
  };
  mha.attributes = {{"embed_dim", integer(16)}, {"kdim", integer(8)}, {"vdim", integer(12)}, {"num_heads", integer(2)}};
  mha.parameters.push_back({"in_proj_bias", {48}, "float32", 48, 192, false});
  const auto tensor = [](std::vector<int64_t> shape) {
    ValueInfo t;
    t.kind = ValueInfo::Kind::Tensor;
    t.shape = std::move(shape);
    return t;
  };
  CallRecord call;
  call.inputs = {tensor({5, 2, 16}), tensor({7, 2, 8}), tensor({7, 2, 12})};
  call.outputs = {tensor({5, 2, 16})};
  const Counts c = find_module_rule(mha.type)->function({Model::load(testing::model_path("test/mixed.pt")), mha, call});
  EXPECT_EQ(c.macs, 11'840);
  EXPECT_EQ(c.activation_flops, 2 * 2'240);
}

TEST(SmallModels, SameCountsOnFirstAndLaterRuns) {
  Model model = Model::load(testing::model_path("test/mixed.pt"));
  auto options = inputs({"1x3x16x16:float32"});
  options.threads = 1;
  const Analysis first = analyze(model, record(model, options, formula_coverage()));
  for (int i = 0; i < 3; ++i) {
    const Analysis again = analyze(model, record(model, options, formula_coverage()));
    EXPECT_EQ(again.total, first.total);
    EXPECT_EQ(again.op_level_total, first.op_level_total);
  }
}

TEST(SmallModels, OtherMethodsAndSelfCalls) {
  auto options = inputs({"3x8:float32"});
  options.method = "encode";
  const auto encode = analyze_file("test/two_methods.pt", options);
  EXPECT_EQ(encode.analysis.total.macs, 3 * 8 * 8);
  options.method = "forward";  // forward calls self.encode: the root counts once
  const auto forward = analyze_file("test/two_methods.pt", options);
  EXPECT_EQ(forward.module("").total, encode.analysis.total);
  EXPECT_EQ(forward.module("").calls, 1);
}

TEST(SmallModels, BatchByBatchProductGrowsQuadratically) {
  // fc: B*8*8 MACs; f @ f^T: B*8*B MACs, both operands activations.
  for (const int64_t batch : {1, 2, 8}) {
    auto options = inputs({"1x8:float32"});
    apply_batch(options.inputs, batch);
    const auto a = analyze_file("test/similarity.pt", options);
    EXPECT_EQ(a.analysis.total.macs, batch * 64 + batch * 8 * batch);
    EXPECT_EQ(a.analysis.total.activation_flops, 2 * batch * 8 * batch);
  }
}

TEST(SmallModels, LoaderErrorsHaveTheirCodes) {
  const auto code_of = [](const std::string& path) {
    try {
      Model::load(path);
    } catch (const Error& e) {
      return e.code();
    }
    return ExitCode::Ok;
  };
  EXPECT_EQ(code_of("/nonexistent/model.pt"), ExitCode::FileNotFound);
  EXPECT_EQ(code_of(testing::source_dir()), ExitCode::FileNotFound);
  EXPECT_EQ(code_of(testing::model_path("test/state_dict.pt")), ExitCode::NotTorchScript);
  EXPECT_EQ(code_of(testing::model_path("test/mixed.json")), ExitCode::NotTorchScript);
}

TEST(SmallModels, RunErrorsHaveTheirCodes) {
  Model model = Model::load(testing::model_path("test/mixed.pt"));
  const auto code_of = [&](RunOptions options) {
    try {
      record(model, options, formula_coverage());
    } catch (const Error& e) {
      return e.code();
    }
    return ExitCode::Ok;
  };
  EXPECT_EQ(code_of(inputs({})), ExitCode::BadInputs);
  EXPECT_EQ(code_of(inputs({"1x3x16x16:float32", "1x3x16x16:float32"})), ExitCode::BadInputs);
  EXPECT_EQ(code_of(inputs({"1x5x16x16:float32"})), ExitCode::BadInputs);
  auto options = inputs({"1x3x16x16:float32"});
  options.method = "nope";
  EXPECT_EQ(code_of(options), ExitCode::NoSuchMethod);
  options.method = "forward";
  options.device = Device::Cuda;
  if (!torch::cuda::is_available()) {
    EXPECT_EQ(code_of(options), ExitCode::Unsupported);  // CPU-only LibTorch or no GPU
  }
}

}  // namespace
}  // namespace flopscope
