// Meta kernels — shape-only implementations of aten ops that LibTorch 1.13's C++ build lacks for the
// meta device, so a dry run can execute a whole forward on tensors without data.
//
// Each kernel computes only its outputs' shapes and dtypes, one small function per op, registered in
// one TORCH_LIBRARY_IMPL(aten, Meta, ...) block in src/meta_kernels.cpp. Ops whose output shape depends
// on tensor values (nonzero, masked_select, unique, .item()) get kernels that stop the dry run with
// DataDependentShape naming the op.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace flopscope {

// Thrown (through LibTorch) when a dry run reaches an op whose output shape depends on data.
inline constexpr const char* kDataDependentMarker = "flopscope: data-dependent shape in aten::";

// Makes sure the kernels are registered (they are, once this library is linked in; calling this from
// the loader keeps the linker from dropping the registration object).
void register_meta_kernels();

// The ops that have a flopscope Meta kernel, for docs and tests.
std::vector<std::string> meta_kernel_ops();

}  // namespace flopscope
