#include "flopscope/reports/tool_identity.h"

#include "flopscope/runtime/libtorch_compat.h"

namespace flopscope {

std::string tool_identity() {
  return std::string("flopscope ") + FLOPSCOPE_VERSION + ", LibTorch " + compat::libtorch_version() + " (" +
         compat::libtorch_backends() + ")";
}

nlohmann::json tool_json() {
  return {{"name", "flopscope"},
          {"version", FLOPSCOPE_VERSION},
          {"libtorch_version", compat::libtorch_version()},
          {"libtorch_backends", compat::libtorch_backends()}};
}

}  // namespace flopscope
