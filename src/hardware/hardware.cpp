#include "flopscope/hardware/hardware.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "flopscope/core/error.h"

namespace flopscope {

namespace {

struct PrecisionInfo {
  Precision precision;
  const char* name;
  int bits;
  std::optional<DType> dtype;
};

const std::vector<PrecisionInfo>& precision_table() {
  static const std::vector<PrecisionInfo> table = {
      {Precision::FP64, "fp64", 64, DType::Float64}, {Precision::FP32, "fp32", 32, DType::Float32},
      {Precision::TF32, "tf32", 32, std::nullopt},   {Precision::BF16, "bf16", 16, DType::BFloat16},
      {Precision::FP16, "fp16", 16, DType::Float16}, {Precision::FP8, "fp8", 8, std::nullopt},
      {Precision::INT8, "int8", 8, DType::Int8},     {Precision::INT4, "int4", 4, std::nullopt},
  };
  return table;
}

const PrecisionInfo& info(Precision precision) {
  for (const auto& entry : precision_table()) {
    if (entry.precision == precision) return entry;
  }
  throw std::logic_error("unknown precision");
}

[[noreturn]] void bad(const std::string& origin, const std::string& what) {
  throw Error(ExitCode::BadHardware, "hardware file " + origin + ": " + what);
}

Rate parse_rate(const nlohmann::json& json, const std::string& field, double scale, const std::string& origin) {
  if (!json.is_object()) bad(origin, "\"" + field + "\" must be an object {\"value\": number, \"source\": text}");
  for (const auto& [key, value] : json.items()) {
    if (key != "value" && key != "source") bad(origin, "\"" + field + "\" has an unknown field \"" + key + "\"");
  }
  if (!json.contains("value") || !json["value"].is_number()) bad(origin, "\"" + field + ".value\" must be a number");
  const double value = json["value"].get<double>();
  if (!std::isfinite(value) || value <= 0) bad(origin, "\"" + field + ".value\" must be positive, got " + json["value"].dump());
  if (!json.contains("source") || !json["source"].is_string() || json["source"].get<std::string>().empty()) {
    bad(origin, "\"" + field + ".source\" must say where the figure comes from");
  }
  return {value * scale, json["source"].get<std::string>()};
}

bool is_file(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool is_directory(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace

const std::vector<Precision>& all_precisions() {
  static const std::vector<Precision> list = [] {
    std::vector<Precision> l;
    for (const auto& entry : precision_table()) l.push_back(entry.precision);
    return l;
  }();
  return list;
}

std::string to_string(Precision precision) { return info(precision).name; }

std::optional<Precision> parse_precision(const std::string& name) {
  for (const auto& entry : precision_table()) {
    if (name == entry.name) return entry.precision;
  }
  return std::nullopt;
}

int storage_bits(Precision precision) { return info(precision).bits; }

std::optional<DType> dtype_of(Precision precision) { return info(precision).dtype; }

std::optional<Precision> floating_precision_of(DType dtype) {
  if (!is_floating(dtype)) return std::nullopt;
  for (const auto& entry : precision_table()) {
    if (entry.dtype == dtype) return entry.precision;
  }
  return std::nullopt;
}

const Rate* Hardware::peak(Precision precision) const {
  const auto found = peaks.find(precision);
  return found == peaks.end() ? nullptr : &found->second;
}

Hardware parse_hardware(const nlohmann::json& json, const std::string& origin) {
  if (!json.is_object()) bad(origin, "must be a JSON object");
  for (const auto& [key, value] : json.items()) {
    if (key != "name" && key != "description" && key != "memory_bandwidth_GBps" && key != "dense_peak_TFLOPS") {
      bad(origin, "unknown field \"" + key + "\" (fields: name, description, memory_bandwidth_GBps, dense_peak_TFLOPS)");
    }
  }
  Hardware hw;
  hw.origin = origin;
  if (!json.contains("name") || !json["name"].is_string() || json["name"].get<std::string>().empty()) {
    bad(origin, "\"name\" must be a non-empty string");
  }
  hw.name = json["name"].get<std::string>();
  if (json.contains("description")) {
    if (!json["description"].is_string()) bad(origin, "\"description\" must be a string");
    hw.description = json["description"].get<std::string>();
  }
  if (!json.contains("memory_bandwidth_GBps")) bad(origin, "missing field \"memory_bandwidth_GBps\"");
  hw.bandwidth = parse_rate(json["memory_bandwidth_GBps"], "memory_bandwidth_GBps", 1e9, origin);
  if (!json.contains("dense_peak_TFLOPS")) bad(origin, "missing field \"dense_peak_TFLOPS\"");
  const auto& peaks = json["dense_peak_TFLOPS"];
  if (!peaks.is_object() || peaks.empty()) bad(origin, "\"dense_peak_TFLOPS\" must be an object with at least one precision");
  for (const auto& [key, value] : peaks.items()) {
    const auto precision = parse_precision(key);
    if (!precision) bad(origin, "unknown precision \"dense_peak_TFLOPS." + key + "\" (known: fp64 fp32 tf32 bf16 fp16 fp8 int8 int4)");
    hw.peaks[*precision] = parse_rate(value, "dense_peak_TFLOPS." + key, 1e12, origin);
  }
  return hw;
}

nlohmann::json hardware_json(const Hardware& hardware) {
  nlohmann::json peaks = nlohmann::json::object();
  for (const auto& [precision, rate] : hardware.peaks) {
    peaks[to_string(precision)] = {{"value", rate.value / 1e12}, {"source", rate.source}};
  }
  return {{"name", hardware.name},
          {"description", hardware.description},
          {"memory_bandwidth_GBps", {{"value", hardware.bandwidth.value / 1e9}, {"source", hardware.bandwidth.source}}},
          {"dense_peak_TFLOPS", peaks}};
}

std::string hardware_directory() {
  if (const char* dir = std::getenv("FLOPSCOPE_HARDWARE_DIR"); dir != nullptr && *dir != '\0') return dir;
  // An installed program uses the presets installed beside it (BINDIR/../DATADIR, wherever the prefix
  // is: /usr from the .deb, /usr/local, a scratch prefix); a build tree its source tree's folder.
  std::error_code ignored;
  const std::filesystem::path beside =
      std::filesystem::read_symlink("/proc/self/exe", ignored).parent_path().parent_path() / FLOPSCOPE_RELATIVE_HARDWARE_DIR;
  if (!ignored && is_directory(beside.string())) return beside.string();
  if (is_directory(FLOPSCOPE_SOURCE_HARDWARE_DIR)) return FLOPSCOPE_SOURCE_HARDWARE_DIR;
  return FLOPSCOPE_INSTALLED_HARDWARE_DIR;
}

std::string this_machine_cache_path() {
  const char* cache = std::getenv("XDG_CACHE_HOME");
  const char* home = std::getenv("HOME");
  const std::string base = cache != nullptr && *cache != '\0' ? cache : std::string(home != nullptr ? home : "/tmp") + "/.cache";
  return base + "/flopscope/this-machine.json";
}

std::vector<std::string> hardware_presets() {
  std::vector<std::string> names;
  const std::string dir = hardware_directory();
  if (DIR* d = opendir(dir.c_str())) {
    while (const dirent* entry = readdir(d)) {
      const std::string file = entry->d_name;
      if (file.size() > 5 && file.compare(file.size() - 5, 5, ".json") == 0) names.push_back(file.substr(0, file.size() - 5));
    }
    closedir(d);
  }
  std::sort(names.begin(), names.end());
  return names;
}

Hardware load_hardware(const std::string& name_or_path) {
  std::string path;
  if (name_or_path == kThisMachine) {
    path = this_machine_cache_path();
    if (!is_file(path)) {
      throw Error(ExitCode::BadHardware, "this-machine has not been measured yet: run `flopscope hardware --measure` first");
    }
  } else if (name_or_path.find('/') != std::string::npos || name_or_path.find(".json") != std::string::npos) {
    path = name_or_path;
  } else {
    // Preset names are lower case ("H100-SXM" finds h100-sxm); a name inside one ("h100") is suggested.
    std::string lower = name_or_path;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    path = hardware_directory() + "/" + lower + ".json";
    if (!is_file(path)) {
      std::string known, near;
      for (const auto& name : hardware_presets()) {
        known += (known.empty() ? "" : ", ") + name;
        if (name.find(lower) != std::string::npos) near += (near.empty() ? "" : " or ") + name;
      }
      throw Error(ExitCode::BadHardware, "unknown hardware '" + name_or_path + "'" + (near.empty() ? "" : ": did you mean " + near + "?") +
                                             " (presets: " + known + ", " + kThisMachine + "; or a path to a .json file)");
    }
  }
  if (!is_file(path)) throw Error(ExitCode::BadHardware, "hardware file " + path + ": not found or not a regular file");
  std::ifstream in(path);
  if (!in) throw Error(ExitCode::BadHardware, "hardware file " + path + ": cannot be read");
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw Error(ExitCode::BadHardware, "hardware file " + path + ": not valid JSON (" + first_line(e.what()) + ")");
  }
  return parse_hardware(json, path);
}

}  // namespace flopscope
