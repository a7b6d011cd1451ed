// The report formats: CSV and Markdown carry the table's rows with exact integers, groups summed over
// their repeats; the registry finds every format by name.
#include <gtest/gtest.h>

#include <numeric>
#include <sstream>

#include "flopscope/counting/formula_coverage.h"
#include "flopscope/analysis/diff.h"
#include "flopscope/core/error.h"
#include "flopscope/reports/diff_report.h"
#include "flopscope/reports/module_table.h"
#include "flopscope/reports/number_format.h"
#include "flopscope/reports/report_formats.h"
#include "flopscope/reports/text_table.h"
#include "flopscope/reports/workload.h"
#include "test_helpers.h"

namespace flopscope {
namespace {

// RFC 4180 fields of one CSV line (quoted fields may hold commas; no line breaks in ours).
std::vector<std::string> csv_fields(const std::string& line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (c == '"' && quoted && i + 1 < line.size() && line[i + 1] == '"') fields.back() += line[++i];
    else if (c == '"') quoted = !quoted;
    else if (c == ',' && !quoted) fields.emplace_back();
    else fields.back() += c;
  }
  return fields;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

class Reports : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    LoadOptions load;
    load.meta = true;
    model_ = new Model(Model::load(testing::model_path("openclip/ViT-B-16.pt"), load));
    RunRequest request;
    request.threads = 1;
    plan_ = new RunPlan(plan_run(*model_, request));
    recording_ = new Recording(record(*model_, plan_->options, formula_coverage()));
    analysis_ = new Analysis(analyze(*model_, *recording_));
  }
  static void TearDownTestSuite() {
    delete analysis_;
    delete recording_;
    delete plan_;
    delete model_;
  }
  AnalyzedRun run() const {
    return {model_, &plan_->options, recording_, analysis_, count_towers(*model_, *recording_, *analysis_, plan_->towers), "test"};
  }
  int64_t module_flops(const std::string& name) const {
    return analysis_->modules.at(static_cast<size_t>(model_->find_module(name))).total.flops();
  }

  static Model* model_;
  static RunPlan* plan_;
  static Recording* recording_;
  static Analysis* analysis_;
};
Model* Reports::model_ = nullptr;
RunPlan* Reports::plan_ = nullptr;
Recording* Reports::recording_ = nullptr;
Analysis* Reports::analysis_ = nullptr;

TableOptions down_to_depth(int depth) {
  TableOptions options;
  options.depth = depth;
  return options;
}

TEST_F(Reports, CsvHasOneRowPerTableRowWithExactIntegers) {
  const TableOptions options;
  const std::vector<std::string> lines = lines_of(render_csv(run(), options));
  ASSERT_EQ(lines.size(), module_lines(run(), options).size() + 1);
  const std::vector<std::string> header = csv_fields(lines[0]);
  const auto column = [&](const std::string& name) {
    return static_cast<size_t>(std::find(header.begin(), header.end(), name) - header.begin());
  };
  ASSERT_LT(column("seconds"), header.size());
  const std::vector<std::string> model_row = csv_fields(lines[1]);
  ASSERT_EQ(model_row.size(), header.size());
  EXPECT_EQ(model_row[column("module")], "");
  EXPECT_EQ(model_row[column("inputs")], "1x3x224x224, 1x77");  // quoted: it holds a comma
  EXPECT_EQ(std::stoll(model_row[column("flops")]), 41'225'670'624);  // OpenCLIP's 41.23 GFLOPs
  EXPECT_EQ(std::stoll(model_row[column("macs")]), analysis_->total.macs);
  EXPECT_EQ(std::stoll(model_row[column("params")]), 149'620'737);
  EXPECT_EQ(model_row[column("seconds")], "");  // a dry run has no times

  // The image tower's 12 blocks are one row: repeat 12, counts of the 12 added up.
  int64_t twelve = 0;
  for (int i = 0; i < 12; ++i) twelve += module_flops("visual.transformer.resblocks." + std::to_string(i));
  bool found = false;
  for (const auto& line : lines) {
    const std::vector<std::string> row = csv_fields(line);
    if (row[column("module")] != "visual.transformer.resblocks.[0-11]") continue;
    found = true;
    EXPECT_EQ(row[column("repeat")], "12");
    EXPECT_EQ(row[column("calls")], "12");
    EXPECT_EQ(std::stoll(row[column("flops")]), twelve);
    EXPECT_EQ(row[column("depth")], "3");  // (model), visual, transformer, resblocks.[0-11] (the ModuleList's row)
  }
  EXPECT_TRUE(found);
}

TEST_F(Reports, MarkdownHasTheTableRowsAndTheTotals) {
  const TableOptions options = down_to_depth(2);
  const std::string markdown = render_markdown(run(), options);
  const std::vector<std::string> lines = lines_of(markdown);
  const auto table_rows = std::count_if(lines.begin(), lines.end(), [](const std::string& l) { return l.rfind("| ", 0) == 0; });
  EXPECT_EQ(static_cast<size_t>(table_rows), module_lines(run(), options).size() + 1);  // and the header
  // params, FLOPs, matmul FLOPs, elementwise FLOPs, MACs
  EXPECT_NE(markdown.find("| `visual.conv1` | Conv2d | 1 | 1x3x224x224 | 1x768x14x14 | 589,824 | 231,211,008 | 231,211,008 | 0 | "
                          "115,605,504 |"),
            std::string::npos)
      << markdown;
  EXPECT_NE(markdown.find("FLOPs 41,225,670,624 (41.23 GFLOPs)"), std::string::npos);
  EXPECT_NE(markdown.find("1 multiply-add = 1 MAC = 2 FLOPs"), std::string::npos);
  EXPECT_NE(markdown.find("(dry run: shapes only, weights not read, no kernels ran)"), std::string::npos);
}

TEST(TextTable, ColumnsAreLeftOutInOrderUntilTheRowsFit) {
  const std::vector<std::vector<std::string>> rows = {{"name", "a", "b", "n"}, {"x", "aaaaaaaaaa", "bbbbbbbbbb", "1"}};
  EXPECT_TRUE(fit_text_table(rows, 3, {"a", "b"}, 31).left_out.empty());  // 4 + 10 + 10 + 1 + 3 gaps of 2
  const FittedTable narrower = fit_text_table(rows, 3, {"b", "a"}, 30);
  EXPECT_EQ(narrower.left_out, std::vector<std::string>{"b"});
  EXPECT_EQ(narrower.text, "name  a           n\n-------------------\nx     aaaaaaaaaa  1\n");
  EXPECT_EQ(left_out_line(narrower, 30), "  (to fit 30 columns: left out\n   b; --width 0 shows all)\n");  // wrapped too
  const FittedTable too_narrow = fit_text_table(rows, 3, {"a"}, 5);  // only what may go goes; cells are never cut
  EXPECT_EQ(too_narrow.left_out, std::vector<std::string>{"a"});
  EXPECT_NE(too_narrow.text.find("bbbbbbbbbb"), std::string::npos);
  // Then the cells of one column are cut in the middle, to no fewer than 16 characters.
  const std::vector<std::vector<std::string>> named = {{"name", "type"}, {"x", "RelativePositionalMultiHeadAttention"}, {"y", "Linear"}};
  const FittedTable cut = fit_text_table(named, 2, {}, 30, {"type"});
  EXPECT_EQ(cut.text, "name  type\n----------\nx     RelativePos..adAttention\ny     Linear\n");  // 4 + 2 + 24
  EXPECT_EQ(left_out_line(cut, 80), "  (to fit 80 columns: type cut to 24 characters at '..'; --width 0 shows all)\n");
  EXPECT_EQ(fit_text_table(named, 2, {}, 10, {"type"}).shortened[0].second, 16u);
  EXPECT_FALSE(fit_text_table(named, 2, {}, 10, {"type"}).fits);
  // A tree's indentation stays when its labels are cut.
  const std::vector<std::vector<std::string>> tree = {{"module", "n"}, {"(model)", "1"}, {"      a_rather_long_module_name", "2"}};
  EXPECT_EQ(fit_text_table(tree, 1, {}, 22, {"module"}).text,
            "module               n\n----------------------\n(model)              1\n      a_rath.._name  2\n");
  EXPECT_TRUE(fit_text_table(rows, 3, {"a", "b"}, 0).left_out.empty());
  EXPECT_EQ(left_out_line(fit_text_table(rows, 3, {"a", "b"}, 0), 0), "");
}

TEST(TextTable, LinesWrapWithinTheWidthOnlyWhereAllowed) {
  EXPECT_EQ(wrap_text("  lead: ", "one two three four", 18), "  lead: one two\n        three four\n");
  EXPECT_EQ(wrap_text("  lead: ", "one two three four", 0), "  lead: one two three four\n");
  EXPECT_EQ(wrap_text("  ", "a; b c; d", 9, "; "), "  a; b c;\n  d\n");  // never between b and c
  EXPECT_EQ(wrap_text("  ", "calls 3  e.g. x", 120), "  calls 3  e.g. x\n");  // spacing kept
  EXPECT_EQ(wrap_text("", "averyveryverylongword short", 5), "averyveryverylongword\nshort\n");
}

TEST(NumberFormat, RoundNumbersForTicksAndSignificantDigitsForTables) {
  EXPECT_EQ(round_number(20e6, "FLOPs"), "20 MFLOPs");
  EXPECT_EQ(round_number(1.5e9, "FLOP/s"), "1.5 GFLOP/s");
  EXPECT_EQ(round_number(0, "FLOPs"), "0 FLOPs");
  EXPECT_EQ(round_seconds(0.05), "50 ms");
  EXPECT_EQ(round_seconds(1.2), "1.2 s");
  EXPECT_EQ(round_seconds(2e-4), "200 us");
  EXPECT_EQ(significant(2458.85, 3), "2459");
  EXPECT_EQ(significant(26.9, 3), "26.9");
  EXPECT_EQ(significant(0.5, 3), "0.500");
  EXPECT_EQ(human_seconds(0.455807), "456 ms");
}

TEST_F(Reports, EveryFormatIsFoundByItsName) {
  for (const auto& format : report_formats()) {
    EXPECT_FALSE(find_format(report_formats(), format.name).render(run(), down_to_depth(0)).empty()) << format.name;
  }
  try {
    find_format(report_formats(), "xml");
    ADD_FAILURE() << "xml is not a format";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::Usage);
    EXPECT_NE(std::string(e.what()).find("table, json, csv, markdown"), std::string::npos) << e.what();
  }
}

// The schemas check what they say: a report missing a field, or with a negative count, is refused.
TEST_F(Reports, SchemasRefuseWhatTheyDoNotDescribe) {
  const nlohmann::json good = render_json(run(), true);
  EXPECT_EQ(testing::schema_errors(good, "analyze"), "");
  nlohmann::json missing = good, negative = good, bad_status = good;
  missing.erase("totals");
  negative["modules"][1]["counts"]["flops"] = -1;
  bad_status["calls"][0]["status"] = "fine";
  for (const nlohmann::json& report : {missing, negative, bad_status}) EXPECT_NE(testing::schema_errors(report, "analyze"), "");
  EXPECT_NE(testing::schema_errors(good, "zoo"), "");  // an analyze report is not a zoo report
}

// The table and the HTML page show the same total lines; the table's stay within 120 columns.
TEST_F(Reports, TableAndPageShowTheSameTotals) {
  const std::string table = render_table(run(), down_to_depth(0));
  const std::string page = render_html(run(), down_to_depth(0));
  const std::vector<TotalLine> lines = total_lines(run());
  ASSERT_GE(lines.size(), 8u);
  EXPECT_EQ(lines[1].exact, "41,225,670,624");  // FLOPs
  EXPECT_EQ(lines[2].exact, "41,086,447,616");  // of which matmul
  for (const auto& line : lines) {
    const std::string shown = line.exact.empty() ? line.human : line.exact;
    EXPECT_NE(table.find(line.name + std::string(18 - line.name.size() - 2 * static_cast<size_t>(line.depth), ' ') + shown),
              std::string::npos)
        << line.name;
    EXPECT_NE(page.find(">" + line.name + "</th><td class=\"n\">" + line.exact + "</td>"), std::string::npos) << line.name;
  }
  const size_t from = table.find("\nTotals"), to = table.find("\n\n", from + 1);
  for (const auto& row : lines_of(table.substr(from, to - from))) EXPECT_LE(row.size(), 120u) << row;
}

// At the default width every line of the table fits 120 columns, the roofline's on three devices and
// three precisions too; the columns left out are named, and --width 0 shows them all.
TEST_F(Reports, TheTableFits120Columns) {
  const HardwareQuestion question = parse_hardware_question("h100-sxm,rtx4090,ryzen-7950x", "fp32,bf16,int8", "", 30);
  AnalyzedRun with_roofline = run();
  with_roofline.hardware = &question;
  const std::string table = render_table(with_roofline, {});
  for (const auto& line : lines_of(table)) EXPECT_LE(line.size(), 120u) << line;
  EXPECT_NE(table.find("\n  (to fit 120 columns: left out inputs, outputs, matmul FLOPs, elementwise FLOPs; type cut to 29 characters at"),
            std::string::npos)
      << table;
  // The tree: each module by its name under its parent, the 12 image blocks' c_fc with their FLOPs;
  // the ModuleList holding them is the group's row.
  const std::string c_fc = with_separators(12 * module_flops("visual.transformer.resblocks.0.mlp.c_fc"));
  EXPECT_NE(table.find("\n          c_fc  "), std::string::npos) << table;
  EXPECT_NE(table.find("\n      resblocks.[0-11] (x12)  "), std::string::npos) << table;
  EXPECT_EQ(table.find("ModuleList"), std::string::npos) << table;
  EXPECT_NE(table.find(c_fc), std::string::npos) << c_fc;
  EXPECT_EQ(table.find("visual.transformer.resblocks.[0-11]"), std::string::npos);
  TableOptions unlimited;
  unlimited.width = 0;
  const std::string wide = render_table(with_roofline, unlimited);
  EXPECT_EQ(wide.find("left out"), std::string::npos);
  for (const std::string column : {"inputs", "elementwise FLOPs", "fused bytes"}) {  // a dry run measures no time to show
    EXPECT_NE(wide.find(column), std::string::npos) << column;
  }
  size_t widest = 0;
  for (const auto& line : lines_of(wide)) widest = std::max(widest, line.size());
  EXPECT_GT(widest, 120u);
}

// One screen: the conventions fold to a line naming --conventions; --summary is one line; --top K
// lists the modules by the FLOPs of their own, which add up to the model's.
TEST_F(Reports, SummaryTopAndFoldedConventions) {
  const std::string table = render_table(run(), {});
  EXPECT_NE(table.find("\nOther tools: 41.09 GFLOPs matmul only (OpenCLIP, FlopCounterMode); 20.54 G MACs (fvcore, ptflops); "
                       "--conventions: all 13\n"),
            std::string::npos)
      << table;
  EXPECT_EQ(table.find("thop-style"), std::string::npos);
  TableOptions all;
  all.all_conventions = true;
  EXPECT_NE(render_table(run(), all).find("Linear/Conv module calls only (thop-style hooks)"), std::string::npos);

  TableOptions summary;
  summary.summary = true;
  EXPECT_EQ(render_table(run(), summary), model_->path() +
                                              ": params 149.62 M, FLOPs 41.23 GFLOPs, MACs 20.54 G, matmul 99.66% of FLOPs, dry run "
                                              "(1 MAC = 2 FLOPs)\n");

  TableOptions top;
  top.top = 100;
  const std::vector<std::string> lines = lines_of(render_table(run(), top));
  std::vector<std::string> rows;
  for (const auto& line : lines) {
    if (!line.empty() && std::isdigit(static_cast<unsigned char>(line[0]))) rows.push_back(line);
  }
  ASSERT_EQ(rows.size(), 20u);
  EXPECT_EQ(rows.front().rfind("1   visual.transformer.resblocks.[0-11].attn (x12)  ", 0), 0u) << rows.front();
  EXPECT_NE(rows.front().find(with_separators(12 * module_flops("visual.transformer.resblocks.0.attn"))), std::string::npos);
  EXPECT_NE(rows.back().find("100.00%"), std::string::npos) << rows.back();  // the own FLOPs add up to the model's
  for (const auto& line : lines) EXPECT_LE(line.size(), 120u) << line;
  top.top = 3;
  EXPECT_NE(render_table(run(), top).find("The 3 modules with the most FLOPs of their own, of 20 that have any"), std::string::npos);
}

// After a real run each module's time sits beside the FLOP/s it achieved and the share of
// this-machine's bound it reached (bound / measured); four devices still fit 120 columns, and the JSON
// carries the same three figures. Times are set by hand (every called module 2 ms: conv1 at 68% of its
// bound) so that the expected cells are exact.
TEST_F(Reports, MeasuredTimesAreComparedWithThisMachinesBound) {
  constexpr double kSeconds = 0.002;
  HardwareQuestion question = parse_hardware_question("h100-sxm,rtx4090,ryzen-7950x", "fp32", "", 0);
  const nlohmann::json this_machine = {
      {"name", kThisMachine},
      {"memory_bandwidth_GBps", {{"value", 64}, {"source", "test"}}},
      {"dense_peak_TFLOPS", {{"fp32", {{"value", 0.17}, {"source", "test"}}}}}};
  question.devices.push_back(parse_hardware(this_machine, "this-machine.json"));
  Recording timed = *recording_;
  timed.timed = true;
  Analysis measured_analysis = *analysis_;
  for (ModuleCounts& m : measured_analysis.modules) m.seconds = m.calls > 0 ? kSeconds : 0.0;
  AnalyzedRun measured = {model_, &plan_->options, &timed, &measured_analysis,
                          count_towers(*model_, timed, measured_analysis, plan_->towers), "test"};
  measured.hardware = &question;

  const std::string table = render_table(measured, {});
  for (const auto& line : lines_of(table)) EXPECT_LE(line.size(), 120u) << line;
  EXPECT_NE(table.find("; of bound: this-machine's bound / measured"), std::string::npos) << table;
  EXPECT_NE(table.find("(to fit 120 columns: left out achieved, fused bytes, calls, FLOPs; --width 0 shows all)"), std::string::npos)
      << table;

  const int conv1 = model_->find_module("visual.conv1");
  const Workload w = module_workload(measured_analysis, {conv1});
  const PrecisionChoice fp32 = question.precisions.at(0);
  const double bound = roofline_bound(w.flops, w.integer_flops, projected_bytes(w.traffic, fp32), question.devices.back(), Precision::FP32).seconds();
  ASSERT_GT(bound, 0.0);
  TableOptions unlimited;
  unlimited.width = 0;
  const std::string wide = render_table(measured, unlimited);
  const size_t row = wide.find("\n    conv1 ", wide.find("\nRoofline at fp32"));
  ASSERT_NE(row, std::string::npos) << wide;
  const std::string conv1_row = wide.substr(row, wide.find('\n', row + 1) - row);
  for (const std::string& cell : {human_seconds(kSeconds), human_rate(static_cast<double>(w.flops) / kSeconds, "FLOP/s"),
                                 fixed(100.0 * bound / kSeconds, 1) + "%"}) {
    EXPECT_NE(conv1_row.find("  " + cell), std::string::npos) << cell << " in " << conv1_row;
  }

  const nlohmann::json j = render_json(measured, false);
  EXPECT_EQ(testing::schema_errors(j, "analyze"), "");
  int conv1_entries = 0;
  for (const auto& m : j["roofline"]["precisions"][0]["modules"]) {
    EXPECT_EQ(m["measured_seconds"], kSeconds) << m["name"];
    if (m["name"] != "visual.conv1") continue;
    ++conv1_entries;
    EXPECT_DOUBLE_EQ(m["achieved_flop_per_second"].get<double>(), static_cast<double>(w.flops) / kSeconds);
    EXPECT_DOUBLE_EQ(m["fraction_of_bound"].get<double>(), bound / kSeconds);
  }
  EXPECT_EQ(conv1_entries, 1);
  // A dry run has no times: none of the three appear.
  AnalyzedRun dry = run();
  dry.hardware = &question;
  const nlohmann::json dry_json = render_json(dry, false);
  EXPECT_FALSE(dry_json["roofline"]["precisions"][0]["total"].contains("measured_seconds"));
  EXPECT_EQ(render_table(dry, unlimited).find("of bound"), std::string::npos);
}

// A real run's forward time, in three digits; a dry run has none to give.
TEST_F(Reports, TheTableGivesTheForwardTimeInThreeDigits) {
  EXPECT_EQ(render_table(run(), down_to_depth(0)).find("forward time"), std::string::npos);
  Recording timed = *recording_;
  timed.timed = true;
  timed.seconds = 0.0123456;
  AnalyzedRun measured = run();
  measured.recording = &timed;
  const std::string table = render_table(measured, down_to_depth(0));
  EXPECT_NE(table.find("\n  forward time      12.3 ms: with the recording hooks on\n"), std::string::npos) << table;
}

// What a newcomer sees first fits one 120 x 50 screen; at any width from 80 every line of every
// section fits, the module table giving up exact counts for SI prefixes before columns.
TEST_F(Reports, OneScreenAndEveryLineWithinTheWidth) {
  const std::string table = render_table(run(), {});
  EXPECT_LE(lines_of(table).size(), 50u) << table;
  EXPECT_NE(table.find("  out_proj            NonDynamically..tizableLinear  0        7,087,104       in parent"), std::string::npos)
      << table;
  EXPECT_NE(table.find("\n  (5 rows without parameters or work not shown: Identity x49; --all-rows shows them)\n"), std::string::npos);
  EXPECT_NE(table.find("\n  (LayerNorm x51, e.g. ln_final, is a subclass of torch.nn.modules.normalization.LayerNorm, counted by its rule)\n"),
            std::string::npos);
  TableOptions all_rows;
  all_rows.all_rows = true;
  EXPECT_NE(render_table(run(), all_rows).find("\n    patch_dropout  "), std::string::npos);

  const HardwareQuestion question = parse_hardware_question("h100-sxm,rtx4090,ryzen-7950x", "fp32,bf16", "", 30);
  AnalyzedRun with_roofline = run();
  with_roofline.hardware = &question;
  for (const size_t width : {80, 100, 120, 160}) {
    for (const Units units : {Units::Fit, Units::Exact, Units::SI}) {
      for (const int top : {0, 10}) {
        TableOptions options;
        options.width = width;
        options.units = units;
        options.top = top;
        options.all_conventions = top > 0;
        options.crosscheck = true;
        for (const auto& line : lines_of(render_table(with_roofline, options))) {
          EXPECT_LE(line.size(), width) << "width " << width << ", units " << static_cast<int>(units) << ", top " << top << ": " << line;
        }
      }
    }
  }
  TableOptions narrow;
  narrow.width = 80;
  const std::string at80 = render_table(run(), narrow);
  EXPECT_NE(at80.find("\n(model)                       CLIP                  149.62 M    41.23 G  100.00%\n"), std::string::npos) << at80;
  EXPECT_NE(at80.find("counts with SI prefixes"), std::string::npos);
  narrow.units = Units::Exact;
  EXPECT_NE(render_table(run(), narrow).find("149,620,737"), std::string::npos);
}

// --sort orders each row's children, the tree kept; --top ranks by the same column.
TEST_F(Reports, SortOrdersSiblingsAndTopRanksByTheSameColumn) {
  TableOptions by_params = down_to_depth(1);
  by_params.sort = "params";
  const std::string table = render_table(run(), by_params);
  const size_t visual = table.find("\n  visual "), text = table.find("\n  transformer "), embedding = table.find("\n  token_embedding ");
  ASSERT_NE(embedding, std::string::npos) << table;
  EXPECT_LT(visual, text);  // 86.19 M, 37.83 M, 25.30 M
  EXPECT_LT(text, embedding);
  by_params.top = 1;
  by_params.depth = -1;
  EXPECT_NE(render_table(run(), by_params).find("\n1  visual.transformer.resblocks.[0-11].mlp.c_fc (x12)  Linear"), std::string::npos);
  TableOptions wrong;
  wrong.sort = "name";
  EXPECT_THROW(render_table(run(), wrong), Error);
}

}  // namespace
}  // namespace flopscope

namespace flopscope {
namespace {

// The JSON report of a dry run of a bundled OpenCLIP model.
nlohmann::json dry_report(const std::string& relative) {
  return testing::report_json(relative, std::nullopt, true, 1);  // without invocation and timing: the diff reads neither
}

TEST(ReportDiff, MatchesModulesByPathAndExplainsTheChange) {
  const nlohmann::json a = dry_report("openclip/ViT-B-32.pt");
  const nlohmann::json b = dry_report("openclip/ViT-B-16.pt");
  const ReportDiff diff = diff_reports(a, "a.json", b, "b.json");
  EXPECT_EQ(diff.a_total.flops, a["totals"]["flops"].get<int64_t>());
  EXPECT_EQ(diff.b_total.flops, 41'225'670'624);
  const auto conv = std::find_if(diff.modules.begin(), diff.modules.end(), [](const ModuleDiff& m) { return m.path == "visual.conv1"; });
  ASSERT_NE(conv, diff.modules.end());
  EXPECT_EQ(conv->a.params, 768 * 3 * 32 * 32);  // patch 32 vs patch 16
  EXPECT_EQ(conv->b.params, 768 * 3 * 16 * 16);
  EXPECT_EQ(conv->a.inputs, "1x3x224x224");
  const auto block = std::find_if(diff.modules.begin(), diff.modules.end(),
                                  [](const ModuleDiff& m) { return m.path == "visual.transformer.resblocks.5"; });
  ASSERT_NE(block, diff.modules.end());
  EXPECT_EQ(block->a.inputs, "50x1x768");  // 7 x 7 patches + class token
  EXPECT_EQ(block->b.inputs, "197x1x768");  // 14 x 14 + 1

  const std::string table = render_diff_table(diff, {});
  EXPECT_NE(table.find("\n        [0-11] (x12)  "), std::string::npos) << table;  // the image blocks, under resblocks
  for (const auto& line : lines_of(table)) EXPECT_LE(line.size(), 120u) << line;  // the inputs column left out
  EXPECT_NE(table.find("(to fit 120 columns: left out inputs, type; --width 0 shows all)"), std::string::npos);
  DiffOptions unlimited;
  unlimited.width = 0;
  EXPECT_NE(render_diff_table(diff, unlimited).find("50x1x768 -> 197x1x768"), std::string::npos);
  EXPECT_NE(table.find("+" + with_separators(diff.b_total.flops - diff.a_total.flops)), std::string::npos);
  for (const size_t width : {80, 100}) {  // narrower: SI prefixes before anything is cut
    DiffOptions narrow;
    narrow.width = width;
    const std::string text = render_diff_table(diff, narrow);
    for (const auto& line : lines_of(text)) EXPECT_LE(line.size(), width) << line;
    EXPECT_NE(text.find("activation x activation FLOPs"), std::string::npos) << text;
  }
  const nlohmann::json json = render_diff_json(diff);
  EXPECT_EQ(json["modules"].size(), a["modules"].size());  // the same architecture: every module matched
  EXPECT_FALSE(render_diff_markdown(diff, {}).empty());
}

TEST(ReportDiff, JsonCarriesTheChangeOfEveryCount) {
  const nlohmann::json a = dry_report("openclip/ViT-L-14.pt");
  const nlohmann::json b = dry_report("openclip/ViT-L-14-336.pt");
  const nlohmann::json json = render_diff_json(diff_reports(a, "a.json", b, "b.json"));
  EXPECT_EQ(testing::schema_errors(json, "diff"), "");
  const nlohmann::json& total = json["totals"]["change"];
  EXPECT_EQ(total["status"], "changed");
  EXPECT_EQ(total["matmul_flops"]["delta"].get<int64_t>(), 219'894'251'520);  // the terminal's "+219,894,251,520"
  const double flops_a = static_cast<double>(a["totals"]["matmul_flops"].get<int64_t>());
  EXPECT_DOUBLE_EQ(total["matmul_flops"]["ratio"].get<double>(), (flops_a + 219'894'251'520.0) / flops_a);
  const int64_t params_delta = b["totals"]["params"].get<int64_t>() - a["totals"]["params"].get<int64_t>();
  EXPECT_EQ(total["params"]["delta"].get<int64_t>(), params_delta);
  EXPECT_EQ(params_delta, (577 - 257) * 1024);  // only the position embedding grows: 24 x 24 + 1 tokens, not 16 x 16 + 1

  const auto module = [&](const std::string& path) {
    for (const auto& m : json["modules"]) if (m["module"] == path) return m;
    return nlohmann::json();
  };
  EXPECT_EQ(module("visual.conv1")["change"]["params"]["delta"], 0);
  EXPECT_EQ(module("visual.conv1")["change"]["params"]["ratio"], 1.0);
  EXPECT_EQ(module("visual.conv1")["change"]["flops"]["ratio"], 576.0 / 256.0);  // 24 x 24 patches instead of 16 x 16
  EXPECT_EQ(module("visual.conv1")["change"]["status"], "changed");
  EXPECT_EQ(module("token_embedding")["change"]["status"], "unchanged");  // the text tower reads 77 tokens on both sides
}

TEST(ReportDiff, ModulesOnlyOneSideHasAreAddedOrRemoved) {
  nlohmann::json a = dry_report("openclip/ViT-B-32.pt");
  nlohmann::json b = a;
  b["modules"].erase(b["modules"].size() - 1);  // ln_final is not in B
  nlohmann::json extra = b["modules"][1];
  extra["name"] = "visual.extra";
  b["modules"].push_back(extra);
  const ReportDiff diff = diff_reports(a, "a.json", b, "b.json");
  const std::string table = render_diff_table(diff, {-1});
  EXPECT_NE(table.find("removed"), std::string::npos) << table;
  EXPECT_NE(table.find("added"), std::string::npos) << table;
  const nlohmann::json json = render_diff_json(diff);
  EXPECT_EQ(testing::schema_errors(json, "diff"), "");
  const nlohmann::json& removed = json["modules"][a["modules"].size() - 1]["change"];
  EXPECT_EQ(removed["status"], "removed");
  EXPECT_EQ(removed["params"]["delta"].get<int64_t>(), -a["modules"].back()["params"].get<int64_t>());
  EXPECT_TRUE(removed["params"]["ratio"].is_null());
  const nlohmann::json& added = json["modules"].back()["change"];
  EXPECT_EQ(added["status"], "added");
  EXPECT_EQ(added["flops"]["delta"].get<int64_t>(), extra["counts"]["flops"].get<int64_t>());
}

TEST(ReportDiff, RefusesReportsThatDoNotCompare) {
  const nlohmann::json a = dry_report("test/mixed.pt");
  nlohmann::json other_schema = a, other_convention = a;
  other_schema["schema_version"] = 1;
  other_convention["conventions"] = "1 MAC = 1 FLOP";
  for (const nlohmann::json& b : {other_schema, other_convention, nlohmann::json{{"rows", 3}}}) {
    try {
      diff_reports(a, "a.json", b, "b.json");
      ADD_FAILURE() << b.dump().substr(0, 80);
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ExitCode::BadReport);
      EXPECT_NE(std::string(e.what()).find("b.json"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace flopscope
