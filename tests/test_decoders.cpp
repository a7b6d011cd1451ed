// LLM decoders at their published shapes (tools/export_decoders.py: LLaMA-2 7B / 13B / 70B, Llama-3
// 8B, GPT-2, Whisper tiny and base), scripted by PyTorch 2.6 with placeholder weights: their parameters equal the published
// figures, and a prefill and a decode step against a filled KV cache count the closed form, dry at
// full size in both builds, and real where the model is small enough to run here (GPT-2).
#include <gtest/gtest.h>

#include <string>
#include <tuple>

#include "command.h"
#include "flopscope/analysis/generation.h"
#include "flopscope/core/error.h"
#include "flopscope/core/input_spec.h"
#include "flopscope/hardware/generation_bounds.h"
#include "flopscope/reports/generation_report.h"
#include "schema_check.h"
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
    {"decoders/llama-mini.pt", 494'208, 512, 128, 2, 4, 2, 344, false},  // the LLaMA code at a size that runs here
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


// generate: a prefill of `prompt` tokens and `new_tokens` decode steps of the file, fed with its own
// caches (dry: shapes only), at batch 1.
GenerationResult generate_on(const std::string& file, bool dry, int64_t prompt, int64_t new_tokens, bool every_step = false,
                             const std::string& feed = "") {
  LoadOptions load;
  load.meta = dry;
  Model model = Model::load(testing::model_path(file), load);
  RunRequest request;
  request.threads = 2;
  GenerationOptions options;
  options.prompt = prompt;
  options.new_tokens = new_tokens;
  options.every_step = every_step;
  if (!feed.empty()) options.feed = parse_feed_rules(feed);
  return run_generation(model, plan_run(model, request), options);
}

int64_t kv_elements(const DecoderShape& d, int64_t tokens) { return 2 * d.layers * d.kv_heads * (d.width / d.heads) * tokens; }

// Weights a decode step reads: every parameter once, but of the embedding tables only the rows the
// token looks up (GPT-2's token table is read whole anyway, as its tied output head).
int64_t weights_read(const DecoderShape& d) {
  return d.gpt2 ? d.published_params - 1024 * d.width + 2 * d.width : d.published_params - d.vocab * d.width + d.width;
}

TEST(Generation, EveryDecodeStepIsTheClosedFormAtItsContextDry) {
  for (const DecoderShape& d : kDecoders) {
    const GenerationResult r = generate_on(d.file, true, 32, 8);
    ASSERT_EQ(r.steps.size(), 5u) << d.file;  // the prefill, steps 1-3 fed, step 8 by shape
    EXPECT_FALSE(r.steps.back().fed);
    EXPECT_TRUE(r.decode.hold) << d.file << ": " << r.decode.failure;
    EXPECT_EQ(r.prefill().counts.macs, closed_form_macs(d, 32, 0)) << d.file;
    Counts total;
    for (int64_t context = 32; context < 40; ++context) {
      EXPECT_EQ(r.decode_counts(context).macs, closed_form_macs(d, 1, context)) << d.file << " L=" << context;
      EXPECT_EQ(r.decode_counts(context).matmul_flops, 2 * closed_form_macs(d, 1, context)) << d.file << " L=" << context;
      const StepBytes bytes = r.decode_bytes(context);
      EXPECT_EQ(bytes.weight_elements, weights_read(d)) << d.file;
      EXPECT_EQ(bytes.kv_read_elements, kv_elements(d, context)) << d.file;
      EXPECT_EQ(bytes.kv_written_elements, kv_elements(d, 1)) << d.file;
      EXPECT_EQ(bytes.activation_elements, d.vocab) << d.file;  // the logits
      total += r.decode_counts(context);
    }
    EXPECT_EQ(r.decode_total(), total) << d.file;
    EXPECT_EQ(r.kv_elements_at_end(), kv_elements(d, 40)) << d.file;
    // Matrix work is linear in L: c = 0, b = 2 x 2 x layers x heads x head width (QK^T and AV).
    EXPECT_TRUE(r.decode.matmul_flops.c.is_zero()) << d.file;
    EXPECT_EQ(r.decode.matmul_flops.b.num, 4 * d.layers * d.width) << d.file;
  }
}

TEST(Generation, LlamaSevenAndEightBAtLongContextsDry) {
  // A prompt of 512 and 3,585 new tokens: the last step attends over 4,096 cached tokens.
  for (const DecoderShape& d : {kDecoders[0], kDecoders[3]}) {
    const GenerationResult r = generate_on(d.file, true, 512, 3585);
    ASSERT_TRUE(r.decode.hold) << d.file;
    EXPECT_EQ(r.prefill().counts.macs, closed_form_macs(d, 512, 0));
    for (const int64_t context : {512, 1000, 4096}) {
      EXPECT_EQ(r.decode_counts(context).macs, closed_form_macs(d, 1, context)) << d.file << " L=" << context;
      EXPECT_EQ(r.decode_bytes(context).kv_read_elements, kv_elements(d, context)) << d.file;
    }
    EXPECT_EQ(r.kv_elements_at_end(), kv_elements(d, 4097)) << d.file;
  }
  // LLaMA-2-7B, the figures docs/generate.md quotes.
  const GenerationResult r = generate_on("decoders/llama-2-7b.pt", true, 512, 256);
  EXPECT_EQ(r.prefill().counts.flops(), 6'907'021'566'976);
  EXPECT_EQ(r.decode_counts(512).flops(), 13'490'816'130);
  EXPECT_EQ(r.decode_bytes(512).weight_elements, 6'607'347'712);
  EXPECT_EQ(generate_on("decoders/llama-2-7b.pt", true, 512, 3585).decode_counts(4096).flops(), 15'395'554'434);
  EXPECT_EQ(generate_on("decoders/llama-2-7b.pt", true, 32, 1).prefill().counts.flops(), 423'525'691'456);
}

TEST(Generation, RealStepsFedWithTheModelsOwnCachesEqualTheDryRun) {
  // GPT-2 and the LLaMA code (RMSNorm, rotary positions in the graph, SwiGLU, grouped-query attention),
  // both scripted by PyTorch 2.6: every step run, fed with the caches and token the step before returned.
  for (const DecoderShape& d : {kDecoders[4], kDecoders[5]}) {
    const GenerationResult real = generate_on(d.file, false, 8, 4, true);
    const GenerationResult dry = generate_on(d.file, true, 8, 4);
    ASSERT_EQ(real.steps.size(), 5u);
    ASSERT_EQ(dry.steps.size(), 5u);
    for (size_t i = 0; i < real.steps.size(); ++i) {
      EXPECT_TRUE(real.steps[i].fed);
      EXPECT_TRUE(real.steps[i].timed);
      EXPECT_EQ(real.steps[i].counts, dry.steps[i].counts) << d.file << " step " << i;
      EXPECT_EQ(real.steps[i].shapes, dry.steps[i].shapes) << d.file << " step " << i;
      EXPECT_EQ(real.steps[i].counts.macs, closed_form_macs(d, real.steps[i].tokens, real.steps[i].context)) << d.file << " step " << i;
      EXPECT_EQ(real.steps[i].mismatched_calls, 0) << d.file << " step " << i;
      EXPECT_TRUE(real.steps[i].uncovered_ops.empty()) << d.file << " step " << i;
    }
  }
  // A small decoder scripted by PyTorch 1.13, and the same traced: 2 blocks of width 32, vocabulary 100.
  for (const char* file : {"test/kv_cache_decoder.pt", "test/kv_cache_decoder_traced.pt"}) {
    const GenerationResult small = generate_on(file, false, 6, 5, true);
    for (const GenerationStep& step : small.steps) {
      const int64_t t = step.tokens, c = step.context;
      EXPECT_EQ(step.counts.matmul_flops, 2 * (4 * 2 * t * 32 * 32 + 2 * 2 * t * 32 * 128 + 2 * 2 * 4 * t * (c + t) * 8) + 2 * t * 32 * 100)
          << file << " step " << step.step;
    }
  }
}

TEST(Generation, ADecoderWithoutACacheRereadsItsPrefixQuadratically) {
  for (const bool dry : {false, true}) {
    const GenerationResult r = generate_on("test/prefix_decoder.pt", dry, 6, 6);
    EXPECT_FALSE(r.feeds_caches());
    ASSERT_TRUE(r.decode.hold) << r.decode.failure;
    // T = L + 1 tokens: 2T(4 x 32 x 32 + 2 x 32 x 128 + 32 x 100) + 2 x 2 x 4 x T^2 x 8.
    for (int64_t context = 6; context < 12; ++context) {
      const int64_t t = context + 1;
      EXPECT_EQ(r.decode_counts(context).matmul_flops, 2 * t * 15'488 + 128 * t * t) << "L=" << context;
    }
    EXPECT_EQ(r.decode.matmul_flops.c.text(), "128");
    EXPECT_EQ(r.steps.back().tokens, 12);
  }
}

TEST(Generation, AStartPosDecoderKeepsItsCacheInBuffers) {
  // Meta's LLaMA code: forward(tokens, start_pos: int) -> logits, caches written in place in buffers;
  // the manifest says "feed": "pos:1". Matmul of T tokens after C: 2 x (4 T 32^2 + 2 x 4 T (C + T) 8
  // + 2 T 32 x 128 + T 32 x 100).
  for (const bool dry : {false, true}) {
    const GenerationResult r = generate_on("test/start_pos_decoder.pt", dry, 6, 5, false, "pos:1");
    ASSERT_TRUE(r.decode.hold) << r.decode.failure;
    ASSERT_EQ(r.feed.size(), 1u);
    EXPECT_TRUE(r.feed[0].position);
    const auto matmul = [](int64_t t, int64_t c) { return 2 * (4 * t * 1024 + 2 * 4 * t * (c + t) * 8 + 2 * t * 4096 + t * 3200); };
    EXPECT_EQ(r.prefill().counts.matmul_flops, matmul(6, 0));
    for (int64_t context = 6; context < 11; ++context) EXPECT_EQ(r.decode_counts(context).matmul_flops, matmul(1, context)) << "L=" << context;
  }
  EXPECT_THROW(generate_on("test/start_pos_decoder.pt", true, 6, 2, false, "pos:0"), Error);  // argument 0 is the tokens
  try {
    generate_on("test/kv_cache_decoder.pt", true, 6, 2, false, "pos:1");
    FAIL() << "a tensor argument cannot be the position";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--feed pos:1: argument 1 (--input 2) (2x1x4x0x8) is not an int (give it as int:0)"), std::string::npos)
        << e.what();
  }
}

TEST(Generation, WhisperDecoderWithItsFeedConventionAndAMismatchNamed) {
  const WhisperShape tiny{"decoders/whisper-tiny.pt", 37'760'640, 384, 6, 4};
  const GenerationResult r = generate_on(tiny.file, true, 4, 6, false, "1:2,2:3,3:4,4:5");
  ASSERT_TRUE(r.decode.hold) << r.decode.failure;
  EXPECT_EQ(r.prefill().counts.macs, whisper_step_macs(tiny, 4, 0, false));
  for (int64_t context = 4; context < 10; ++context) EXPECT_EQ(r.decode_counts(context).macs, whisper_step_macs(tiny, 1, context, true));
  // The cross caches are written by the prefill only; the self caches grow a token per step.
  EXPECT_EQ(r.prefill().bytes.kv_written_elements, 2 * 4 * (1500 + 4) * 384);
  EXPECT_EQ(r.decode_bytes(9).kv_written_elements, 2 * 4 * 384);
  EXPECT_EQ(r.decode_bytes(9).kv_read_elements, 2 * 4 * (1500 + 9) * 384);
  try {
    generate_on(tiny.file, true, 4, 2);
    FAIL() << "the default convention must not fit Whisper's arguments";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::BadInputs);
    EXPECT_NE(std::string(e.what()).find("output 1 (4x1x6x4x64) does not fit argument 1 (--input 2) (1x1500x384)"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("--feed OUTPUT:ARGUMENT"), std::string::npos) << e.what();
  }
}

TEST(Generation, PrecisionsAndFeedRulesParse) {
  const auto precisions = parse_generation_precisions("w16a16,w8a8,w4a16kv8,kv4");
  ASSERT_EQ(precisions.size(), 3u);
  EXPECT_EQ(precisions[0].name(), "w16a16kv4");
  EXPECT_EQ(precisions[1].weight_bits, 8);
  EXPECT_EQ(precisions[2].name(), "w4a16kv4");
  EXPECT_EQ(parse_generation_precisions("w4a16kv8")[0].kv_bits, 8);
  for (const char* bad : {"", "fp16", "w3a16", "w16a4", "w16a16,", "w16a16kv2"}) {
    EXPECT_THROW(parse_generation_precisions(bad), Error) << bad;
  }
  const auto rules = parse_feed_rules("1:2,4:5");
  ASSERT_EQ(rules.size(), 2u);
  EXPECT_EQ(rules[1].output, 4u);
  EXPECT_EQ(rules[1].argument, 5u);
  for (const char* bad : {"", "1", "1:0", "a:1", "1:2,2:2", "1:2,", "pos:0", "pos:", "pos:1,1:1"}) EXPECT_THROW(parse_feed_rules(bad), Error) << bad;
  const auto position = parse_feed_rules("pos:2,1:1");
  ASSERT_EQ(position.size(), 2u);
  EXPECT_TRUE(position[0].position);
  EXPECT_EQ(position[0].argument, 2u);
}

TEST(Generation, BoundsFollowFromTheBytesAndThePeaks) {
  const GenerationResult r = generate_on("decoders/llama-2-7b.pt", true, 512, 256);
  const Hardware a100 = load_hardware("a100-sxm");
  const auto bounds = bound_generation(r, {a100}, parse_generation_precisions("w16a16,w4a16"), 1);
  ASSERT_EQ(bounds.size(), 2u);
  // A decode step at L = 512 reads 6,607,347,712 weights and 134,217,728 cached elements, writes
  // 262,144, returns 32,000 logits and reads 8 bytes of token id.
  const double step_bytes_16 = (6'607'347'712.0 + 134'217'728 + 262'144 + 32'000) * 2 + 8;
  EXPECT_DOUBLE_EQ(bounds[0].first_decode.memory_seconds, step_bytes_16 / a100.bandwidth.value);
  EXPECT_TRUE(bounds[0].first_decode.memory_bound());
  EXPECT_DOUBLE_EQ(bounds[0].prefill.compute_seconds, 6'907'021'566'976.0 / a100.peak(Precision::FP16)->value);
  const double step_bytes_4 = 6'607'347'712.0 / 2 + (134'217'728.0 + 262'144 + 32'000) * 2 + 8;
  EXPECT_DOUBLE_EQ(bounds[1].first_decode.memory_seconds, step_bytes_4 / a100.bandwidth.value);
  EXPECT_NEAR(bounds[0].tokens_per_second * bounds[0].decode_seconds, 256.0, 1e-9);
  // GPT-2: batching turns decoding compute-bound on the A100 at the least batch where compute time
  // reaches memory time.
  const GenerationResult gpt2 = generate_on("decoders/gpt2.pt", true, 32, 8);
  const auto gpt2_bounds = bound_generation(gpt2, {a100}, parse_generation_precisions("w16a16"), 1);
  ASSERT_TRUE(gpt2_bounds[0].compute_bound_batch.has_value());
  const int64_t batch = *gpt2_bounds[0].compute_bound_batch;
  EXPECT_GT(batch, 1);
  const Counts step = gpt2.decode_counts(32);
  const StepBytes bytes = gpt2.decode_bytes(32);
  const auto compute_bound = [&](int64_t b) {
    const double compute = static_cast<double>(step.flops() * b) / a100.peak(Precision::FP16)->value;
    const double memory = static_cast<double>(bytes.weight_elements * 2 + b * ((bytes.kv_read_elements + bytes.kv_written_elements + bytes.activation_elements) * 2 + bytes.other_bytes)) / a100.bandwidth.value;
    return compute >= memory;
  };
  EXPECT_TRUE(compute_bound(batch));
  EXPECT_FALSE(compute_bound(batch - 1));
  // At that batch a step takes its compute time: the batch's tokens/s is the peak over one token's FLOPs.
  const GenerationBound batched = bound_generation(gpt2, {a100}, parse_generation_precisions("w16a16"), batch)[0];
  EXPECT_DOUBLE_EQ(batched.batch_tokens_per_second,
                   static_cast<double>(batch) / (static_cast<double>(step.flops() * batch) / a100.peak(Precision::FP16)->value));
}

class GenerateCli : public testing::CommandTest {};

TEST_F(GenerateCli, EveryFormatOfTheBundledGpt2) {
  const std::string base = testing::cli_path() + " generate " + testing::model_path("decoders/gpt2.pt") +
                           " --dry-run --prompt 16 -n 8 --hardware a100-sxm,rtx4090 --precision w16a16,w4a16 --batch 4 --target-rate 20";
  const testing::Result table = run(base);
  ASSERT_EQ(table.code, 0) << table.err;
  for (const char* line : {"fed: output 1 -> argument 1, output 2 -> argument 2", "decode 8 (by shape)",
                           "cross-check: module rules equal the ops that ran in all 5 steps", "L=16 on a100-sxm w16a16",
                           "exact, through decode steps 1-3, checked on step 8", "FLOPs, matmul           247100928 + 36864*L FLOPs",
                           "KV cache after 24 tokens: 442,368 elements = 884.74 KB at 16 bits", "a100-sxm  w4a16", "For 20.0 tokens/s"}) {
    EXPECT_NE(table.out.find(line), std::string::npos) << line << "\n" << table.out;
  }
  const testing::Result json = run(base + " --format json");
  ASSERT_EQ(json.code, 0) << json.err;
  const nlohmann::json report = nlohmann::json::parse(json.out);
  EXPECT_EQ(testing::schema_errors(report, "generate"), "");
  EXPECT_EQ(report["steps"].size(), 5u);
  EXPECT_EQ(report["bounds"].size(), 4u);
  EXPECT_EQ(report["decode_fits"]["quantities"]["FLOPs, matmul"]["b"], "36864");
  const testing::Result markdown = run(base + " --format markdown");
  EXPECT_NE(markdown.out.find("| decode 8 (by shape) |"), std::string::npos) << markdown.out;
  const testing::Result csv = run(base + " --format csv");
  EXPECT_EQ(std::count(csv.out.begin(), csv.out.end(), '\n'), 6) << csv.out;
  // The chart: a polyline per series (FLOPs and attention; 2 precisions; 2 devices x 2 precisions).
  const std::string chart = (dir_ / "tokens.svg").string();
  const testing::Result html = run(base + " --format html --chart " + chart);
  ASSERT_EQ(html.code, 0) << html.err;
  const std::string svg = testing::slurp(chart);
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  size_t polylines = 0;
  for (size_t at = svg.find("<polyline"); at != std::string::npos; at = svg.find("<polyline", at + 1)) ++polylines;
  EXPECT_EQ(polylines, 2u + 2u + 4u) << svg;
  EXPECT_NE(svg.find("<title>a100-sxm w4a16</title>"), std::string::npos);
  EXPECT_NE(html.out.find("<svg"), std::string::npos);
  EXPECT_NE(html.out.find("decode 8 (by shape)"), std::string::npos);
  // Whisper's manifest states its feed convention; a feed that does not fit is one error line.
  const testing::Result whisper = run(testing::cli_path() + " generate " + testing::model_path("decoders/whisper-tiny.pt") + " --dry-run -n 4");
  EXPECT_EQ(whisper.code, 0) << whisper.err;
  EXPECT_NE(whisper.out.find("fed: output 1 -> argument 2, output 2 -> argument 3"), std::string::npos) << whisper.out;
  const testing::Result bad = run(base + " --feed 3:1");
  EXPECT_EQ(bad.code, static_cast<int>(ExitCode::BadInputs));
  EXPECT_NE(bad.err.find("flopscope: error: --feed 3:1: the method returned 3 value(s)\n"), std::string::npos) << bad.err;
  EXPECT_EQ(bad.err.find("error", bad.err.find("error") + 1), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace flopscope
