#include "flopscope/runtime/operator_libraries.h"

#include <dlfcn.h>
#include <glob.h>
#include <sys/stat.h>

#include <filesystem>

#include <torch/csrc/jit/runtime/operator.h>

#include "flopscope/core/error.h"

namespace flopscope {
namespace {

std::vector<OperatorLibrary>& loaded() {
  static std::vector<OperatorLibrary> libraries;
  return libraries;
}

// Why torchvision's library did not load ("" when it did).
std::string& torchvision_failure() {
  static std::string failure = "python3-torchvision is not installed";
  return failure;
}

bool already_loaded(const std::string& path) {
  for (const auto& library : loaded()) {
    if (library.path == path) return true;
  }
  return false;
}

// dlopen's reason, or "" once loaded. RTLD_GLOBAL: the library's symbols may serve others loaded after it.
std::string open_library(const std::string& path) {
  if (dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL) != nullptr) return "";
  const char* reason = dlerror();
  return reason != nullptr ? reason : "the loader gave no reason";
}

// Where Debian's python3-torchvision installs its operators (one per Python version).
std::string installed_torchvision_library() {
  glob_t found{};
  std::string path;
  if (glob("/usr/lib/python3/dist-packages/torchvision/_C*.so", 0, nullptr, &found) == 0 && found.gl_pathc > 0) {
    path = found.gl_pathv[0];
  }
  globfree(&found);
  return path;
}

}  // namespace

void load_operator_libraries(const std::vector<std::string>& paths) {
  for (const std::string& path : paths) {
    if (already_loaded(path)) continue;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || S_ISDIR(st.st_mode)) {
      throw Error(ExitCode::FileNotFound, "--load-library: no such file: " + path);
    }
    const std::string failure = open_library(path);
    if (!failure.empty()) throw Error(ExitCode::Unsupported, "--load-library: " + path + " does not load: " + failure);
    loaded().push_back({std::filesystem::path(path).filename().string(), path, true});
  }
  const std::string torchvision = installed_torchvision_library();
  if (torchvision.empty() || already_loaded(torchvision)) return;
  torchvision_failure() = open_library(torchvision);
  if (torchvision_failure().empty()) loaded().push_back({"torchvision", torchvision, false});
  else torchvision_failure() = torchvision + " does not load (" + torchvision_failure() + ")";
}

const std::vector<OperatorLibrary>& loaded_operator_libraries() { return loaded(); }

std::string missing_operator_advice(const std::string& op) {
  if (op.rfind("torchvision::", 0) == 0) {
    return "an operator of torchvision's library, which is not loaded: " + torchvision_failure() +
           "; install python3-torchvision (Debian) or pass --load-library with the path of a torchvision _C.so built "
           "for this LibTorch";
  }
  return "an operator no loaded library registers: pass --load-library with the shared object that registers it "
         "(TORCH_LIBRARY)";
}

namespace {

// What an expression can read of an argument of this type (Optional[T] reads as T).
OpArgument::Kind argument_kind(c10::TypePtr type) {
  if (const auto optional = type->cast<c10::OptionalType>()) type = optional->getElementType();
  const auto number = [](const c10::TypePtr& t) {
    const auto kind = t->kind();
    return kind == c10::TypeKind::IntType || kind == c10::TypeKind::FloatType || kind == c10::TypeKind::BoolType ||
           kind == c10::TypeKind::NumberType || t->str() == "SymInt";
  };
  if (type->kind() == c10::TypeKind::TensorType) return OpArgument::Kind::Tensor;
  if (number(type)) return OpArgument::Kind::Number;
  if (const auto list = type->cast<c10::ListType>()) {
    c10::TypePtr element = list->getElementType();
    if (const auto optional = element->cast<c10::OptionalType>()) element = optional->getElementType();
    if (element->kind() == c10::TypeKind::TensorType) return OpArgument::Kind::TensorList;
    if (number(element)) return OpArgument::Kind::NumberList;
  }
  return OpArgument::Kind::Other;
}

}  // namespace

std::optional<std::vector<OpArgument>> registered_op_arguments(const std::string& op) {
  const auto operators = torch::jit::getAllOperatorsFor(c10::Symbol::fromQualString(op));
  if (operators.empty()) return std::nullopt;
  std::vector<OpArgument> arguments;
  for (const c10::Argument& argument : operators.front()->schema().arguments()) {
    arguments.push_back({argument.name(), argument_kind(argument.type())});
  }
  return arguments;
}

}  // namespace flopscope
