// Internal: LibTorch's exceptions from running a model, turned into flopscope errors that name the
// cause and what to do.
#pragma once

#include <string>

#include "flopscope/core/error.h"

namespace flopscope {

// Throws the flopscope error for an exception from running `method` (`where`: failure_location()).
// Shape and dtype complaints almost always mean the inputs do not fit the model: Error(BadInputs);
// meta kernels that are missing or cannot know a shape: Error(Unsupported); a kernel missing for the
// dtype: NoKernelForDtype (Unsupported); allocation failures: Error(OutOfMemory); anything else:
// Error(ForwardFailed).
[[noreturn]] void throw_forward_error(const std::string& method, const std::string& what, const std::string& where = "");

}  // namespace flopscope
