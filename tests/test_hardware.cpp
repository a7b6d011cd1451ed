// Hardware presets, the roofline bound, and the refusal of bad hardware files (docs/hardware.md).
#include <gtest/gtest.h>

#include <cmath>

#include "flopscope/core/error.h"
#include "flopscope/hardware/hardware.h"
#include "flopscope/hardware/planning.h"
#include "flopscope/hardware/roofline.h"

namespace flopscope {
namespace {

TEST(Hardware, PresetsAndTheirRidgePoints) {
  EXPECT_EQ(hardware_presets(), (std::vector<std::string>{"a100-sxm", "h100-sxm", "rtx4090", "ryzen-7950x"}));
  const Hardware ryzen = load_hardware("ryzen-7950x");
  const Hardware rtx = load_hardware("rtx4090");
  const Hardware h100 = load_hardware("h100-sxm");
  // Seed 003's FLOP:byte ratios: 2735/67, 67000/3350, 494000/3350 (the datasheet's 494.7 gives 147.7);
  // its 83000/1008 = 82.3 rounds the datasheet's 82.6 TFLOP/s.
  EXPECT_NEAR(ridge_point(ryzen, Precision::FP32), 2735.0 / 67.0, 1e-9);
  EXPECT_NEAR(ridge_point(ryzen, Precision::FP32), 40.8, 0.05);
  EXPECT_NEAR(ridge_point(h100, Precision::FP32), 20.0, 1e-9);
  EXPECT_NEAR(ridge_point(h100, Precision::TF32), 147.7, 0.05);
  EXPECT_NEAR(ridge_point(rtx, Precision::FP32), 82600.0 / 1008.0, 1e-9);
  // The A100 of the LLM tools' published figures (llm-analysis, LLM-Viewer): 312 TFLOP/s fp16 over
  // 2,039 GB/s, a ridge of 153 FLOP per byte.
  const Hardware a100 = load_hardware("a100-sxm");
  EXPECT_NEAR(ridge_point(a100, Precision::FP16), 312000.0 / 2039.0, 1e-9);
  EXPECT_EQ(a100.peak(Precision::FP8), nullptr);  // FP8 came with Hopper
  for (const Hardware* device : {&ryzen, &rtx, &h100, &a100}) {
    EXPECT_NE(device->peak(Precision::FP32), nullptr);
    EXPECT_FALSE(device->bandwidth.source.empty());
    for (const auto& [precision, rate] : device->peaks) EXPECT_FALSE(rate.source.empty()) << device->name;
  }
  EXPECT_EQ(ryzen.peak(Precision::FP16), nullptr);  // no FP16 arithmetic on Zen 4
}

TEST(Roofline, BoundAndBindingRoofOnEachPreset) {
  // Linear(4096, 4096) on one fp32 token: 33,554,432 matmul + 4,096 bias FLOPs over 67,158,016 bytes
  // (0.5 FLOP/byte) is memory-bound everywhere; a 4096^3 fp32 GEMM (2 x 4096^3 FLOPs over 3 x 4096^2 x 4
  // bytes = 682.7 FLOP/byte) is compute-bound everywhere.
  const int64_t linear_flops = 33'554'432 + 4'096, linear_bytes = 67'158'016;
  const int64_t gemm_flops = 2LL * 4096 * 4096 * 4096, gemm_bytes = 3LL * 4096 * 4096 * 4;
  for (const std::string name : {"ryzen-7950x", "rtx4090", "h100-sxm"}) {
    const Hardware device = load_hardware(name);
    const double peak = device.peak(Precision::FP32)->value, bandwidth = device.bandwidth.value;
    const Bound linear = roofline_bound(linear_flops, 0, linear_bytes, device, Precision::FP32);
    EXPECT_TRUE(linear.memory_bound()) << name;
    EXPECT_DOUBLE_EQ(linear.seconds(), linear_bytes / bandwidth) << name;
    EXPECT_DOUBLE_EQ(linear.compute_seconds, linear_flops / peak) << name;
    const Bound gemm = roofline_bound(gemm_flops, 0, gemm_bytes, device, Precision::FP32);
    EXPECT_FALSE(gemm.memory_bound()) << name;
    EXPECT_DOUBLE_EQ(gemm.seconds(), gemm_flops / peak) << name;
  }
  // H100 fp32: the Linear's bytes take 67,158,016 / 3.35e12 s = 20.05 us.
  EXPECT_NEAR(roofline_bound(linear_flops, 0, linear_bytes, load_hardware("h100-sxm"), Precision::FP32).seconds(), 20.047e-6, 1e-9);
}

TEST(Roofline, QuantizedOpsIntegerWorkTakesTheInt8Peak) {
  // The 4096^3 GEMM done in int8 by a quantized op plus 4096^2 float bias adds, at fp32: the integer
  // OPs at the int8 peak, the adds at the fp32 one.
  const int64_t integer = 2LL * 4096 * 4096 * 4096, adds = 4096LL * 4096, bytes = 3LL * 4096 * 4096;
  for (const std::string name : {"ryzen-7950x", "rtx4090", "h100-sxm"}) {
    const Hardware device = load_hardware(name);
    const Bound b = roofline_bound(integer + adds, integer, bytes, device, Precision::FP32);
    EXPECT_DOUBLE_EQ(b.compute_seconds, adds / device.peak(Precision::FP32)->value + integer / device.peak(Precision::INT8)->value)
        << name;
  }
  // A device without an int8 figure times the integer work at the precision's peak.
  Hardware float_only = load_hardware("h100-sxm");
  float_only.peaks.erase(Precision::INT8);
  EXPECT_DOUBLE_EQ(roofline_bound(integer + adds, integer, bytes, float_only, Precision::FP32).compute_seconds,
                   (integer + adds) / float_only.peak(Precision::FP32)->value);
}

TEST(Roofline, PrecisionRepricesBytes) {
  Traffic t;
  t.activation_elements = 1000;
  t.parameter_elements = 4000;
  t.other_bytes = 16;
  t.bytes = 5000 * 4 + 16;
  EXPECT_EQ(projected_bytes(t, {Precision::FP32, Precision::FP32}), t.bytes);
  EXPECT_EQ(projected_bytes(t, {Precision::BF16, Precision::BF16}), 5000 * 2 + 16);
  EXPECT_EQ(projected_bytes(t, {Precision::FP16, Precision::INT4}), 1000 * 2 + 4000 / 2 + 16);
  EXPECT_EQ(to_string(PrecisionChoice{Precision::FP16, Precision::INT4}), "fp16 (int4 weights)");
  const HardwareQuestion q = parse_hardware_question("rtx4090", "fp16,int8", "int4", 30);
  ASSERT_EQ(q.precisions.size(), 2u);
  EXPECT_EQ(q.precisions[1].compute, Precision::INT8);
  EXPECT_EQ(q.precisions[1].weights, Precision::INT4);
}

ExitCode code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
    return e.code();
  }
  return ExitCode::Ok;
}

std::string error_of(const nlohmann::json& json) {
  try {
    parse_hardware(json, "my-npu.json");
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::BadHardware);
    return e.what();
  }
  return "";
}

TEST(Hardware, BadFilesAreRefusedNamingTheField) {
  const nlohmann::json good = {{"name", "my-npu"},
                               {"memory_bandwidth_GBps", {{"value", 100}, {"source", "datasheet"}}},
                               {"dense_peak_TFLOPS", {{"int8", {{"value", 26}, {"source", "datasheet"}}}}}};
  EXPECT_EQ(parse_hardware(good, "my-npu.json").peak(Precision::INT8)->value, 26e12);
  auto without = [&](const std::string& key) {
    nlohmann::json j = good;
    j.erase(key);
    return j;
  };
  EXPECT_NE(error_of(without("memory_bandwidth_GBps")).find("memory_bandwidth_GBps"), std::string::npos);
  EXPECT_NE(error_of(without("name")).find("\"name\""), std::string::npos);
  nlohmann::json negative = good;
  negative["dense_peak_TFLOPS"]["int8"]["value"] = -26;
  EXPECT_NE(error_of(negative).find("dense_peak_TFLOPS.int8.value"), std::string::npos);
  nlohmann::json unknown = good;
  unknown["dense_peak_TFLOPS"]["fp12"] = {{"value", 1}, {"source", "x"}};
  EXPECT_NE(error_of(unknown).find("fp12"), std::string::npos);
  nlohmann::json no_source = good;
  no_source["memory_bandwidth_GBps"].erase("source");
  EXPECT_NE(error_of(no_source).find("memory_bandwidth_GBps.source"), std::string::npos);
  nlohmann::json typo = good;
  typo["dense_peak_tflops"] = typo["dense_peak_TFLOPS"];
  EXPECT_NE(error_of(typo).find("dense_peak_tflops"), std::string::npos);
  EXPECT_NE(error_of(nlohmann::json::array()).find("object"), std::string::npos);

  EXPECT_EQ(code_of([] { load_hardware("no-such-device"); }), ExitCode::BadHardware);
  EXPECT_EQ(code_of([] { load_hardware("/nonexistent/npu.json"); }), ExitCode::BadHardware);
  EXPECT_EQ(code_of([] { parse_hardware_question("", "fp12", "", 0); }), ExitCode::Usage);
  EXPECT_EQ(code_of([] { parse_hardware_question("", "fp32", "", -1); }), ExitCode::Usage);
}

}  // namespace
}  // namespace flopscope

namespace flopscope {
namespace {

// Seed 003's planning arithmetic (docs/planning.md is rendered from these functions).
TEST(Planning, RequiredRateAndDecoderLayers) {
  EXPECT_EQ(required_rate(5'000'000'000, 30), 150'000'000'000.0);  // 5 GOPs x 30 fps = 0.15 TOPS
  // 9.4 L H^2 + 2 L^2 H at L = 2048, H = 4096: 357 G multiply-adds.
  EXPECT_NEAR(rule_of_thumb_decoder_layer_macs(2048, 4096), 357'341'279'027.2, 1.0);
  const DecoderLayerMacs llama = decoder_layer_macs(2048, 4096, 11008, 3);
  EXPECT_EQ(llama.projections, 4LL * 2048 * 4096 * 4096);
  EXPECT_EQ(llama.attention, 34'359'738'368);
  EXPECT_EQ(llama.ffn, 277'025'390'592);
  EXPECT_EQ(llama.total(), 448'824'082'432);
  // The seed's own formula 2 L T^2 d + 4 L T d^2 at 32 layers, 32 tokens, d = 4096 (it wrote 16.787 G):
  // projections and attention of decoder_layer_macs, times 32 layers.
  const DecoderLayerMacs short_sequence = decoder_layer_macs(32, 4096, 0, 0);
  EXPECT_EQ(32 * short_sequence.total(), 68'987'912'192);
}

}  // namespace
}  // namespace flopscope
