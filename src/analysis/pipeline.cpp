#include "flopscope/analysis/pipeline.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "flopscope/core/error.h"

namespace flopscope {

double Pipeline::runs_per_request(const PipelineComponent& component) const {
  for (const auto& [quantity, amount] : request) {
    if (quantity == component.per) return component.runs * amount;
  }
  return 0.0;  // parse_pipeline refuses an unknown quantity
}

double parse_rate(const std::string& text) {
  const size_t slash = text.find('/');
  const std::string number = text.substr(0, slash);
  const std::string unit = slash == std::string::npos ? "s" : text.substr(slash + 1);
  const double per = unit == "s" ? 1.0 : unit == "min" ? 60.0 : unit == "h" ? 3600.0 : 0.0;
  size_t used = 0;
  double value = 0.0;
  try {
    value = std::stod(number, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (per == 0.0 || used == 0 || used != number.size() || !std::isfinite(value) || value <= 0) {
    throw Error(ExitCode::Usage, "a rate is a positive number of requests per second, minute or hour (2/s, 120/min, 3600/h), got '" + text + "'");
  }
  return value / per;
}

namespace {

using nlohmann::json;

struct Reader {
  std::string origin;
  Error fail(const std::string& where, const std::string& why) const {
    return Error(ExitCode::Usage, "pipeline " + origin + ": " + where + ": " + why);
  }
  std::string text(const json& object, const char* key, const std::string& where, bool required) const {
    if (!object.contains(key)) {
      if (required) throw fail(where, std::string("\"") + key + "\" is missing");
      return "";
    }
    if (!object[key].is_string() || object[key].get<std::string>().empty()) throw fail(where, std::string("\"") + key + "\" must be a non-empty string");
    return object[key].get<std::string>();
  }
  double number(const json& object, const char* key, const std::string& where, double fallback) const {
    if (!object.contains(key)) return fallback;
    if (!object[key].is_number() || !(object[key].get<double>() > 0) || !std::isfinite(object[key].get<double>())) {
      throw fail(where, std::string("\"") + key + "\" must be a positive number");
    }
    return object[key].get<double>();
  }
  int64_t count(const json& object, const char* key, const std::string& where, int64_t fallback) const {
    if (!object.contains(key)) return fallback;
    if (!object[key].is_number_integer() || object[key].get<int64_t>() < 1) throw fail(where, std::string("\"") + key + "\" must be an integer >= 1");
    return object[key].get<int64_t>();
  }
};

PipelineComponent read_component(const Reader& reader, const json& j, const std::string& directory, const Pipeline& pipeline) {
  if (!j.is_object()) throw reader.fail("components", "each component must be an object");
  PipelineComponent c;
  c.name = reader.text(j, "name", "a component", true);
  const std::string where = "component '" + c.name + "'";
  const std::string model = reader.text(j, "model", where, true);
  c.model = std::filesystem::path(model).is_absolute() ? model : (std::filesystem::path(directory) / model).lexically_normal().string();
  c.method = reader.text(j, "method", where, false);
  if (j.contains("inputs")) {
    if (!j["inputs"].is_array()) throw reader.fail(where, "\"inputs\" must be an array of input specs");
    for (const json& input : j["inputs"]) {
      if (!input.is_string()) throw reader.fail(where, "\"inputs\" must be an array of input specs");
      c.inputs.push_back(input.get<std::string>());
    }
  }
  if (j.contains("generate")) {
    const json& g = j["generate"];
    if (!g.is_object()) throw reader.fail(where, "\"generate\" must be an object: {\"prompt\": 32, \"new_tokens\": 32}");
    c.generate = true;
    c.prompt = reader.count(g, "prompt", where + " generate", 0);
    c.new_tokens = reader.count(g, "new_tokens", where + " generate", 16);
    c.feed = reader.text(g, "feed", where + " generate", false);
  }
  c.runs = reader.number(j, "runs", where, 1.0);
  if (j.contains("per")) c.per = reader.text(j, "per", where, true);
  bool known = false;
  std::string quantities;
  for (const auto& [quantity, amount] : pipeline.request) {
    known = known || quantity == c.per;
    quantities += (quantities.empty() ? "" : ", ") + quantity;
  }
  if (!known) throw reader.fail(where, "\"per\": \"" + c.per + "\" is not a quantity of the request (" + quantities + ")");
  if (j.contains("quoted")) {
    const json& q = j["quoted"];
    if (!q.is_object()) throw reader.fail(where, "\"quoted\" must be an object: {\"value\": 17.6e9, \"unit\": \"FLOPs\", \"source\": \"...\"}");
    QuotedFigure quoted;
    quoted.value = reader.number(q, "value", where + " quoted", 0.0);
    if (quoted.value == 0.0) throw reader.fail(where + " quoted", "\"value\" is missing");
    const std::string unit = reader.text(q, "unit", where + " quoted", true);
    if (unit != "FLOPs" && unit != "MACs") throw reader.fail(where + " quoted", "\"unit\" must be \"FLOPs\" or \"MACs\"");
    quoted.macs = unit == "MACs";
    quoted.source = reader.text(q, "source", where + " quoted", true);
    const std::string of = reader.text(q, "of", where + " quoted", false);
    if (!of.empty() && (of != "prefill" || !c.generate)) throw reader.fail(where + " quoted", "\"of\" can only be \"prefill\", of a \"generate\" component");
    quoted.of_prefill = !of.empty();
    c.quoted = quoted;
  }
  c.note = reader.text(j, "note", where, false);
  return c;
}

}  // namespace

Pipeline parse_pipeline(const std::string& text, const std::string& path) {
  const Reader reader{path};
  const json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) throw reader.fail("the file", "not a JSON object");
  Pipeline pipeline;
  pipeline.path = path;
  pipeline.name = reader.text(j, "name", "the file", true);
  pipeline.description = reader.text(j, "description", "the file", false);
  if (j.contains("rate")) {
    if (!j["rate"].is_string()) throw reader.fail("\"rate\"", "must be a string such as \"2/s\"");
    pipeline.rate = parse_rate(j["rate"].get<std::string>());
  }
  if (j.contains("request")) {
    if (!j["request"].is_object()) throw reader.fail("\"request\"", "must be an object of quantities: {\"audio_seconds\": 30}");
    for (const auto& [quantity, amount] : j["request"].items()) {
      pipeline.request.emplace_back(quantity, reader.number(j["request"], quantity.c_str(), "\"request\"", 0.0));
    }
  }
  if (!j.contains("components") || !j["components"].is_array() || j["components"].empty()) {
    throw reader.fail("\"components\"", "must be a non-empty array");
  }
  const std::string directory = std::filesystem::path(path).parent_path().string();
  for (const json& component : j["components"]) pipeline.components.push_back(read_component(reader, component, directory, pipeline));
  return pipeline;
}

Pipeline read_pipeline(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(ExitCode::Usage, "pipeline " + path + ": cannot be read (no such file, or no permission)");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_pipeline(text.str(), path);
}

}  // namespace flopscope
