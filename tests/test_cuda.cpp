// --device cuda counts exactly what --device cpu counts. Runs where LibTorch sees a GPU; elsewhere each
// test says why it is skipped (CI has no GPU; tools/build-cuda.sh makes a CUDA build).
#include <gtest/gtest.h>
#include <torch/cuda.h>

#include "flopscope/runtime/libtorch_compat.h"
#include "test_helpers.h"

namespace flopscope {
namespace {

class Cuda : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (!torch::cuda::is_available()) {
      GTEST_SKIP() << "no GPU visible to LibTorch " << compat::libtorch_version() << " (" << compat::libtorch_backends()
                   << "): --device cuda is checked on a machine with one";
    }
  }
};

TEST_P(Cuda, SameCountsAsCpu) {
  const nlohmann::json cpu = testing::report_json(GetParam(), std::nullopt, false, 2, Device::Cpu);
  const nlohmann::json gpu = testing::report_json(GetParam(), std::nullopt, false, 2, Device::Cuda);
  EXPECT_EQ(gpu["totals"], cpu["totals"]);
  // On a GPU, attention runs CUDA kernels (flash, memory-efficient): other ops, the same counts.
  testing::expect_same_counts(cpu, gpu);
  EXPECT_EQ(gpu["crosscheck"]["mismatch"], 0);
  EXPECT_TRUE(gpu["uncovered_ops"].empty()) << gpu["uncovered_ops"].dump();
}

INSTANTIATE_TEST_SUITE_P(Bundled, Cuda,
                         ::testing::Values("test/mixed.pt", "test/convnet.pt", "torch2/test/mha.pt", "torch2/test/sdpa.pt",
                                           "torch2/test/transformer_encoder.pt", "torch2/test/transformer_decoder.pt",
                                           "openclip/ViT-B-16.pt", "torch2/openclip/EVA02-L-14.pt",
                                           "torch2/torchvision/swin_t.pt", "torch2/torchvision/vit_b_16.pt"),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& c : name) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return name;
                         });

}  // namespace
}  // namespace flopscope
