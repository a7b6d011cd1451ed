// Any manifest text must parse or fail with flopscope::Error(Usage); its input specs likewise.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "flopscope/core/error.h"
#include "flopscope/core/input_spec.h"
#include "flopscope/core/manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const flopscope::Manifest manifest = flopscope::parse_manifest(text, "fuzz.json");
    for (const auto& input : manifest.inputs) flopscope::parse_input_spec(input);
  } catch (const flopscope::Error& e) {
    if (e.code() != flopscope::ExitCode::Usage) std::abort();
  }
  return 0;
}
