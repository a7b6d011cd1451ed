// Graph rewrites for dry runs, made once after a file loads onto the meta device:
//   - Models that make tensors in their forward (torch.arange, zeros, full, ... with no device, or, in a
//     traced file, the "cpu" the tracer baked in) would make CPU tensors next to the meta ones, and the
//     first op that mixes them fails: those device arguments become "meta", so the tensors follow the run.
//   - Traced files compute sizes as tensors (`h // 16` is floor_divide(NumToTensor(h), CONSTANTS.c0)) and
//     read them back as ints: their scalar tensor constants keep their values, read from the file on
//     the CPU, so such sizes stay known without data.
#pragma once

#include <caffe2/serialize/read_adapter_interface.h>
#include <torch/script.h>

#include <memory>

namespace flopscope {

// In every function and method graph of the module's compilation unit, a "device" argument that is a
// constant None or "cpu" becomes the constant "meta".
void place_factory_ops_on_meta(const torch::jit::Module& module);

// Replaces each meta 0-dim tensor constant of the graphs by the file's value on the CPU. `archive` is
// the TorchScript archive the module was loaded from, read whole. Constants totalling more than a few MiB (a frozen
// file's weights) are not read: their graphs keep meta constants.
void restore_scalar_constants(const torch::jit::Module& module,
                              const std::shared_ptr<caffe2::serialize::ReadAdapterInterface>& archive);

}  // namespace flopscope
