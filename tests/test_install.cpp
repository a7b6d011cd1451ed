// flopscope installed like any Debian tool: the man page says what the binary does, bash completes
// its commands and options, and a C++ project finds the installed library with find_package. The
// .deb itself is installed into a fresh Debian 12 root by tools/check-deb.sh (CI).
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <sstream>

#include "command.h"
#include "test_helpers.h"

namespace flopscope {
namespace {

namespace fs = std::filesystem;
using testing::Result;

class Install : public testing::CommandTest {
 protected:
  // The subcommands `flopscope --help` lists.
  std::vector<std::string> subcommands() {
    const Result help = run("'" + testing::cli_path() + "' --help");
    std::vector<std::string> names;
    std::istringstream lines(help.out.substr(help.out.find("Subcommands:")));
    std::string line;
    std::getline(lines, line);
    while (std::getline(lines, line)) {
      if (line.size() < 3 || line.compare(0, 2, "  ") != 0 || line[2] == ' ') continue;  // a wrapped description goes on
      std::istringstream words(line);
      std::string name;
      if (words >> name) names.push_back(name);
    }
    return names;
  }

  // What bash's completion of flopscope offers for the words typed so far (the last one incomplete).
  std::string complete(const std::string& words) {
    const Result r = run("bash -c 'source \"" + testing::source_dir() + "/tools/packaging/flopscope.bash\"; COMP_WORDS=(\"" +
                         testing::cli_path() + "\" " + words + "); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _flopscope; echo \"${COMPREPLY[*]}\"'");
    EXPECT_EQ(r.code, 0) << r.err;
    return r.out;
  }
};

TEST_F(Install, ManPageHasEveryCommandAndExitCode) {
  const std::string page = testing::slurp(testing::build_dir() + "/flopscope.1");
  ASSERT_FALSE(page.empty()) << "the build writes build/flopscope.1";
  const std::vector<std::string> commands = subcommands();
  ASSERT_GE(commands.size(), 7u);
  for (const std::string& command : commands) EXPECT_NE(page.find(".SS " + command + "\n"), std::string::npos) << command;
  EXPECT_NE(page.find("--dry-run"), std::string::npos);  // a subcommand's options are there
  for (int code = 0; code <= 15; ++code) {
    EXPECT_NE(page.find(".TP\n" + std::to_string(code) + "\n"), std::string::npos) << "exit code " << code;
  }
  // man renders it without a warning.
  const Result man = run("MANWIDTH=100 man --warnings -l '" + testing::build_dir() + "/flopscope.1'");
  EXPECT_EQ(man.code, 0) << man.err;
  EXPECT_EQ(man.err, "");
  EXPECT_NE(man.out.find("EXIT STATUS"), std::string::npos);
}

// Every help page within 80 columns, named by the program (not the path it was started by), with
// examples to copy.
TEST_F(Install, HelpFits80ColumnsAndShowsExamples) {
  const std::vector<std::string> commands = subcommands();
  EXPECT_EQ(commands, (std::vector<std::string>{"analyze", "hardware", "sweep", "generate", "pipeline", "zoo", "planning", "diff", "formulas"}));
  for (const std::string& command : commands) {
    const Result help = run("'" + testing::cli_path() + "' " + command + " --help");
    EXPECT_EQ(help.code, 0) << command;
    EXPECT_NE(help.out.find("Usage: flopscope " + command + " "), std::string::npos) << help.out;
    EXPECT_NE(help.out.find("Examples:\n  flopscope " + command), std::string::npos) << help.out;
    std::istringstream lines(help.out);
    for (std::string line; std::getline(lines, line);) EXPECT_LE(line.size(), 80u) << command << ": " << line;
  }
  std::istringstream top(run("'" + testing::cli_path() + "' --help").out);
  for (std::string line; std::getline(top, line);) EXPECT_LE(line.size(), 80u) << line;
}

// A user has only what the product shows: no page of it names the project's internal documents or
// its way of working (a "seed" table, an issue or a stop by number, a session, shared/). Scanned: the
// README, every page of docs/, the man page, each command's --help, and a report in every format.
TEST_F(Install, NoWordOnlyItsAuthorsKnow) {
  const std::regex insider(R"(\bseeds? #?0[0-9][0-9]\b|\bseed (document|table|doc)|\bthe seed's\b|\bissue #?[0-9]|\bstop [0-9]|)"
                           R"(\bthis session\b|\bsession's\b|\bCEO\b|\bshared/|DEVELOPERS\.md)",
                           std::regex::icase);
  std::vector<std::pair<std::string, std::string>> texts = {{"README.md", testing::slurp(testing::source_dir() + "/README.md")},
                                                            {"man page", testing::slurp(testing::build_dir() + "/flopscope.1")}};
  for (const auto& entry : fs::recursive_directory_iterator(testing::source_dir() + "/docs")) {
    if (entry.path().extension() == ".md") texts.emplace_back(entry.path().string(), testing::slurp(entry.path().string()));
  }
  ASSERT_GE(texts.size(), 12u);
  for (const std::string& command : subcommands()) {
    texts.emplace_back(command + " --help", run("'" + testing::cli_path() + "' " + command + " --help").out);
  }
  for (const char* format : {"table", "json", "csv", "markdown", "html"}) {
    const Result report = run("'" + testing::cli_path() + "' analyze '" + testing::model_path("test/convnet.pt") +
                              "' --dry-run --crosscheck --hardware rtx4090 --fps 30 --format " + format);
    EXPECT_EQ(report.code, 0) << report.err;
    texts.emplace_back(std::string("--format ") + format, report.out);
  }
  for (const auto& [name, text] : texts) {
    std::smatch found;
    EXPECT_FALSE(std::regex_search(text, found, insider)) << name << ": '" << found.str() << "'";
  }
}

TEST_F(Install, BashCompletesCommandsOptionsAndFiles) {
  EXPECT_EQ(complete("an"), "analyze\n");
  EXPECT_EQ(complete("d"), "diff\n");
  EXPECT_EQ(complete("analyze --dry"), "--dry-run\n");
  EXPECT_EQ(complete("sweep --rep"), "--repeat\n");
  const std::string files = complete("analyze '" + testing::source_dir() + "/torchscript_models/test/mix'");  // in directory order
  EXPECT_NE(files.find(testing::model_path("test/mixed.pt")), std::string::npos) << files;
  EXPECT_NE(files.find(testing::model_path("test/mixed.json")), std::string::npos) << files;
}

TEST_F(Install, CppProjectFindsTheInstalledLibrary) {
  const fs::path prefix = dir_ / "prefix", build = dir_ / "consumer";
  const Result install = run("cmake --install '" + testing::build_dir() + "' --prefix '" + prefix.string() + "'");
  ASSERT_EQ(install.code, 0) << install.err;
  for (const char* file : {"bin/flopscope", "share/man/man1/flopscope.1.gz", "share/bash-completion/completions/flopscope",
                           "share/flopscope/hardware/h100-sxm.json", "share/doc/flopscope/docs/cli.md",
                           "include/flopscope/analysis/analysis.h", "lib/cmake/flopscope/flopscopeConfig.cmake"}) {
    EXPECT_TRUE(fs::exists(prefix / file)) << file;
  }
  // The installed binary reads the presets installed beside it, not the source tree's.
  const Result presets = run("'" + (prefix / "bin/flopscope").string() + "' hardware");
  EXPECT_EQ(presets.code, 0) << presets.err;
  EXPECT_NE(presets.out.find("from " + (prefix / "share/flopscope/hardware/h100-sxm.json").string()), std::string::npos) << presets.out;
  const Result configure = run("cmake -S '" + testing::source_dir() + "/tests/consumer' -B '" + build.string() + "' -DCMAKE_PREFIX_PATH='" +
                               prefix.string() + "'");
  ASSERT_EQ(configure.code, 0) << configure.out << configure.err;
  const Result compile = run("cmake --build '" + build.string() + "'");
  ASSERT_EQ(compile.code, 0) << compile.out << compile.err;
  const Result count = run("'" + (build / "count_flops").string() + "' '" + testing::model_path("test/mixed.pt") + "'");
  EXPECT_EQ(count.code, 0) << count.err;
  EXPECT_EQ(count.out, "608384\n");  // 544,896 matmul + 63,488 elementwise, as the tool reports
}

}  // namespace
}  // namespace flopscope
