// Matrix products: mm, addmm, bmm, baddbmm, matmul, linear, einsum and the fused addmm + activation.
// n*k*m multiply-adds per product; adds of a bias or `self` are elementwise.
#include <algorithm>
#include <map>
#include <stdexcept>

#include "formula_kit.h"

namespace flopscope::formulas {
namespace {

Counts mm(const Inputs& in) {  // mm(a[n,k], b[k,m]): n*k*m multiply-adds
  const auto& a = tensor_arg(in, 0);
  const auto& b = tensor_arg(in, 1);
  if (a.shape.size() != 2 || b.shape.size() != 2 || a.dim(1) != b.dim(0)) throw std::invalid_argument("mm shapes");
  return product(multiply_adds(a.dim(0) * a.dim(1) * b.dim(1)), a, b);
}
const RegisterOpFormula register_mm({"aten::mm"}, mm, "n*k*m MACs");

Counts addmm(const Inputs& in) {  // addmm(bias, a, b): mm + one add per output element
  const Inputs ab{tensor_arg(in, 1), tensor_arg(in, 2)};
  return mm(ab) + elementwise(in[1].dim(0) * in[2].dim(1), cost::kArithmetic);
}
const RegisterOpFormula register_addmm({"aten::addmm"}, addmm, "n*k*m MACs; bias add n*m elementwise");

Counts bmm(const Inputs& in) {  // bmm(a[b,n,k], c[b,k,m]): b*n*k*m multiply-adds
  const auto& a = tensor_arg(in, 0);
  const auto& b = tensor_arg(in, 1);
  if (a.shape.size() != 3 || b.shape.size() != 3 || a.dim(2) != b.dim(1) || a.dim(0) != b.dim(0)) {
    throw std::invalid_argument("bmm shapes");
  }
  return product(multiply_adds(a.dim(0) * a.dim(1) * a.dim(2) * b.dim(2)), a, b);
}
const RegisterOpFormula register_bmm({"aten::bmm"}, bmm, "b*n*k*m MACs");

Counts baddbmm(const Inputs& in) {  // baddbmm(self, a, b): bmm + one add per output element
  const Inputs ab{tensor_arg(in, 1), tensor_arg(in, 2)};
  return bmm(ab) + elementwise(in[1].dim(0) * in[1].dim(1) * in[2].dim(2), cost::kArithmetic);
}
const RegisterOpFormula register_baddbmm({"aten::baddbmm"}, baddbmm, "b*n*k*m MACs; add b*n*m elementwise");

Counts matmul(const Inputs& in) {  // torch.matmul with 1-D and broadcast batch dimensions
  const ValueInfo& left = tensor_arg(in, 0);
  const ValueInfo& right = tensor_arg(in, 1);
  auto a = left.shape;
  auto b = right.shape;
  if (a.empty() || b.empty()) throw std::invalid_argument("matmul of a 0-d tensor");
  if (a.size() == 1) a.insert(a.begin(), 1);
  if (b.size() == 1) b.push_back(1);
  const int64_t n = a[a.size() - 2], k = a.back(), m = b.back();
  if (b[b.size() - 2] != k) throw std::invalid_argument("matmul inner dimensions differ");
  ValueInfo batch_a, batch_b;
  batch_a.kind = batch_b.kind = ValueInfo::Kind::Tensor;
  batch_a.shape.assign(a.begin(), a.end() - 2);
  batch_b.shape.assign(b.begin(), b.end() - 2);
  return product(multiply_adds(broadcast_numel({batch_a, batch_b}) * n * k * m), left, right);
}
const RegisterOpFormula register_matmul(
    {"aten::matmul"}, matmul, "broadcast batch x n*k*m MACs (1-D operands promoted)");

Counts linear(const Inputs& in) {  // linear(x[..., I], W[O, I], b?): rows*I*O MACs + rows*O bias adds
  const auto& x = tensor_arg(in, 0);
  const auto& w = tensor_arg(in, 1);
  if (w.shape.size() != 2 || x.shape.empty() || x.dim(-1) != w.dim(1)) throw std::invalid_argument("linear shapes");
  const int64_t rows = x.numel() / x.dim(-1);
  Counts c = product(multiply_adds(rows * w.dim(1) * w.dim(0)), x, w);
  if (present(in, 2)) c += elementwise(rows * w.dim(0), cost::kArithmetic);
  return c;
}
const RegisterOpFormula register_linear({"aten::linear"}, linear, "rows*I*O MACs; bias add rows*O elementwise");

// mkldnn_rnn_layer(input, w_ih[4H, I], w_hh[4H, H], b_ih, b_hh, hx, cx, reverse, batch_sizes, mode,
// hidden_size, num_layers, has_biases, ...): one direction of one LSTM layer, which LibTorch 2.x runs
// on the CPU instead of the cell's ops. As those ops count it: each weight matrix multiplies one
// vector per token, the cell's elementwise work (counts.h), and two bias adds per gate.
Counts mkldnn_rnn_layer(const Inputs& in) {
  const auto& x = tensor_arg(in, 0);
  const auto& w_ih = tensor_arg(in, 1);
  const auto& w_hh = tensor_arg(in, 2);
  const int64_t hidden = arg(in, 10).int_value;
  constexpr int64_t kGates = 4;
  if (x.shape.empty() || w_ih.shape.size() != 2 || x.dim(-1) != w_ih.dim(1) || hidden <= 0 || w_ih.dim(0) != kGates * hidden) {
    throw std::invalid_argument("mkldnn_rnn_layer shapes (an LSTM layer)");
  }
  const int64_t tokens = x.numel() / x.dim(-1);
  return recurrent_counts(tokens, w_ih.numel() + w_hh.numel(), hidden, kGates, cost::kLstmCell, flag(in, 12));
}
const RegisterOpFormula register_mkldnn_rnn_layer(
    {"aten::mkldnn_rnn_layer"}, mkldnn_rnn_layer,
    "LSTM layer: tokens*(elements of w_ih and w_hh) MACs; 19 per hidden unit and token, +8 with biases");

Counts einsum(const Inputs& in) {  // einsum(equation, tensors): contracted left to right, as torch does
  const std::string eq = arg(in, 0).text;
  const auto& operands = arg(in, 1).elements;
  const auto arrow = eq.find("->");
  if (arrow == std::string::npos || eq.find("...") != std::string::npos) {
    throw std::invalid_argument("einsum needs an explicit '->' and no ellipsis");
  }
  std::vector<std::string> terms;
  std::string term;
  for (const char ch : eq.substr(0, arrow)) {
    if (ch == ',') { terms.push_back(term); term.clear(); }
    else if (ch != ' ') term += ch;
  }
  terms.push_back(term);
  std::string output;
  for (const char ch : eq.substr(arrow + 2)) if (ch != ' ') output += ch;
  if (terms.size() != operands.size()) throw std::invalid_argument("einsum operand count");
  std::map<char, int64_t> size;
  for (size_t i = 0; i < terms.size(); ++i) {
    if (!operands[i].is_tensor() || operands[i].shape.size() != terms[i].size()) throw std::invalid_argument("einsum rank");
    for (size_t j = 0; j < terms[i].size(); ++j) size[terms[i][j]] = std::max(size[terms[i][j]], operands[i].shape[j]);
  }
  if (terms.size() == 1) return elementwise(operands[0].numel(), cost::kArithmetic);
  const bool any_parameter = std::any_of(operands.begin(), operands.end(), [](const ValueInfo& v) { return v.is_parameter; });
  Counts total;
  std::string current = terms[0];
  for (size_t i = 1; i < terms.size(); ++i) {
    std::string letters = current;
    for (const char ch : terms[i]) if (letters.find(ch) == std::string::npos) letters += ch;
    int64_t step = 1;
    for (const char ch : letters) step *= size[ch];
    total += any_parameter ? multiply_adds(step) : activation_multiply_adds(step);
    // Keep the letters still needed by later operands or by the output.
    std::string kept;
    for (const char ch : letters) {
      bool needed = output.find(ch) != std::string::npos;
      for (size_t j = i + 1; j < terms.size(); ++j) needed = needed || terms[j].find(ch) != std::string::npos;
      if (needed) kept += ch;
    }
    current = kept;
  }
  return total;
}
const RegisterOpFormula register_einsum(
    {"aten::einsum"}, einsum, "pairwise left-to-right contraction: product of the letter sizes per step");

Counts addmm_activation(const Inputs& in) {  // _addmm_activation(bias, a, b, *, beta, alpha, use_gelu): addmm, then ReLU or GELU
  const int64_t outputs = tensor_arg(in, 1).dim(0) * tensor_arg(in, 2).dim(1);
  return addmm(in) + elementwise(outputs, flag(in, 5) ? cost::kGelu : cost::kArithmetic);
}
const RegisterOpFormula register_addmm_activation(
    {"aten::_addmm_activation"}, addmm_activation, "as addmm, then ReLU (1) or GELU (5) per output element");

}  // namespace

const char kMatrixFormulas[] = "matrix";

}  // namespace flopscope::formulas
