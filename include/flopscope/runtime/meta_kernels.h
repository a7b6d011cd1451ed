// Meta kernels — shape-only implementations of aten ops that LibTorch 1.13's C++ build lacks for the
// meta device, so a dry run can execute a whole forward on tensors without data.
//
// Each kernel computes only its outputs' shapes and dtypes, one small function per op. A kernel is
// registered only where this LibTorch has none (LibTorch 2.x has most of them natively; see
// libtorch_compat.h). Ops whose output shape depends on tensor values (nonzero, masked_select, unique,
// .item()) get kernels that stop the dry run with a message naming the op.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace flopscope {

// Thrown (through LibTorch) when a dry run reaches an op whose output shape depends on data.
inline constexpr const char* kDataDependentMarker = "flopscope: data-dependent shape in aten::";

// Registers the kernels this LibTorch lacks (once per process) and returns the ops that got one
// ("convolution_overrideable", "rsub.Tensor", ...), for docs and tests.
std::vector<std::string> register_meta_kernels();

// Alive while a file loads onto the meta device: the compiler's passes may compare tensor constants
// (aten::equal), which the dry run otherwise refuses as data-dependent.
class LoadingShapesOnly {
 public:
  LoadingShapesOnly();
  ~LoadingShapesOnly();
  LoadingShapesOnly(const LoadingShapesOnly&) = delete;
  LoadingShapesOnly& operator=(const LoadingShapesOnly&) = delete;
};

}  // namespace flopscope
