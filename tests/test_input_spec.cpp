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
  for (const char* text : {"", "1x3:flaot", "1xx3:float32", "1x-3:float32", "axb:float32", "1x3:float32:rand",
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

// What a PyTorch user writes: no dtype means float32, and PyTorch's own dtype names.
TEST(InputSpec, Float32ByDefaultAndPyTorchNames) {
  EXPECT_EQ(to_string(parse_input_spec("1x3x224x224")), "1x3x224x224:float32:randn");
  EXPECT_EQ(to_string(parse_input_spec("[3x320x320,3x480x640]")), "[3x320x320:float32:randn,3x480x640:float32:randn]");
  EXPECT_EQ(parse_input_spec("2x8:half").dtype, DType::Float16);
  EXPECT_EQ(parse_input_spec("2x8:float").dtype, DType::Float32);
  EXPECT_EQ(parse_input_spec("1x77:long:randint:0:100").dtype, DType::Int64);
  EXPECT_EQ(parse_input_spec("4:int").dtype, DType::Int32);
  EXPECT_EQ(parse_input_spec("4:bf16").dtype, DType::BFloat16);
}

TEST(InputSpec, ParsesListsTuplesNoneAndScalars) {
  const InputSpec images = parse_input_spec("[3x320x320:float32,3x480x640:float32]");
  ASSERT_EQ(images.kind, InputSpec::Kind::List);
  ASSERT_EQ(images.elements.size(), 2u);
  EXPECT_EQ(images.elements[1].shape, (std::vector<int64_t>{3, 480, 640}));
  const InputSpec nested = parse_input_spec("(1x8x0x64:float16,[int:8,int:9],none,float:0.5,bool:true)");
  ASSERT_EQ(nested.kind, InputSpec::Kind::Tuple);
  ASSERT_EQ(nested.elements.size(), 5u);
  EXPECT_EQ(nested.elements[0].shape, (std::vector<int64_t>{1, 8, 0, 64}));  // an empty KV cache
  EXPECT_EQ(nested.elements[1].elements[1].integer, 9);
  EXPECT_EQ(nested.elements[2].kind, InputSpec::Kind::None);
  EXPECT_EQ(nested.elements[3].real, 0.5);
  EXPECT_EQ(nested.elements[4].integer, 1);
  EXPECT_EQ(parse_input_spec("int:-3").integer, -3);
  EXPECT_EQ(parse_input_spec("[]").elements.size(), 0u);
  EXPECT_EQ(input_bytes(nested), 0 + 0);  // the cache is empty; scalars are not tensors
  EXPECT_EQ(input_bytes(images), (3 * 320 * 320 + 3 * 480 * 640) * 4);
}

TEST(InputSpec, NestedSpecsRoundTripThroughText) {
  for (const char* text : {"[3x8x8:float32:randn,3x4x4:float32:ones]", "(2x8:float32:randn,(none,int:8))", "[]", "()",
                           "float:1e-06", "float:-2.5", "bool:false", "[[int:1],[int:2,int:3]]"}) {
    EXPECT_EQ(to_string(parse_input_spec(text)), text);
  }
}

// Each error names the part that is wrong, so a long nested spec points at its mistake.
TEST(InputSpec, RejectsMalformedNestedTextNamingThePart) {
  const auto message = [](const std::string& text) {
    try {
      parse_input_spec(text);
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ExitCode::Usage) << text;
      return std::string(e.what());
    }
    ADD_FAILURE() << "accepted '" << text << "'";
    return std::string();
  };
  EXPECT_NE(message("[3x8x8:float32,3x8:flaot32]").find("in '3x8:flaot32': unknown dtype 'flaot32'"), std::string::npos);
  EXPECT_NE(message("[3x8x8:float32").find("is not closed by ']'"), std::string::npos);
  EXPECT_NE(message("(int:1,)").find("a spec is missing"), std::string::npos);
  EXPECT_NE(message("int:eight").find("value 'eight' is not an integer"), std::string::npos);
  EXPECT_NE(message("float:nan").find("not a finite number"), std::string::npos);
  EXPECT_NE(message("bool:yes").find("true or false"), std::string::npos);
  EXPECT_NE(message("1,3,224,224").find("joined by 'x'"), std::string::npos);
  EXPECT_NE(message("[int:1]]").find("unexpected ']'"), std::string::npos);
  EXPECT_NE(message(std::string(40, '[') + std::string(40, ']')).find("nest deeper than"), std::string::npos);
}

// A list is the batch (torchvision's List[Tensor] of images); a tuple is one record whose tensors
// carry the batch in dim 0.
TEST(InputSpec, BatchLengthensListsAndResizesTupleTensors) {
  std::vector<InputSpec> specs = {parse_input_spec("[3x10x10:float32,3x6x8:float32]"),
                                  parse_input_spec("(2x8:float32,2x8:float32)"), parse_input_spec("int:3")};
  EXPECT_EQ(batch_size(specs), 2);
  apply_batch(specs, 3);
  EXPECT_EQ(to_string(specs[0]), "[3x10x10:float32:randn,3x6x8:float32:randn,3x10x10:float32:randn]");
  EXPECT_EQ(to_string(specs[1]), "(3x8:float32:randn,3x8:float32:randn)");
  EXPECT_EQ(to_string(specs[2]), "int:3");
  EXPECT_EQ(batch_size(specs), 3);
  std::vector<InputSpec> scalars = {parse_input_spec("int:3")};
  EXPECT_EQ(batch_size(scalars), 1);
  EXPECT_THROW(apply_sized_dims(specs, {parse_varied_dims("0:1"), 16}), Error);  // a list has no dims to vary
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
