#include <gtest/gtest.h>

#include "flopscope/core/error.h"
#include "flopscope/core/input_spec.h"
#include "flopscope/core/manifest.h"

namespace flopscope {
namespace {

TEST(InputSpec, ParsesShapeDtypeAndDefaultFill) {
  const InputSpec spec = parse_input_spec("1x3x224x224:float32");
  EXPECT_EQ(spec.shape, (std::vector<int64_t>{1, 3, 224, 224}));
  EXPECT_EQ(spec.dtype, DType::Float32);
  EXPECT_EQ(spec.fill, Fill::Randn);
  EXPECT_EQ(parse_input_spec("1x77:int64").fill, Fill::Zeros);
}

TEST(InputSpec, ParsesRandint) {
  const InputSpec spec = parse_input_spec("2x77:int64:randint:0:49408");
  EXPECT_EQ(spec.fill, Fill::RandInt);
  EXPECT_EQ(spec.randint_low, 0);
  EXPECT_EQ(spec.randint_high, 49408);
  EXPECT_EQ(to_string(spec), "2x77:int64:randint:0:49408");
}

TEST(InputSpec, RoundTripsThroughText) {
  for (const char* text : {"1x3x224x224:float32:randn", "4:bfloat16:ones", "scalar:float64:zeros", "1x77:int32:zeros",
                           "0x5:bool:zeros"}) {
    EXPECT_EQ(to_string(parse_input_spec(text)), text);
  }
}

TEST(InputSpec, RejectsMalformedText) {
  for (const char* text : {"", "1x3", "1x3:float", "1xx3:float32", "1x-3:float32", "axb:float32", "1x3:float32:rand",
                           "1x3:int64:randint:5:5", "1x3:int64:randint:1", "1x3:int64:randn", "1x3:float32:ones:extra",
                           "99999999999x99999999999:float32", "1x3:bool:randint:0:2", "1 x3:float32"}) {
    try {
      parse_input_spec(text);
      ADD_FAILURE() << "accepted '" << text << "'";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ExitCode::Usage) << text;
    }
  }
}

TEST(InputSpec, BatchReplacesDimZero) {
  std::vector<InputSpec> specs = {parse_input_spec("1x3x8x8:float32"), parse_input_spec("1x77:int64")};
  apply_batch(specs, 16);
  EXPECT_EQ(specs[0].shape[0], 16);
  EXPECT_EQ(specs[1].shape[0], 16);
  EXPECT_THROW(apply_batch(specs, 0), Error);
  EXPECT_THROW(apply_batch(specs, -3), Error);
}

TEST(Manifest, ParsesFieldsAndRejectsBadOnes) {
  const Manifest m = parse_manifest(R"({"method": "encode_image", "inputs": ["1x3x224x224:float32"], "expected": {"x": 1}})", "m.json");
  EXPECT_EQ(m.method, "encode_image");
  EXPECT_EQ(m.inputs.size(), 1u);
  EXPECT_EQ(m.expected["x"], 1);
  for (const char* bad : {"", "[]", "{\"inputs\": \"1x3:float32\"}", "{\"inputs\": [3]}", "{\"method\": 1}", "{"}) {
    EXPECT_THROW(parse_manifest(bad, "bad.json"), Error) << bad;
  }
}

}  // namespace
}  // namespace flopscope
