#include "flopscope/hardware/planning.h"

namespace flopscope {

double required_rate(int64_t work_per_frame, double fps) { return static_cast<double>(work_per_frame) * fps; }

DecoderLayerMacs decoder_layer_macs(int64_t sequence, int64_t width, int64_t ffn_width, int64_t ffn_matrices) {
  DecoderLayerMacs macs;
  macs.projections = 4 * sequence * width * width;
  macs.attention = 2 * sequence * sequence * width;
  macs.ffn = ffn_matrices * sequence * width * ffn_width;
  return macs;
}

double rule_of_thumb_decoder_layer_macs(int64_t sequence, int64_t width) {
  const double l = static_cast<double>(sequence), h = static_cast<double>(width);
  return 9.4 * l * h * h + 2 * l * l * h;
}

}  // namespace flopscope
