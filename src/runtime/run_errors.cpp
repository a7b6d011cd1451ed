#include "runtime/run_errors.h"

#include <regex>

#include "flopscope/runtime/libtorch_compat.h"
#include "flopscope/runtime/meta_kernels.h"
#include "runtime/data_dependence.h"

namespace flopscope {

void throw_forward_error(const std::string& method, const std::string& what, const std::string& where) {
  const std::string line = error_cause(what);
  const auto marker = what.find(kDataDependentMarker);
  if (marker != std::string::npos) {
    // The kernel's message: "<op>: <why>".
    const std::string detail = first_line(what.substr(marker + std::string(kDataDependentMarker).size()));
    throw Error(ExitCode::Unsupported, "--dry-run cannot count past aten::" + detail + "; run without --dry-run");
  }
  const std::string no_meta_kernel = compat::op_without_meta_kernel(what);
  if (DataDependence::shapes_follow_values(no_meta_kernel)) {  // torchvision::nms
    throw Error(ExitCode::Unsupported, "--dry-run cannot count past " + no_meta_kernel +
                                           ": its output shape depends on tensor values; run without --dry-run");
  }
  if (!no_meta_kernel.empty()) {
    throw Error(ExitCode::Unsupported, "--dry-run: " + no_meta_kernel + " has no shape-only (meta) kernel; run without --dry-run");
  }
  static const std::regex no_kernel_for_dtype(R"(not implemented for '(Half|BFloat16|Double|Float)')");
  if (std::regex_search(line, no_kernel_for_dtype)) {
    throw NoKernelForDtype(ExitCode::Unsupported, "LibTorch " + compat::libtorch_version() + " cannot run '" + method +
                                                      "' in this dtype on the CPU (" + line + ")");
  }
  if (line.find("alloc") != std::string::npos && line.find("memory") != std::string::npos) {
    throw Error(ExitCode::OutOfMemory, "out of memory while running '" + method + "': " + line);
  }
  for (const char* hint : {"shape", "size", "dimension", "dtype", "type (", "channels", "Expected", "expected", "mat1", "rank"}) {
    if (line.find(hint) != std::string::npos) {
      throw Error(ExitCode::BadInputs, "the inputs do not fit method '" + method + "'" + where + ": " + line);
    }
  }
  throw Error(ExitCode::ForwardFailed, "the model raised while running '" + method + "'" + where + ": " + line);
}

}  // namespace flopscope
