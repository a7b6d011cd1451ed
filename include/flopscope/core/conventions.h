// The conventions sentence: every report and --help states it word for word (docs/conventions.md).
#pragma once

namespace flopscope {

inline constexpr const char* kConventions = "1 multiply-add = 1 MAC = 2 FLOPs; counts are FLOPs, rates are FLOP/s";

}  // namespace flopscope
