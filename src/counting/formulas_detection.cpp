// torchvision's detection operators (torchvision::nms, roi_align, ps_roi_align, deform_conv2d), which
// detection models call through torchvision's operator library. Box sampling and overlap tests are
// elementwise work; a deformable convolution's products are multiply-adds like a convolution's.
// roi_pool and ps_roi_pool take the maximum over bins whose size each box decides: no formula.
#include <stdexcept>

#include "formula_kit.h"

namespace flopscope {
namespace formulas {
namespace {

// nms(boxes[N, 4], scores[N], iou_threshold): the area of every box, then the overlap of every pair,
// as torchvision's CUDA kernel computes them; its CPU kernel skips pairs with a box already
// suppressed, so this is the most it does. Sorting the scores moves data and is not counted.
Counts nms(const Inputs& in) {
  const auto& boxes = tensor_arg(in, 0);
  if (boxes.shape.size() != 2 || boxes.dim(1) != 4) throw std::invalid_argument("nms boxes are not Nx4");
  const int64_t n = boxes.dim(0);
  return elementwise(n, cost::kBoxArea) + elementwise(n * (n - 1) / 2, cost::kBoxIoU);
}
const RegisterOpFormula register_nms({"torchvision::nms"}, nms,
                                     "N boxes: 3 FLOPs per box area, 13 per pair's overlap test, N(N-1)/2 pairs (at most)");

// Samples per bin side: sampling_ratio; adaptive (<= 0) sampling takes as many as each box is large.
int64_t samples_per_side(const Inputs& in, size_t index) {
  const int64_t ratio = arg(in, index).int_value;
  if (ratio <= 0) throw std::invalid_argument("adaptive sampling (sampling_ratio <= 0) takes as many samples as each box is large");
  return ratio;
}

// Each output element averages S x S bilinear samples: 7 FLOPs each, one add to the sum, one divide.
Counts sampled_bins(int64_t outputs, int64_t side) {
  return elementwise(outputs, side * side * (cost::kBilinearInterpolation + cost::kArithmetic) + cost::kArithmetic);
}

// roi_align(x[N, C, H, W], rois[K, 5], spatial_scale, pooled_h, pooled_w, sampling_ratio, aligned):
// output [K, C, pooled_h, pooled_w].
Counts roi_align(const Inputs& in) {
  const auto& x = tensor_arg(in, 0);
  const auto& rois = tensor_arg(in, 1);
  if (x.shape.size() != 4 || rois.shape.size() != 2) throw std::invalid_argument("roi_align shapes");
  return sampled_bins(rois.dim(0) * x.dim(1) * arg(in, 3).int_value * arg(in, 4).int_value, samples_per_side(in, 5));
}
const RegisterOpFormula register_roi_align({"torchvision::roi_align"}, roi_align,
                                           "per output element (K x C x pooled): S^2 bilinear samples of 8 FLOPs, a divide");

// ps_roi_align(x[N, C, H, W], rois[K, 5], spatial_scale, pooled_h, pooled_w, sampling_ratio): each of
// the C / (pooled_h * pooled_w) output channels reads its own input channel per bin: K x C outputs.
Counts ps_roi_align(const Inputs& in) {
  const auto& x = tensor_arg(in, 0);
  const auto& rois = tensor_arg(in, 1);
  if (x.shape.size() != 4 || rois.shape.size() != 2) throw std::invalid_argument("ps_roi_align shapes");
  return sampled_bins(rois.dim(0) * x.dim(1), samples_per_side(in, 5));
}
const RegisterOpFormula register_ps_roi_align({"torchvision::ps_roi_align"}, ps_roi_align,
                                              "per output element (K x C): S^2 bilinear samples of 8 FLOPs, a divide");

// deform_conv2d(x[N, Cin, H, W], w[Cout, Cin/groups, kh, kw], offset[N, 2*G*kh*kw, Ho, Wo], mask, bias,
// stride, padding, dilation, groups, offset_groups, use_mask): every input channel is sampled
// bilinearly at each kernel tap and output position (times the mask when used), then multiplied as a
// convolution; the bias (zeros when the module has none) is added to every output element.
Counts deform_conv2d(const Inputs& in) {
  const auto& x = tensor_arg(in, 0);
  const auto& w = tensor_arg(in, 1);
  const auto& offset = tensor_arg(in, 2);
  if (x.shape.size() != 4 || w.shape.size() != 4 || offset.shape.size() != 4) throw std::invalid_argument("deform_conv2d shapes");
  const int64_t positions = x.dim(0) * offset.dim(2) * offset.dim(3);
  const int64_t taps = w.dim(1) * w.dim(2) * w.dim(3);  // Cin/groups x kh x kw
  const int64_t samples = positions * x.dim(1) * w.dim(2) * w.dim(3);
  return product(multiply_adds(positions * w.dim(0) * taps), x, w) +
         elementwise(samples, cost::kBilinearInterpolation + (flag(in, 13) ? cost::kArithmetic : 0)) +
         elementwise(positions * w.dim(0), cost::kArithmetic);
}
const RegisterOpFormula register_deform_conv2d(
    {"torchvision::deform_conv2d"}, deform_conv2d,
    "as a convolution of the sampled columns, plus 7 FLOPs per bilinear sample (8 with a mask) and a bias add per output");

}  // namespace

const char kDetectionFormulas[] = "detection";

}  // namespace formulas
}  // namespace flopscope
