// Dry runs (shape-only meta tensors) must report exactly what real runs report, timings aside.
#include <gtest/gtest.h>

#include "flopscope/core/error.h"
#include "flopscope/reports/report.h"
#include "flopscope/analysis/run_plan.h"
#include "test_helpers.h"

namespace flopscope {
namespace {

nlohmann::json report(const std::string& relative, int64_t batch, bool meta) {
  LoadOptions load;
  load.meta = meta;
  Model model = Model::load(testing::model_path(relative), load);
  RunRequest request;
  request.batch = batch;
  request.threads = 2;
  const RunPlan plan = plan_run(model, request);
  const Recording recording = record(model, plan.options);
  const Analysis analysis = analyze(model, recording);
  nlohmann::json j = render_json({&model, &plan.options, &recording, &analysis, plan.towers, ""}, true);
  j.erase("timing");
  j.erase("invocation");
  return j;
}

class DryRunEqualsRealRun : public ::testing::TestWithParam<std::tuple<std::string, int64_t>> {};

TEST_P(DryRunEqualsRealRun, SameJsonApartFromTiming) {
  const auto& [relative, batch] = GetParam();
  const nlohmann::json real = report(relative, batch, false);
  const nlohmann::json dry = report(relative, batch, true);
  ASSERT_EQ(real["totals"], dry["totals"]);
  EXPECT_EQ(real, dry);
  // Rules and the op-level count agree on the matrix work, exactly, for every bundled model.
  EXPECT_EQ(real["totals"]["matmul_flops"], real["op_level_totals"]["matmul_flops"]);
  EXPECT_EQ(real["crosscheck"]["mismatch"], 0);
}

std::string param_name(const ::testing::TestParamInfo<std::tuple<std::string, int64_t>>& info) {
  std::string name = std::get<0>(info.param) + "_B" + std::to_string(std::get<1>(info.param));
  for (char& c : name) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return name;
}

INSTANTIATE_TEST_SUITE_P(
    Bundled, DryRunEqualsRealRun,
    ::testing::Combine(::testing::Values("test/mixed.pt", "test/similarity.pt", "test/two_methods.pt", "test/convnet.pt", "test/cross_attention.pt",
                                         "test/ViT-B-32-renamed.pt", "openclip/ViT-B-32.pt",
                                         "openclip/ViT-B-16.pt", "openclip/ViT-B-16-batch-first.pt", "openclip/ViT-L-14.pt",
                                         "openclip/ViT-L-14-336.pt", "openclip/ViT-H-14.pt", "openclip/ViT-g-14.pt",
                                         "openclip/EVA02-L-14.pt"),
                       ::testing::Values(1, 2, 8)),
    param_name);

// Full-size real runs of these at B=8 take minutes: label "slow".
INSTANTIATE_TEST_SUITE_P(ZooSlow, DryRunEqualsRealRun,
                         ::testing::Combine(::testing::Values("openclip/ViT-bigG-14.pt", "openclip/EVA02-E-14.pt"),
                                            ::testing::Values(1, 2, 8)),
                         param_name);

ExitCode dry_run_error(const std::string& relative, std::string* message) {
  try {
    report(relative, 4, true);
  } catch (const Error& e) {
    *message = e.what();
    return e.code();
  }
  return ExitCode::Ok;
}

TEST(Determinism, SameModelAndInputsGiveByteIdenticalJson) {
  for (const char* relative : {"test/mixed.pt", "test/convnet.pt", "openclip/ViT-B-32.pt"}) {
    EXPECT_EQ(report(relative, 2, false).dump(2), report(relative, 2, false).dump(2)) << relative;
  }
}

TEST(DryRun, DataDependentShapesStopWithTheOpNamed) {
  std::string message;
  EXPECT_EQ(dry_run_error("test/data_dependent.pt", &message), ExitCode::Unsupported);
  EXPECT_NE(message.find("aten::nonzero"), std::string::npos) << message;
  EXPECT_NE(message.find("run without --dry-run"), std::string::npos) << message;
  // value_branch.pt reads a value only to choose between branches of equal shapes: the real run
  // counts it; the dry run cannot know which branch, and says so instead of guessing.
  EXPECT_EQ(dry_run_error("test/value_branch.pt", &message), ExitCode::Unsupported);
  EXPECT_NE(message.find("reads a tensor value"), std::string::npos) << message;
}

TEST(DryRun, OpWithoutMetaKernelIsAClearError) {
  std::string message;
  EXPECT_EQ(dry_run_error("test/odd.pt", &message), ExitCode::Unsupported);
  EXPECT_NE(message.find("aten::_logcumsumexp"), std::string::npos) << message;
}

TEST(DryRun, LargestModelAtHugeBatchIsCheap) {
  // EVA02-E-14 (4.7 B parameters) at B=4096: no kernel runs, so this is about a second.
  LoadOptions load;
  load.meta = true;
  Model model = Model::load(testing::model_path("openclip/EVA02-E-14.pt"), load);
  RunRequest request;
  request.batch = 4096;
  const RunPlan plan = plan_run(model, request);
  const Analysis analysis = analyze(model, record(model, plan.options));
  // Matrix FLOPs at B=1 are 2,311,418,314,752 (docs/openclip-zoo.md) and exactly proportional.
  EXPECT_EQ(analysis.total.matmul_flops, int64_t{2'311'418'314'752} * 4096);
}

}  // namespace
}  // namespace flopscope
