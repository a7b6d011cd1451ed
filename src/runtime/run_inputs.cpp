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

at::Tensor make_tensor(const InputSpec& spec, const c10::Device& device, bool meta) {
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

c10::TypePtr without_optional(const c10::TypePtr& type) {
  const auto optional = type->cast<c10::OptionalType>();
  return optional ? optional->getElementType() : type;
}

// Whether `spec` can be passed where the method's schema says `type`.
bool fits(const InputSpec& spec, const c10::TypePtr& type) {
  using Kind = InputSpec::Kind;
  if (type->kind() == c10::TypeKind::AnyType) return true;
  if (type->kind() == c10::TypeKind::OptionalType) return spec.kind == Kind::None || fits(spec, without_optional(type));
  switch (type->kind()) {
    case c10::TypeKind::TensorType: return spec.kind == Kind::Tensor;
    case c10::TypeKind::IntType: return spec.kind == Kind::Int;
    case c10::TypeKind::FloatType: return spec.kind == Kind::Float || spec.kind == Kind::Int;
    case c10::TypeKind::BoolType: return spec.kind == Kind::Bool;
    case c10::TypeKind::NumberType: return spec.kind == Kind::Int || spec.kind == Kind::Float || spec.kind == Kind::Bool;
    case c10::TypeKind::NoneType: return spec.kind == Kind::None;
    case c10::TypeKind::ListType: {
      if (spec.kind != Kind::List) return false;
      const c10::TypePtr element = type->cast<c10::ListType>()->getElementType();
      return std::all_of(spec.elements.begin(), spec.elements.end(), [&](const InputSpec& e) { return fits(e, element); });
    }
    case c10::TypeKind::TupleType: {
      const auto members = type->cast<c10::TupleType>()->elements();
      if (spec.kind != Kind::Tuple || spec.elements.size() != members.size()) return false;
      for (size_t i = 0; i < members.size(); ++i) {
        if (!fits(spec.elements[i], members[i])) return false;
      }
      return true;
    }
    default: return false;
  }
}

// How --input writes a value of `type`, for messages: "[SHAPE:DTYPE,SHAPE:DTYPE]" for List[Tensor].
std::string spec_example(const c10::TypePtr& type) {
  switch (type->kind()) {
    case c10::TypeKind::OptionalType: return spec_example(without_optional(type)) + " or none";
    case c10::TypeKind::TensorType: return "SHAPE:DTYPE";
    case c10::TypeKind::IntType: return "int:N";
    case c10::TypeKind::FloatType: return "float:X";
    case c10::TypeKind::BoolType: return "bool:true";
    case c10::TypeKind::NumberType: return "int:N or float:X";
    case c10::TypeKind::NoneType: return "none";
    case c10::TypeKind::ListType: {
      const std::string element = spec_example(type->cast<c10::ListType>()->getElementType());
      return "[" + element + "," + element + "]";
    }
    case c10::TypeKind::TupleType: {
      std::string text;
      for (const auto& member : type->cast<c10::TupleType>()->elements()) text += (text.empty() ? "" : ",") + spec_example(member);
      return "(" + text + ")";
    }
    default: return "";
  }
}

// The element type of a list spec: the schema's, else that of what was written.
c10::TypePtr list_element_type(const InputSpec& spec, const c10::TypePtr& type) {
  if (const auto list = type->cast<c10::ListType>()) return list->getElementType();
  const InputSpec::Kind first = spec.elements.empty() ? InputSpec::Kind::Tensor : spec.elements.front().kind;
  switch (first) {
    case InputSpec::Kind::Int: return c10::IntType::get();
    case InputSpec::Kind::Float: return c10::FloatType::get();
    case InputSpec::Kind::Bool: return c10::BoolType::get();
    case InputSpec::Kind::Tensor: return c10::TensorType::get();
    default: return c10::AnyType::get();
  }
}

// The value passed for `spec` where the schema says `type` (checked by fits).
c10::IValue make_value(const InputSpec& spec, const c10::TypePtr& declared, const c10::Device& device, bool meta) {
  const c10::TypePtr type = without_optional(declared);
  switch (spec.kind) {
    case InputSpec::Kind::Tensor: return make_tensor(spec, device, meta);
    case InputSpec::Kind::None: return c10::IValue();
    case InputSpec::Kind::Int:
      return type->kind() == c10::TypeKind::FloatType ? c10::IValue(static_cast<double>(spec.integer)) : c10::IValue(spec.integer);
    case InputSpec::Kind::Float: return c10::IValue(spec.real);
    case InputSpec::Kind::Bool: return c10::IValue(spec.integer != 0);
    case InputSpec::Kind::Tuple: {
      const auto tuple = type->cast<c10::TupleType>();
      std::vector<c10::IValue> members;
      for (size_t i = 0; i < spec.elements.size(); ++i) {
        members.push_back(make_value(spec.elements[i], tuple ? tuple->elements()[i] : c10::AnyType::get(), device, meta));
      }
      return c10::ivalue::Tuple::create(std::move(members));
    }
    case InputSpec::Kind::List: {
      const c10::TypePtr element = list_element_type(spec, type);
      c10::impl::GenericList list(element);
      for (const InputSpec& e : spec.elements) list.push_back(make_value(e, element, device, meta));
      return c10::IValue(std::move(list));
    }
  }
  return c10::IValue();
}

std::string argument_list(const std::vector<c10::Argument>& arguments) {
  std::string names;
  for (const auto& arg : arguments) names += (names.empty() ? "" : ", ") + arg.name() + ": " + arg.type()->annotation_str();
  return names;
}

// The method's arguments after self, checked against the specs.
std::vector<c10::Argument> checked_arguments(const torch::jit::Method& method, const RunOptions& options) {
  const auto& all = method.function().getSchema().arguments();
  const std::vector<c10::Argument> arguments(all.begin() + (all.empty() ? 0 : 1), all.end());
  size_t required = 0;
  for (const auto& arg : arguments) required += arg.default_value().has_value() ? 0 : 1;
  if (options.inputs.size() < required || options.inputs.size() > arguments.size()) {
    throw Error(ExitCode::BadInputs, "method '" + options.method + "' takes " +
                                         (required == arguments.size() ? std::to_string(required)
                                                                       : std::to_string(required) + " to " + std::to_string(arguments.size())) +
                                         " input(s) (" + argument_list(arguments) + "), got " + std::to_string(options.inputs.size()));
  }
  for (size_t i = 0; i < options.inputs.size(); ++i) {
    const c10::TypePtr& type = arguments[i].type();
    if (fits(options.inputs[i], type)) continue;
    const std::string example = spec_example(type);
    throw Error(ExitCode::BadInputs, "argument '" + arguments[i].name() + "' of '" + options.method + "' is " + type->annotation_str() +
                                         ", but --input " + std::to_string(i + 1) + " is '" + to_string(options.inputs[i]) + "'" +
                                         (example.empty() ? std::string(", which --input cannot give") : "; write it as " + example));
  }
  return arguments;
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
  Model::Impl& impl = model.impl();
  torch::jit::Method method = impl.method(options.method);
  const std::vector<c10::Argument> arguments = checked_arguments(method, options);
  const c10::Device requested = select_device(options.device);  // refuses CUDA without a GPU, dry runs too
  const c10::Device device = impl.meta ? c10::Device(c10::kMeta) : requested;
  int64_t bytes = 0;
  for (const auto& spec : options.inputs) bytes += input_bytes(spec);
  if (!impl.meta && bytes > physical_memory_bytes()) {
    throw Error(ExitCode::OutOfMemory, "the inputs alone need " + std::to_string(bytes >> 20) +
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
  PreparedRun prepared{{}, method};
  try {
    for (size_t i = 0; i < options.inputs.size(); ++i) {
      prepared.inputs.push_back(make_value(options.inputs[i], arguments[i].type(), device, impl.meta));
    }
  } catch (const std::bad_alloc&) {
    throw Error(ExitCode::OutOfMemory, "out of memory while creating the inputs; use a smaller --batch or --dry-run");
  } catch (const c10::Error& e) {
    throw_forward_error(options.method, e.what());
  }
  return prepared;
}

}  // namespace flopscope
