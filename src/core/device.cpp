#include "flopscope/core/device.h"

#include "flopscope/core/error.h"

namespace flopscope {

const char* to_string(Device device) { return device == Device::Cuda ? "cuda" : "cpu"; }

Device parse_device(const std::string& text) {
  if (text == "cpu") return Device::Cpu;
  if (text == "cuda") return Device::Cuda;
  throw Error(ExitCode::Usage, "--device must be cpu or cuda, got '" + text + "'");
}

}  // namespace flopscope
