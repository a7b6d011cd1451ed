// Validation of reports against their JSON Schema in docs/schemas (valijson, Debian's
// libvalijson-dev, header-only): every JSON report a test produces is checked with it.
#pragma once

#define VALIJSON_USE_EXCEPTIONS 1
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

#include <fstream>
#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "test_paths.h"

namespace flopscope::testing {

// Where `report` breaks docs/schemas/KIND.schema.json, one line per error; "" when it conforms.
inline std::string schema_errors(const nlohmann::json& report, const std::string& kind) {
  static std::map<std::string, std::pair<nlohmann::json, std::unique_ptr<valijson::Schema>>> schemas;  // parsed once each
  auto& [document, schema] = schemas[kind];
  if (!schema) {
    std::ifstream in(source_dir() + "/docs/schemas/" + kind + ".schema.json");
    document = nlohmann::json::parse(in);
    schema = std::make_unique<valijson::Schema>();
    valijson::SchemaParser().populateSchema(valijson::adapters::NlohmannJsonAdapter(document), *schema);
  }
  valijson::ValidationResults results;
  if (valijson::Validator().validate(*schema, valijson::adapters::NlohmannJsonAdapter(report), &results)) return "";
  std::string errors;
  valijson::ValidationResults::Error error;
  while (results.popError(error)) {
    std::string where;
    for (const auto& part : error.context) where += part;
    errors += where + ": " + error.description + "\n";
  }
  return errors;
}

}  // namespace flopscope::testing
