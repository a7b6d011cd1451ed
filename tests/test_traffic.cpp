// The bytes model (docs/bytes.md) against hand-computed integers on test/traffic.pt.
#include <gtest/gtest.h>

#include "flopscope/counting/op_traffic.h"
#include "test_helpers.h"

namespace flopscope {
namespace {

using testing::analyze_file;

RunOptions traffic_inputs() {
  RunOptions options;
  options.inputs = {parse_input_spec("1x4096:float32"), parse_input_spec("1x8x8x8:float32"),
                    parse_input_spec("5x1:int64:randint:0:100")};
  return options;
}

const OpRecord* find_op(const Recording& recording, const std::string& op) {
  for (const auto& call : recording.calls) {
    for (const auto& o : call.ops) {
      if (o.op == op) return &o;
    }
  }
  return nullptr;
}

class TrafficModel : public ::testing::TestWithParam<bool> {};  // real run, dry run

TEST_P(TrafficModel, HandCountedBytes) {
  LoadOptions load;
  load.meta = GetParam();
  const auto a = analyze_file("test/traffic.pt", traffic_inputs(), load);
  // Linear(4096, 4096) on 1x4096 float32: input, weight, bias read, output written (issue 10's example).
  EXPECT_EQ(a.module("linear").traffic.bytes, (4096 + 4096 * 4096 + 4096 + 4096) * 4);
  EXPECT_EQ(a.module("linear").traffic.bytes, 67'158'016);
  EXPECT_EQ(a.module("linear").traffic.parameter_elements, 4096 * 4096 + 4096);
  EXPECT_EQ(a.module("linear").traffic.activation_elements, 2 * 4096);
  EXPECT_EQ(a.module("linear").boundary, a.module("linear").traffic);  // one op: fused = unfused
  // LayerNorm(4096): input, weight, bias read, output written.
  EXPECT_EQ(a.module("norm").traffic.bytes, 4 * 4096 * 4);
  // Grouped Conv2d(8, 8, 3, groups=4) on 1x8x8x8: weight 8x2x3x3 = 144, bias 8, input and output 512.
  EXPECT_EQ(a.module("conv").traffic.bytes, (512 + 144 + 8 + 512) * 4);
  // Embedding(100, 16) on 5x1 int64 ids: the ids, the 5 gathered rows (not the 100-row table), the output.
  EXPECT_EQ(a.module("embed").traffic.bytes, 5 * 8 + 5 * 16 * 4 + 5 * 16 * 4);
  EXPECT_EQ(a.module("embed").traffic.other_bytes, 5 * 8);
  EXPECT_EQ(a.module("embed").traffic.parameter_elements, 5 * 16);
  // MultiheadAttention(16, 2) given e three times: e read once, output written once, parameters
  // 3x16x16 + 48 + 16x16 + 16 = 1,088 once. (Its op-level bytes depend on the LibTorch's decomposition.)
  EXPECT_EQ(a.module("attn").boundary.bytes, (80 + 80 + 1088) * 4);
  EXPECT_GT(a.module("attn").traffic.bytes, a.module("attn").boundary.bytes);

  // In the model's own code: .view(64, 64) moves nothing and is not recorded; relu_ reads and writes
  // its 4096 elements in place.
  EXPECT_EQ(find_op(a.recording, "aten::view"), nullptr);
  const OpRecord* relu = find_op(a.recording, "aten::relu_");
  ASSERT_NE(relu, nullptr);
  EXPECT_EQ(op_traffic(*relu).bytes, 2 * 4096 * 4);

  // Re-priced: bf16 activations and int4 weights.
  const Traffic& linear = a.module("linear").traffic;
  EXPECT_EQ(linear.bytes_at(16, 4), 2 * 4096 * 2 + (4096 * 4096 + 4096) / 2);
}

INSTANTIATE_TEST_SUITE_P(Runs, TrafficModel, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Dry" : "Real"; });

TEST(OpTraffic, ViewsRepeatsAndOutBuffers) {
  ValueInfo x;
  x.kind = ValueInfo::Kind::Tensor;
  x.shape = {10, 10};
  x.dtype = "float32";
  OpRecord mul{"aten::mul", {x, x}, {x}, true, {}};
  mul.inputs[1].repeats_earlier_tensor = true;  // x * x reads x once
  EXPECT_EQ(op_traffic(mul).bytes, 2 * 100 * 4);
  OpRecord transpose{"aten::transpose", {x}, {x}, true, {}};
  transpose.outputs[0].is_view_of_input = true;
  EXPECT_EQ(op_traffic(transpose).bytes, 0);
  OpRecord add_out{"aten::add", {x, x, x}, {x}, true, {}};
  add_out.inputs[1].repeats_earlier_tensor = false;
  add_out.inputs[2].is_out_argument = true;  // out= is written, not read
  EXPECT_EQ(op_traffic(add_out).bytes, 3 * 100 * 4);
  ValueInfo half = x;
  half.dtype = "bfloat16";
  OpRecord cast{"aten::to", {x}, {half}, true, {}};
  EXPECT_EQ(op_traffic(cast).bytes, 100 * 4 + 100 * 2);
}

}  // namespace
}  // namespace flopscope
