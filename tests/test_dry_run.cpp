// Dry runs (shape-only meta tensors) must report exactly what real runs report, timings aside.
#include <gtest/gtest.h>
#include <torch/script.h>

#include <filesystem>
#include <fstream>

#include "flopscope/counting/formula_coverage.h"
#include "flopscope/analysis/memory_estimate.h"
#include "flopscope/core/error.h"
#include "flopscope/reports/report.h"
#include "flopscope/analysis/run_plan.h"
#include "command.h"
#include "test_helpers.h"

namespace flopscope {
namespace {

nlohmann::json report(const std::string& relative, int64_t batch, bool meta) {
  return testing::report_json(relative, batch, meta);
}

class DryRunEqualsRealRun : public ::testing::TestWithParam<std::tuple<std::string, int64_t>> {};

TEST_P(DryRunEqualsRealRun, SameCountsAsTheRealRun) {
  const auto& [relative, batch] = GetParam();
  const nlohmann::json real = report(relative, batch, false);
  const nlohmann::json dry = report(relative, batch, true);
  ASSERT_EQ(real["totals"], dry["totals"]);
  testing::expect_same_counts(real, dry);
  // Rules and the op-level count agree on the matrix work, exactly, for every bundled model.
  EXPECT_EQ(real["totals"]["matmul_flops"], real["op_level_totals"]["matmul_flops"]);
  EXPECT_EQ(real["crosscheck"]["mismatch"], 0);
}

std::string param_name(const ::testing::TestParamInfo<std::tuple<std::string, int64_t>>& info) {
  std::string name = std::get<0>(info.param) + "_B" + std::to_string(std::get<1>(info.param));
  for (char& c : name) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return name;
}

// Small models at several batch sizes; the PyTorch 2.x attention models in the same way.
INSTANTIATE_TEST_SUITE_P(
    Bundled, DryRunEqualsRealRun,
    ::testing::Combine(::testing::Values("test/mixed.pt", "test/similarity.pt", "test/two_methods.pt", "test/convnet.pt",
                                         "test/cross_attention.pt", "test/transformer_encoder.pt",
                                         "test/transformer_decoder.pt", "test/rotary_decoder.pt",
                                         "test/rotary_decoder_traced.pt", "test/mha_traced.pt", "test/recurrent.pt",
                                         "test/recurrent_traced.pt", "torch2/test/recurrent.pt", "test/convnet_frozen.pt", "test/convnet_deflated.pt",
                                         "test/arguments.pt",
                                         "torch2/test/mha.pt", "torch2/test/sdpa.pt",
                                         "torch2/test/transformer_encoder.pt", "torch2/test/transformer_decoder.pt"),
                       ::testing::Values(1, 2, 8)),
    param_name);

// Full-size architectures at batch 1 (batch linearity itself is proven by the dry-run sweeps).
const auto kFullSize = ::testing::Values("test/ViT-B-32-renamed.pt", "openclip/ViT-B-32.pt", "openclip/ViT-B-16.pt",
                                         "openclip/ViT-B-16-batch-first.pt", "openclip/ViT-L-14.pt", "openclip/ViT-L-14-336.pt",
                                         "openclip/EVA02-L-14.pt", "torch2/openclip/ViT-B-16.pt", "torch2/openclip/EVA02-L-14.pt");
INSTANTIATE_TEST_SUITE_P(FullSize, DryRunEqualsRealRun, ::testing::Combine(kFullSize, ::testing::Values(1)), param_name);

// Real runs of full-size models at larger batches take minutes: label "slow". So do the real runs of
// the largest OpenCLIP models: ViT-H-14 and ViT-g-14 (57 s at batch 1 together) are ViT-L-14's layers
// at other widths, whose dry-run counts the default suite checks (Zoo/OpenClipModel).
INSTANTIATE_TEST_SUITE_P(FullSizeSlow, DryRunEqualsRealRun, ::testing::Combine(kFullSize, ::testing::Values(2, 8)), param_name);
INSTANTIATE_TEST_SUITE_P(LargestSlow, DryRunEqualsRealRun,
                         ::testing::Combine(::testing::Values("openclip/ViT-H-14.pt", "openclip/ViT-g-14.pt",
                                                              "openclip/ViT-bigG-14.pt", "openclip/EVA02-E-14.pt"),
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
  // A detector's nms keeps as many boxes as the scores decide (torchvision has no meta kernel for it).
  if (!testing::torchvision_loaded()) return;
  EXPECT_EQ(dry_run_error("test/detection/detector.pt", &message), ExitCode::Unsupported);
  EXPECT_EQ(message, "--dry-run cannot count past torchvision::nms: its output shape depends on tensor values; run without --dry-run");
}

TEST(DryRun, OpWithoutMetaKernelIsAClearError) {
  std::string message;
  EXPECT_EQ(dry_run_error("test/odd.pt", &message), ExitCode::Unsupported);
  EXPECT_NE(message.find("aten::_logcumsumexp"), std::string::npos) << message;
  // Quantized weights cannot be made as shapes only: one line, and what to do.
  EXPECT_EQ(dry_run_error("test/quantized/quantized_dynamic.pt", &message), ExitCode::Unsupported);
  EXPECT_NE(message.find("holds quantized tensors, which LibTorch cannot make as shapes only; run without --dry-run"),
            std::string::npos) << message;
}

TEST(DryRun, LargestModelAtHugeBatchIsCheap) {
  // EVA02-E-14 (4.7 B parameters) at B=4096: no kernel runs, so this is about a second.
  LoadOptions load;
  load.meta = true;
  Model model = Model::load(testing::model_path("openclip/EVA02-E-14.pt"), load);
  RunRequest request;
  request.batch = 4096;
  const RunPlan plan = plan_run(model, request);
  const Analysis analysis = analyze(model, record(model, plan.options, formula_coverage()));
  // Matrix FLOPs at B=1 are 2,311,418,314,752 (docs/openclip-zoo.md) and exactly proportional.
  EXPECT_EQ(analysis.total.matmul_flops, int64_t{2'311'418'314'752} * 4096);
}

// Bytes this process has read from files so far (the kernel's count of read and pread results,
// page cache or disk alike).
int64_t bytes_read_so_far() {
  std::ifstream io("/proc/self/io");
  std::string key;
  int64_t value = 0;
  while (io >> key >> value) {
    if (key == "rchar:") return value;
  }
  return -1;
}

// A dry run reads the archive's directory, pickles and code, never the weights' bytes: 32 MiB of
// parameters, or the same weights frozen into constants of the code, load shapes-only reading under
// 1 MiB of the file, and count as the real load, which reads them all, does.
class DryRunReads : public testing::CommandTest {};

TEST_F(DryRunReads, NoWeightBytes) {
  torch::jit::Module module("WeightsModel");
  module.register_parameter("w", torch::randn({2048, 4096}), false);
  module.register_buffer("scale", torch::randn({4096}));
  module.define("def forward(self, x):\n  return torch.matmul(x, self.w) * self.scale\n");
  module.eval();
  const std::string parameters = (dir_ / "parameters.pt").string(), frozen = (dir_ / "frozen.pt").string();
  module.save(parameters);
  torch::jit::freeze(module).save(frozen);
  for (const std::string& path : {parameters, frozen}) {
    ASSERT_GT(std::filesystem::file_size(path), uintmax_t{32} << 20);
    LoadOptions options;
    options.sandbox = false;
    const int64_t before_real = bytes_read_so_far();
    const Model real = Model::load(path, options);
    const int64_t real_bytes = bytes_read_so_far() - before_real;
    options.meta = true;
    const int64_t before_dry = bytes_read_so_far();
    const Model dry = Model::load(path, options);
    const int64_t dry_bytes = bytes_read_so_far() - before_dry;
    EXPECT_GE(real_bytes, int64_t{32} << 20) << path;
    EXPECT_LT(dry_bytes, int64_t{1} << 20) << path;
    EXPECT_EQ(dry.total_params(), real.total_params()) << path;
    EXPECT_EQ(dry.total_param_bytes() + dry.total_buffer_bytes(), real.total_param_bytes() + real.total_buffer_bytes()) << path;
    EXPECT_EQ(dry.code_constants().bytes, real.code_constants().bytes) << path;
  }
}

// The memory a real run needs, from a dry run: every parameter and buffer, plus live activations at
// their peak, which grow with the batch; a limit below it stops the run with a line naming --dry-run.
TEST(MemoryEstimate, ParametersPlusThePeakOfLiveActivations) {
  ModelFile file(testing::model_path("openclip/ViT-B-32.pt"));
  RunRequest request;
  request.preset = "openclip";
  const MemoryEstimate one = estimate_run_memory(file, request).value();
  const Model shapes = file.load(true);  // the file loads again from its start
  EXPECT_EQ(one.parameter_bytes, shapes.total_param_bytes() + shapes.total_buffer_bytes());
  EXPECT_GT(one.parameter_bytes, 500'000'000);  // 151 M float32 parameters
  // At least the image the patch convolution reads (3x224x224 floats) and what it writes.
  EXPECT_GT(one.activation_bytes, 3 * 224 * 224 * 4);
  EXPECT_LT(one.activation_bytes, 20'000'000);
  EXPECT_FALSE(one.peak_at.empty());
  request.batch = 16;
  const MemoryEstimate sixteen = estimate_run_memory(file, request).value();
  EXPECT_EQ(sixteen.parameter_bytes, one.parameter_bytes);
  EXPECT_GT(sixteen.activation_bytes, 8 * one.activation_bytes);
  EXPECT_LE(sixteen.activation_bytes, 16 * one.activation_bytes);

  EXPECT_NO_THROW(check_memory_fits(one, one.total()));
  EXPECT_NO_THROW(check_memory_fits(one, 0));  // no limit
  EXPECT_NO_THROW(check_memory_fits(std::nullopt, 1));  // no estimate
  try {
    check_memory_fits(sixteen, one.total());
    ADD_FAILURE() << "a run that does not fit was let through";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::OutOfMemory);
    EXPECT_NE(std::string(e.what()).find("count it with --dry-run"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace flopscope
