// The zoo's reports: docs/openclip-zoo.md (Markdown) and its exact integers (JSON), found by name like
// analyze's formats; and docs/planning.md, which is made from the zoo's entries.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "flopscope/analysis/zoo.h"
#include "flopscope/hardware/hardware.h"
#include "flopscope/reports/report_formats.h"

namespace flopscope {

std::string render_zoo_markdown(const Zoo& zoo, const std::string& command_line);
nlohmann::json render_zoo_json(const Zoo& zoo);

// A zoo format renders the zoo and the command line that made it (which the Markdown quotes).
using ZooFormat = Format<Zoo, std::string>;
const std::vector<ZooFormat>& zoo_formats();  // markdown, json

// docs/planning.md: TOPS for a multimodal assistant: the hardware arithmetic recomputed, and the models on each
// device in `devices` at fp32, bf16 and int8 (src/reports/report_planning.cpp).
std::string render_planning_markdown(const std::vector<ZooEntry>& entries, const std::vector<Hardware>& devices,
                                     const std::string& command_line);

}  // namespace flopscope
