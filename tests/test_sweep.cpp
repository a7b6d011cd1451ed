// Batch-size sweeps: the exact linearity verdict, per-module growth, and deterministic output.
#include <gtest/gtest.h>

#include <regex>

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

Swept sweep(const std::string& relative, std::vector<int64_t> batches, bool dry_run) {
  LoadOptions load;
  load.meta = dry_run;
  Model model = Model::load(testing::model_path(relative), load);
  RunRequest request;
  request.threads = 1;
  RunPlan plan = plan_run(model, request);
  SweepOptions options;
  options.batches = std::move(batches);
  options.dry_run = dry_run;
  options.repeat = 2;
  SweepResult result = run_sweep(model, plan, options);
  return {std::move(model), std::move(plan), options, std::move(result)};
}

TEST(Sweep, ParsesBatchLists) {
  EXPECT_EQ(parse_batch_list("8,1,2,2,4"), (std::vector<int64_t>{1, 2, 4, 8}));
  for (const char* bad : {"", "1,,2", "0", "-1", "1,a", "2.5", "1,"}) EXPECT_THROW(parse_batch_list(bad), Error) << bad;
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
            "gflop_per_second");
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

TEST(Sweep, TableWritesTimesAndRatesToThreeDigits) {
  Swept a = sweep("test/mixed.pt", {1, 2}, true);
  a.result.points[0].timed = true;
  a.result.points[0].seconds = 0.000801234;
  const std::string table = render_sweep_table({&a.model, &a.plan, &a.options, &a.result, "x"});
  EXPECT_NE(table.find("801 us"), std::string::npos) << table;
  EXPECT_NE(table.find("1248"), std::string::npos) << table;       // samples/s: 1 / 0.000801234
  EXPECT_NE(table.find("759.31 MFLOP/s"), std::string::npos) << table;  // 608,384 FLOPs / 0.000801234 s
}

}  // namespace
}  // namespace flopscope
