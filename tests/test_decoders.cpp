// LLM decoders at their published shapes (tools/export_decoders.py: LLaMA-2 7B / 13B / 70B, Llama-3
// 8B, GPT-2, Whisper tiny and base), scripted by PyTorch 2.6 with placeholder weights: their parameters equal the published
// figures, and a prefill and a decode step against a filled KV cache count the closed form, dry at
// full size in both builds, and real where the model is small enough to run here (GPT-2).
#include <gtest/gtest.h>

#include <string>
#include <tuple>

#include "flopscope/core/input_spec.h"
#include "test_helpers.h"

namespace flopscope {
namespace {

struct DecoderShape {
  const char* file;
  int64_t published_params;
  int64_t vocab, width, layers, heads, kv_heads, hidden;
  bool gpt2;  // c_attn/c_proj and a 4x GELU MLP, with biases; else LLaMA's q/k/v/o and SwiGLU
};

const DecoderShape kDecoders[] = {
    {"decoders/llama-2-7b.pt", 6'738'415'616, 32'000, 4096, 32, 32, 32, 11'008, false},
    {"decoders/llama-2-13b.pt", 13'015'864'320, 32'000, 5120, 40, 40, 40, 13'824, false},
    {"decoders/llama-2-70b.pt", 68'976'648'192, 32'000, 8192, 80, 64, 8, 28'672, false},
    {"decoders/llama-3-8b.pt", 8'030'261'248, 128'256, 4096, 32, 32, 8, 14'336, false},
    {"decoders/gpt2.pt", 124'439'808, 50'257, 768, 12, 12, 12, 3072, true},
};

// Multiply-adds of `steps` new tokens after `past` cached ones, batch 1. Per token and layer every
// weight matrix once (grouped-query attention: the k and v projections are kv_heads wide); per layer
// attention's QK^T and AV, heads x steps x (past + steps) x head width each; the output head per token.
int64_t closed_form_macs(const DecoderShape& d, int64_t steps, int64_t past) {
  const int64_t head_width = d.width / d.heads;
  const int64_t projections = d.gpt2 ? d.width * 3 * d.width + d.width * d.width
                                     : 2 * d.width * d.width + 2 * d.width * d.kv_heads * head_width;
  const int64_t feed_forward = d.gpt2 ? 2 * d.width * d.hidden : 3 * d.width * d.hidden;
  const int64_t attention = 2 * d.heads * steps * (past + steps) * head_width;
  return steps * (d.layers * (projections + feed_forward) + d.width * d.vocab) + d.layers * attention;
}

RunOptions step_inputs(const DecoderShape& d, int64_t steps, int64_t past) {
  const std::string cache = std::to_string(d.layers) + "x1x" + std::to_string(d.kv_heads) + "x" + std::to_string(past) + "x" +
                            std::to_string(d.width / d.heads) + ":float32";
  RunOptions options;
  for (const std::string& spec : {"1x" + std::to_string(steps) + ":int64:randint:0:" + std::to_string(d.vocab), cache, cache}) {
    options.inputs.push_back(parse_input_spec(spec));
  }
  return options;
}

TEST(Decoders, PublishedParametersAndClosedFormPrefillAndDecode) {
  LoadOptions dry;
  dry.meta = true;
  for (const DecoderShape& d : kDecoders) {
    // A prompt of 32 tokens, then one token after 512 and after 4,096.
    for (const auto& [steps, past] : {std::pair<int64_t, int64_t>{32, 0}, {1, 512}, {1, 4096}}) {
      const testing::Analyzed run = testing::analyze_file(d.file, step_inputs(d, steps, past), dry);
      const std::string what = std::string(d.file) + " steps " + std::to_string(steps) + " past " + std::to_string(past);
      EXPECT_EQ(run.model.total_params(), d.published_params) << what;
      EXPECT_EQ(run.analysis.total.macs, closed_form_macs(d, steps, past)) << what;
      EXPECT_EQ(run.analysis.op_level_total.macs, closed_form_macs(d, steps, past)) << what;
      EXPECT_EQ(run.analysis.total.activation_flops, 2 * 2 * d.layers * d.heads * steps * (past + steps) * (d.width / d.heads)) << what;
      // The caches come back grown by the step's tokens.
      const auto& outputs = run.recording.calls.front().outputs;
      ASSERT_EQ(outputs.size(), 1u) << what;
      ASSERT_EQ(outputs[0].elements.size(), 3u) << what;
      EXPECT_EQ(outputs[0].elements[1].shape, (std::vector<int64_t>{d.layers, 1, d.kv_heads, past + steps, d.width / d.heads})) << what;
    }
  }
}

// Whisper tiny and base (the published 37,760,640 and 72,593,920 parameters, the encoder's positions
// among them). Per layer, at S = 1,500 audio frames and width W: the encoder 4 S W^2 projections,
// 2 S^2 W attention and 8 S W^2 feed-forward after the convolutions (3,000 x W x 80 x 3 and
// 1,500 x W x W x 3); a decoder step of T tokens after P: self-attention 4 T W^2 + 2 T (P + T) W,
// cross-attention 2 T W^2 + 2 T S W, plus 2 S W^2 for its keys and values on the first step only
// (later steps read them from the cross cache), feed-forward 8 T W^2; the tied head T W x vocabulary.
struct WhisperShape {
  const char* file;
  int64_t published_params, width, heads, layers;
};

int64_t whisper_encoder_macs(const WhisperShape& w) {
  const int64_t s = 1500, width = w.width;
  return 3000 * width * 80 * 3 + 1500 * width * width * 3 + w.layers * (12 * s * width * width + 2 * s * s * width);
}

int64_t whisper_step_macs(const WhisperShape& w, int64_t steps, int64_t past, bool cross_cached) {
  const int64_t s = 1500, width = w.width;
  const int64_t per_layer = 4 * steps * width * width + 2 * steps * (past + steps) * width + 2 * steps * width * width +
                            2 * steps * s * width + (cross_cached ? 0 : 2 * s * width * width) + 8 * steps * width * width;
  return w.layers * per_layer + steps * width * 51'865;
}

RunOptions whisper_inputs(const WhisperShape& w, int64_t steps, int64_t past, bool cross_cached) {
  const auto cache = [&](int64_t length) {
    return std::to_string(w.layers) + "x1x" + std::to_string(w.heads) + "x" + std::to_string(length) + "x" +
           std::to_string(w.width / w.heads) + ":float32";
  };
  RunOptions options;
  for (const std::string& spec : {"1x" + std::to_string(steps) + ":int64:randint:0:51865", "1x1500x" + std::to_string(w.width) + ":float32",
                                  cache(past), cache(past), cache(cross_cached ? 1500 : 0), cache(cross_cached ? 1500 : 0)}) {
    options.inputs.push_back(parse_input_spec(spec));
  }
  return options;
}

TEST(Decoders, WhisperEncoderAndDecoderStepsWithSelfAndCrossCaches) {
  LoadOptions dry;
  dry.meta = true;
  for (const WhisperShape& w : {WhisperShape{"decoders/whisper-tiny.pt", 37'760'640, 384, 6, 4},
                                WhisperShape{"decoders/whisper-base.pt", 72'593'920, 512, 8, 6}}) {
    RunOptions encode = testing::inputs({"1x80x3000:float32"});
    encode.method = "encode";
    const testing::Analyzed encoded = testing::analyze_file(w.file, encode, dry);
    EXPECT_EQ(encoded.model.total_params(), w.published_params) << w.file;
    EXPECT_EQ(encoded.analysis.total.macs, whisper_encoder_macs(w)) << w.file;
    // The 4 prompt tokens against empty caches, then a token after them with the cross caches filled.
    for (const auto& [steps, past, cached] : {std::tuple<int64_t, int64_t, bool>{4, 0, false}, {1, 4, true}}) {
      const testing::Analyzed run = testing::analyze_file(w.file, whisper_inputs(w, steps, past, cached), dry);
      EXPECT_EQ(run.analysis.total.macs, whisper_step_macs(w, steps, past, cached)) << w.file << " past " << past;
      EXPECT_EQ(run.analysis.op_level_total.macs, whisper_step_macs(w, steps, past, cached)) << w.file << " past " << past;
      const auto& outputs = run.recording.calls.front().outputs[0].elements;
      ASSERT_EQ(outputs.size(), 5u) << w.file;
      EXPECT_EQ(outputs[1].shape[3], past + steps) << w.file;  // the self-attention cache grew
      EXPECT_EQ(outputs[3].shape[3], 1500) << w.file;          // the cross-attention cache holds the audio
    }
  }
}

TEST(Decoders, RealRunEqualsTheDryRun) {
  const nlohmann::json real = testing::report_json("decoders/gpt2.pt", std::nullopt, false);
  const nlohmann::json dry = testing::report_json("decoders/gpt2.pt", std::nullopt, true);
  EXPECT_EQ(real["totals"], dry["totals"]);
  EXPECT_EQ(real["totals"]["macs"], closed_form_macs(kDecoders[4], 32, 0));
  EXPECT_EQ(real["crosscheck"]["mismatch"], 0);
  EXPECT_TRUE(real["uncovered_ops"].empty()) << real["uncovered_ops"].dump();
}

}  // namespace
}  // namespace flopscope
