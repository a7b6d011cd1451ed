#include "flopscope/runtime/model.h"

#include <ATen/Parallel.h>
#include <malloc.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <new>
#include <regex>
#include <set>
#include <string_view>
#include <tuple>

#include <caffe2/serialize/inline_container.h>

#include "flopscope/core/error.h"
#include "flopscope/core/manifest.h"
#include "flopscope/runtime/isolation.h"
#include "flopscope/runtime/libtorch_compat.h"
#include "flopscope/runtime/meta_kernels.h"
#include "flopscope/runtime/operator_libraries.h"
#include "runtime/archive_reader.h"
#include "runtime/dry_run_graphs.h"
#include "runtime/graph_walk.h"
#include "runtime/model_impl.h"
#include "runtime/packed_weights.h"
#include "runtime/scalar_types.h"

namespace flopscope {
namespace {

ValueInfo describe_packed(const c10::IValue& object, const PackedWeights& packed) {
  ValueInfo info;
  info.kind = ValueInfo::Kind::Object;
  info.text = normalize_type_name(object.type()->str());
  // A quantized op's packed weights: weight (a parameter), bias, and a convolution's geometry.
  info.elements.push_back(describe_value(packed.weight));
  info.elements.back().is_parameter = true;
  info.elements.push_back(describe_value(packed.bias));
  if (packed.convolution) {
    for (const auto* list : {&packed.stride, &packed.padding, &packed.dilation, &packed.output_padding}) {
      info.elements.push_back(describe_value(c10::IValue(*list)));
    }
    info.elements.push_back(describe_value(packed.groups));
    info.elements.push_back(describe_value(packed.transposed));
  }
  return info;
}

}  // namespace

ValueInfo describe_value(const c10::IValue& value) {
  ValueInfo info;
  using Kind = ValueInfo::Kind;
  if (value.isTensor()) {
    const auto& tensor = value.toTensor();
    info.kind = Kind::Tensor;
    if (tensor.defined()) {
      info.shape = tensor.sizes().vec();
      info.dtype = dtype_text(tensor.scalar_type());
      info.requires_grad = tensor.requires_grad();
    } else {
      info.kind = Kind::None;  // an undefined tensor is TorchScript's "no tensor"
    }
  } else if (value.isNone()) {
    info.kind = Kind::None;
  } else if (value.isInt()) {
    info.kind = Kind::Int;
    info.int_value = value.toInt();
  } else if (value.isDouble()) {
    info.kind = Kind::Double;
    info.double_value = value.toDouble();
  } else if (value.isBool()) {
    info.kind = Kind::Bool;
    info.int_value = value.toBool();
  } else if (value.isString()) {
    info.kind = Kind::String;
    info.text = value.toStringRef();
  } else if (value.isIntList()) {
    info.kind = Kind::IntList;
    info.shape = value.toIntVector();
  } else if (value.isTuple()) {
    info.kind = Kind::Tuple;
    for (const auto& element : value.toTupleRef().elements()) info.elements.push_back(describe_value(element));
  } else if (value.isList()) {
    info.kind = Kind::List;
    for (const auto& element : value.toListRef()) info.elements.push_back(describe_value(element));
  } else if (value.isGenericDict()) {
    info.kind = Kind::Dict;
    for (const auto& entry : value.toGenericDict()) {
      info.elements.push_back(describe_value(entry.key()));
      info.elements.push_back(describe_value(entry.value()));
    }
  } else if (value.isObject()) {
    if (const std::optional<PackedWeights> packed = unpack_weights(value)) return describe_packed(value, *packed);
    info.kind = Kind::Object;
    info.text = normalize_type_name(value.type()->str());
  } else {
    info.text = value.tagKind();
  }
  return info;
}

std::string normalize_type_name(const std::string& qualified) {
  static const std::regex mangle(R"(___torch_mangle_\d+\.)");
  std::string name = std::regex_replace(qualified, mangle, "");
  const std::string prefix = "__torch__.";
  if (name.compare(0, prefix.size(), prefix) == 0) name = name.substr(prefix.size());
  return name;
}

std::string last_component(const std::string& dotted) { return dotted.substr(dotted.rfind('.') + 1); }

std::string ModuleInfo::local_name() const { return last_component(name); }

std::string ModuleInfo::class_name() const { return last_component(type); }

const TensorEntry* ModuleInfo::parameter(const std::string& local) const {
  for (const auto& p : parameters) {
    if (p.name == local) return &p;
  }
  return nullptr;
}

const ValueInfo* ModuleInfo::attribute(const std::string& local) const {
  const auto it = attributes.find(local);
  return it == attributes.end() ? nullptr : &it->second;
}

namespace {

const char* const kSaveTorchScript =
    "; save the model with torch.jit.script(model).save(PATH) or torch.jit.trace(model, example_inputs).save(PATH) "
    "(README: \"Your own model\")";

void check_readable(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw Error(ExitCode::FileNotFound, "model file not found: " + path);
  if (S_ISDIR(st.st_mode)) throw Error(ExitCode::FileNotFound, "model path is a directory, not a file: " + path);
  std::ifstream probe(path, std::ios::binary);
  if (!probe) throw Error(ExitCode::FileNotFound, "cannot read model file (permission denied?): " + path);
  char head[30 + 256] = {};
  probe.read(head, sizeof head);
  const std::string_view magic(head, static_cast<size_t>(probe.gcount()));
  // TorchScript archives are zip files; anything else (pickles, random bytes, empty files) is rejected
  // before LibTorch sees it, named as what it is where it is a file people mistake for a model.
  if (magic.substr(0, 4) == std::string_view("PK\3\4", 4)) {
    // A zip's first local header names its first file (at 30, its length at 26): torch.export's
    // archives start with the exported program, or with their format's name.
    const size_t name_length = magic.size() < 30 ? 0 : static_cast<uint8_t>(magic[26]) | static_cast<uint8_t>(magic[27]) << 8;
    const std::string_view first = magic.substr(std::min<size_t>(30, magic.size()), name_length);
    const auto ends_with = [&](std::string_view tail) { return first.size() >= tail.size() && first.substr(first.size() - tail.size()) == tail; };
    if (ends_with("serialized_exported_program.json") || ends_with("archive_format")) {
      throw Error(ExitCode::NotTorchScript, path + " is a torch.export program (.pt2), which LibTorch does not load" + kSaveTorchScript);
    }
    return;
  }
  if (magic.size() >= 2 && magic[0] == '\x80' && magic[1] >= 2 && magic[1] <= 5) {
    throw Error(ExitCode::NotTorchScript, path + " is a pickle (torch.save in the legacy format, or pickle.dump), not TorchScript" + kSaveTorchScript);
  }
  if (magic.size() >= 10 && magic.substr(8, 2) == "{\"") {
    throw Error(ExitCode::NotTorchScript, path + " is a safetensors file: weights without the model's code, not TorchScript" + kSaveTorchScript);
  }
  if (std::filesystem::path(path).extension() == ".onnx") {
    throw Error(ExitCode::NotTorchScript, path + " is an ONNX model; flopscope reads TorchScript, which PyTorch writes" + kSaveTorchScript);
  }
  throw Error(ExitCode::NotTorchScript, "not a TorchScript file (no zip archive header): " + path);
}

// Whether the code of `archive` contains `text` (read after a failed load, to name its cause).
bool code_mentions(const std::shared_ptr<ArchiveReader>& archive, const std::string& text) {
  try {
    caffe2::serialize::PyTorchStreamReader reader(archive);
    for (const std::string& record : reader.getAllRecords()) {
      if (record.rfind("code/", 0) != 0 || record.size() < 3 || record.compare(record.size() - 3, 3, ".py") != 0) continue;
      const auto [data, size] = reader.getRecord(record);
      if (std::string_view(static_cast<const char*>(data.get()), size).find(text) != std::string_view::npos) return true;
    }
  } catch (const std::exception&) {
  }
  return false;
}

// A file that calls an aten or prim operator this LibTorch does not have was most likely scripted by a
// newer PyTorch: say which operator, which LibTorch this is, and where the README says how to build
// against another; an operator of another namespace comes from a library (torchvision's) to load. torch.jit.optimize_for_inference saves its MKLDNN weights as constants no LibTorch
// can read back: say so, and what to save instead. Anything else: the first line of LibTorch's
// message, which names the cause.
Error load_error(const std::string& path, const std::string& what, const std::shared_ptr<ArchiveReader>& archive) {
  static const std::regex unknown_op(R"(Unknown builtin op: ([A-Za-z_][A-Za-z0-9_:.]*[A-Za-z0-9_]))");
  std::smatch match;
  if (std::regex_search(what, match, unknown_op)) {
    const std::string op = match[1].str();
    if (op.rfind("aten::", 0) != 0 && op.rfind("prim::", 0) != 0) {
      return Error(ExitCode::Unsupported, path + " calls " + op + ", " + missing_operator_advice(op));
    }
    return Error(ExitCode::Unsupported, path + " calls " + op + ", which LibTorch " + compat::libtorch_version() +
                                            " (the one this flopscope is built with) does not have; build flopscope "
                                            "against a newer LibTorch (README: \"PyTorch 2.x files, and building against another LibTorch\")");
  }
  if (what.find("required keyword attribute 'value' is undefined") != std::string::npos &&
      code_mentions(archive, "prim.ConstantMKLDNNTensor")) {
    return Error(ExitCode::NotTorchScript,
                 path + " was written by torch.jit.optimize_for_inference: its weights became MKLDNN tensors, which "
                        "TorchScript does not save, so no LibTorch (nor PyTorch) can load it back; save the frozen "
                        "module instead: torch.jit.freeze(torch.jit.script(model.eval())).save(...)");
  }
  // torch.save writes a zip too, with data.pkl and no TorchScript code or constants.
  if (what.find("failed locating file constants.pkl") != std::string::npos) {
    return Error(ExitCode::NotTorchScript,
                 path + " is a torch.save checkpoint (a state_dict or a pickled module), not TorchScript: save the model "
                        "with torch.jit.script(model).save(PATH), or torch.jit.trace(model, example_inputs).save(PATH) "
                        "(README: \"Your own model\")");
  }
  const std::string cause = first_line(what);
  return Error(ExitCode::NotTorchScript,
               "not a loadable TorchScript module: " + path + ": " + (cause.empty() ? "LibTorch gave no reason" : cause));
}

// Identity of a tensor's memory, so a parameter shared by two modules is counted once. Uses the
// storage object, not the data pointer, because meta tensors have no data.
using TensorKey = std::tuple<const void*, int64_t, std::vector<int64_t>, std::vector<int64_t>>;

TensorKey key_of(const at::Tensor& t) {
  return {t.storage().unsafeGetStorageImpl(), t.storage_offset(), t.sizes().vec(), t.strides().vec()};
}

TensorEntry make_entry(const std::string& name, const at::Tensor& t, std::set<TensorKey>& seen) {
  TensorEntry entry;
  entry.name = name;
  entry.shape = t.sizes().vec();
  entry.dtype = dtype_text(t.scalar_type());
  entry.numel = t.numel();
  entry.bytes = t.numel() * static_cast<int64_t>(t.element_size());
  entry.duplicate = t.has_storage() && !seen.insert(key_of(t)).second;
  return entry;
}

void describe_module(const torch::jit::Module& module, const std::string& name, int parent, Model::Impl& impl,
                     std::set<TensorKey>& seen_params, std::set<TensorKey>& seen_buffers) {
  const int index = static_cast<int>(impl.modules.size());
  impl.modules.emplace_back();
  impl.index_of_object[module._ivalue().get()] = index;
  {
    ModuleInfo& info = impl.modules.back();
    info.name = name;
    info.type = normalize_type_name(module.type()->name() ? module.type()->name()->qualifiedName() : "?");
    info.parent = parent;
  }
  const auto& type = module.type();
  std::vector<std::pair<std::string, torch::jit::Module>> children;
  for (size_t slot = 0; slot < type->numAttributes(); ++slot) {
    const std::string attr = type->getAttributeName(slot);
    const c10::IValue value = module._ivalue()->getSlot(slot);
    ModuleInfo& info = impl.modules[static_cast<size_t>(index)];
    if (type->is_module() && value.isObject() && value.toObject()->type()->is_module()) {
      children.emplace_back(attr, torch::jit::Module(value.toObject()));
    } else if (type->is_parameter(slot)) {
      if (value.isTensor() && value.toTensor().defined()) {
        info.parameters.push_back(make_entry(attr, value.toTensor(), seen_params));
      }
    } else if (type->is_buffer(slot)) {
      if (value.isTensor() && value.toTensor().defined()) {
        info.buffers.push_back(make_entry(attr, value.toTensor(), seen_buffers));
      }
    } else if (const std::optional<PackedWeights> packed = unpack_weights(value)) {
      // A quantized module's weights, which TorchScript keeps as an object, not as parameters.
      info.parameters.push_back(make_entry(attr + ".weight", packed->weight, seen_params));
      if (packed->bias.defined()) info.parameters.push_back(make_entry(attr + ".bias", packed->bias, seen_params));
      impl.packed_weights[value.toObject().get()] = describe_packed(value, *packed);
    } else if (const std::vector<at::Tensor> cell = unpack_cell_weights(value); !cell.empty()) {
      // A quantized LSTM's or GRU's cell weights, packed likewise.
      for (size_t i = 0; i < cell.size(); ++i) info.parameters.push_back(make_entry(attr + "." + std::to_string(i), cell[i], seen_params));
    } else if (value.isInt() || value.isDouble() || value.isBool() || value.isString() || value.isIntList() ||
               value.isNone()) {
      info.attributes[attr] = describe_value(value);
    } else if (value.isTuple()) {
      info.attributes[attr] = describe_value(value);  // e.g. kernel_size=(3, 3)
    }
  }
  // Values in a scripted class's __constants__ (nn.MultiheadAttention.batch_first) live on the type.
  for (size_t i = 0; i < type->numConstants(); ++i) {
    const c10::IValue value = type->getConstant(i);
    if (value.isInt() || value.isDouble() || value.isBool() || value.isString() || value.isIntList() || value.isTuple()) {
      impl.modules[static_cast<size_t>(index)].attributes[type->getConstantName(i)] = describe_value(value);
    }
  }
  for (const auto& [attr, child] : children) {
    const int child_index = static_cast<int>(impl.modules.size());
    impl.modules[static_cast<size_t>(index)].children.push_back(child_index);
    describe_module(child, name.empty() ? attr : name + "." + attr, index, impl, seen_params, seen_buffers);
  }
  int64_t params = 0;
  for (const auto& p : impl.modules[static_cast<size_t>(index)].parameters) params += p.duplicate ? 0 : p.numel;
  for (const int child : impl.modules[static_cast<size_t>(index)].children) {
    params += impl.modules[static_cast<size_t>(child)].subtree_params;
  }
  impl.modules[static_cast<size_t>(index)].subtree_params = params;
}

// What the code holds and calls: its tensor constants, each storage once (0-dim ones are sizes and
// factors, not weights), and the namespaces of its operators.
void describe_code(Model::Impl& impl) {
  impl.code_constants = {};
  impl.constant_storage.clear();
  impl.operator_namespaces.clear();
  for_each_graph(impl.module, [&](torch::jit::Graph& graph) {
    for_each_node(*graph.block(), [&](torch::jit::Node* node) {
      impl.operator_namespaces.insert(node->kind().ns().toUnqualString());
      if (node->kind() != c10::prim::Constant || node->output()->type()->kind() != c10::TypeKind::TensorType) return;
      const c10::optional<c10::IValue> value = torch::jit::toIValue(node->output());
      if (!value || !value->isTensor()) return;
      const at::Tensor& tensor = value->toTensor();
      if (!tensor.defined() || tensor.dim() == 0 || !tensor.has_storage()) return;
      if (!impl.constant_storage.insert(tensor.storage().unsafeGetStorageImpl()).second) return;
      impl.code_constants.tensors += 1;
      impl.code_constants.elements += tensor.numel();
      impl.code_constants.bytes += tensor.numel() * static_cast<int64_t>(tensor.element_size());
    });
  });
}

}  // namespace

Model::Model(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Model::Model(Model&&) noexcept = default;
Model& Model::operator=(Model&&) noexcept = default;
Model::~Model() = default;

struct ModelFile::Impl {
  std::string path;
  std::optional<Manifest> manifest;
  std::shared_ptr<ArchiveReader> archive;
};

ModelFile::ModelFile(const std::string& path, bool sandbox) : impl_(std::make_unique<Impl>()) {
  check_readable(path);
  impl_->path = path;
  impl_->manifest = read_manifest_for(path);  // a file too: read before the sandbox closes the door
  impl_->archive = std::make_shared<ArchiveReader>(path);
  if (sandbox) {
    // Made on first use, these read /proc, /sys (cpuinfo) and /dev/urandom: make them before the
    // sandbox refuses opening files.
    at::set_num_threads(at::get_num_threads());
    (void)at::detail::getDefaultCPUGenerator();
    enter_sandbox();
  }  // in an isolated child: nothing in the file is unpickled or run before this
}

ModelFile::ModelFile(ModelFile&&) noexcept = default;
ModelFile::~ModelFile() = default;

Model ModelFile::load(bool meta) {
  static bool small_mmap_threshold = false;
  if (meta) {
    register_meta_kernels();
    // A meta load allocates a buffer for each weight record (left unread, see ArchiveReader). glibc
    // raises its mmap threshold to 32 MiB after the first large free, so later buffers would come
    // from the heap and not be returned; a fixed 1 MiB threshold keeps them mmap-backed, untouched
    // pages that never become resident.
    mallopt(M_MMAP_THRESHOLD, 1 << 20);
    small_mmap_threshold = true;
  } else if (small_mmap_threshold) {
    // A real run after a dry one: the 32 MiB a real run's threshold would grow to, so activations
    // are not mapped and unmapped at every op.
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    small_mmap_threshold = false;
  }
  auto impl = std::make_unique<Model::Impl>();
  impl->path = impl_->path;
  impl->meta = meta;
  impl->manifest = impl_->manifest;
  compat::provide_newer_operators();
  note_stage({meta ? "loading (shapes only) " : "loading ", impl_->path});
  ArchiveReader& archive = *impl_->archive;
  try {
    if (meta) {
      const LoadingShapesOnly loading;
      archive.leave_tensor_records_unread(true);
      impl->module = torch::jit::load(impl_->archive, c10::Device(c10::kMeta));
      archive.leave_tensor_records_unread(false);
      place_factory_ops_on_meta(impl->module);
      restore_scalar_constants(impl->module, impl_->archive);
    } else {
      archive.leave_tensor_records_unread(false);
      impl->module = torch::jit::load(impl_->archive);
    }
  } catch (const std::bad_alloc&) {
    // A record larger than the memory there is: a real model too large, or a corrupt size field.
    throw Error(ExitCode::OutOfMemory, "loading " + impl_->path + " asks for more memory than there is");
  } catch (const std::exception& e) {
    // Quantized tensors (a quantized model's weights) cannot be made on the meta device.
    if (meta && std::string(e.what()).find("'QuantizedMeta' backend") != std::string::npos) {
      throw Error(ExitCode::Unsupported, "--dry-run: " + impl_->path +
                                             " holds quantized tensors, which LibTorch cannot make as shapes only; run "
                                             "without --dry-run (the real run of a quantized model is quick)");
    }
    throw load_error(impl_->path, e.what(), impl_->archive);
  }
  impl->module.eval();
  impl->describe();
  return Model(std::move(impl));
}

Model Model::load(const std::string& path, const LoadOptions& options) {
  return ModelFile(path, options.sandbox).load(options.meta);
}

void Model::Impl::describe() {
  modules.clear();
  index_of_object.clear();
  packed_weights.clear();
  std::set<TensorKey> seen_params, seen_buffers;
  describe_module(module, "", -1, *this, seen_params, seen_buffers);
  describe_code(*this);
  remember_weight_storage();
}

const std::string& Model::path() const { return impl_->path; }
const std::optional<Manifest>& Model::manifest() const { return impl_->manifest; }
const std::vector<ModuleInfo>& Model::modules() const { return impl_->modules; }

int Model::find_module(const std::string& name) const {
  for (size_t i = 0; i < impl_->modules.size(); ++i) {
    if (impl_->modules[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

int64_t Model::total_params() const { return impl_->modules.front().subtree_params; }

namespace {
int64_t sum_bytes(const std::vector<ModuleInfo>& modules, std::vector<TensorEntry> ModuleInfo::*member) {
  int64_t bytes = 0;
  for (const auto& m : modules) {
    for (const auto& t : m.*member) bytes += t.duplicate ? 0 : t.bytes;
  }
  return bytes;
}
}  // namespace

int64_t Model::total_param_bytes() const { return sum_bytes(impl_->modules, &ModuleInfo::parameters); }
int64_t Model::total_buffer_bytes() const { return sum_bytes(impl_->modules, &ModuleInfo::buffers); }
const CodeConstants& Model::code_constants() const { return impl_->code_constants; }

std::vector<OperatorLibrary> Model::operator_libraries() const {
  std::vector<OperatorLibrary> used;
  for (const auto& library : loaded_operator_libraries()) {
    if (library.requested || impl_->operator_namespaces.count(library.name) > 0) used.push_back(library);
  }
  return used;
}

torch::jit::Method Model::Impl::method(const std::string& name) const {
  const auto found = module.find_method(name);
  if (!found) {
    std::string known;
    for (const auto& method : module.get_methods()) known += (known.empty() ? "" : ", ") + method.name();
    throw Error(ExitCode::NoSuchMethod, "the model has no method '" + name + "' (methods: " + known + ")");
  }
  return *found;
}

std::vector<MethodArgument> Model::method_arguments(const std::string& method) const {
  std::vector<MethodArgument> arguments;
  const auto& schema = impl_->method(method).function().getSchema();
  for (size_t i = 1; i < schema.arguments().size(); ++i) {
    const auto& arg = schema.arguments()[i];
    arguments.push_back({arg.name(), arg.type()->annotation_str(), arg.default_value().has_value()});
  }
  return arguments;
}

}  // namespace flopscope
