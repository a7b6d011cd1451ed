// Planning arithmetic — the formulas people size hardware with (TOPS for a multimodal assistant),
// exact in integers where the inputs are integers, so that docs/planning.md can check the worked
// example's figures and tests can check this file.
#pragma once

#include <cstdint>

namespace flopscope {

// Work per second at a frame rate: FLOPs (or MACs) per frame x fps. 5e9 ops x 30 = 1.5e11 = 0.15 TOPS.
double required_rate(int64_t work_per_frame, double fps);

// Multiply-adds of one decoder layer at sequence length L and width H, without norms and
// activations: Q, K, V and output projections 4 L H^2, attention scores and weighted sum 2 L^2 H,
// and an FFN of `ffn_matrices` matrices H x ffn_width (GPT: 2 of 4H; LLaMA's SwiGLU: 3 of 11008 at H = 4096).
struct DecoderLayerMacs {
  int64_t projections = 0, attention = 0, ffn = 0;
  int64_t total() const { return projections + attention + ffn; }
};
DecoderLayerMacs decoder_layer_macs(int64_t sequence, int64_t width, int64_t ffn_width, int64_t ffn_matrices);

// The rule of thumb for the same, in multiply-adds: 9.4 L H^2 + 2 L^2 H (its FFN is two
// matrices of width 2.7 H). Not an integer, hence double.
double rule_of_thumb_decoder_layer_macs(int64_t sequence, int64_t width);

}  // namespace flopscope
