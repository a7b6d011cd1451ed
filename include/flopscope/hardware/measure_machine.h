// Measures this machine's peaks and bandwidth with LibTorch, for `--hardware this-machine`.
//
// Peak per dtype: the best rate of repeated n x n by n x n matrix products (2 n^3 FLOPs each), n grown
// until one product takes at least 0.2 s (at most 4096). Bandwidth: the best rate of copying a
// 256 MiB float32 tensor (read + write = 512 MiB moved). Dtypes LibTorch cannot multiply here are
// left out with the reason. A few seconds to a minute on a laptop-class CPU.
#pragma once

#include <string>
#include <vector>

#include "flopscope/hardware/hardware.h"

namespace flopscope {

struct MachineMeasurement {
  Hardware hardware;                 // name "this-machine", sources say how each figure was taken
  std::vector<std::string> skipped;  // "fp16: <why>"
};

MachineMeasurement measure_this_machine(int threads);

}  // namespace flopscope
