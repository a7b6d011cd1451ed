// Each flopscope Meta kernel against the real CPU op's output shape, on several shapes.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "flopscope/runtime/libtorch_compat.h"
#include "flopscope/runtime/meta_kernels.h"

#include <algorithm>

namespace {

at::Tensor meta(const at::Tensor& t) { return at::empty(t.sizes(), t.options().device(c10::kMeta)); }

// Registration happens at load time in flopscope; tests call it themselves.
class MetaKernels : public ::testing::Test {
 protected:
  void SetUp() override { flopscope::register_meta_kernels(); }
};

struct Conv {
  std::vector<int64_t> input, weight, stride, padding, dilation;
  bool transposed;
  std::vector<int64_t> output_padding;
  int64_t groups;
};

TEST_F(MetaKernels, ConvolutionShapesMatchCpu) {
  const std::vector<Conv> cases = {
      {{2, 3, 17, 19}, {8, 3, 3, 3}, {1, 1}, {0, 0}, {1, 1}, false, {0, 0}, 1},
      {{2, 3, 17, 19}, {8, 3, 3, 5}, {2, 3}, {1, 2}, {1, 1}, false, {0, 0}, 1},   // strided, padded
      {{1, 4, 32, 32}, {4, 1, 3, 3}, {1, 1}, {2, 2}, {2, 2}, false, {0, 0}, 4},   // dilated depthwise
      {{1, 8, 9, 9}, {6, 4, 1, 1}, {1, 1}, {0, 0}, {1, 1}, false, {0, 0}, 2},     // grouped pointwise
      {{1, 4, 5, 5}, {4, 2, 3, 3}, {2, 2}, {1, 1}, {1, 1}, true, {1, 1}, 1},      // transposed
      {{2, 6, 7, 7}, {6, 1, 4, 4}, {2, 2}, {1, 1}, {1, 1}, true, {0, 0}, 3},      // transposed grouped
      {{3, 4, 50}, {8, 4, 5}, {3}, {2}, {2}, false, {0}, 1},                      // 1-D
      {{1, 2, 5, 6, 7}, {3, 2, 1, 3, 3}, {1, 1, 2}, {0, 1, 1}, {1, 1, 1}, false, {0, 0, 0}, 1},  // 3-D
  };
  for (const auto& c : cases) {
    const at::Tensor x = at::randn(c.input), w = at::randn(c.weight);
    const at::Tensor cpu = at::convolution(x, w, {}, c.stride, c.padding, c.dilation, c.transposed, c.output_padding, c.groups);
    const at::Tensor dry =
        at::convolution(meta(x), meta(w), {}, c.stride, c.padding, c.dilation, c.transposed, c.output_padding, c.groups);
    EXPECT_EQ(dry.sizes(), cpu.sizes()) << x.sizes() << " * " << w.sizes();
    EXPECT_TRUE(dry.is_meta());
  }
}

TEST_F(MetaKernels, NormsEmbeddingAndPoolingMatchCpu) {
  const at::Tensor x = at::randn({2, 6, 5, 5});
  EXPECT_EQ(at::layer_norm(meta(x), {5, 5}).sizes(), at::layer_norm(x, {5, 5}).sizes());
  EXPECT_EQ(at::group_norm(meta(x), 3).sizes(), at::group_norm(x, 3).sizes());
  const at::Tensor mean = at::zeros({6}), var = at::ones({6});
  EXPECT_EQ(at::batch_norm(meta(x), {}, {}, meta(mean), meta(var), false, 0.1, 1e-5, false).sizes(), x.sizes());
  const at::Tensor table = at::randn({10, 4});
  const at::Tensor ids = at::randint(0, 10, {3, 7}, at::kLong);
  EXPECT_EQ(at::embedding(meta(table), meta(ids)).sizes(), at::embedding(table, ids).sizes());
  EXPECT_EQ(at::adaptive_avg_pool2d(meta(x), {2, 3}).sizes(), at::adaptive_avg_pool2d(x, {2, 3}).sizes());
  EXPECT_EQ(at::relu(meta(x)).sizes(), x.sizes());
  EXPECT_EQ(at::where(meta(x) > 0, meta(x), meta(at::randn({5}))).sizes(), x.sizes());
}

TEST_F(MetaKernels, FusedAttentionMatchesCpu) {
  const int64_t batch = 2, length = 7, embed = 16, heads = 4;
  const at::Tensor q = at::randn({batch, length, embed});
  const at::Tensor w = at::randn({3 * embed, embed}), b = at::randn({3 * embed});
  const at::Tensor pw = at::randn({embed, embed}), pb = at::randn({embed});
  for (const bool need_weights : {false, true}) {
    for (const bool average : {false, true}) {
      at::NoGradGuard no_grad;
      const auto cpu = at::_native_multi_head_attention(q, q, q, embed, heads, w, b, pw, pb, {}, need_weights, average);
      const auto dry = at::_native_multi_head_attention(meta(q), meta(q), meta(q), embed, heads, meta(w), meta(b), meta(pw),
                                                        meta(pb), {}, need_weights, average);
      EXPECT_EQ(std::get<0>(dry).sizes(), std::get<0>(cpu).sizes());
      if (need_weights) {
        EXPECT_EQ(std::get<1>(dry).sizes(), std::get<1>(cpu).sizes());
      }
    }
  }
}

TEST_F(MetaKernels, PoolingRepeatAndWhereOutMatchCpu) {
  for (const bool ceil_mode : {false, true}) {
    const at::Tensor video = at::randn({1, 2, 7, 9, 10});
    const auto cpu = at::max_pool3d_with_indices(video, {3, 3, 3}, {2, 2, 2}, {1, 0, 1}, {1, 1, 1}, ceil_mode);
    const auto dry = at::max_pool3d_with_indices(meta(video), {3, 3, 3}, {2, 2, 2}, {1, 0, 1}, {1, 1, 1}, ceil_mode);
    EXPECT_EQ(std::get<0>(dry).sizes(), std::get<0>(cpu).sizes()) << "ceil_mode " << ceil_mode;
    EXPECT_EQ(std::get<1>(dry).sizes(), std::get<1>(cpu).sizes());
  }
  const at::Tensor x = at::randn({3, 4});
  EXPECT_EQ(at::repeat_interleave(meta(x), 5, 0).sizes(), at::repeat_interleave(x, 5, 0).sizes());
  EXPECT_EQ(at::repeat_interleave(meta(x), 2).sizes(), at::repeat_interleave(x, 2).sizes());
  const at::Tensor condition = at::randn({3, 1}) > 0;
  at::Tensor out = at::empty({0}, x.options().device(c10::kMeta));
  at::where_out(out, meta(condition), meta(x), meta(at::randn({4})));
  EXPECT_EQ(out.sizes(), at::where(condition, x, at::randn({4})).sizes());
}

TEST_F(MetaKernels, OnlyOpsWithoutANativeMetaKernelGetOne) {
  // Structured ops (add, mm) have Meta kernels in every LibTorch: detected, so never replaced.
  EXPECT_TRUE(flopscope::compat::has_meta_kernel("aten::add.Tensor"));
  EXPECT_TRUE(flopscope::compat::has_meta_kernel("aten::mm"));
  EXPECT_FALSE(flopscope::compat::has_meta_kernel("aten::no_such_op"));
  const auto ops = flopscope::register_meta_kernels();
  for (const char* native : {"add.Tensor", "mm", "bmm", "addmm"}) {
    EXPECT_EQ(std::find(ops.begin(), ops.end(), native), ops.end()) << native;
  }
}

TEST_F(MetaKernels, DataDependentOpsRefuse) {
  const at::Tensor x = meta(at::randn({4}));
  EXPECT_THROW(at::nonzero(x), c10::Error);
  EXPECT_THROW(x.sum().item(), c10::Error);
  try {
    at::masked_select(x, x > 0);
  } catch (const c10::Error& e) {
    EXPECT_NE(std::string(e.what()).find(flopscope::kDataDependentMarker), std::string::npos);
  }
}

}  // namespace
