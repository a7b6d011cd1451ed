// Batch-size sweeps: the exact linearity verdict, per-module growth, and deterministic output.
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <sstream>

#include "flopscope/core/error.h"
#include "flopscope/analysis/sweep.h"
#include "flopscope/reports/sweep_report.h"
#include "test_helpers.h"

namespace flopscope {
namespace {

struct Swept {
  Model model;
  RunPlan plan;
  SweepOptions options;
  SweepResult result;
};

// `vary` empty: a batch sweep over `sizes`; otherwise "I:D[,D]" and the sizes go to those dims.
Swept sweep(const std::string& relative, std::vector<int64_t> sizes, bool dry_run, const std::string& vary = "",
            RunRequest request = {}) {
  LoadOptions load;
  load.meta = dry_run;
  Model model = Model::load(testing::model_path(relative), load);
  request.threads = 1;
  RunPlan plan = plan_run(model, request);
  SweepOptions options;
  options.sizes = std::move(sizes);
  if (!vary.empty()) options.varied = parse_varied_dims(vary);
  options.dry_run = dry_run;
  options.repeat = 2;
  SweepResult result = run_sweep(model, plan, options);
  return {std::move(model), std::move(plan), options, std::move(result)};
}

std::string table_of(const Swept& s) { return render_sweep_table({&s.model, &s.plan, &s.options, &s.result, "x"}); }

// The table's prose with its lines joined again: lines wrap at 120 columns wherever a space falls.
std::string unwrapped(const std::string& text) { return std::regex_replace(text, std::regex("\n +"), " "); }

TEST(Sweep, ParsesBatchLists) {
  EXPECT_EQ(parse_size_list("8,1,2,2,4"), (std::vector<int64_t>{1, 2, 4, 8}));
  for (const char* bad : {"", "1,,2", "0", "-1", "1,a", "2.5", "1,"}) EXPECT_THROW(parse_size_list(bad), Error) << bad;
}

TEST(Sweep, ParsesVariedDims) {
  SweepOptions options;
  parse_vary("0:3,2=336,160,224", options);
  ASSERT_TRUE(options.varied);
  EXPECT_EQ(options.varied->input, 0u);
  EXPECT_EQ(options.varied->dims, (std::vector<size_t>{2, 3}));
  EXPECT_EQ(options.varied->text(), "0:2,3");
  EXPECT_EQ(options.sizes, (std::vector<int64_t>{160, 224, 336}));
  for (const char* bad : {"0:2", "0:2=", "0:=4", ":2=4", "a:2=4", "0:2,2=4", "0:2=0", "0:-1=4", "0:2=4,x", "0:99=4"}) {
    SweepOptions ignored;
    EXPECT_THROW(parse_vary(bad, ignored), Error) << bad;
  }
  // Inputs and dims that do not exist are refused when applied, naming the input.
  std::vector<InputSpec> specs = {parse_input_spec("1x3x16x16:float32")};
  apply_sized_dims(specs, {parse_varied_dims("0:2,3"), 24});
  EXPECT_EQ(specs[0].shape, (std::vector<int64_t>{1, 3, 24, 24}));
  try {
    apply_sized_dims(specs, {parse_varied_dims("0:4"), 24});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "--vary 0:4: input 0 (1x3x24x24:float32:randn) has no dim 4");
  }
  EXPECT_THROW(apply_sized_dims(specs, {parse_varied_dims("1:0"), 24}), Error);
}

TEST(Sweep, QuadraticFitsAreExactFractions) {
  // 3/64 P^2 + 5 P + 7 at P = 64, 144, 256, 400.
  std::vector<int64_t> x = {64, 144, 256, 400}, f;
  for (const int64_t p : x) f.push_back(3 * p * p / 64 + 5 * p + 7);
  const QuadraticFit fit = fit_quadratic(x, f);
  EXPECT_TRUE(fit.exact);
  EXPECT_EQ(fit.determined_by, 3);
  EXPECT_EQ(fit.checked_on, 1);
  EXPECT_EQ(fit.c.text(), "3/64");
  EXPECT_EQ(fit.b.text(), "5");
  EXPECT_EQ(fit.a.text(), "7");
  EXPECT_EQ(fit.formula("P"), "7 + 5*P + 3/64*P^2");
  EXPECT_DOUBLE_EQ(fit.quadratic_share(400), 7500.0 / (7500 + 2000 + 7));
  // One FLOP off at the last point: not a polynomial of degree 2.
  f.back() += 1;
  const QuadraticFit off = fit_quadratic(x, f);
  EXPECT_FALSE(off.exact);
  EXPECT_FALSE(off.too_large);
  // Two points give a line; one point a proportion; negative terms print as differences.
  EXPECT_EQ(fit_quadratic({2, 4}, {10, 18}).formula("B"), "2 + 4*B");
  EXPECT_EQ(fit_quadratic({3}, {12}).formula("B"), "4*B");
  EXPECT_EQ(fit_quadratic({1, 2, 3}, {0, 2, 6}).formula("N"), "-N + N^2");
}

TEST(Sweep, BatchByBatchProductIsNamed) {
  // similarity.pt: fc is 2*B*64 FLOPs + bias 8B; f @ f^T is 2*8*B^2, in the root's own code.
  const Swept s = sweep("test/similarity.pt", {1, 2, 4, 8}, false);
  EXPECT_FALSE(s.result.linearity.proportional);
  EXPECT_FALSE(s.result.linearity.matmul_proportional);
  ASSERT_EQ(s.result.linearity.not_proportional.size(), 1u);
  const ModuleGrowth& g = s.result.linearity.not_proportional[0];
  EXPECT_EQ(g.module, "");
  EXPECT_EQ(g.growth, Growth::FasterThanLinear);
  EXPECT_DOUBLE_EQ(g.quadratic, 16.0);
  for (const auto& p : s.result.points) {
    EXPECT_EQ(p.counts.matmul_flops, 2 * p.batch * 64 + 16 * p.batch * p.batch);
    EXPECT_TRUE(p.timed);
    EXPECT_EQ(p.samples.size(), 2u);
    // Per-module time of the recorded run: the root's call spans its child's.
    ASSERT_EQ(p.module_seconds.size(), s.model.modules().size());
    const int fc = s.model.find_module("fc");
    ASSERT_GE(fc, 0);
    EXPECT_GT(p.module_seconds[static_cast<size_t>(fc)], 0.0);
    EXPECT_GE(p.module_seconds[0], p.module_seconds[static_cast<size_t>(fc)]);
  }
}

class OpenClipLinearity : public ::testing::TestWithParam<std::string> {};

TEST_P(OpenClipLinearity, MatmulExactlyProportionalAndOnlyLogitScaleIsConstant) {
  const Swept s = sweep("openclip/" + GetParam() + ".pt", {1, 2, 8, 64, 4096}, true);
  EXPECT_TRUE(s.result.linearity.matmul_proportional);
  // logit_scale.exp() is one FLOP per forward whatever the batch: the only non-proportional work.
  ASSERT_EQ(s.result.linearity.not_proportional.size(), 1u);
  const ModuleGrowth& g = s.result.linearity.not_proportional[0];
  EXPECT_EQ(g.module, "");
  EXPECT_EQ(g.growth, Growth::ConstantTerm);
  EXPECT_DOUBLE_EQ(g.constant, 1.0);
  for (const auto& p : s.result.points) {
    EXPECT_EQ(p.counts.flops(), p.batch * (s.result.points[0].counts.flops() - 1) + 1);
    EXPECT_FALSE(p.timed);
    for (const double seconds : p.module_seconds) EXPECT_EQ(seconds, 0.0);  // nothing ran
  }
}

INSTANTIATE_TEST_SUITE_P(Zoo, OpenClipLinearity,
                         ::testing::Values("ViT-B-32", "ViT-B-16", "ViT-B-16-batch-first", "ViT-L-14", "ViT-L-14-336",
                                           "ViT-H-14", "ViT-g-14", "ViT-bigG-14", "EVA02-E-14", "EVA02-L-14"),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& c : name) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return name;
                         });

nlohmann::json without_timing(nlohmann::json j) {
  j.erase("invocation");
  for (auto& point : j["points"]) point.erase("timing");
  return j;
}

TEST(Sweep, OutputIsDeterministicApartFromTimings) {
  const Swept a = sweep("test/mixed.pt", {1, 3}, false);
  const Swept b = sweep("test/mixed.pt", {1, 3}, false);
  const auto json = [](const Swept& s) {
    return without_timing(render_sweep_json({&s.model, &s.plan, &s.options, &s.result, "x"}));
  };
  EXPECT_EQ(json(a), json(b));
  EXPECT_EQ(testing::schema_errors(render_sweep_json({&a.model, &a.plan, &a.options, &a.result, "x"}), "sweep"), "");
  EXPECT_TRUE(a.result.linearity.proportional);
  const std::string csv = render_sweep_csv({&a.model, &a.plan, &a.options, &a.result, "x"});
  EXPECT_EQ(csv.substr(0, csv.find('\n')),
            "batch,flops,matmul_flops,elementwise_flops,macs,op_level_flops,params,median_seconds,samples_per_second,"
            "gflop_per_second,size,variable");
  const std::string svg = render_sweep_svg({&a.model, &a.plan, &a.options, &a.result, "x"});
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
}

// x positions of the batch-axis labels, in the order drawn.
std::vector<double> batch_label_positions(const std::string& svg) {
  std::vector<double> positions;
  const std::regex label(R"re(<text x="([0-9.]+)" y="[0-9.]+" text-anchor="middle">[0-9,]+</text>)re");
  for (std::sregex_iterator it(svg.begin(), svg.end(), label), end; it != end; ++it) positions.push_back(std::stod((*it)[1]));
  return positions;
}

TEST(Sweep, ChartOfDoublingBatchesHasLogAxesAndRoundTicks) {
  Swept a = sweep("test/mixed.pt", {1, 2, 4, 8, 16, 32, 64}, true);
  for (auto& p : a.result.points) {  // times as a run could give them: 37 ms at B=1 to 128 ms at B=64
    p.timed = true;
    p.seconds = 0.037 + 0.0014 * static_cast<double>(p.batch);
  }
  const std::string svg = render_sweep_svg({&a.model, &a.plan, &a.options, &a.result, "x"});
  EXPECT_NE(svg.find("batch size B (log2 scale)"), std::string::npos);
  // 608,384 .. 38,936,576 FLOPs: ticks at 1-2-5 values from 500 K to 50 M, labelled with their unit.
  for (const char* tick : {">500 KFLOPs<", ">1 MFLOPs<", ">2 MFLOPs<", ">5 MFLOPs<", ">10 MFLOPs<", ">20 MFLOPs<", ">50 MFLOPs<"}) {
    EXPECT_NE(svg.find(tick), std::string::npos) << tick;
  }
  for (const char* tick : {">20 ms<", ">50 ms<", ">100 ms<", ">200 ms<"}) EXPECT_NE(svg.find(tick), std::string::npos) << tick;
  // Doubling batch sizes are evenly spaced: labels never crowd at the origin.
  const std::vector<double> x = batch_label_positions(svg);
  ASSERT_EQ(x.size(), 7u);
  for (size_t i = 1; i < x.size(); ++i) EXPECT_NEAR(x[i] - x[i - 1], (x[6] - x[0]) / 6, 0.2);
}

TEST(Sweep, ChartOfOtherBatchesIsLinearFromZero) {
  const Swept a = sweep("test/mixed.pt", {1, 3, 10}, true);
  const std::string svg = render_sweep_svg({&a.model, &a.plan, &a.options, &a.result, "x"});
  EXPECT_EQ(svg.find("log2"), std::string::npos);
  for (const char* tick : {">0 FLOPs<", ">2 MFLOPs<", ">4 MFLOPs<", ">6 MFLOPs<"}) EXPECT_NE(svg.find(tick), std::string::npos) << tick;
  EXPECT_EQ(batch_label_positions(svg).size(), 6u);  // 0, 2, 4, 6, 8, 10
}

// Every sweep format is found by name; a real run's table, with its per-module time tables, keeps
// eight sizes within 120 columns.
TEST(Sweep, FormatsByNameAndEightSizesIn120Columns) {
  const Swept s = sweep("test/flexible_vit.pt", {8, 12, 16, 20, 24, 28, 32, 36}, false, "0:2,3");
  const SweepContext context{&s.model, &s.plan, &s.options, &s.result, "x"};
  EXPECT_EQ(find_format(sweep_formats(), "table").render(context), render_sweep_table(context));
  EXPECT_EQ(nlohmann::json::parse(find_format(sweep_formats(), "json").render(context))["points"].size(), 8u);
  EXPECT_EQ(find_format(sweep_formats(), "csv").render(context), render_sweep_csv(context));
  EXPECT_THROW(find_format(sweep_formats(), "html"), Error);
  const std::string table = table_of(s);
  ASSERT_NE(table.find("FLOP/s each module achieved"), std::string::npos);
  std::istringstream lines(table);
  for (std::string line; std::getline(lines, line);) EXPECT_LE(line.size(), 120u) << line;
}

TEST(Sweep, TableWritesTimesAndRatesToThreeDigits) {
  Swept a = sweep("test/mixed.pt", {1, 2}, true);
  a.result.points[0].timed = true;
  a.result.points[0].seconds = 0.000801234;
  const std::string table = render_sweep_table({&a.model, &a.plan, &a.options, &a.result, "x"});
  EXPECT_NE(table.find("801 us"), std::string::npos) << table;
  EXPECT_NE(table.find("1248"), std::string::npos) << table;       // samples/s: 1 / 0.000801234
  EXPECT_NE(table.find("759.31 MFLOP/s"), std::string::npos) << table;  // 608,384 FLOPs / 0.000801234 s
}

// A ViT that takes any image size (flexible_vit.pt: 4x4 patches, width 16, a class token, no
// positional embedding), swept over four image sizes N: in P = N^2 every module is exactly
// a + b*P + c*P^2. By hand for the attention's products, L = P/16 + 1 tokens: in-projection
// 2*L*16*48 and out-projection 2*L*16*16 FLOPs, Q K^T and A V 2 x 2*L*L*16:
// 64 L^2 + 2048 L = P^2/4 + 136 P + 2112.
TEST(Sweep, ResolutionSweepFitsEveryModuleExactly) {
  const Swept s = sweep("test/flexible_vit.pt", {8, 12, 16, 20}, false, "0:2,3");
  const auto& points = s.result.points;
  ASSERT_EQ(points.size(), 4u);
  EXPECT_EQ(points[3].variable, 400);
  EXPECT_EQ(points[3].batch, 1);
  const int attn = s.model.find_module("attn");
  ASSERT_GE(attn, 0);
  std::vector<int64_t> x, matmul;
  for (const auto& p : points) {
    x.push_back(p.variable);
    matmul.push_back(p.modules[static_cast<size_t>(attn)].matmul_flops);
  }
  EXPECT_EQ(fit_quadratic(x, matmul).formula("P"), "2112 + 136*P + 1/4*P^2");
  const Linearity& l = s.result.linearity;
  EXPECT_TRUE(l.total_fit.exact);
  EXPECT_EQ(l.total_fit.checked_on, 1);
  EXPECT_FALSE(l.total_fit.c.is_zero());
  for (const auto& m : l.module_fits) EXPECT_TRUE(m.fit.exact) << s.model.modules()[static_cast<size_t>(m.module)].name;
  // The patch embedding and the MLP are proportional to P (plus the class token's constant);
  // the P^2 term is the attention's own work, named as such.
  bool attention_named = false;
  for (const auto& g : l.not_proportional) {
    if (g.growth == Growth::FasterThanLinear) {
      EXPECT_EQ(g.module, "attn");
      attention_named = true;
    }
  }
  EXPECT_TRUE(attention_named);
  const std::string table = table_of(s);
  EXPECT_NE(table.find("fits in P = N^2"), std::string::npos) << table;
  EXPECT_NE(table.find("Per-module fit"), std::string::npos) << table;
  EXPECT_NE(table.find("P^2 term, c*P^2 / FLOPs(P), at each size"), std::string::npos) << table;
  EXPECT_NE(table.find("checked on 1 more"), std::string::npos) << table;
  // A dry run fits the same counts; the JSON carries the exact coefficients.
  const Swept dry = sweep("test/flexible_vit.pt", {8, 12, 16, 20}, true, "0:2,3");
  EXPECT_EQ(dry.result.linearity.total_fit.formula("P"), l.total_fit.formula("P"));
  const nlohmann::json json = render_sweep_json({&dry.model, &dry.plan, &dry.options, &dry.result, "x"});
  EXPECT_EQ(testing::schema_errors(json, "sweep"), "");
  EXPECT_EQ(json["linearity"]["exact_fit"]["c"], l.total_fit.c.text());
  EXPECT_EQ(json["sweep"]["variable_power"], 2);
  const std::string svg = render_sweep_svg({&dry.model, &dry.plan, &dry.options, &dry.result, "x"});
  EXPECT_NE(svg.find("without the P^2 term"), std::string::npos);
}

// OpenCLIP's learned positional embedding is fixed to its 14 x 14 grid: another size stops the sweep
// with one line naming the size, the module and the op.
TEST(Sweep, SizeAModelCannotTakeIsNamedWithModuleAndOp) {
  RunRequest request;
  request.preset = "openclip";
  try {
    sweep("openclip/ViT-B-16.pt", {160, 224}, true, "0:2,3", request);
    FAIL() << "a 160-pixel image ran";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_EQ(e.code(), ExitCode::BadInputs);
    EXPECT_EQ(message.rfind("at N=160: ", 0), 0u) << message;
    EXPECT_NE(message.find("in module 'visual' (VisionTransformer) at aten::add"), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
}

// Part of a training step grows with B^2: the CLIP loss's similarity products. The sweep finds that
// term exactly, attributes it to the loss, and names the ops that carry it: two B x 512 x B products
// forward (2 x 2 x 512 B^2 FLOPs) and two gradients of each backward (4096 B^2); scaling, softmax and
// their backwards the rest of 6170 B^2. At B = 1 the image tower's class-token gradient needs no sum
// over the batch: 768 FLOPs fewer than the line through B >= 2, which the fit reports.
TEST(Sweep, TrainingSweepNamesTheLossesBatchSquaredTerm) {
  RunRequest request;
  request.preset = "openclip";
  request.training = true;
  request.loss = "clip";
  const Swept s = sweep("openclip/ViT-B-16.pt", {1, 2, 4, 8, 16}, true, "", request);
  const Linearity& l = s.result.linearity;
  EXPECT_FALSE(l.total_fit.exact);
  ASSERT_TRUE(l.total_fit.exact_after_first);
  EXPECT_EQ(l.total_fit.first_off.text(), "-768");
  EXPECT_EQ(l.total_fit.c.text(), "6170");
  const ModuleGrowth* loss = nullptr;
  for (const auto& g : l.not_proportional) {
    if (g.module == "(loss)") loss = &g;
    else EXPECT_NE(g.growth, Growth::FasterThanLinear) << g.module;  // the towers grow linearly
  }
  ASSERT_NE(loss, nullptr);
  EXPECT_EQ(loss->growth, Growth::FasterThanLinear);
  EXPECT_TRUE(loss->fit.exact);
  EXPECT_EQ(loss->fit.c.text(), "6170");
  std::map<std::string, std::string> carriers;
  for (const auto& op : loss->carriers) carriers[op.module] = op.fit.formula("B");
  EXPECT_EQ(carriers["aten::mm"], "2048*B^2");
  EXPECT_EQ(carriers["aten::mm (backward)"], "4096*B^2");
  const std::string table = table_of(s);
  EXPECT_NE(table.find("carried by aten::mm: 2048*B^2 FLOPs"), std::string::npos) << table;
  EXPECT_NE(unwrapped(table).find("B=1 is 768 FLOPs below it"), std::string::npos) << table;
}

}  // namespace
}  // namespace flopscope
