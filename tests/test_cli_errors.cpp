// The CLI's contract for user mistakes: one line on stderr, a documented exit code, no stack trace,
// no output file left behind.
#include <gtest/gtest.h>
#include <torch/cuda.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>

#include <nlohmann/json.hpp>

#include "flopscope/runtime/libtorch_compat.h"
#include "test_helpers.h"

namespace {

namespace fs = std::filesystem;

struct Result {
  int code = -1;
  std::string out, err;
};

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("flopscope_cli_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  Result run(const std::string& args) {
    const std::string out = (dir_ / "stdout").string(), err = (dir_ / "stderr").string();
    const std::string command = std::string(FLOPSCOPE_CLI) + " " + args + " >" + out + " 2>" + err;
    const int status = std::system(command.c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), slurp(out), slurp(err)};
  }

  std::string write(const std::string& name, const std::string& bytes) {
    const fs::path path = dir_ / name;
    std::ofstream(path, std::ios::binary) << bytes;
    return path.string();
  }

  static void expect_one_clean_line(const Result& r) {
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_EQ(r.err.find("frame #"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.rfind("flopscope: error: ", 0), 0u) << r.err;
  }

  fs::path dir_;
};

const std::string kMixed = flopscope::testing::model_path("test/mixed.pt");

TEST_F(Cli, AnalyzesABundledModelWithNoFlags) {
  const Result r = run("analyze " + kMixed);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("544,896"), std::string::npos);
  EXPECT_NE(r.out.find("1 multiply-add = 1 MAC = 2 FLOPs"), std::string::npos);
}

TEST_F(Cli, VersionAndReportsNameTheLibTorch) {
  const Result version = run("--version");
  EXPECT_EQ(version.code, 0);
  EXPECT_NE(version.out.find("LibTorch " + flopscope::compat::libtorch_version()), std::string::npos) << version.out;
  const Result table = run("analyze " + flopscope::testing::model_path("torch2/test/mha.pt"));
  EXPECT_EQ(table.code, 0) << table.err;
  EXPECT_NE(table.out.find("LibTorch " + flopscope::compat::libtorch_version()), std::string::npos);
  EXPECT_NE(table.out.find("706,560"), std::string::npos);
}

TEST_F(Cli, WritesJsonAtomically) {
  const std::string path = (dir_ / "report.json").string();
  const Result r = run("analyze " + kMixed + " --format json --output " + path);
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(slurp(path));
  EXPECT_EQ(j["schema_version"], 2);
  EXPECT_EQ(j["totals"]["matmul_flops"], 544'896);
  for (const auto& entry : fs::directory_iterator(dir_)) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp."), std::string::npos);
  }
}

TEST_F(Cli, HardwareErrorsAreOneLine) {
  const std::string model = flopscope::testing::model_path("test/mixed.pt");
  const std::string not_json = write("npu.json", "{\"name\": \"npu\",");
  for (const auto& [args, code] : std::vector<std::pair<std::string, int>>{
           {"--hardware " + not_json, 12},
           {"--hardware no-such-device", 12},
           {"--precision fp12", 2},
           {"--hardware rtx4090 --weight-precision int3", 2}}) {
    const Result r = run("analyze " + model + " " + args);
    EXPECT_EQ(r.code, code) << args;
    expect_one_clean_line(r);
    EXPECT_TRUE(r.out.empty()) << args;  // refused before the model runs
  }
}

TEST_F(Cli, RooflineTableAndJson) {
  const std::string model = flopscope::testing::model_path("test/traffic.pt");
  const Result table = run("analyze " + model + " --hardware h100-sxm,ryzen-7950x --precision fp32,fp16 --fps 30");
  ASSERT_EQ(table.code, 0) << table.err;
  EXPECT_NE(table.out.find("Roofline at fp16"), std::string::npos);
  EXPECT_NE(table.out.find("n/a: ryzen-7950x has no fp16 peak"), std::string::npos);
  EXPECT_NE(table.out.find("Required at 30 fps"), std::string::npos);
  const Result json = run("analyze " + model + " --hardware h100-sxm --precision fp32 --format json");
  ASSERT_EQ(json.code, 0) << json.err;
  const auto j = nlohmann::json::parse(json.out);
  EXPECT_EQ(j["schema_version"], 2);
  int linear_rows = 0;
  for (const auto& m : j["roofline"]["precisions"][0]["modules"]) {
    if (m["name"] != "linear") continue;
    ++linear_rows;
    EXPECT_EQ(m["bytes"], 67'158'016);
    EXPECT_EQ(m["devices"]["h100-sxm"]["roof"], "memory");
  }
  EXPECT_EQ(linear_rows, 1);
}

TEST_F(Cli, FileErrors) {
  struct Case {
    std::string path;
    int code;
  };
  std::string random(4096, '\0');
  std::mt19937 rng(7);
  for (auto& c : random) c = static_cast<char>(rng());
  const std::string zip = slurp(kMixed);
  const std::vector<Case> cases = {
      {"/nonexistent/model.pt", 3},
      {dir_.string(), 3},
      {write("empty.pt", ""), 4},
      {write("random.pt", random), 4},
      {write("truncated.pt", zip.substr(0, zip.size() / 2)), 4},
      {write("not_torchscript.zip", "PK\x03\x04" + std::string(100, 'x')), 4},
      {flopscope::testing::model_path("test/state_dict.pt"), 4},
  };
  for (const auto& c : cases) {
    const Result r = run("analyze " + c.path + " --input 1x3x16x16:float32");
    EXPECT_EQ(r.code, c.code) << c.path << ": " << r.err;
    expect_one_clean_line(r);
  }
}

TEST_F(Cli, UnreadableFile) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads every file";
  const std::string path = write("locked.pt", slurp(kMixed));
  fs::permissions(path, fs::perms::none);
  const Result r = run("analyze " + path);
  EXPECT_EQ(r.code, 3);
  expect_one_clean_line(r);
}

TEST_F(Cli, UsageAndInputErrors) {
  struct Case {
    std::string args;
    int code;
  };
  const std::vector<Case> cases = {
      {"analyze " + kMixed + " --input 1x3x16:float", 2},
      {"analyze " + kMixed + " --bogus", 2},
      {"analyze " + kMixed + " --batch 0", 2},
      {"analyze " + kMixed + " --batch -4", 2},
      {"analyze " + kMixed + " --format xml", 2},
      {"analyze " + kMixed + " --method nope", 5},
      {"analyze " + kMixed + " --input 1x3x16x16:float32 --input 1x3x16x16:float32", 6},
      {"analyze " + kMixed + " --input 1x5x16x16:float32", 6},
      {"analyze " + kMixed + " --input 1x3x16x16:int64", 6},
      {"analyze " + kMixed + " --input 100000x100000x1000x1000:float32", 11},
  };
  for (const auto& c : cases) {
    const Result r = run(c.args);
    EXPECT_EQ(r.code, c.code) << c.args << ": " << r.err;
    expect_one_clean_line(r);
  }
}

TEST_F(Cli, CudaWithoutAGpuIsOneClearLine) {
  if (torch::cuda::is_available()) GTEST_SKIP() << "a GPU is visible: --device cuda runs (tests/test_cuda.cpp)";
  const Result r = run("analyze " + kMixed + " --device cuda");
  EXPECT_EQ(r.code, 10);
  expect_one_clean_line(r);
}

TEST_F(Cli, OutputInAMissingDirectoryLeavesNothing) {
  const Result r = run("analyze " + kMixed + " --output " + (dir_ / "missing" / "report.txt").string());
  EXPECT_EQ(r.code, 8);
  expect_one_clean_line(r);
  EXPECT_FALSE(fs::exists(dir_ / "missing"));
}

TEST_F(Cli, StrictFailsOnUncoveredOps) {
  const Result r = run("analyze " + flopscope::testing::model_path("test/odd.pt") + " --crosscheck --strict");
  EXPECT_EQ(r.code, 9);
  EXPECT_NE(r.out.find("aten::_logcumsumexp"), std::string::npos);
}

}  // namespace
