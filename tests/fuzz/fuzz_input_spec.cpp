// Any text given to --input must parse or fail with flopscope::Error(Usage), and what parses must
// print back to text that parses to the same spec (lists, tuples and scalars included).
#include <cstdint>
#include <cstdlib>
#include <string>

#include "flopscope/core/error.h"
#include "flopscope/core/input_spec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const flopscope::InputSpec spec = flopscope::parse_input_spec(text);
    const flopscope::InputSpec again = flopscope::parse_input_spec(flopscope::to_string(spec));
    if (again != spec) std::abort();
    std::vector<flopscope::InputSpec> specs{spec};
    flopscope::apply_batch(specs, 1 + static_cast<int64_t>(size));
  } catch (const flopscope::Error& e) {
    if (e.code() != flopscope::ExitCode::Usage) std::abort();
  }
  return 0;
}
