// Zoo — the OpenCLIP table: parameters and FLOPs of every model in a directory at batch 1, per tower,
// rendered as the Markdown of docs/openclip-zoo.md. Every number in it is computed by flopscope at
// run time; published and seed figures come from the models' manifests and are only compared.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "flopscope/core/counts.h"

namespace flopscope {

struct ZooEntry {
  std::string name;  // file name without .pt
  int64_t params = 0, image_params = 0, image_transformer_params = 0, text_params = 0, text_transformer_params = 0;
  Counts total, image, text;
  nlohmann::json expected;  // the manifest's "expected" (published GFLOPs, seed figures), or null
};

struct ZooOptions {
  int threads = 0;
  bool dry_run = false;  // count on shape-only (meta) tensors instead of running the kernels
};

// Analyzes one OpenCLIP model file with the openclip preset at batch 1.
ZooEntry analyze_zoo_model(const std::string& path, const ZooOptions& options);
// Every *.pt in `directory`, sorted by name. Throws Error(FileNotFound) if it has none.
std::vector<std::string> zoo_model_paths(const std::string& directory);

// Rendered by src/reports/report_zoo.cpp.
std::string render_zoo_markdown(const std::vector<ZooEntry>& entries, const std::string& command_line);
nlohmann::json render_zoo_json(const std::vector<ZooEntry>& entries);

}  // namespace flopscope
