#include "flopscope/core/manifest.h"

#include <fstream>
#include <sstream>

#include "flopscope/core/error.h"

namespace flopscope {

Manifest parse_manifest(const std::string& text, const std::string& origin) {
  const auto fail = [&](const std::string& why) { return Error(ExitCode::Usage, "bad manifest " + origin + ": " + why); };
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) throw fail("not valid JSON");
  if (!j.is_object()) throw fail("expected a JSON object");
  Manifest manifest;
  manifest.path = origin;
  for (const auto& [key, field] : {std::pair<const char*, std::string*>{"method", &manifest.method}, {"preset", &manifest.preset},
                                    {"feed", &manifest.feed}}) {
    if (!j.contains(key)) continue;
    if (!j[key].is_string()) throw fail(std::string("\"") + key + "\" must be a string");
    *field = j[key].get<std::string>();
  }
  if (j.contains("inputs")) {
    if (!j["inputs"].is_array()) throw fail("\"inputs\" must be an array of strings");
    for (const auto& input : j["inputs"]) {
      if (!input.is_string()) throw fail("\"inputs\" must be an array of strings");
      manifest.inputs.push_back(input.get<std::string>());
    }
  }
  if (j.contains("expected")) manifest.expected = j["expected"];
  return manifest;
}

std::optional<Manifest> read_manifest_for(const std::string& model_path) {
  const auto dot = model_path.rfind('.');
  const auto slash = model_path.rfind('/');
  const bool has_extension = dot != std::string::npos && (slash == std::string::npos || dot > slash);
  const std::string path = (has_extension ? model_path.substr(0, dot) : model_path) + ".json";
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return parse_manifest(text.str(), path);
}

}  // namespace flopscope
