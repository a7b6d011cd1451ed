// Zoo — parameters and FLOPs of every model in a directory: for OpenCLIP models at batch 1, per tower,
// rendered as the Markdown of docs/openclip-zoo.md; for any other, with --input or its manifest's inputs. Every number in it is computed by flopscope at
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
  std::vector<std::string> inputs;  // the specs it ran with ("1x3x224x224:float32:randn")
  bool towers = false;              // an OpenCLIP model, counted per tower (image, text)
  int64_t params = 0, image_params = 0, image_transformer_params = 0, text_params = 0, text_transformer_params = 0;
  Counts total, image, text;
  Traffic traffic;  // the whole forward's bytes, unfused (docs/bytes.md)
  nlohmann::json expected;  // the manifest's "expected" (published GFLOPs or GMACs, the CLIP parameter table), or null
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
  // Every model's inputs (--input specs); none: each model's manifest, else the openclip preset.
  std::vector<std::string> inputs;
  // Per child. A default memory limit is shared among the jobs.
  IsolationLimits isolation;
};

// Analyzes one model file in this process: with options.inputs, else its manifest's inputs or preset,
// else (a model with a `visual` tower) the openclip preset at batch 1.
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
