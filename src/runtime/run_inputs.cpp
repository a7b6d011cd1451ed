#include "runtime/run_inputs.h"

#include <ATen/Parallel.h>
#include <torch/cuda.h>
#include <torch/csrc/jit/runtime/graph_executor.h>
#include <unistd.h>

#include <algorithm>
#include <thread>

#include "flopscope/core/error.h"
#include "runtime/model_impl.h"
#include "runtime/run_errors.h"
#include "runtime/scalar_types.h"

namespace flopscope {
namespace {

int64_t physical_memory_bytes() {
  return static_cast<int64_t>(sysconf(_SC_PHYS_PAGES)) * static_cast<int64_t>(sysconf(_SC_PAGE_SIZE));
}

at::Tensor make_input(const InputSpec& spec, const c10::Device& device, bool meta) {
  const auto type = scalar_type(spec.dtype);
  if (meta) return at::empty(spec.shape, at::TensorOptions().dtype(type).device(c10::kMeta));
  at::Tensor t;
  switch (spec.fill) {
    case Fill::Randn: t = at::randn(spec.shape, at::TensorOptions().dtype(c10::kFloat)); break;
    case Fill::Zeros: t = at::zeros(spec.shape, at::TensorOptions().dtype(c10::kFloat)); break;
    case Fill::Ones: t = at::ones(spec.shape, at::TensorOptions().dtype(c10::kFloat)); break;
    case Fill::RandInt:
      t = at::randint(spec.randint_low, spec.randint_high, spec.shape, at::TensorOptions().dtype(c10::kLong));
      break;
  }
  return t.to(device, type);
}

void check_arguments(const Model& model, const RunOptions& options) {
  const auto arguments = model.method_arguments(options.method);
  size_t required = 0;
  for (const auto& arg : arguments) required += arg.has_default ? 0 : 1;
  if (options.inputs.size() < required || options.inputs.size() > arguments.size()) {
    std::string names;
    for (const auto& arg : arguments) names += (names.empty() ? "" : ", ") + arg.name + ": " + arg.type;
    throw Error(ExitCode::BadInputs, "method '" + options.method + "' takes " +
                                         (required == arguments.size() ? std::to_string(required)
                                                                       : std::to_string(required) + " to " + std::to_string(arguments.size())) +
                                         " input(s) (" + names + "), got " + std::to_string(options.inputs.size()));
  }
  for (size_t i = 0; i < options.inputs.size(); ++i) {
    const auto& type = arguments[i].type;
    if (type != "Tensor" && type != "Optional[Tensor]" && type != "Any") {
      throw Error(ExitCode::BadInputs, "argument '" + arguments[i].name + "' of '" + options.method + "' is " + type +
                                           ", but --input can only give tensors");
    }
  }
}

c10::Device select_device(Device device) {
  if (device == Device::Cpu) return c10::Device(c10::kCPU);
  if (!torch::cuda::is_available()) {
    throw Error(ExitCode::Unsupported,
                "--device cuda: this flopscope is built against a LibTorch without CUDA (or no GPU is visible); "
                "rebuild with -DTorch_DIR=<CUDA LibTorch>/share/cmake/Torch");
  }
  return c10::Device(c10::kCUDA);
}

// --dtype: floating-point parameters and buffers only (integer buffers such as position ids keep
// their type). In place, so every later run of this Model uses the converted weights. True when
// anything changed.
bool convert_floating_state(torch::jit::Module& module, c10::ScalarType type) {
  bool converted = false;
  const auto convert = [type, &converted](at::Tensor t) {
    if (t.is_floating_point() && t.scalar_type() != type) {
      const at::NoGradGuard no_grad;
      t.set_data(t.to(type));
      converted = true;
    }
  };
  for (const at::Tensor& p : module.parameters()) convert(p);
  for (const at::Tensor& b : module.buffers()) convert(b);
  return converted;
}

}  // namespace

PreparedRun prepare_run(Model& model, const RunOptions& options) {
  check_arguments(model, options);
  Model::Impl& impl = model.impl();
  const c10::Device device = impl.meta ? c10::Device(c10::kMeta) : select_device(options.device);
  int64_t input_bytes = 0;
  for (const auto& spec : options.inputs) {
    input_bytes += checked_numel(spec.shape) * static_cast<int64_t>(c10::elementSize(scalar_type(spec.dtype)));
  }
  if (!impl.meta && input_bytes > physical_memory_bytes()) {
    throw Error(ExitCode::OutOfMemory, "the inputs alone need " + std::to_string(input_bytes >> 20) +
                                           " MiB, more than this machine's memory; use a smaller --batch or --dry-run");
  }
  at::set_num_threads(options.threads > 0 ? options.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  // Keep prim::CallMethod boundaries and skip the profiling runs of the default executor.
  torch::jit::setGraphExecutorOptimize(false);
  if (device.is_cuda()) {
    impl.module.to(device);
    impl.remember_weight_storage();  // the parameters now live in GPU memory
  }
  if (options.dtype && convert_floating_state(impl.module, scalar_type(*options.dtype))) {
    impl.describe();  // converted tensors have new storage, dtypes and sizes
  }
  at::manual_seed(options.seed);
  PreparedRun prepared{{}, impl.module.get_method(options.method)};
  try {
    for (const auto& spec : options.inputs) prepared.inputs.emplace_back(make_input(spec, device, impl.meta));
  } catch (const std::bad_alloc&) {
    throw Error(ExitCode::OutOfMemory, "out of memory while creating the inputs; use a smaller --batch or --dry-run");
  } catch (const c10::Error& e) {
    throw_forward_error(options.method, e.what());
  }
  return prepared;
}

}  // namespace flopscope
