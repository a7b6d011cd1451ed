// Which flopscope and which LibTorch made a report: every report names both, because counts can only
// be compared between runs that agree on the rules, and op paths differ between LibTorch versions.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace flopscope {

// "flopscope 0.2.0, LibTorch 1.13.1 (CPU only)"
std::string tool_identity();
// {"name": "flopscope", "version": "0.2.0", "libtorch_version": "1.13.1", "libtorch_backends": "CPU only"}
nlohmann::json tool_json();

}  // namespace flopscope
