// The commands as library calls (flopscope/app/commands.h): what the CLI prints is what they return.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "flopscope/app/commands.h"
#include "test_helpers.h"

namespace flopscope {
namespace {

AnalyzeRequest analyze_request(const std::string& model, const std::string& format) {
  AnalyzeRequest request;
  request.model.path = testing::model_path(model);
  request.model.format = format;
  request.model.dry_run = true;
  return request;
}

TEST(Commands, AnalyzeReturnsTheReportAndTheChartInOrder) {
  AnalyzeRequest request = analyze_request("test/mixed.pt", "json");
  request.hardware = "rtx4090";
  request.chart = "roofline.svg";
  const WorkResult result = analyze_command(request);
  ASSERT_EQ(result.outputs.size(), 2u);
  EXPECT_EQ(result.outputs[0].path, "roofline.svg");
  EXPECT_EQ(result.outputs[0].content.rfind("<svg", 0), 0u);
  EXPECT_EQ(result.outputs[1].path, "");  // stdout
  const auto report = nlohmann::json::parse(result.outputs[1].content);
  EXPECT_EQ(report.at("totals").at("flops").get<int64_t>(), 608384);  // as count_flops and the table say
  EXPECT_EQ(result.exit_code, 0);
}

TEST(Commands, StrictFailsAfterTheReportIsOut) {
  AnalyzeRequest request = analyze_request("test/odd.pt", "table");
  request.model.dry_run = false;
  request.strict = true;
  const WorkResult result = analyze_command(request);
  ASSERT_EQ(result.outputs.size(), 1u);
  EXPECT_NE(result.outputs[0].content.find("Uncovered ops"), std::string::npos);
  EXPECT_EQ(result.exit_code, static_cast<int>(ExitCode::CheckFailed));
  EXPECT_EQ(result.message, "--strict: 0 mismatched call(s) (forward or backward), 0 failed rule(s), 1 uncovered op kind(s)");
}

TEST(Commands, ErrorsBeforeTheRunThrowWithTheirExitCode) {
  AnalyzeRequest request = analyze_request("test/mixed.pt", "table");
  request.chart = "roofline.svg";  // a chart needs --hardware
  try {
    analyze_command(request);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::Usage);
  }
  request = analyze_request("test/mixed.pt", "table");
  request.towers = {"nope=nowhere"};
  try {
    analyze_command(request);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::Usage);
    EXPECT_STREQ(e.what(), "--tower nope=nowhere: the model has no module 'nowhere'");
  }
}

TEST(Commands, SweepReportsEachSizeAndClearsItsProgress) {
  SweepRequest request;
  request.model.path = testing::model_path("test/convnet.pt");
  request.model.format = "json";
  request.model.dry_run = true;
  request.sizes = "1,2,4";
  std::vector<std::string> progress;
  request.progress = [&](const std::string& line) { progress.push_back(line); };
  request.model.isolation.isolate = false;  // the callback runs in this process
  const WorkResult result = sweep_command(request);
  const auto report = nlohmann::json::parse(result.outputs.back().content);
  EXPECT_EQ(report.at("points").size(), 3u);
  ASSERT_FALSE(progress.empty());
  EXPECT_EQ(progress.back(), "");  // done
}

TEST(Commands, DiffOfAReportWithItselfChangesNothing) {
  AnalyzeRequest analyze = analyze_request("test/mixed.pt", "json");
  const std::string path = ::testing::TempDir() + "/mixed.json";
  analyze.model.output = path;
  deliver(analyze_command(analyze));
  DiffRequest request;
  request.a = request.b = path;
  request.format = "json";
  const auto diff = nlohmann::json::parse(diff_command(request).outputs.at(0).content);
  EXPECT_EQ(diff.at("totals").at("change").at("status"), "unchanged");
}

}  // namespace
}  // namespace flopscope
