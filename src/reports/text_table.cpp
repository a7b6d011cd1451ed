#include "flopscope/reports/text_table.h"

#include <algorithm>
#include <sstream>

namespace flopscope {

std::string format_text_table(const std::vector<std::vector<std::string>>& rows, size_t right_aligned_from) {
  std::vector<size_t> width;
  for (const auto& row : rows) {
    width.resize(std::max(width.size(), row.size()), 0);
    for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  }
  std::ostringstream out;
  for (size_t r = 0; r < rows.size(); ++r) {
    std::string line;
    for (size_t c = 0; c < rows[r].size(); ++c) {
      const std::string& cell = rows[r][c];
      const std::string pad(width[c] - cell.size(), ' ');
      line += (c ? "  " : "") + (c >= right_aligned_from ? pad + cell : cell + pad);
    }
    line.erase(line.find_last_not_of(' ') + 1);
    out << line << '\n';
    if (r == 0) out << std::string(line.size(), '-') << '\n';
  }
  return out.str();
}

std::string format_markdown_table(const std::vector<std::vector<std::string>>& rows, const std::string& alignment) {
  std::ostringstream out;
  for (size_t r = 0; r < rows.size(); ++r) {
    out << '|';
    for (const auto& cell : rows[r]) {
      out << ' ';
      for (const char c : cell) out << (c == '|' ? "\\|" : std::string(1, c));
      out << " |";
    }
    out << '\n';
    if (r == 0) {
      out << '|';
      for (const char a : alignment) out << (a == 'r' ? "---:|" : "---|");
      out << '\n';
    }
  }
  return out.str();
}

}  // namespace flopscope
