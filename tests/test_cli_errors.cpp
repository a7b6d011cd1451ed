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
#include <sstream>

#include <nlohmann/json.hpp>

#include "flopscope/runtime/libtorch_compat.h"
#include "command.h"
#include "test_helpers.h"

namespace {

namespace fs = std::filesystem;

using flopscope::testing::Result;
using flopscope::testing::slurp;

class Cli : public flopscope::testing::CommandTest {
 protected:
  Result run(const std::string& args) { return CommandTest::run(flopscope::testing::cli_path() + " " + args); }

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

};

const std::string kMixed = flopscope::testing::model_path("test/mixed.pt");

TEST_F(Cli, AnalyzesABundledModelWithNoFlags) {
  const Result r = run("analyze " + kMixed);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("544,896"), std::string::npos);
  EXPECT_NE(r.out.find("1 multiply-add = 1 MAC = 2 FLOPs"), std::string::npos);
}

// quantized_static's 15,872 multiply-adds are all int8: 31,744 int8 OPs, shown apart in every format and
// timed at the int8 peak by the roofline.
TEST_F(Cli, QuantizedWorkIsShownAsInt8OpsInEveryFormat) {
  const std::string model = flopscope::testing::model_path("test/quantized/quantized_static.pt");
  const Result table = run("analyze " + model + " --hardware h100-sxm");
  ASSERT_EQ(table.code, 0) << table.err;
  EXPECT_NE(table.out.find("31,744 (31.74 K int8 OPs)"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("int8 1.98 PFLOP/s"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("int8 OPs / int8 peak"), std::string::npos) << table.out;
  const Result markdown = run("analyze " + model + " --format markdown");
  EXPECT_NE(markdown.out.find("**In integers:** 31,744 of the matmul FLOPs are int8 OPs"), std::string::npos) << markdown.out;
  const Result csv = run("analyze " + model + " --format csv");
  EXPECT_NE(csv.out.find(",activation_flops,integer_flops,"), std::string::npos) << csv.out;
  const Result mixed = run("analyze " + kMixed + " --format markdown");
  EXPECT_EQ(mixed.out.find("In integers"), std::string::npos) << "a float model has no int8 line";
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
  EXPECT_EQ(flopscope::testing::schema_errors(j, "analyze"), "");
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
  EXPECT_EQ(flopscope::testing::schema_errors(j, "analyze"), "");  // with its roofline
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

TEST_F(Cli, RooflineChartHasARoofPerDeviceAndPrecisionAndAPointPerRow) {
  const std::string model = flopscope::testing::model_path("test/traffic.pt");
  EXPECT_EQ(run("analyze " + model + " --chart " + (dir_ / "no-hardware.svg").string()).code, 2);  // --chart needs --hardware
  EXPECT_FALSE(std::filesystem::exists(dir_ / "no-hardware.svg"));
  const std::string chart = (dir_ / "roofline.svg").string();
  const Result r = run("analyze " + model + " --dry-run --hardware h100-sxm,ryzen-7950x --precision fp32,bf16 --chart " + chart);
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string svg = slurp(chart);
  const auto count = [&](const std::string& needle) {
    size_t n = 0;
    for (size_t at = svg.find(needle); at != std::string::npos; at = svg.find(needle, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count("<polyline"), 4u);  // 2 devices x 2 precisions
  EXPECT_NE(svg.find("ryzen-7950x bf16: peak 5.47 TFLOP/s"), std::string::npos);
  EXPECT_NE(svg.find("on h100-sxm's roof (dry run)"), std::string::npos);
  // The Linear(4096, 4096) row: 33,554,432 + 4,096 bias FLOPs over 67,158,016 bytes.
  EXPECT_NE(svg.find("linear: 33.56 MFLOPs, 67.16 MB, 0.50 FLOP/B"), std::string::npos) << svg;
  EXPECT_GE(count("<circle"), 4u + 2u);  // ridge markers and at least the whole model and one module
}

// docs/planning.md is the tool's output, not hand-edited: only its "Generated by" line (which names
// the LibTorch that wrote it) may differ.
// docs/formulas.md lists every registered formula and rule: it must be what the tool prints now.
TEST_F(Cli, FormulasPageIsWhatTheToolWrites) {
  const Result r = run("formulas");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, slurp(flopscope::testing::source_dir() + "/docs/formulas.md"))
      << "regenerate: build/flopscope formulas -o docs/formulas.md";
}

TEST_F(Cli, PlanningPageIsWhatTheToolWrites) {
  const std::string page = (dir_ / "planning.md").string();
  const Result r = run("planning " + flopscope::testing::model_path("openclip") + " -o " + page);
  ASSERT_EQ(r.code, 0) << r.err;
  const auto without_header = [](const std::string& text) {
    std::string kept;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind("Generated by", 0) != 0) kept += line + "\n";
    }
    return kept;
  };
  EXPECT_EQ(without_header(slurp(page)), without_header(slurp(flopscope::testing::source_dir() + "/docs/planning.md")))
      << "regenerate: build/flopscope planning torchscript_models/openclip -o docs/planning.md";
}

TEST_F(Cli, DtypeConvertsParametersAndFloatInputs) {
  const std::string model = flopscope::testing::model_path("test/traffic.pt");
  const Result bad = run("analyze " + model + " --dtype int8");
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("--dtype must be float16, bfloat16, float32 or float64"), std::string::npos) << bad.err;
  const Result fp32 = run("analyze " + model + " --format json");
  const Result bf16 = run("analyze " + model + " --dtype bfloat16 --format json");
  ASSERT_EQ(fp32.code, 0) << fp32.err;
  ASSERT_EQ(bf16.code, 0) << bf16.err;
  const auto a = nlohmann::json::parse(fp32.out), b = nlohmann::json::parse(bf16.out);
  EXPECT_EQ(b["model"]["param_bytes"].get<int64_t>() * 2, a["model"]["param_bytes"].get<int64_t>());
  EXPECT_EQ(b["totals"]["flops"], a["totals"]["flops"]);  // the work does not change, the bytes do
  EXPECT_NE(b["inputs"][0].get<std::string>().find("bfloat16"), std::string::npos);
}

// Runaway models (torchscript_models/hostile/) end in their exit codes, with no report written.
TEST_F(Cli, RunawayModelsAreStoppedAndWriteNothing) {
  const std::string report = (dir_ / "report.txt").string();
  const Result forever = run("analyze " + flopscope::testing::model_path("hostile/forever.pt") + " --timeout 2 -o " + report);
  EXPECT_EQ(forever.code, 13) << forever.err;
  EXPECT_NE(forever.err.find("stopped after --timeout 2"), std::string::npos) << forever.err;
  EXPECT_NE(forever.err.find("while running forward of the model"), std::string::npos) << forever.err;
  const Result hog = run("analyze " + flopscope::testing::model_path("hostile/hog.pt") + " --max-memory 2G -o " + report);
  EXPECT_EQ(hog.code, 11) << hog.err;
  EXPECT_NE(hog.err.find("memory limit 2048 MiB"), std::string::npos) << hog.err;
  EXPECT_FALSE(std::filesystem::exists(report));
  EXPECT_EQ(run("analyze " + flopscope::testing::model_path("hostile/hog.pt") + " --max-memory 8X").code, 2);
}

// A real run whose estimate (parameters + live activations, from a dry run) exceeds --max-memory stops
// before its forward with one line; the dry run it suggests fits.
TEST_F(Cli, ARunThatCannotFitStopsBeforeItsForward) {
  const std::string model = flopscope::testing::model_path("openclip/ViT-B-16.pt");  // 599 MB of float32 parameters
  const std::string report = (dir_ / "report.txt").string();
  const Result real = run("analyze " + model + " --max-memory 300M -o " + report);
  EXPECT_EQ(real.code, 11) << real.err;
  expect_one_clean_line(real);
  EXPECT_NE(real.err.find("estimated by a dry run), more than the memory limit 300 MiB: count it with --dry-run"), std::string::npos)
      << real.err;
  EXPECT_FALSE(fs::exists(report));
  const Result dry = run("analyze " + model + " --dry-run --max-memory 300M -o " + report);
  EXPECT_EQ(dry.code, 0) << dry.err;
  EXPECT_NE(slurp(report).find("memory (estimate) "), std::string::npos);
}

// zoo: each model in its own child, two at once; a bad file and a model the preset can't serve are
// reported with their codes, the good model is in the report, and the order is the files' order.
TEST_F(Cli, ZooGoesOnPastBadModels) {
  const fs::path zoo = dir_ / "zoo";
  fs::create_directories(zoo);
  fs::copy_file(flopscope::testing::model_path("openclip/ViT-B-32.pt"), zoo / "a-ViT-B-32.pt");
  fs::copy_file(flopscope::testing::model_path("openclip/ViT-B-32.json"), zoo / "a-ViT-B-32.json");
  std::ofstream(zoo / "b-garbage.pt") << "not a zip archive";
  fs::copy_file(flopscope::testing::model_path("hostile/forever.pt"), zoo / "c-forever.pt");
  fs::copy_file(flopscope::testing::model_path("openclip/ViT-B-16.pt"), zoo / "d-ViT-B-16.pt");
  const std::string report = (dir_ / "zoo.json").string();
  const Result r = run("zoo " + zoo.string() + " --jobs 2 --timeout 60 --format json -o " + report);
  EXPECT_EQ(r.code, 4) << r.err;  // the first failed model's code, after the report is written
  EXPECT_NE(r.err.find("flopscope: error: 2 of 4 models could not be analyzed; first, b-garbage: "), std::string::npos) << r.err;
  for (const char* name : {"a-ViT-B-32.pt", "b-garbage.pt", "c-forever.pt", "d-ViT-B-16.pt"}) {
    EXPECT_NE(r.err.find(name), std::string::npos) << "a progress line per model: " << r.err;
  }
  const nlohmann::json json = nlohmann::json::parse(slurp(report));
  EXPECT_EQ(flopscope::testing::schema_errors(json, "zoo"), "");
  ASSERT_EQ(json["models"].size(), 2u);
  EXPECT_EQ(json["models"][0]["name"], "a-ViT-B-32");
  EXPECT_EQ(json["models"][1]["name"], "d-ViT-B-16");
  EXPECT_GT(json["models"][1]["total"]["flops"].get<int64_t>(), json["models"][0]["total"]["flops"].get<int64_t>());
  ASSERT_EQ(json["failed"].size(), 2u);
  EXPECT_EQ(json["failed"][0]["name"], "b-garbage");
  EXPECT_EQ(json["failed"][0]["exit_code"], 4);
  EXPECT_EQ(json["failed"][1]["name"], "c-forever");
  EXPECT_NE(json["failed"][1]["exit_code"], 0);
  // The same directory counted in this process one model after another gives the same numbers.
  const std::string serial = (dir_ / "serial.json").string();
  EXPECT_EQ(run("zoo " + zoo.string() + " --no-isolate --format json -o " + serial).code, 4);
  EXPECT_EQ(nlohmann::json::parse(slurp(serial))["models"], json["models"]);
}

// zoo on a folder that is not OpenCLIP's: each model with its manifest's inputs, or --input for all;
// a model with neither is named with what to pass; a folder where nothing could be analyzed gets no
// report at all.
TEST_F(Cli, ZooOfAnyFolderOfModels) {
  const fs::path zoo = dir_ / "classifiers";
  fs::create_directories(zoo);
  fs::copy_file(flopscope::testing::model_path("test/convnet.pt"), zoo / "a.pt");
  fs::copy_file(flopscope::testing::model_path("test/convnet.json"), zoo / "a.json");
  fs::copy_file(flopscope::testing::model_path("test/convnet.pt"), zoo / "b.pt");
  const std::string report = (dir_ / "zoo.md").string();
  const Result without = run("zoo " + zoo.string() + " --dry-run -o " + report);
  EXPECT_EQ(without.code, 2) << without.err;
  EXPECT_NE(without.err.find("1 of 2 models could not be analyzed; first, b: no inputs given: pass one --input per argument"),
            std::string::npos) << without.err;
  EXPECT_NE(slurp(report).find("\n| a | `2x3x32x32:float32:randn`, `2x6:int64:randint:0:10` | "), std::string::npos) << slurp(report);
  const std::string json = (dir_ / "zoo.json").string();
  const Result given = run("zoo " + zoo.string() + " --dry-run --input 2x3x32x32 --input 2x6:int64:randint:0:10 -o " + json);
  EXPECT_EQ(given.code, 0) << given.err;
  const nlohmann::json j = nlohmann::json::parse(slurp(json));
  EXPECT_EQ(flopscope::testing::schema_errors(j, "zoo"), "");
  ASSERT_EQ(j["models"].size(), 2u);
  EXPECT_EQ(j["models"][0]["total"], j["models"][1]["total"]);  // the same file, the same inputs
  EXPECT_EQ(j["models"][1]["towers"], false);
  EXPECT_GT(j["models"][1]["total"]["macs"].get<int64_t>(), 0);
  // Nothing analyzed: one line, no report.
  const fs::path broken = dir_ / "broken";
  fs::create_directories(broken);
  std::ofstream(broken / "garbage.pt") << "not a zip archive";
  const std::string none = (dir_ / "none.md").string();
  const Result nothing = run("zoo " + broken.string() + " -o " + none);
  EXPECT_EQ(nothing.code, 4) << nothing.err;
  EXPECT_FALSE(fs::exists(none));
}

// The sandbox refuses opening files once the model file is open: every bundled test model (and an
// OpenCLIP model) must still load and run under it, as a user's would; those no LibTorch loads are
// FileErrors' cases.
TEST_F(Cli, BundledModelsRunInTheSandbox) {
  std::vector<std::string> models = {flopscope::testing::model_path("openclip/ViT-B-32.pt")};
  for (const auto& entry : fs::directory_iterator(flopscope::testing::model_path("test"))) {
    const std::string stem = entry.path().stem().string();
    const bool refused = stem == "state_dict" || stem == "legacy_checkpoint" || stem == "convnet_optimized";
    if (entry.path().extension() == ".pt" && !refused) models.push_back(entry.path().string());
  }
  for (const std::string& model : models) {
    const Result r = run("analyze " + model + " --depth 0");
    EXPECT_EQ(r.code, 0) << model << ": " << r.err;
  }
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
  // A dry run reads no weights, yet refuses the same damaged files.
  for (const char* dry : {"", " --dry-run"}) {
    for (const auto& c : cases) {
      const Result r = run("analyze " + c.path + " --input 1x3x16x16:float32" + dry);
      EXPECT_EQ(r.code, c.code) << c.path << dry << ": " << r.err;
      expect_one_clean_line(r);
    }
  }
  // torch.jit.optimize_for_inference writes MKLDNN weights no LibTorch loads back: the line says so
  // and what to save instead, real or dry.
  for (const char* dry : {"", " --dry-run"}) {
    const Result r = run("analyze " + flopscope::testing::model_path("test/convnet_optimized.pt") + dry);
    EXPECT_EQ(r.code, 4) << r.err;
    expect_one_clean_line(r);
    EXPECT_NE(r.err.find("written by torch.jit.optimize_for_inference"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("torch.jit.freeze(torch.jit.script(model.eval()))"), std::string::npos) << r.err;
  }
  // Files people take for a model are named as what they are, with how to save TorchScript.
  const std::vector<std::pair<std::string, std::string>> mistaken = {
      {flopscope::testing::model_path("torch2/test/exported.pt2"), "is a torch.export program (.pt2), which LibTorch does not load"},
      {flopscope::testing::model_path("test/legacy_checkpoint.pt"), "is a pickle (torch.save in the legacy format, or pickle.dump)"},
      {write("w.safetensors", std::string("\x10\0\0\0\0\0\0\0", 8) + R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})"),
       "is a safetensors file: weights without the model's code"},
      {write("m.onnx", "\x08\x07\x12\x07pytorch"), "is an ONNX model"},
  };
  for (const auto& [path, what] : mistaken) {
    const Result r = run("analyze " + path);
    EXPECT_EQ(r.code, 4) << r.err;
    expect_one_clean_line(r);
    EXPECT_NE(r.err.find(path + " " + what), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("torch.jit.trace(model, example_inputs).save(PATH)"), std::string::npos) << r.err;
  }
}

// Inputs the archive fuzzer found that kill the loading process inside LibTorch (tests/fuzz/README.md):
// isolation turns each into one line and a documented exit code (14 for a crash), shapes-only and real
// runs alike.
TEST_F(Cli, FuzzFindingsEndInOneLine) {
  const fs::path findings = fs::path(flopscope::testing::source_dir()) / "tests/fuzz/findings/archive";
  int seen = 0;
  for (const auto& finding : fs::directory_iterator(findings)) {
    const std::string bytes = slurp(finding.path());
    const size_t newline = bytes.find('\n');  // the first line holds the --input specs
    ASSERT_NE(newline, std::string::npos) << finding.path();
    const std::string model = write("finding.pt", bytes.substr(newline + 1));
    std::string inputs;
    std::istringstream specs(bytes.substr(0, newline));
    for (std::string spec; specs >> spec;) inputs += " --input " + spec;
    for (const std::string mode : {" --dry-run", ""}) {
      const Result r = run("analyze " + model + inputs + mode);
      EXPECT_NE(r.code, 1) << finding.path() << mode << ": " << r.err;
      if (r.code != 0) expect_one_clean_line(r);  // some crash one LibTorch or one kind of run only
    }
    ++seen;
  }
  EXPECT_GE(seen, 2);
}

TEST_F(Cli, DiffOfTwoReportsAndItsErrors) {
  const std::string a = (dir_ / "a.json").string(), b = (dir_ / "b.json").string();
  ASSERT_EQ(run("analyze " + kMixed + " --format json -o " + a).code, 0);
  ASSERT_EQ(run("analyze " + kMixed + " --batch 2 --format json -o " + b).code, 0);
  const Result diff = run("diff " + a + " " + b + " --format markdown");
  EXPECT_EQ(diff.code, 0) << diff.err;
  EXPECT_NE(diff.out.find("| FLOPs | 608,384 | 1,216,768 | +608,384 (x2.000) |"), std::string::npos) << diff.out;
  const Result json = run("diff " + a + " " + b + " --format json");
  EXPECT_EQ(flopscope::testing::schema_errors(nlohmann::json::parse(json.out), "diff"), "");
  // --fail-above guards a model's cost in CI: the report, then exit 9 naming what changed.
  EXPECT_EQ(run("diff " + a + " " + b + " --fail-above 100").code, 0);
  const Result guarded = run("diff " + a + " " + b + " --fail-above 99.5");
  EXPECT_EQ(guarded.code, 9) << guarded.err;
  EXPECT_NE(guarded.out.find("608,384"), std::string::npos);
  expect_one_clean_line(guarded);
  EXPECT_NE(guarded.err.find("--fail-above 99.5%: 4 change(s) above it: totals FLOPs +100.00% (608384 -> 1216768); totals matmul FLOPs"),
            std::string::npos) << guarded.err;
  EXPECT_EQ(run("diff " + a + " " + a + " --fail-above 0 --per-module").code, 0);
  const Result missing = run("diff " + a + " /nonexistent.json");
  EXPECT_EQ(missing.code, 3);
  expect_one_clean_line(missing);
  const Result not_json = run("diff " + a + " " + write("table.txt", "module type\n"));
  EXPECT_EQ(not_json.code, 15);
  expect_one_clean_line(not_json);
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
      {"analyze " + kMixed + " --input 1x3x16:flaot", 2},
      {"analyze " + kMixed + " --depth -1", 2},
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

TEST_F(Cli, SweepOverInputDimsAndItsErrors) {
  const std::string flexible = flopscope::testing::model_path("test/flexible_vit.pt");
  const std::string json_path = (dir_ / "fit.json").string();
  const Result ok = run("sweep " + flexible + " --vary 0:2,3=8,12,16,20 --dry-run --format json -o " + json_path);
  ASSERT_EQ(ok.code, 0) << ok.err;
  const nlohmann::json fit = nlohmann::json::parse(slurp(json_path))["linearity"]["exact_fit"];
  EXPECT_EQ(fit["exact"], true);
  EXPECT_EQ(fit["c"], "37/128");  // the attention's products (1/4) and its softmax (5/128) in P = N^2
  for (const std::string& args : {flexible + " --vary 0:2", flexible + " --vary 3:0=4", flexible + " --vary 0:9=4",
                                  flexible + " --vary 0:2,3=8,12 --batch 1,2", flexible + " --vary 0:2,3=8 --loss clip"}) {
    const Result r = run("sweep " + args);
    EXPECT_EQ(r.code, 2) << args << ": " << r.err;
    expect_one_clean_line(r);
  }
  // A size the model cannot take: after the progress lines, one line naming the size, module and op.
  const Result bad = run("sweep " + flopscope::testing::model_path("openclip/ViT-B-16.pt") + " --vary 0:2,3=160,224 --dry-run");
  EXPECT_EQ(bad.code, 6) << bad.err;
  const std::string last = bad.err.substr(bad.err.rfind('\n', bad.err.size() - 2) + 1);
  EXPECT_EQ(last.rfind("flopscope: error: at N=160: ", 0), 0u) << bad.err;
  EXPECT_NE(last.find("in module 'visual' (VisionTransformer) at aten::add"), std::string::npos) << bad.err;
  EXPECT_EQ(bad.err.find("frame #"), std::string::npos) << bad.err;
}

// A file in float16: LibTorch 1.13's CPU has no float16 convolution, 2.6's has. Either way the user
// gets the counts, the same as in float32; where the real run cannot be made, by a dry run and a note.
TEST_F(Cli, HalfWeightsAreCountedWhereTheCpuCannotRunThem) {
  const std::string json = (dir_ / "half.json").string();
  const Result r = run("analyze " + flopscope::testing::model_path("test/convnet_half.pt") + " --format json -o " + json);
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json half = nlohmann::json::parse(slurp(json));
  const nlohmann::json float32 = flopscope::testing::report_json("test/convnet.pt", std::nullopt, false);
  EXPECT_EQ(half["totals"]["flops"], float32["totals"]["flops"]);
  EXPECT_EQ(half["totals"]["matmul_flops"], float32["totals"]["matmul_flops"]);
  EXPECT_EQ(half["model"]["param_bytes"], float32["model"]["param_bytes"].get<int64_t>() / 2);
  const bool cpu_runs_half_convolutions = flopscope::compat::libtorch_version().rfind("1.", 0) != 0;
  if (cpu_runs_half_convolutions) {
    EXPECT_EQ(r.err, "");
  } else {
    EXPECT_EQ(r.err.rfind("flopscope: note: LibTorch 1.13.0 cannot run 'forward' in this dtype on the CPU (", 0), 0u) << r.err;
    EXPECT_NE(r.err.find("counted by a dry run instead (the same counts; no times)\n"), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
}

// Arguments beyond tensors, on the command line: a list, a tuple, none and scalars; an argument given
// the wrong kind says how to write the kind it wants.
TEST_F(Cli, ListTupleNoneAndScalarInputs) {
  const std::string model = flopscope::testing::model_path("test/arguments.pt");
  const std::string json = (dir_ / "arguments.json").string();
  const Result given = run("analyze " + model +
                           " --input '[3x10x10:float32]' --input '(1x8:float32,1x8:float32)' --input none --input int:2"
                           " --input float:2 --input bool:false --format json -o " + json);
  ASSERT_EQ(given.code, 0) << given.err;
  // One image: 6,912 MACs; 2 steps of one row: 2*64.
  EXPECT_EQ(nlohmann::json::parse(slurp(json))["totals"]["matmul_flops"], 2 * (6'912 + 2 * 64));
  const Result wrong = run("analyze " + model + " --input 3x10x10:float32 --input '(1x8:float32,1x8:float32)' --input none"
                           " --input int:2 --input float:2 --input bool:false");
  EXPECT_EQ(wrong.code, 6) << wrong.err;
  EXPECT_NE(wrong.err.find("argument 'images' of 'forward' is List[Tensor], but --input 1 is '3x10x10:float32:randn'; "
                           "write it as [SHAPE:DTYPE,SHAPE:DTYPE]"), std::string::npos) << wrong.err;
  expect_one_clean_line(wrong);
  const Result tuple = run("analyze " + model + " --input '[3x10x10:float32]' --input '(1x8:float32)' --input none"
                           " --input int:2 --input float:2 --input bool:false");
  EXPECT_EQ(tuple.code, 6) << tuple.err;
  EXPECT_NE(tuple.err.find("write it as (SHAPE:DTYPE,SHAPE:DTYPE)"), std::string::npos) << tuple.err;
  const Result unclosed = run("analyze " + model + " --input '[3x10x10:float32'");
  EXPECT_EQ(unclosed.code, 2) << unclosed.err;
  expect_one_clean_line(unclosed);
}

// What a new user trips on first gets its fix: a checkpoint instead of TorchScript, a preset's name in
// capitals or cut short, an input without a dtype.
TEST_F(Cli, CommonFirstMistakesAreAnsweredWithTheirFix) {
  const Result checkpoint = run("analyze " + flopscope::testing::model_path("test/state_dict.pt"));
  EXPECT_EQ(checkpoint.code, 4) << checkpoint.err;
  EXPECT_NE(checkpoint.err.find("is a torch.save checkpoint (a state_dict or a pickled module), not TorchScript: save the model "
                                "with torch.jit.script(model).save(PATH)"),
            std::string::npos) << checkpoint.err;
  expect_one_clean_line(checkpoint);
  EXPECT_EQ(run("analyze " + kMixed + " --hardware H100-SXM --depth 0").code, 0);
  const Result near = run("analyze " + kMixed + " --hardware H100");
  EXPECT_EQ(near.code, 12) << near.err;
  EXPECT_NE(near.err.find("unknown hardware 'H100': did you mean h100-sxm?"), std::string::npos) << near.err;
  expect_one_clean_line(near);
  const Result float_by_default = run("analyze " + kMixed + " --input 1x3x16x16 --depth 0");
  EXPECT_EQ(float_by_default.code, 0) << float_by_default.err;
  EXPECT_NE(float_by_default.out.find("1x3x16x16:float32:randn"), std::string::npos) << float_by_default.out;
  // -o names the format when --format does not.
  const std::string json = (dir_ / "report.json").string();
  ASSERT_EQ(run("analyze " + kMixed + " -o " + json).code, 0);
  EXPECT_EQ(nlohmann::json::parse(slurp(json))["method"], "forward");
  const std::string table = (dir_ / "report.json.txt").string();
  ASSERT_EQ(run("analyze " + kMixed + " -o " + table).code, 0);
  EXPECT_EQ(slurp(table).rfind("flopscope: ", 0), 0u);
  // ... and when both name one, they must agree.
  const Result contradiction = run("analyze " + kMixed + " --format csv -o " + json);
  EXPECT_EQ(contradiction.code, 2) << contradiction.err;
  EXPECT_NE(contradiction.err.find("--format csv but --output " + json + " names json"), std::string::npos) << contradiction.err;
  expect_one_clean_line(contradiction);
  // A mistyped option is named with the option it is nearest to.
  const Result typo = run("analyze " + kMixed + " --detph 2");
  EXPECT_EQ(typo.code, 2) << typo.err;
  EXPECT_EQ(typo.err, "flopscope: error: unknown option --detph; did you mean --depth? (see flopscope analyze --help)\n");
  const Result unknown = run("diff a.json b.json --zzzzzz");
  EXPECT_EQ(unknown.err, "flopscope: error: unknown option --zzzzzz (see flopscope diff --help)\n");
  // The header says when no kernel ran, and that no weight was read.
  EXPECT_NE(run("analyze " + kMixed + " --dry-run --depth 0 --width 0")
                .out.find("inputs 1x3x16x16:float32:randn  (dry run: shapes only, weights not read, no kernels ran)\n"),
            std::string::npos);
}

// The one-screen options: each refuses what it cannot do in one line, exit 2; --totals-only writes the
// totals a script needs, valid against the schema, and diff says why it cannot compare that file.
TEST_F(Cli, TableOptionsAndTotalsOnlyJson) {
  for (const std::string wrong : {"--width 60", "--units big", "--sort name", "--totals-only", "--totals-only --format csv"}) {
    const Result r = run("analyze " + kMixed + " --dry-run " + wrong);
    EXPECT_EQ(r.code, 2) << wrong << ": " << r.err;
    expect_one_clean_line(r);
  }
  EXPECT_NE(run("analyze " + kMixed + " --width 60").err.find("--width: 0 (no limit) or a number of columns from 80, not 60"),
            std::string::npos);
  EXPECT_NE(run("analyze " + kMixed + " --totals-only").err.find("--totals-only shapes the JSON report: add --format json"),
            std::string::npos);
  EXPECT_EQ(run("analyze " + kMixed + " --dry-run --units SI --sort PARAMS --width 80").code, 0);
  const std::string full = (dir_ / "full.json").string(), totals = (dir_ / "totals.json").string();
  ASSERT_EQ(run("analyze " + kMixed + " --dry-run -o " + full).code, 0);
  ASSERT_EQ(run("analyze " + kMixed + " --dry-run --totals-only -o " + totals).code, 0);
  const nlohmann::json a = nlohmann::json::parse(slurp(full)), b = nlohmann::json::parse(slurp(totals));
  EXPECT_EQ(flopscope::testing::schema_errors(b, "analyze"), "");
  EXPECT_EQ(b["totals_only"], true);
  EXPECT_FALSE(b.contains("modules") || b.contains("calls"));
  EXPECT_EQ(a["totals"], b["totals"]);
  EXPECT_EQ(a["towers"], b["towers"]);
  nlohmann::json no_modules = a;
  no_modules.erase("modules");
  EXPECT_NE(flopscope::testing::schema_errors(no_modules, "analyze"), "");  // only a totals-only report may leave them out
  const Result compared = run("diff " + full + " " + totals);
  EXPECT_EQ(compared.code, 15) << compared.err;
  EXPECT_NE(compared.err.find("was written with --totals-only: diff compares modules; write both reports without it"), std::string::npos)
      << compared.err;
  expect_one_clean_line(compared);
}

// The model's own warnings (TorchScript's warnings.warn) are one note each on stderr, not logger output.
TEST_F(Cli, ModelWarningsAreOneNoteEach) {
  if (!flopscope::testing::torchvision_loaded()) GTEST_SKIP() << "python3-torchvision is not installed";
  const Result r = run("analyze " + flopscope::testing::model_path("test/detection/ssdlite320_mobilenet_v3_large.pt") + " --depth 0");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "flopscope: note: the model warned: SSD always returns a (Losses, Detections) tuple in scripting\n");
}

// Operators from libraries: torchvision's is loaded where python3-torchvision installs it; a file
// calling one nobody loaded says what to load; --load-library's own mistakes are one line each.
TEST_F(Cli, OperatorLibrariesAreLoadedOrNamed) {
  const std::string json = (dir_ / "boxes.json").string();
  const std::string boxes = flopscope::testing::model_path("test/libraries/boxes.pt");
  bool torchvision_installed = false;
  std::error_code absent;
  for (const auto& entry : fs::directory_iterator("/usr/lib/python3/dist-packages/torchvision", absent)) {
    const std::string name = entry.path().filename().string();
    torchvision_installed = torchvision_installed || (name.rfind("_C", 0) == 0 && entry.path().extension() == ".so");
  }
  Result r = run("analyze " + boxes + " --format json -o " + json);
  if (torchvision_installed) {
    ASSERT_EQ(r.code, 0) << r.err;
    const nlohmann::json libraries = nlohmann::json::parse(slurp(json))["model"]["operator_libraries"];
    ASSERT_EQ(libraries.size(), 1u) << libraries.dump();
    EXPECT_EQ(libraries[0]["name"], "torchvision");
    EXPECT_EQ(libraries[0]["requested"], false);
    EXPECT_NE(run("analyze " + boxes + " --depth 0").out.find("\noperators from torchvision: /usr/lib/python3/dist-packages/torchvision/_C"),
              std::string::npos);
    // The plain models do not depend on it.
    EXPECT_TRUE(nlohmann::json::parse(run("analyze " + kMixed + " --format json").out)["model"]["operator_libraries"].empty());
  } else {
    EXPECT_EQ(r.code, 10) << r.err;
    expect_one_clean_line(r);
    EXPECT_NE(r.err.find("calls torchvision::"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("install python3-torchvision"), std::string::npos) << r.err;
  }
  r = run("analyze " + flopscope::testing::model_path("test/libraries/custom_ops.pt"));
  EXPECT_EQ(r.code, 10) << r.err;
  expect_one_clean_line(r);
  EXPECT_NE(r.err.find("calls customops::"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("pass --load-library with the shared object that registers it"), std::string::npos) << r.err;
  r = run("analyze " + kMixed + " --load-library /nonexistent/libops.so");
  EXPECT_EQ(r.code, 3) << r.err;
  expect_one_clean_line(r);
  r = run("analyze " + kMixed + " --load-library " + flopscope::testing::model_path("test/mixed.json"));
  EXPECT_EQ(r.code, 10) << r.err;
  expect_one_clean_line(r);
  EXPECT_NE(r.err.find("does not load"), std::string::npos) << r.err;
}

TEST_F(Cli, CudaWithoutAGpuIsOneClearLine) {
  if (torch::cuda::is_available()) GTEST_SKIP() << "a GPU is visible: --device cuda runs (tests/test_cuda.cpp)";
  for (const std::string dry : {"", " --dry-run"}) {
    const Result r = run("analyze " + kMixed + " --device cuda" + dry);
    EXPECT_EQ(r.code, 10) << dry;
    expect_one_clean_line(r);
    EXPECT_NE(r.err.find("--device cuda: this flopscope is built against a LibTorch without CUDA"), std::string::npos) << r.err;
  }
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
