// Shared by the tests: paths to bundled models and a one-call analysis.
#pragma once

#include <string>

#include "flopscope/analysis/analysis.h"
#include "flopscope/runtime/model.h"
#include "flopscope/runtime/recorder.h"

namespace flopscope::testing {

inline std::string model_path(const std::string& relative) {
  return std::string(FLOPSCOPE_SOURCE_DIR) + "/torchscript_models/" + relative;
}

struct Analyzed {
  Model model;
  Recording recording;
  Analysis analysis;

  const ModuleCounts& module(const std::string& name) const {
    return analysis.modules.at(static_cast<size_t>(model.find_module(name)));
  }
};

inline Analyzed analyze_file(const std::string& relative, RunOptions options, const LoadOptions& load = {}) {
  Model model = Model::load(model_path(relative), load);
  if (options.threads == 0) options.threads = 1;
  Recording recording = record(model, options);
  Analysis analysis = analyze(model, recording);
  return {std::move(model), std::move(recording), std::move(analysis)};
}

inline RunOptions inputs(std::initializer_list<const char*> specs) {
  RunOptions options;
  for (const char* spec : specs) options.inputs.push_back(parse_input_spec(spec));
  return options;
}

}  // namespace flopscope::testing
