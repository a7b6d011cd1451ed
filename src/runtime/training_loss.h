// The scalar a training step differentiates, formed from the method's outputs with aten ops so that
// the recorder counts them like any other op.
#pragma once

#include <ATen/ATen.h>
#include <ATen/core/ivalue.h>

#include <string>

namespace flopscope {

// Throws Error(Usage) for an unknown loss and Error(BadInputs) when the outputs do not fit it.
at::Tensor training_loss(const std::string& loss, const c10::IValue& outputs, const std::string& method);

}  // namespace flopscope
