// Model — a loaded TorchScript module and its static description: the module tree with qualified
// names, class types, parameters, buffers and plain attributes.
//
// A Model owns its torch::jit::Module (hidden behind Impl so that this header stays free of LibTorch).
// It is movable, not copyable. Loading never runs the model. Not thread-safe: one analysis at a time.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "flopscope/core/manifest.h"
#include "flopscope/runtime/operator_libraries.h"
#include "flopscope/core/value_info.h"

namespace flopscope {

struct TensorEntry {
  std::string name;            // attribute name inside its module ("weight", "in_proj_bias")
  std::vector<int64_t> shape;
  std::string dtype;
  int64_t numel = 0;
  int64_t bytes = 0;           // numel x element size: stride-0 placeholder weights count in full
  bool duplicate = false;      // the same tensor was already seen under an earlier name: not in totals
};

struct ModuleInfo {
  std::string name;       // qualified name, "" for the root ("visual.transformer.resblocks.0")
  std::string type;       // class type with "__torch__." and name mangling removed ("torch.nn.modules.linear.Linear")
  int parent = -1;        // index into Model::modules(), -1 for the root
  std::vector<int> children;
  std::vector<TensorEntry> parameters;  // own parameters, not the children's
  std::vector<TensorEntry> buffers;     // own buffers
  std::map<std::string, ValueInfo> attributes;  // own plain attributes (ints, floats, bools, strings, int lists)
  int64_t subtree_params = 0;  // distinct parameter elements in this module and all below it

  std::string local_name() const;  // last component of `name` ("attn")
  std::string class_name() const;  // last component of `type` ("MultiheadAttention")
  const TensorEntry* parameter(const std::string& local) const;  // nullptr when absent or None
  const ValueInfo* attribute(const std::string& local) const;
};

// Tensors a module's code holds as constants instead of parameters: the weights torch.jit.freeze folds
// into the graph (with each BatchNorm folded into the convolution before it), tensors a tracer baked
// in. Each storage once; 0-dim scalars (sizes, factors) are left out.
struct CodeConstants {
  int64_t tensors = 0;
  int64_t elements = 0;
  int64_t bytes = 0;
};

struct MethodArgument {
  std::string name;
  std::string type;        // TorchScript type text ("Tensor", "Optional[Tensor]", "int")
  bool has_default = false;
};

struct LoadOptions {
  bool meta = false;  // load every tensor on the meta device (shape only; for dry runs)
  // In an isolated child (isolation.h): enter the sandbox once the file is open, before it is read.
  // Off for CUDA runs, whose driver opens device files when first used.
  bool sandbox = true;
};

class Model;

// A model file opened for loading. It stays open, so that it can be loaded more than once (a dry run
// that estimates the memory a real run needs, then the real run) after an isolated child has entered
// the sandbox, which refuses opening files.
class ModelFile {
 public:
  // Checks the file, reads its manifest (MODEL.json), opens it and, in an isolated child with
  // `sandbox` on, enters the sandbox: nothing in the file is unpickled or run before. Throws
  // Error(FileNotFound | NotTorchScript).
  explicit ModelFile(const std::string& path, bool sandbox = true);
  ModelFile(ModelFile&&) noexcept;
  ~ModelFile();

  // Loads the whole file, from its start each time; `meta`: every tensor on the meta device (shape
  // only). Throws Error(NotTorchScript) with a one-line message, or Error(Unsupported) naming an
  // operator this LibTorch lacks (a file scripted by a newer PyTorch).
  Model load(bool meta);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class Model {
 public:
  // ModelFile(path, options.sandbox).load(options.meta).
  static Model load(const std::string& path, const LoadOptions& options = {});

  Model(Model&&) noexcept;
  Model& operator=(Model&&) noexcept;
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;
  ~Model();

  const std::string& path() const;
  // The manifest next to the file (MODEL.json), read when the model was loaded.
  const std::optional<Manifest>& manifest() const;
  // Pre-order: modules()[0] is the root; a parent comes before its children.
  const std::vector<ModuleInfo>& modules() const;
  int find_module(const std::string& name) const;  // -1 when absent
  int64_t total_params() const;                     // distinct parameter elements
  int64_t total_param_bytes() const;
  int64_t total_buffer_bytes() const;
  const CodeConstants& code_constants() const;
  // The operator libraries this model depends on: those named with --load-library, and those whose
  // operators its code calls (torchvision's).
  std::vector<OperatorLibrary> operator_libraries() const;
  // Arguments of a method, without `self`. Throws Error(NoSuchMethod).
  std::vector<MethodArgument> method_arguments(const std::string& method) const;

  struct Impl;
  Impl& impl() { return *impl_; }

 private:
  friend class ModelFile;
  explicit Model(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// "__torch__.torch.nn.modules.linear.___torch_mangle_3.Linear" -> "torch.nn.modules.linear.Linear"
std::string normalize_type_name(const std::string& qualified);

// The part after the last dot: "Linear" for "torch.nn.modules.linear.Linear", "attn" for
// "visual.transformer.resblocks.0.attn"; the whole text when it has no dot.
std::string last_component(const std::string& dotted);

}  // namespace flopscope
