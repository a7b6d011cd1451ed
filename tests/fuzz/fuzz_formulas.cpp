// Any formulas file (--formulas FILE) must be read, bound to its op's schema and evaluated on that
// op's arguments, or be refused with Error(Usage) naming its entries; a formula may reject the
// arguments of one call (std::invalid_argument: the op is then reported uncovered). Nothing else: no
// crash, no other exception, no undefined behaviour. The reader (src/counting/user_formulas.cpp) is
// compiled into this target with the sanitizers; the rest comes from the installed library.
#include <torch/library.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>
#include <unistd.h>
#include <vector>

#include "flopscope/core/error.h"
#include "flopscope/counting/user_formulas.h"

// The op the formulas under test may name, with an argument of every kind an expression can read.
TORCH_LIBRARY(fuzz, m) { m.def("op(Tensor x, Tensor? w, int k, float s, int[] l, Tensor[] t) -> Tensor"); }

namespace {

flopscope::ValueInfo tensor(std::vector<int64_t> shape) {
  flopscope::ValueInfo v;
  v.kind = flopscope::ValueInfo::Kind::Tensor;
  v.shape = std::move(shape);
  v.dtype = "float32";
  return v;
}

flopscope::ValueInfo integer(flopscope::ValueInfo::Kind kind, int64_t value) {
  flopscope::ValueInfo v;
  v.kind = kind;
  v.int_value = value;
  return v;
}

// Calls as the recorder describes them: ordinary sizes, empty tensors, None, extreme numbers.
std::vector<std::vector<flopscope::ValueInfo>> calls() {
  using Kind = flopscope::ValueInfo::Kind;
  flopscope::ValueInfo none, scale, ints, list;
  scale.kind = Kind::Double;
  scale.double_value = 0.5;
  ints.kind = Kind::IntList;
  ints.shape = {3, 0, -1};
  list.kind = Kind::List;
  list.elements = {tensor({2, 3}), tensor({})};
  flopscope::ValueInfo huge = scale;
  huge.double_value = 1e308;
  return {{tensor({4, 16}), tensor({8, 16}), integer(Kind::Int, 2), scale, ints, list},
          {tensor({0}), none, integer(Kind::Int, INT64_MIN), huge, flopscope::ValueInfo{}, flopscope::ValueInfo{}},
          {tensor({1 << 20, 1 << 20, 1 << 20}), tensor({}), integer(Kind::Int, INT64_MAX), scale, ints, list}};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = "/tmp/flopscope-fuzz-formulas-" + std::to_string(::getpid()) + ".json";
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  static const auto arguments = calls();
  try {
    flopscope::use_user_formulas(flopscope::read_user_formulas({path}));
    flopscope::bind_user_formulas();
    if (const flopscope::OpFormulaEntry* entry = flopscope::find_user_formula("fuzz::op")) {
      for (const auto& call : arguments) {
        try {
          entry->function(call);
        } catch (const std::invalid_argument&) {
        }
      }
    }
  } catch (const flopscope::Error& e) {
    if (e.code() != flopscope::ExitCode::Usage) std::abort();
  }
  flopscope::use_user_formulas({});
  return 0;
}
