// Fourier transforms (torch.fft.*, torch.stft and istft, which run these three ops). An FFT of N
// points costs 5 N log2 N FLOPs on complex data (the convention of FFTW's benchFFT and of the FFT
// literature: the radix-2 operation count), half of that when its input or its output is real; over
// several dims N is the product of their sizes. It is a convention, not any one kernel's count
// (pocketfft, MKL and cuFFT choose their own radices). A normalization ("ortho", or 1/n) multiplies
// each output value once, a complex one at 2 FLOPs.
#include <cmath>
#include <stdexcept>

#include "formula_kit.h"

namespace flopscope::formulas {
namespace {

constexpr double kComplexFftFlopsPerPointLog = 5.0;

// The sizes of `x` along `dims` (negative dims count from the end).
std::vector<int64_t> transformed_sizes(const ValueInfo& x, const ValueInfo& dims) {
  if (dims.kind != ValueInfo::Kind::IntList || dims.shape.empty()) throw std::invalid_argument("fft dims");
  std::vector<int64_t> sizes;
  const auto rank = static_cast<int64_t>(x.shape.size());
  for (const int64_t d : dims.shape) {
    const int64_t axis = d < 0 ? d + rank : d;
    if (axis < 0 || axis >= rank) throw std::invalid_argument("fft dim out of range");
    sizes.push_back(x.shape[static_cast<size_t>(axis)]);
  }
  return sizes;
}

int64_t product_of(const std::vector<int64_t>& sizes) {
  int64_t n = 1;
  for (const int64_t s : sizes) n *= s;
  return n;
}

// `transforms` FFTs of `points` points each, `share` of a complex one's cost (0.5 for real data).
int64_t fft_flops(int64_t transforms, int64_t points, double share) {
  if (points <= 1) return 0;
  const double per_transform = share * kComplexFftFlopsPerPointLog * static_cast<double>(points) * std::log2(static_cast<double>(points));
  return std::llround(static_cast<double>(transforms) * per_transform);
}

// normalization: 0 none, 1 by 1/sqrt(n), 2 by 1/n (at::native::fft_norm_mode).
int64_t normalization_flops(const Inputs& in, size_t index, int64_t output_values) {
  return arg(in, index).int_value != 0 ? output_values : 0;
}

// _fft_r2c(self, dim, normalization, onesided): real input, complex output (onesided: the last dim's
// n/2 + 1 frequencies).
Counts real_to_complex(const Inputs& in) {
  const auto& x = tensor_arg(in, 0);
  const std::vector<int64_t> sizes = transformed_sizes(x, arg(in, 1));
  const int64_t points = product_of(sizes), transforms = points > 0 ? x.numel() / points : 0;
  const int64_t last = sizes.back(), kept = flag(in, 3) ? last / 2 + 1 : last;
  const int64_t complex_outputs = last > 0 ? transforms * (points / last) * kept : 0;
  return elementwise(fft_flops(transforms, points, 0.5) + normalization_flops(in, 2, 2 * complex_outputs), 1);
}
const RegisterOpFormula register_real_to_complex(
    {"aten::_fft_r2c"}, real_to_complex,
    "2.5 N log2 N per transform of N real points (torch.fft.rfft, stft); 2 per complex output if normalized");

// _fft_c2r(self, dim, normalization, last_dim_size): complex input, real output of last_dim_size
// points along the last dim.
Counts complex_to_real(const Inputs& in) {
  const auto& x = tensor_arg(in, 0);
  std::vector<int64_t> sizes = transformed_sizes(x, arg(in, 1));
  const int64_t stored = product_of(sizes), transforms = stored > 0 ? x.numel() / stored : 0;
  sizes.back() = arg(in, 3).int_value;
  const int64_t points = product_of(sizes);
  return elementwise(fft_flops(transforms, points, 0.5) + normalization_flops(in, 2, transforms * points), 1);
}
const RegisterOpFormula register_complex_to_real(
    {"aten::_fft_c2r"}, complex_to_real,
    "2.5 N log2 N per transform to N real points (torch.fft.irfft, istft); 1 per output if normalized");

// _fft_c2c(self, dim, normalization, forward): complex to complex.
Counts complex_to_complex(const Inputs& in) {
  const auto& x = tensor_arg(in, 0);
  const int64_t points = product_of(transformed_sizes(x, arg(in, 1))), transforms = points > 0 ? x.numel() / points : 0;
  return elementwise(fft_flops(transforms, points, 1.0) + normalization_flops(in, 2, 2 * x.numel()), 1);
}
const RegisterOpFormula register_complex_to_complex(
    {"aten::_fft_c2c"}, complex_to_complex, "5 N log2 N per transform of N complex points; 2 per output if normalized");

}  // namespace

const char kSpectralFormulas[] = "spectral";

}  // namespace flopscope::formulas
