// Device — where a model runs: the CPU or a CUDA GPU.
#pragma once

#include <string>

namespace flopscope {

enum class Device { Cpu, Cuda };

// "cpu", "cuda": the --device names, as reports print them.
const char* to_string(Device device);
// Throws Error(Usage) unless `text` is "cpu" or "cuda".
Device parse_device(const std::string& text);

}  // namespace flopscope
