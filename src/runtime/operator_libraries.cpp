#include "flopscope/runtime/operator_libraries.h"

#include <dlfcn.h>
#include <glob.h>
#include <sys/stat.h>

#include <filesystem>

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

}  // namespace flopscope
