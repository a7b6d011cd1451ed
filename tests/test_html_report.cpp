// The HTML report, opened in a real browser: Debian's headless Chromium loads the file offline, runs
// its script (a #open= or #sort= address drives it as a click would), and the test reads the DOM it
// dumps, its console log and a screenshot. Chromium comes from tools/install_deps.sh.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

#include "command.h"
#include "flopscope/reports/module_table.h"
#include "test_helpers.h"

namespace flopscope {
namespace {

namespace fs = std::filesystem;
using testing::Result;

class HtmlReport : public testing::CommandTest {
 protected:
  // `flopscope analyze ARGS --format html -o report.html`; the page's path.
  std::string analyze(const std::string& args) {
    const fs::path page = dir_ / "report.html";
    const Result r = run("'" + testing::cli_path() + "' analyze " + args + " --format html -o '" + page.string() + "'");
    EXPECT_EQ(r.code, 0) << r.err;
    return page.string();
  }

  // Chromium, headless and offline, on the page with `address` after '#'; `mode` is --dump-dom or
  // --screenshot=FILE. Root (as CI runs) needs --no-sandbox.
  Result browse(const std::string& page, const std::string& address, const std::string& mode) {
    const Result r = run("timeout 120 chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-extensions "
                         "--user-data-dir='" + (dir_ / "profile").string() + "' --enable-logging=stderr --window-size=1280,1600 " +
                         mode + " 'file://" + page + (address.empty() ? "" : "#" + address) + "'");
    EXPECT_EQ(r.code, 0) << r.err;
    return r;
  }

  // The DOM after the page's script ran, which must have finished without an error.
  std::string dom(const std::string& page, const std::string& address = "") {
    const Result r = browse(page, address, "--dump-dom");
    EXPECT_EQ(r.err.find("Uncaught"), std::string::npos) << r.err;  // the page's console
    const std::string& html = r.out;
    EXPECT_NE(html.find("data-ready=\"true\""), std::string::npos) << "the page's script did not finish";
    EXPECT_EQ(html.find("data-js-error=\""), std::string::npos) << html.substr(0, 400);
    return r.out;
  }

};

// Where the module tree's row for `path` is (the FLOPs chart before it names modules too).
size_t row_position(const std::string& html, const std::string& path) {
  return html.find("data-path=\"" + path + "\"", html.find("<table id=\"modules\""));
}

// The opening tag of the module tree's row for `path`.
std::string row_tag(const std::string& html, const std::string& path) {
  const size_t at = row_position(html, path);
  if (at == std::string::npos) return "";
  const size_t open = html.rfind("<tr", at);
  return html.substr(open, html.find('>', at) - open + 1);
}

bool hidden(const std::string& tag) { return std::regex_search(tag, std::regex(R"(\shidden(=""|\s|>))")); }

TEST_F(HtmlReport, OpensOfflineWithTotalsTreeChartAndNoScriptError) {
  const std::string page = analyze("'" + testing::model_path("openclip/ViT-B-16.pt") + "' --dry-run");
  const std::string html = dom(page);
  EXPECT_NE(html.find("41,225,670,624"), std::string::npos);  // FLOPs, exact
  EXPECT_NE(html.find("149,620,737"), std::string::npos);     // parameters, exact
  EXPECT_NE(html.find("1 multiply-add = 1 MAC = 2 FLOPs"), std::string::npos);
  EXPECT_NE(html.find("LibTorch"), std::string::npos);
  EXPECT_NE(html.find("<svg id=\"icicle\""), std::string::npos);
  EXPECT_NE(html.find("<g data-path=\"visual.transformer.resblocks.[0-11].mlp\" data-label=\"mlp (x12) in visual\">"), std::string::npos);
  // Nothing is fetched: no address but the page's own anchors.
  const std::string source = testing::slurp(page);
  EXPECT_EQ(source.find("http://"), source.find("http://www.w3.org/2000/svg"));
  EXPECT_EQ(source.find("https://"), std::string::npos);
  EXPECT_EQ(source.find(" src="), std::string::npos);
  // The first levels are open; a group's blocks are folded until asked for.
  EXPECT_FALSE(hidden(row_tag(html, "visual.transformer.resblocks.[0-11]"))) << row_tag(html, "visual.transformer.resblocks.[0-11]");
  EXPECT_TRUE(hidden(row_tag(html, "visual.transformer.resblocks.[0-11].attn")));
}

// The attribute `name`'s value on the page's <body> (as the measuring script below sets them).
double body_number(const std::string& html, const std::string& name) {
  std::smatch found;
  if (!std::regex_search(html, found, std::regex(name + "=\"(-?[0-9.]+)\""))) return -1e9;
  return std::stod(found[1].str());
}

// At 1280 x 800, what a reader sees first: the totals and the FLOPs chart above the fold, no sideways
// scrolling (the tree leaves columns out, the page says which), every block of the chart labelled
// uniquely, both towers folded by one rule, and the docs as links. Measured by a script added to a
// copy of the page, as a reader's window lays it out.
TEST_F(HtmlReport, FitsA1280x800WindowWithTotalsAndChartAboveTheFold) {
  const std::string page = analyze("'" + testing::model_path("openclip/ViT-B-16.pt") + "' --dry-run");
  std::string source = testing::slurp(page);
  const std::string measure =
      "<script>(function () { const b = document.body, box = (s) => document.querySelector(s).getBoundingClientRect();"
      " const tree = document.querySelector('#modules').parentElement;"
      " b.setAttribute('data-window', window.innerWidth); b.setAttribute('data-page-width', document.documentElement.scrollWidth);"
      " b.setAttribute('data-tree-overflow', tree.scrollWidth - tree.clientWidth);"
      " b.setAttribute('data-totals-bottom', box('#totals').bottom); b.setAttribute('data-chart-bottom', box('#icicle').bottom);"
      " b.setAttribute('data-note-shown', document.querySelector('.left-out').offsetParent !== null ? 1 : 0); })();</script>";
  source.insert(source.rfind("</body>"), measure);
  const std::string measured = (dir_ / "measured.html").string();
  std::ofstream(measured, std::ios::binary) << source;
  const Result r = run("timeout 120 chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-extensions --user-data-dir='" +
                       (dir_ / "profile").string() + "' --window-size=1280,800 --dump-dom 'file://" + measured + "'");
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string& html = r.out;
  ASSERT_EQ(body_number(html, "data-window"), 1280) << html.substr(0, 300);
  EXPECT_LE(body_number(html, "data-page-width"), 1280);
  EXPECT_LE(body_number(html, "data-tree-overflow"), 0);
  EXPECT_LE(body_number(html, "data-totals-bottom"), 800);
  EXPECT_LE(body_number(html, "data-chart-bottom"), 800);
  EXPECT_EQ(body_number(html, "data-note-shown"), 1);  // the columns left out are named
  // Every block of the chart has a label of its own.
  std::set<std::string> labels;
  int blocks = 0;
  const std::regex label("data-label=\"([^\"]*)\"");
  for (std::sregex_iterator it(html.begin(), html.end(), label), end; it != end; ++it, ++blocks) {
    EXPECT_TRUE(labels.insert((*it)[1].str()).second) << "two blocks read " << (*it)[1].str();
  }
  EXPECT_GE(blocks, 16);
  EXPECT_NE(html.find("data-label=\"transformer in visual\""), std::string::npos);
  EXPECT_NE(html.find("data-label=\"resblocks.[0-11] (x12) in visual\""), std::string::npos);
  // One folding rule: both towers open down to their group of blocks, whose blocks are folded.
  for (const std::string tower : {"visual.transformer.resblocks.[0-11]", "transformer.resblocks.[0-11]"}) {
    EXPECT_FALSE(hidden(row_tag(html, tower))) << tower;
    EXPECT_TRUE(hidden(row_tag(html, tower + ".attn"))) << tower;
  }
  // The docs it names are links to the pages.
  EXPECT_NE(html.find("<a href=\"file://"), std::string::npos);
  EXPECT_TRUE(std::regex_search(html, std::regex("<a href=\"file://[^\"]+/bytes\\.md\">docs/bytes\\.md</a>")));
  EXPECT_NE(html.find("counted by the rule of the type they extend"), std::string::npos);
  EXPECT_NE(html.find(">in parent</td>"), std::string::npos);
  const std::string screenshot = (dir_ / "report-1280.png").string();
  browse(page, "", "--screenshot='" + screenshot + "'");
  EXPECT_GT(fs::file_size(screenshot), 10'000u);
}

TEST_F(HtmlReport, ExpandingAGroupShowsItsBlocks) {
  const std::string page = analyze("'" + testing::model_path("openclip/ViT-B-16.pt") + "' --dry-run");
  const std::string html = dom(page, "open=visual.transformer.resblocks.[0-11]");
  const std::string group = row_tag(html, "visual.transformer.resblocks.[0-11]");
  EXPECT_NE(group.find("target"), std::string::npos) << group;
  for (const char* child : {"ln_1", "attn", "ln_2", "mlp"}) {
    EXPECT_FALSE(hidden(row_tag(html, std::string("visual.transformer.resblocks.[0-11].") + child))) << child;
  }
  EXPECT_TRUE(hidden(row_tag(html, "visual.transformer.resblocks.[0-11].mlp.c_fc")));  // one level at a time
  EXPECT_TRUE(hidden(row_tag(html, "transformer.resblocks.[0-11].mlp.c_fc")));  // the text tower's stay folded
  // A module that is not in the report is an error the page reports.
  const Result wrong = browse(page, "open=no.such.module", "--dump-dom");
  EXPECT_NE(wrong.err.find("Uncaught Error: no module no.such.module"), std::string::npos) << wrong.err;
  EXPECT_NE(wrong.out.find("data-js-error=\"Uncaught Error: no module no.such.module in this report\""), std::string::npos);
}

TEST_F(HtmlReport, SortingKeepsChildrenUnderTheirParent) {
  const std::string page = analyze("'" + testing::model_path("openclip/ViT-B-16.pt") + "' --dry-run");
  const auto position = row_position;
  const std::string block = "visual.transformer.resblocks.[0-11].";
  const std::string unsorted = dom(page);
  EXPECT_LT(position(unsorted, block + "attn"), position(unsorted, block + "mlp"));  // the model's order
  const std::string sorted = dom(page, "sort=flops");
  EXPECT_LT(position(sorted, block + "mlp"), position(sorted, block + "attn"));  // the MLP does more
  EXPECT_LT(position(sorted, block + "attn"), position(sorted, block + "ln_1"));
  EXPECT_LT(position(sorted, "visual.transformer.resblocks.[0-11]"), position(sorted, block + "mlp"));
  EXPECT_LT(position(sorted, block + "ln_2"), position(sorted, "visual.ln_post"));  // still inside visual.transformer
  EXPECT_NE(sorted.find("class=\"n sorted\" data-sort=\"flops\""), std::string::npos);
}

TEST_F(HtmlReport, RealRunHasTimesRooflineCrossCheckVerdictAndAScreenshot) {
  const std::string page = analyze("'" + testing::model_path("test/mixed.pt") + "' --crosscheck --hardware h100-sxm,rtx4090");
  const std::string html = dom(page);
  EXPECT_NE(html.find("<h2>Roofline</h2>"), std::string::npos);
  EXPECT_NE(html.find("data-sort=\"time\""), std::string::npos);
  EXPECT_NE(html.find("real forward on cpu"), std::string::npos);
  EXPECT_NE(html.find("544,896"), std::string::npos);  // the hand-counted matmul FLOPs
  EXPECT_NE(html.find("<span class=\"verdict-ok\">all agree</span>"), std::string::npos);
  const fs::path png = dir_ / "report.png";
  browse(page, "", "--screenshot='" + png.string() + "'");
  const std::string image = testing::slurp(png);
  ASSERT_GT(image.size(), 10'000u) << "an empty page";
  EXPECT_EQ(image.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
}

TEST_F(HtmlReport, UncoveredOpsAreHighlighted) {
  const std::string page = analyze("'" + testing::model_path("test/odd.pt") + "'");
  const std::string html = dom(page);
  EXPECT_NE(html.find("Uncovered ops: their work is NOT"), std::string::npos);
  EXPECT_NE(html.find("<tr class=\"bad\"><td><code>aten::_logcumsumexp</code>"), std::string::npos);
}

TEST_F(HtmlReport, TextFromTheUserIsEscaped) {
  // A file name is the user's text on the page: it must stay text.
  const std::string stem = (dir_ / "a<img src=x onerror=alert(1)>&\"b").string();
  fs::copy_file(testing::model_path("test/mixed.pt"), stem + ".pt");
  fs::copy_file(testing::model_path("test/mixed.json"), stem + ".json");
  const std::string page = analyze("'" + stem + ".pt'");
  const std::string html = dom(page);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_NE(html.find("a&lt;img src=x onerror=alert(1)&gt;&amp;\"b.pt"), std::string::npos);
}

TEST_F(HtmlReport, EveryModuleOfTheLargestModelUngroupedIsARow) {
  const std::string model = testing::model_path("openclip/EVA02-E-14.pt");
  const std::string page = analyze("'" + model + "' --dry-run --no-group");
  const std::string html = dom(page, "sort=params");
  LoadOptions load;
  load.meta = true;
  const size_t modules = Model::load(model, load).modules().size();
  ASSERT_GT(modules, 1500u);  // EVA02-E-14: 1,563
  size_t rows = 0;
  for (size_t at = html.find("<table id=\"modules\""); (at = html.find("<tr data-p=", at + 1)) != std::string::npos;) ++rows;
  EXPECT_EQ(rows, modules);
}

}  // namespace
}  // namespace flopscope
