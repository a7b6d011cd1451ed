#include "reports/docs_links.h"

#include "svg_kit.h"

#include <filesystem>
#include <regex>

namespace flopscope {

std::string docs_directory() {
  std::error_code ignored;
  const std::filesystem::path beside =
      std::filesystem::read_symlink("/proc/self/exe", ignored).parent_path().parent_path() / FLOPSCOPE_RELATIVE_DOCS_DIR;
  if (!ignored && std::filesystem::is_directory(beside, ignored)) return beside.string();
  if (std::filesystem::is_directory(FLOPSCOPE_SOURCE_DOCS_DIR, ignored)) return FLOPSCOPE_SOURCE_DOCS_DIR;
  return FLOPSCOPE_INSTALLED_DOCS_DIR;
}

std::string link_docs(const std::string& html) {
  static const std::regex page(R"(docs/([A-Za-z0-9_-]+\.md))");
  std::string folder = svg::escape(docs_directory());
  for (size_t at = folder.find('$'); at != std::string::npos; at = folder.find('$', at + 2)) folder.insert(at, "$");  // a literal $
  return std::regex_replace(html, page, "<a href=\"file://" + folder + "/$1\">docs/$1</a>");
}

}  // namespace flopscope
