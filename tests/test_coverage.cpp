// What the recorder does with ops it cannot count by a formula, and what the loader says about ops
// this LibTorch lacks. The models are TorchScript defined here in C++ around test-only operators, so
// each case is exactly the situation under test.
#include <gtest/gtest.h>
#include <torch/library.h>
#include <torch/script.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <limits>

#include "flopscope/counting/formula_coverage.h"
#include "flopscope/core/error.h"
#include "flopscope/runtime/libtorch_compat.h"
#include "script_namespaces.h"
#include "test_helpers.h"

namespace {

// A backend kernel that does a matrix product through the dispatcher and more work it never
// dispatches (a ReLU in its own loop): flopscope sees the mm but not the whole op.
at::Tensor fused_matmul_relu(const at::Tensor& x, const at::Tensor& w) {
  at::Tensor y = at::mm(x, w).contiguous();
  float* data = y.data_ptr<float>();
  for (int64_t i = 0; i < y.numel(); ++i) data[i] = std::max(data[i], 0.0f);
  return y;
}
// A composite op: everything it does is dispatched, so counting its children is exact.
at::Tensor composite_matmul(const at::Tensor& x, const at::Tensor& w) { return at::mm(x, w); }

TORCH_LIBRARY(flopscope_test, m) {
  m.def("fused_matmul_relu(Tensor x, Tensor w) -> Tensor");
  m.impl("fused_matmul_relu", torch::dispatch(c10::DispatchKey::CPU, TORCH_FN(fused_matmul_relu)));
  m.def("composite_matmul(Tensor x, Tensor w) -> Tensor",
        torch::dispatch(c10::DispatchKey::CompositeImplicitAutograd, TORCH_FN(composite_matmul)));
}

class Coverage : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("flopscope_coverage_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Saves a module whose forward(x) is `body`, with a [4, 4] parameter w.
  std::string save(const std::string& name, const std::string& body) {
    torch::jit::Module module("TestModel");
    module.register_parameter("w", torch::ones({4, 4}), false);
    module.define("def forward(self, x):\n    return " + body + "\n", std::make_shared<flopscope::testing::ScriptNamespaces>());
    const std::string path = (dir_ / (name + ".pt")).string();
    module.save(path);
    return path;
  }

  flopscope::Analysis analyze(const std::string& path) {
    flopscope::Model model = flopscope::Model::load(path);
    auto options = flopscope::testing::inputs({"3x4:float32"});
    options.threads = 1;
    return flopscope::analyze(model, flopscope::record(model, options, flopscope::formula_coverage()));
  }

  std::filesystem::path dir_;
};

TEST_F(Coverage, KernelWhoseWorkIsNotAllDispatchedIsUncovered) {
  const auto a = analyze(save("fused", "flopscope_test.fused_matmul_relu(x, self.w)"));
  // The dispatched mm is counted (3*4*4 = 48 MACs); the ReLU inside the kernel is not seen, so the op
  // is reported uncovered rather than assumed to be all of its children.
  EXPECT_EQ(a.total.macs, 48);
  ASSERT_EQ(a.uncovered_ops.size(), 1u);
  EXPECT_EQ(a.uncovered_ops[0].op, "flopscope_test::fused_matmul_relu");
  EXPECT_EQ(a.uncovered_ops[0].reason, "no formula; --formulas FILE can give one");
}

TEST_F(Coverage, CompositeOpIsCountedThroughItsChildren) {
  const auto a = analyze(save("composite", "flopscope_test.composite_matmul(x, self.w)"));
  EXPECT_EQ(a.total.macs, 48);
  EXPECT_TRUE(a.uncovered_ops.empty());
  // w is a parameter: the product is not activation x activation.
  EXPECT_EQ(a.total.activation_flops, 0);
}

TEST_F(Coverage, ViewsOfParametersAreParameters) {
  // w.t() is a new tensor object over the parameter's memory: still a weight.
  const auto a = analyze(save("transposed", "torch.mm(x, self.w.t())"));
  EXPECT_EQ(a.total.macs, 48);
  EXPECT_EQ(a.total.activation_flops, 0);
}

// The one-line message of loading `path`, which must fail with Unsupported.
std::string unsupported_load(const std::string& path) {
  try {
    flopscope::Model::load(path);
  } catch (const flopscope::Error& e) {
    EXPECT_EQ(e.code(), flopscope::ExitCode::Unsupported);
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "loaded a file that calls a missing operator";
  return "";
}

TEST_F(Coverage, OperatorThisLibTorchLacksIsNamedWithTheVersion) {
  std::string path;
  {
    // The aten operator exists while the file is written, and is gone when it is loaded: as a file
    // scripted by a newer PyTorch looks to an older LibTorch.
    torch::Library library(torch::Library::FRAGMENT, "aten", c10::nullopt, __FILE__, __LINE__);
    library.def("flopscope_vanished(Tensor x) -> Tensor", [](const at::Tensor& x) { return x; });
    path = save("vanished", "aten.flopscope_vanished(x)");
  }
  const std::string message = unsupported_load(path);
  EXPECT_NE(message.find("aten::flopscope_vanished"), std::string::npos) << message;
  EXPECT_NE(message.find("LibTorch " + flopscope::compat::libtorch_version()), std::string::npos) << message;
  EXPECT_NE(message.find("README"), std::string::npos) << message;
}

// An operator of another namespace comes from a library to load, not from a newer LibTorch.
TEST_F(Coverage, OperatorOfAnotherLibraryNamesWhatToLoad) {
  std::string path;
  {
    torch::Library library(torch::Library::DEF, "flopscope_gone", c10::nullopt, __FILE__, __LINE__);
    library.def("vanished(Tensor x) -> Tensor", [](const at::Tensor& x) { return x; });
    path = save("vanished", "flopscope_gone.vanished(x)");
  }
  const std::string message = unsupported_load(path);
  EXPECT_NE(message.find("flopscope_gone::vanished, an operator no loaded library registers: pass --load-library"),
            std::string::npos) << message;
  EXPECT_EQ(message.find("newer LibTorch"), std::string::npos) << message;
}

TEST(Compat, ScaledDotProductAttentionExistsAfterLoadingAnything) {
  // The 2.x operator is native in LibTorch 2.x and provided by flopscope on 1.13.
  flopscope::compat::provide_newer_operators();
  EXPECT_TRUE(flopscope::compat::has_operator("aten::scaled_dot_product_attention"));
  const auto provided = flopscope::compat::provided_operators();
  const bool native = flopscope::compat::libtorch_version().rfind("1.", 0) != 0;
  EXPECT_EQ(provided.empty(), native);
}

TEST(Compat, ProvidedAttentionComputesWhatItsFormulaCounts) {
  // Numerically: softmax(Q K^T * scale + mask) V, causal and grouped-query, against a direct computation.
  flopscope::compat::provide_newer_operators();
  torch::manual_seed(0);
  const at::Tensor q = torch::randn({2, 4, 6, 8}), k = torch::randn({2, 2, 6, 8}), v = torch::randn({2, 2, 6, 8});
  const auto op = c10::Dispatcher::singleton()
                      .findSchemaOrThrow("aten::scaled_dot_product_attention", "")
                      .typed<at::Tensor(const at::Tensor&, const at::Tensor&, const at::Tensor&, const c10::optional<at::Tensor>&,
                                        double, bool, c10::optional<double>, bool)>();
  const at::Tensor out = op.call(q, k, v, c10::nullopt, 0.0, true, 0.5, true);
  const at::Tensor kk = k.repeat_interleave(2, 1), vv = v.repeat_interleave(2, 1);
  at::Tensor scores = at::matmul(q, kk.transpose(-2, -1)) * 0.5;
  scores = scores.masked_fill(torch::ones({6, 6}, torch::kBool).tril().logical_not(), -std::numeric_limits<float>::infinity());
  EXPECT_TRUE(torch::allclose(out, at::matmul(at::softmax(scores, -1), vv), 1e-5, 1e-5));
}

}  // namespace
