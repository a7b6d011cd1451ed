// A user's operator library, as someone would build their own: a fused kernel whose arithmetic runs in
// its own loops, where flopscope cannot see it, and a shape-only (Meta) kernel for dry runs. The tests
// count it with a formulas file (--formulas, tests/test_user_formulas.cpp).
#include <torch/library.h>

#include <ATen/ATen.h>

namespace {

// x [N, K] times w [M, K] transposed, scaled: N*M*K multiply-adds and N*M multiplies.
at::Tensor scaled_matmul(const at::Tensor& x, const at::Tensor& w, double scale) {
  const at::Tensor a = x.contiguous(), b = w.contiguous();
  const int64_t n = a.size(0), k = a.size(1), m = b.size(0);
  at::Tensor y = at::empty({n, m}, a.options());
  const float* pa = a.data_ptr<float>();
  const float* pb = b.data_ptr<float>();
  float* py = y.data_ptr<float>();
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < m; ++j) {
      float sum = 0;
      for (int64_t l = 0; l < k; ++l) sum += pa[i * k + l] * pb[j * k + l];
      py[i * m + j] = sum * static_cast<float>(scale);
    }
  }
  return y;
}

at::Tensor scaled_matmul_shape(const at::Tensor& x, const at::Tensor& w, double) {
  return at::empty({x.size(0), w.size(0)}, x.options());
}

}  // namespace

TORCH_LIBRARY(flopscope_user, m) {
  m.def("scaled_matmul(Tensor x, Tensor w, float scale) -> Tensor");
  m.impl("scaled_matmul", torch::dispatch(c10::DispatchKey::CPU, TORCH_FN(scaled_matmul)));
  m.impl("scaled_matmul", torch::dispatch(c10::DispatchKey::Meta, TORCH_FN(scaled_matmul_shape)));
}
