#include "flopscope/hardware/measure_machine.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <functional>
#include <thread>

#include "flopscope/runtime/libtorch_compat.h"
#include "runtime/scalar_types.h"

namespace flopscope {

namespace {

double seconds_of(const std::function<void()>& work) {
  const auto start = std::chrono::steady_clock::now();
  work();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

constexpr int kRepeats = 5;

// Best FLOP/s of an n x n matrix product in `dtype`, and the n used.
std::pair<double, int64_t> matmul_rate(c10::ScalarType dtype) {
  int64_t n = 256;
  at::Tensor a, b;
  double once = 0.0;
  while (true) {
    a = at::randn({n, n}).to(dtype);
    b = at::randn({n, n}).to(dtype);
    once = seconds_of([&] { at::mm(a, b); });
    if (once >= 0.2 || n >= 4096) break;
    n *= 2;
  }
  double best = once;
  for (int i = 0; i < kRepeats; ++i) best = std::min(best, seconds_of([&] { at::mm(a, b); }));
  return {2.0 * static_cast<double>(n) * static_cast<double>(n) * static_cast<double>(n) / best, n};
}

std::string today() {
  const std::time_t now = std::time(nullptr);
  char text[16];
  std::strftime(text, sizeof text, "%Y-%m-%d", std::localtime(&now));
  return text;
}

}  // namespace

MachineMeasurement measure_this_machine(int threads) {
  at::set_num_threads(threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  MachineMeasurement result;
  Hardware& hw = result.hardware;
  hw.name = kThisMachine;
  const std::string how = "measured by `flopscope hardware --measure` on " + today() + ", LibTorch " + compat::libtorch_version() +
                          ", " + std::to_string(at::get_num_threads()) + " threads";
  hw.description = "this machine (" + std::to_string(std::thread::hardware_concurrency()) + " hardware threads), " + how;
  hw.origin = this_machine_cache_path();
  for (const Precision precision : {Precision::FP64, Precision::FP32, Precision::BF16, Precision::FP16}) {
    const c10::ScalarType dtype = scalar_type(*dtype_of(precision));
    try {
      const auto [rate, n] = matmul_rate(dtype);
      hw.peaks[precision] = {rate, how + ": best of " + std::to_string(kRepeats) + " " + std::to_string(n) + "x" +
                                       std::to_string(n) + " matrix products (2 n^3 FLOPs each)"};
    } catch (const std::exception& e) {
      result.skipped.push_back(to_string(precision) + ": LibTorch cannot multiply " + c10::toString(dtype) + " matrices here");
    }
  }
  result.skipped.push_back("int8, int4, fp8: LibTorch has no matrix product for them on this device");
  const int64_t elements = 64 << 20;  // 256 MiB of float32
  const at::Tensor source = at::ones({elements});
  at::Tensor target = at::empty({elements});
  double best = 1e30;
  for (int i = 0; i < kRepeats; ++i) best = std::min(best, seconds_of([&] { target.copy_(source); }));
  hw.bandwidth = {2.0 * 4.0 * static_cast<double>(elements) / best,
                  how + ": best of " + std::to_string(kRepeats) + " copies of a 256 MiB float32 tensor (read + write)"};
  return result;
}

}  // namespace flopscope
