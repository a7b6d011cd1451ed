// Formulas for ops flopscope does not know, from a file (--formulas): a user's operator library
// (tests/user_op_library.cpp, a fused kernel flopscope cannot see into) counted exactly, real and dry,
// with every mistake in a formulas file named on a line of its own.
#include <gtest/gtest.h>
#include <torch/script.h>

#include <algorithm>
#include <fstream>

#include "command.h"
#include "flopscope/counting/user_formulas.h"
#include "flopscope/runtime/operator_libraries.h"
#include "script_namespaces.h"
#include "test_paths.h"
#include "test_helpers.h"

namespace {

using flopscope::testing::Result;

// scaled_matmul(x [N, K], w [M, K], scale): N*M*K multiply-adds, N*M multiplies by the scale.
const char* const kFormulas = R"json({
  "flopscope_user::scaled_matmul": {
    "macs": "x.numel / x.size_1 * w.size0 * w.size1",
    "elementwise_flops": "x.size0 * w.size0 * (scale != 1)",
    "description": "x @ w.T, times scale"
  }
})json";

class UserFormulas : public flopscope::testing::CommandTest {
 protected:
  void SetUp() override {
    CommandTest::SetUp();
    flopscope::load_operator_libraries({flopscope::testing::user_ops_path()});
    // A model around the user's op: w [6, 4] is a parameter; relu adds N*M elementwise FLOPs.
    torch::jit::Module module("UserOpModel");
    module.register_parameter("w", torch::ones({6, 4}), false);
    module.define("def forward(self, x):\n    return torch.relu(flopscope_user.scaled_matmul(x, self.w, 0.5))\n",
                  std::make_shared<flopscope::testing::ScriptNamespaces>());
    model_ = (dir_ / "user_op.pt").string();
    module.save(model_);
    formulas_ = write("formulas.json", kFormulas);
  }

  std::string write(const std::string& name, const std::string& text) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }

  // `flopscope analyze` of the model with the user's library and `args`.
  Result analyze(const std::string& args) {
    return run(flopscope::testing::cli_path() + " analyze " + model_ + " --input 3x4:float32 --load-library " +
               flopscope::testing::user_ops_path() + " " + args);
  }

  std::string model_, formulas_;
};

TEST_F(UserFormulas, CountACustomOpExactlyRealAndDry) {
  // Without a formula the op's work is invisible: --strict says so.
  Result r = analyze("--crosscheck --strict");
  EXPECT_EQ(r.code, 9) << r.err;
  EXPECT_NE(r.out.find("flopscope_user::scaled_matmul"), std::string::npos) << r.out;

  for (const std::string dry : {"", " --dry-run"}) {
    r = analyze("--formulas " + formulas_ + " --crosscheck --strict --format json" + dry);
    ASSERT_EQ(r.code, 0) << dry << r.err;
    const nlohmann::json totals = nlohmann::json::parse(r.out)["totals"];
    EXPECT_EQ(totals["macs"], 3 * 6 * 4) << dry;
    EXPECT_EQ(totals["matmul_flops"], 2 * 3 * 6 * 4) << dry;
    EXPECT_EQ(totals["elementwise_flops"], 3 * 6 + 3 * 6) << dry;  // the scale, then relu
    EXPECT_NE(r.err.find("user formulas from " + formulas_ + ": flopscope_user::scaled_matmul"), std::string::npos) << r.err;
  }
  // The formula follows the shapes: five rows of x.
  r = analyze("--formulas " + formulas_ + " --batch 5 --format json");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["totals"]["macs"], 5 * 6 * 4);

  r = run(flopscope::testing::cli_path() + " formulas --formulas " + formulas_);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("| `flopscope_user::scaled_matmul` | `x.numel / x.size_1 * w.size0 * w.size1` |"), std::string::npos) << r.out;
}

TEST_F(UserFormulas, EveryBadEntryIsNamedOnALineOfItsOwn) {
  const std::string bad = write("bad.json", R"({
    "flopscope_user::scaled_matmul": {"macs": "x.numel *", "description": "syntax"},
    "mylib::two": {"macs": "x.sizes0"},
    "mylib::three": {"flops": "1"},
    "aten::mm": {"macs": "1"},
    "not an op": {"macs": "1"},
    "mylib::six": {}
  })");
  Result r = analyze("--formulas " + bad);
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 6) << r.err;
  EXPECT_EQ(r.err.rfind("flopscope: error: " + bad + ": ", 0), 0u) << r.err;
  for (const std::string expected :
       {"'flopscope_user::scaled_matmul': expression:", "'mylib::two': \"macs\": 'x.sizes0' is not a name",
        "'mylib::three': unknown key \"flops\"", "'aten::mm': flopscope has a formula for it",
        "'not an op': not an op name", "'mylib::six': gives neither"}) {
    EXPECT_NE(r.err.find(expected), std::string::npos) << expected << "\n" << r.err;
  }
  EXPECT_EQ(r.err.find("frame #"), std::string::npos) << r.err;

  // Names are checked against the op's schema once its library is loaded.
  const std::string unbound = write("unbound.json", R"({"flopscope_user::scaled_matmul": {"macs": "y.numel * scale.numel"}})");
  r = analyze("--formulas " + unbound);
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("'y.numel' reads 'y', which is not an argument of flopscope_user::scaled_matmul (arguments: x, w, scale)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("'scale.numel' does not fit 'scale', a number"), std::string::npos) << r.err;

  r = analyze("--formulas " + (dir_ / "missing.json").string());
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("cannot read the file"), std::string::npos) << r.err;
}

// The names an expression reads, from the library: from the front and the back of a shape, lists,
// optional tensors that are None, and results that are not counts.
TEST_F(UserFormulas, NamesReadShapesListsAndNumbers) {
  using flopscope::ValueInfo;
  const std::string path = write("names.json", R"({"flopscope_user::scaled_matmul": {
      "macs": "x.size0 * 1000 + x.size_1 * 100 + x.rank * 10 + w.defined",
      "elementwise_flops": "scale * 4"}})");
  flopscope::use_user_formulas(flopscope::read_user_formulas({path}));
  flopscope::bind_user_formulas();
  const flopscope::OpFormulaEntry* entry = flopscope::find_op_formula("flopscope_user::scaled_matmul");
  ASSERT_NE(entry, nullptr);
  ValueInfo x, w, scale;
  x.kind = ValueInfo::Kind::Tensor;
  x.shape = {7, 2, 5};
  w.kind = ValueInfo::Kind::None;
  scale.kind = ValueInfo::Kind::Double;
  scale.double_value = 2.5;
  const flopscope::Counts counts = entry->function({x, w, scale});
  EXPECT_EQ(counts.macs, 7'000 + 500 + 30 + 0);
  EXPECT_EQ(counts.activation_flops, counts.matmul_flops);  // no parameter among the arguments
  EXPECT_EQ(counts.elementwise_flops, 10);
  scale.double_value = -1;
  EXPECT_THROW(entry->function({x, w, scale}), std::invalid_argument);  // a negative count
  EXPECT_THROW(entry->function({x, w}), std::invalid_argument);         // not the schema's arguments
  flopscope::use_user_formulas({});
  EXPECT_EQ(flopscope::find_op_formula("flopscope_user::scaled_matmul"), nullptr);
}

}  // namespace
