// The conventions sentence: every report and --help states it word for word (docs/conventions.md).
#pragma once

namespace flopscope {

inline constexpr const char* kConventions = "1 multiply-add = 1 MAC = 2 FLOPs; counts are FLOPs, rates are FLOP/s";

// What a dry run is, in every report's header: its counts need no weight bytes, so it reads none
// and does not check them (docs/hooks.md, "What a dry run reads").
inline constexpr const char* kDryRunMeaning = "dry run: shapes only, weights not read, no kernels ran";

}  // namespace flopscope
