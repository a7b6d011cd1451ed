// Counts — the work of one op, one module call or a whole model, split by kind.
//
// Conventions (stated in every report):
//   * 1 multiply-add = 1 MAC = 2 FLOPs. `macs` counts the multiply-adds of matrix products and
//     convolutions; `matmul_flops` is exactly 2 x macs.
//   * `activation_flops` is the part of `matmul_flops` whose operands are both activations (no
//     parameter): attention scores QK^T and weighted values AV, similarity matrices. Tools that hook
//     only Linear/Conv layers miss exactly this part.
//   * `integer_flops` is the part of `matmul_flops` done in integers (int8 quantized linears,
//     convolutions and recurrent layers): integer OPs, 2 per multiply-add, for an int8 peak.
//   * `elementwise_flops` counts everything else that computes: bias and residual adds, norms,
//     activations, softmax, scaling. Per-element costs are the constants below (docs/counting.md).
//   * Data movement (views, copies, cat, indexing, embedding lookups) is 0 FLOPs.
#pragma once

#include <cstdint>

namespace flopscope {

struct Counts {
  int64_t macs = 0;
  int64_t matmul_flops = 0;
  int64_t elementwise_flops = 0;
  int64_t activation_flops = 0;  // included in matmul_flops
  int64_t integer_flops = 0;     // included in matmul_flops

  int64_t flops() const { return matmul_flops + elementwise_flops; }
  Counts& operator+=(const Counts& other) {
    macs += other.macs;
    matmul_flops += other.matmul_flops;
    elementwise_flops += other.elementwise_flops;
    activation_flops += other.activation_flops;
    integer_flops += other.integer_flops;
    return *this;
  }
  friend Counts operator+(Counts a, const Counts& b) { return a += b; }
  friend Counts operator-(Counts a, const Counts& b) { return a += b * -1; }
  friend Counts operator*(Counts a, int64_t n) {
    return {a.macs * n, a.matmul_flops * n, a.elementwise_flops * n, a.activation_flops * n, a.integer_flops * n};
  }
  friend bool operator==(const Counts& a, const Counts& b) {
    return a.macs == b.macs && a.matmul_flops == b.matmul_flops && a.elementwise_flops == b.elementwise_flops &&
           a.activation_flops == b.activation_flops && a.integer_flops == b.integer_flops;
  }
  friend bool operator!=(const Counts& a, const Counts& b) { return !(a == b); }
};

// `n` multiply-adds of a matrix product or convolution.
inline Counts multiply_adds(int64_t n) { return {n, 2 * n, 0, 0, 0}; }
// `n` multiply-adds between two activations (no parameter operand).
inline Counts activation_multiply_adds(int64_t n) { return {n, 2 * n, 0, 2 * n, 0}; }
// Marks all of `c`'s matrix work as activation x activation.
inline Counts as_activation_product(Counts c) {
  c.activation_flops = c.matmul_flops;
  return c;
}
// Marks all of `c`'s matrix work as done in integers (a quantized kernel's).
inline Counts in_integers(Counts c) {
  c.integer_flops = c.matmul_flops;
  return c;
}
// `elements` x `per_element` elementwise FLOPs.
inline Counts elementwise(int64_t elements, int64_t per_element) { return {0, 0, elements * per_element, 0, 0}; }

// FLOPs per element. Each arithmetic operation (add, sub, mul, div, compare, max) and each
// transcendental (exp, erf, tanh, sqrt) counts 1.
namespace cost {
inline constexpr int64_t kArithmetic = 1;      // add, sub, mul, div, neg, compare, relu, clamp
inline constexpr int64_t kTranscendental = 1;  // exp, log, erf, tanh, sqrt, rsqrt
inline constexpr int64_t kSigmoid = 3;         // 1 / (1 + exp(-x)): exp, add, div
inline constexpr int64_t kSilu = 4;            // x * sigmoid(x)
inline constexpr int64_t kGelu = 5;            // 0.5 x (1 + erf(x / sqrt 2)): div, erf, add, mul, mul
inline constexpr int64_t kGeluTanh = 8;        // 0.5 x (1 + tanh(c (x + 0.044715 x^3)))
inline constexpr int64_t kSoftmax = 5;         // max, sub, exp, sum, div
inline constexpr int64_t kNormalize = 5;       // mean, sub, square-accumulate (2), scale by 1/std
inline constexpr int64_t kAffine = 1;          // per present weight or bias of a norm
inline constexpr int64_t kBatchNormEval = 2;   // running stats folded into one multiply-add
inline constexpr int64_t kVectorNorm = 2;      // square and accumulate
inline constexpr int64_t kHardsigmoid = 3;     // relu6(x + 3) / 6: add, clamp, div
inline constexpr int64_t kHardswish = 4;       // x * hardsigmoid(x) without the second clamp: add, clamp, mul, div
inline constexpr int64_t kElu = 4;             // x > 0 ? x : a (exp(x) - 1): compare, exp, sub, mul (ELU, CELU, SELU)
inline constexpr int64_t kSoftplus = 3;        // log(1 + exp(x)): exp, add, log
inline constexpr int64_t kMish = 5;            // x * tanh(softplus(x))
inline constexpr int64_t kGlu = kSigmoid + kArithmetic;  // a * sigmoid(b), per output element
inline constexpr int64_t kComplexAbs = 3 * kArithmetic + kTranscendental;  // sqrt(re^2 + im^2)
// Recurrent cells, per hidden unit and step, besides their matrix products and bias adds:
// LSTM: gate sums 4, sigmoid of 3 gates, tanh of the cell gate and of c, c = f*c + i*g 3, h = o*tanh(c) 1.
inline constexpr int64_t kLstmCell = 4 * kArithmetic + 3 * kSigmoid + 2 * kTranscendental + 4 * kArithmetic;
// GRU: r and z gate sums 2, their sigmoids, n = tanh(i_n + r*h_n) 3, h = n + z*(h - n) 3.
inline constexpr int64_t kGruCell = 2 * kArithmetic + 2 * kSigmoid + 2 * kArithmetic + kTranscendental + 3 * kArithmetic;
// RNN: sum, then tanh or relu.
inline constexpr int64_t kRnnCell = kArithmetic + kTranscendental;
// Interpolation, per output element: weighted sum of the 2, 4, 8 or 16 nearest inputs (multiplies and
// adds; the weights are computed once per row/column and not counted). Nearest neighbour: 0.
inline constexpr int64_t kLinearInterpolation = 3;     // 2 mul + 1 add
inline constexpr int64_t kBilinearInterpolation = 7;   // 4 mul + 3 add
inline constexpr int64_t kBicubicInterpolation = 31;   // 16 mul + 15 add
inline constexpr int64_t kTrilinearInterpolation = 15; // 8 mul + 7 add
// Boxes [x1, y1, x2, y2]: an area (x2 - x1)(y2 - y1) 3; an overlap test of two boxes 13: the corners of
// the intersection 4 (max, min), its sides clamped at 0 4, its area 1, the union a_i + a_j - inter 2,
// the ratio 1 and its compare with the threshold 1.
inline constexpr int64_t kBoxArea = 3;
inline constexpr int64_t kBoxIoU = 13;
// Quantizing a float: x / scale, round, + zero point, clamp to the integer range; dequantizing: (q - zero
// point) * scale.
inline constexpr int64_t kQuantize = 4;
inline constexpr int64_t kDequantize = 2;
// Backward (training), per element of the gradient computed. The gradient of a matrix product or
// convolution is counted as the products it runs (docs/training.md).
inline constexpr int64_t kSelectBackward = 1;        // relu/threshold: compare-select of the gradient
inline constexpr int64_t kHardtanhBackward = 2;      // two compares
inline constexpr int64_t kSigmoidBackward = 3;       // g y (1 - y): sub, mul, mul
inline constexpr int64_t kTanhBackward = 3;          // g (1 - y^2): mul, sub, mul
inline constexpr int64_t kSiluBackward = 8;          // s = sigmoid(x) (3); g s (1 + x (1 - s)): sub, mul, add, mul, mul
inline constexpr int64_t kGeluBackward = 11;         // g (Phi(x) + x phi(x)): Phi 4, phi 4 (mul, mul, exp, mul), mul, add, mul
inline constexpr int64_t kGeluTanhBackward = 16;     // tanh form: u, tanh and 1 + t (7), derivative (8), times g (1)
inline constexpr int64_t kSoftmaxBackward = 4;       // y (g - sum(g y)): mul, sum, sub, mul (log-softmax: g - exp(y) sum(g))
inline constexpr int64_t kNormalizeBackward = 8;     // x_hat again (2), sums of g and g x_hat (3), combine (3)
inline constexpr int64_t kAffineWeightBackward = 2;  // sum of g x_hat: mul, add
inline constexpr int64_t kAffineBiasBackward = 1;    // sum of g
inline constexpr int64_t kAccumulate = 1;            // scatter-add of a gradient row (embedding), a loss term
}  // namespace cost

// A recurrent layer (LSTM, GRU, RNN, their cells): each weight matrix multiplies one vector per token;
// per hidden unit and token the cell's work (cost::kLstmCell, ...) and, when biased, two adds per gate.
inline Counts recurrent_counts(int64_t tokens, int64_t weight_elements, int64_t hidden_units, int64_t gates,
                               int64_t cell_flops, bool biased) {
  return multiply_adds(tokens * weight_elements) +
         elementwise(tokens * hidden_units, cell_flops + (biased ? 2 * gates * cost::kArithmetic : 0));
}

}  // namespace flopscope
