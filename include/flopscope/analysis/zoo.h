// Zoo — the OpenCLIP table: parameters and FLOPs of every model in a directory at batch 1, per tower,
// rendered as the Markdown of docs/openclip-zoo.md. Every number in it is computed by flopscope at
// run time; published figures and the CLIP parameter table come from the models' manifests and are only compared.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "flopscope/core/counts.h"
#include "flopscope/core/error.h"
#include "flopscope/core/traffic.h"
#include "flopscope/runtime/isolation.h"

namespace flopscope {

struct ZooEntry {
  std::string name;  // file name without .pt
  int64_t params = 0, image_params = 0, image_transformer_params = 0, text_params = 0, text_transformer_params = 0;
  Counts total, image, text;
  Traffic traffic;  // the whole forward's bytes, unfused (docs/bytes.md)
  nlohmann::json expected;  // the manifest's "expected" (published GFLOPs, the CLIP parameter table), or null
};

// A model of the directory that could not be analyzed, and why.
struct ZooFailure {
  std::string name;
  ExitCode code = ExitCode::Internal;
  std::string message;
};

struct Zoo {
  std::vector<ZooEntry> entries;    // in file-name order
  std::vector<ZooFailure> failures; // in file-name order
};

struct ZooOptions {
  int threads = 0;       // per model; 0: the cores shared among the jobs
  bool dry_run = false;  // count on shape-only (meta) tensors instead of running the kernels
  int jobs = 1;          // models analyzed at once, each in its own child
  // Per child. A default memory limit is shared among the jobs.
  IsolationLimits isolation;
};

// Analyzes one OpenCLIP model file with the openclip preset at batch 1, in this process.
ZooEntry analyze_zoo_model(const std::string& path, const ZooOptions& options);
// Every *.pt in `directory`, sorted by name. Throws Error(FileNotFound) if it has none.
std::vector<std::string> zoo_model_paths(const std::string& directory);
// Every *.pt in `directory`, each analyzed in its own isolated child, `options.jobs` at once; one
// model's failure (a bad file, a crash, a timeout) is recorded and the others go on. `progress` gets a
// line as each model ends.
Zoo analyze_zoo(const std::string& directory, const ZooOptions& options,
                const std::function<void(const std::string&)>& progress = {});

// The entry as JSON and back, exactly (how a child hands its entry to the parent).
nlohmann::json zoo_entry_json(const ZooEntry& entry);
ZooEntry zoo_entry_from_json(const nlohmann::json& json);


}  // namespace flopscope
