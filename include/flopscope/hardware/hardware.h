// Hardware — a device as data: dense peak rate per precision and memory bandwidth, each with its source.
//
// Presets are JSON files, one per device, in the hardware directory (hardware/ in the source tree,
// <datadir>/flopscope/hardware once installed, or $FLOPSCOPE_HARDWARE_DIR); any other file is given
// by path. `this-machine` is what `flopscope hardware --measure` measured here, cached in the user's
// cache directory. The format is in docs/hardware.md.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "flopscope/core/dtype.h"

namespace flopscope {

enum class Precision { FP64, FP32, TF32, BF16, FP16, FP8, INT8, INT4 };

const std::vector<Precision>& all_precisions();
std::string to_string(Precision precision);   // "bf16"
std::optional<Precision> parse_precision(const std::string& name);
// Bits one element occupies in memory: TF32 is stored as FP32 (32); INT4 is 4.
int storage_bits(Precision precision);
// The tensor element type a precision computes in, where LibTorch has one (TF32, FP8, INT4: none).
std::optional<DType> dtype_of(Precision precision);
// The precision of a floating-point dtype (nullopt for integers and bool).
std::optional<Precision> floating_precision_of(DType dtype);

struct Rate {
  double value = 0.0;  // FLOP/s (integer precisions: op/s), or byte/s for bandwidth
  std::string source;
};

struct Hardware {
  std::string name;         // "h100-sxm"
  std::string description;  // "NVIDIA H100 SXM5 80 GB (HBM3)"
  Rate bandwidth;           // byte/s
  std::map<Precision, Rate> peaks;  // dense peak per precision the device has
  std::string origin;       // the file it was read from

  const Rate* peak(Precision precision) const;  // nullptr when the device has no figure for it
};

inline constexpr const char* kThisMachine = "this-machine";

// Parses and validates a hardware description. Throws Error(BadHardware) naming `origin` and the field.
Hardware parse_hardware(const nlohmann::json& json, const std::string& origin);
nlohmann::json hardware_json(const Hardware& hardware);

// A preset name or a path to a .json file. Throws Error(BadHardware) when it cannot be found or read
// (this-machine before `flopscope hardware --measure` has run included).
Hardware load_hardware(const std::string& name_or_path);

// The presets found in the hardware directory, sorted by name.
std::vector<std::string> hardware_presets();
std::string hardware_directory();
// Where `flopscope hardware --measure` caches this machine's figures.
std::string this_machine_cache_path();

}  // namespace flopscope
