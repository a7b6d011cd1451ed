// pipeline: the file's format and its mistakes, components that add up to what `analyze` and
// `generate` say of each, and the documentation page that the tool writes.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>

#include <nlohmann/json.hpp>

#include "command.h"
#include "schema_check.h"
#include "flopscope/analysis/pipeline.h"
#include "flopscope/core/error.h"
#include "test_helpers.h"

namespace flopscope {
namespace {

TEST(Pipeline, ReadsComponentsAndTheirRunsPerRequest) {
  const Pipeline p = parse_pipeline(R"({"name": "speech", "rate": "120/min", "request": {"audio_seconds": 30},
    "components": [{"name": "encoder", "model": "whisper.pt", "method": "encode", "inputs": ["1x80x3000"]},
                   {"name": "vocoder", "model": "/abs/vocoder.pt", "runs": 2, "per": "audio_seconds"},
                   {"name": "llm", "model": "llama.pt", "generate": {"prompt": 64, "new_tokens": 8},
                    "quoted": {"value": 3e11, "unit": "MACs", "of": "prefill", "source": "a talk"}}]})",
                                    "/pipes/speech.json");
  EXPECT_DOUBLE_EQ(p.rate, 2.0);
  ASSERT_EQ(p.components.size(), 3u);
  EXPECT_EQ(p.components[0].model, "/pipes/whisper.pt");
  EXPECT_EQ(p.components[1].model, "/abs/vocoder.pt");
  EXPECT_DOUBLE_EQ(p.runs_per_request(p.components[0]), 1.0);
  EXPECT_DOUBLE_EQ(p.runs_per_request(p.components[1]), 60.0);
  EXPECT_TRUE(p.components[2].generate);
  EXPECT_EQ(p.components[2].prompt, 64);
  EXPECT_EQ(p.components[2].new_tokens, 8);
  ASSERT_TRUE(p.components[2].quoted.has_value());
  EXPECT_TRUE(p.components[2].quoted->macs);
  EXPECT_TRUE(p.components[2].quoted->of_prefill);
  EXPECT_DOUBLE_EQ(parse_rate("2"), 2.0);
  EXPECT_DOUBLE_EQ(parse_rate("3600/h"), 1.0);
}

TEST(Pipeline, AMistakeNamesTheFileTheComponentAndTheField) {
  const auto error = [](const std::string& text) {
    try {
      parse_pipeline(text, "p.json");
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ExitCode::Usage);
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(error("[1]"), "pipeline p.json: the file: not a JSON object");
  EXPECT_EQ(error(R"({"components": []})"), "pipeline p.json: the file: \"name\" is missing");
  EXPECT_EQ(error(R"({"name": "x", "components": []})"), "pipeline p.json: \"components\": must be a non-empty array");
  EXPECT_EQ(error(R"({"name": "x", "components": [{"name": "a"}]})"), "pipeline p.json: component 'a': \"model\" is missing");
  EXPECT_EQ(error(R"({"name": "x", "components": [{"name": "a", "model": "m.pt", "per": "frames"}]})"),
            "pipeline p.json: component 'a': \"per\": \"frames\" is not a quantity of the request (request)");
  EXPECT_EQ(error(R"({"name": "x", "components": [{"name": "a", "model": "m.pt", "runs": -1}]})"),
            "pipeline p.json: component 'a': \"runs\" must be a positive number");
  EXPECT_EQ(error(R"({"name": "x", "components": [{"name": "a", "model": "m.pt", "quoted": {"value": 1, "unit": "TOPS", "source": "s"}}]})"),
            "pipeline p.json: component 'a' quoted: \"unit\" must be \"FLOPs\" or \"MACs\"");
  EXPECT_EQ(error(R"({"name": "x", "components": [{"name": "a", "model": "m.pt", "quoted": {"value": 1, "unit": "MACs", "source": "s", "of": "prefill"}}]})"),
            "pipeline p.json: component 'a' quoted: \"of\" can only be \"prefill\", of a \"generate\" component");
  EXPECT_EQ(error(R"({"name": "x", "components": [{"name": "a", "model": "m.pt", "generate": {"new_tokens": 0}}]})"),
            "pipeline p.json: component 'a' generate: \"new_tokens\" must be an integer >= 1");
  for (const char* rate : {"", "0", "-1/s", "2/day", "x/s", "1e999"}) EXPECT_THROW(parse_rate(rate), Error) << rate;
}

class PipelineCli : public testing::CommandTest {
 protected:
  nlohmann::json json_of(const std::string& args) {
    const testing::Result r = run(testing::cli_path() + " " + args + " --format json");
    EXPECT_EQ(r.code, 0) << r.err;
    return nlohmann::json::parse(r.out);
  }
};

// Each component is what `analyze` and `generate` count of it, and takes the time `generate` bounds.
TEST_F(PipelineCli, ComponentsAreWhatAnalyzeAndGenerateCount) {
  const std::string pipeline = testing::source_dir() + "/docs/pipelines/assistant.json";
  const nlohmann::json p = json_of("pipeline " + pipeline + " --dry-run --hardware a100-sxm --precision w16a16 --rate 2/s");
  const nlohmann::json image = json_of("analyze " + testing::model_path("openclip/ViT-B-16.pt") +
                                       " --dry-run --method encode_image --input 1x3x224x224:float32");
  const nlohmann::json llm = json_of("generate " + testing::model_path("decoders/llama-2-7b.pt") +
                                     " --dry-run --prompt 32 -n 32 --hardware a100-sxm --precision w16a16");
  EXPECT_EQ(testing::schema_errors(p, "pipeline"), "");
  ASSERT_EQ(p["components"].size(), 2u);
  EXPECT_EQ(p["components"][0]["counts"]["flops"], image["totals"]["flops"]);
  EXPECT_EQ(p["components"][0]["counts"]["macs"], image["totals"]["macs"]);
  const int64_t llm_flops = llm["request"]["prefill"]["flops"].get<int64_t>() + llm["request"]["decode"]["flops"].get<int64_t>();
  EXPECT_EQ(p["components"][1]["counts"]["flops"], llm_flops);
  EXPECT_EQ(p["components"][1]["prefill_counts"]["flops"], 423'525'691'456);
  EXPECT_DOUBLE_EQ(p["components"][1]["seconds"][0].get<double>(), llm["bounds"][0]["request_seconds"].get<double>());
  EXPECT_DOUBLE_EQ(p["request"]["flops"].get<double>(), static_cast<double>(image["totals"]["flops"].get<int64_t>() + llm_flops));
  EXPECT_DOUBLE_EQ(p["pipeline"]["rate_per_second"].get<double>(), 2.0);
  // A component that cannot be counted is one line naming it.
  const std::string broken = (dir_ / "broken.json").string();
  std::ofstream(broken) << R"({"name": "x", "components": [{"name": "encoder", "model": "missing.pt"}]})";
  const testing::Result r = run(testing::cli_path() + " pipeline " + broken + " --dry-run");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("flopscope: error: component 'encoder' (" + (dir_ / "missing.pt").string() + "): "), std::string::npos) << r.err;
}

// docs/pipeline.md: each section is what the command in the comment above it writes.
TEST_F(PipelineCli, PageIsWhatTheToolWrites) {
  const std::string page = testing::slurp(testing::source_dir() + "/docs/pipeline.md");
  const std::regex command(R"(<!-- flopscope (pipeline [^>]*) -->\n\n)");
  int sections = 0;
  for (std::sregex_iterator it(page.begin(), page.end(), command), end; it != end; ++it) {
    std::string args = (*it)[1];
    args.replace(args.find("docs/"), 5, testing::source_dir() + "/docs/");
    const testing::Result r = run(testing::cli_path() + " " + args);
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(page.substr(static_cast<size_t>(it->position() + it->length()), r.out.size()), r.out)
        << "regenerate docs/pipeline.md: flopscope " << (*it)[1];
    ++sections;
  }
  EXPECT_EQ(sections, 2);
}

}  // namespace
}  // namespace flopscope
