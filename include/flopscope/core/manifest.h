// Manifest — the small JSON file next to a bundled model (MODEL.pt -> MODEL.json) that says how to
// call it, so `flopscope analyze MODEL.pt` needs no flags:
//   { "method": "forward", "inputs": ["1x3x224x224:float32", "1x77:int64:randint:0:49408"],
//     "preset": "openclip", "feed": "1:2,2:3", "expected": { ... } }
// Every field is optional. "expected" is free-form data for tests (e.g. hand-computed counts).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace flopscope {

struct Manifest {
  std::string path;
  std::string method;               // empty: not given
  std::vector<std::string> inputs;  // input spec texts
  std::string preset;               // empty: not given
  std::string feed;                 // a decoder's feed convention for `generate` ("1:2,2:3"); empty: the default
  nlohmann::json expected;          // null when absent
};

// The manifest next to `model_path`, if there is one. Throws Error(Usage) if it exists but is malformed.
std::optional<Manifest> read_manifest_for(const std::string& model_path);

// Parses manifest text; `origin` names it in error messages. Throws Error(Usage).
Manifest parse_manifest(const std::string& text, const std::string& origin);

}  // namespace flopscope
