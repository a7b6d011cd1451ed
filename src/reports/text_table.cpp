#include "flopscope/reports/text_table.h"

#include <algorithm>
#include <sstream>

namespace flopscope {

namespace {

std::vector<size_t> column_widths(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width;
  for (const auto& row : rows) {
    width.resize(std::max(width.size(), row.size()), 0);
    for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  }
  return width;
}

// Columns of the widest cells plus two spaces between columns: the width format_text_table gives.
size_t table_width(const std::vector<std::vector<std::string>>& rows) {
  const std::vector<size_t> width = column_widths(rows);
  size_t total = width.empty() ? 0 : 2 * (width.size() - 1);
  for (const size_t w : width) total += w;
  return total;
}

}  // namespace

std::string format_text_table(const std::vector<std::vector<std::string>>& rows, size_t right_aligned_from) {
  const std::vector<size_t> width = column_widths(rows);
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

FittedTable fit_text_table(std::vector<std::vector<std::string>> rows, size_t right_aligned_from,
                           const std::vector<std::string>& droppable, size_t width, const std::vector<std::string>& shortenable) {
  FittedTable fitted;
  const auto fits = [&]() { return width == 0 || rows.empty() || table_width(rows) <= width; };
  for (const std::string& name : droppable) {
    if (fits()) break;
    const auto found = std::find(rows[0].begin(), rows[0].end(), name);
    if (found == rows[0].end()) continue;
    const size_t column = static_cast<size_t>(found - rows[0].begin());
    for (auto& row : rows) {
      if (column < row.size()) row.erase(row.begin() + static_cast<std::ptrdiff_t>(column));
    }
    if (column < right_aligned_from) --right_aligned_from;
    fitted.left_out.push_back(name);
  }
  for (const std::string& name : shortenable) {
    if (fits()) break;
    const size_t cut = static_cast<size_t>(std::find(rows[0].begin(), rows[0].end(), name) - rows[0].begin());
    if (cut >= rows[0].size()) continue;
    const size_t widest = column_widths(rows)[cut], excess = table_width(rows) - width;
    const size_t keep = std::max<size_t>({16, rows[0][cut].size(), widest > excess ? widest - excess : 0});
    for (size_t r = 1; r < rows.size(); ++r) {
      std::string& cell = rows[r][cut];
      if (cell.size() <= keep) continue;
      // Leading spaces (a tree's indentation) stay; the text after them keeps its two ends.
      const size_t indent = std::min(cell.find_first_not_of(' '), cell.size());
      const size_t text = std::max<size_t>(keep > indent ? keep - indent : 0, 8);
      const size_t head = (text - 1) / 2, tail = text - 2 - head;  // "..": two of the kept characters
      cell = cell.substr(0, indent + head) + ".." + cell.substr(cell.size() - tail);
    }
    if (keep < widest) fitted.shortened.emplace_back(name, keep);
  }
  fitted.fits = fits();
  fitted.text = format_text_table(rows, right_aligned_from);
  return fitted;
}

FittedTable fit_counts_table(const std::function<std::vector<std::vector<std::string>>(bool si)>& cells, size_t right_aligned_from,
                             const std::vector<std::string>& droppable, const std::vector<std::string>& more_droppable,
                             size_t width, const std::vector<std::string>& shortenable, Units units, size_t exact_cuts) {
  std::vector<std::string> all = droppable;
  all.insert(all.end(), more_droppable.begin(), more_droppable.end());
  FittedTable table;
  if (units != Units::SI) {
    const bool fit = units == Units::Fit;
    table = fit_text_table(cells(false), right_aligned_from, fit ? droppable : all, width,
                           fit ? std::vector<std::string>(shortenable.begin(), shortenable.begin() + static_cast<std::ptrdiff_t>(
                                                                                                std::min(exact_cuts, shortenable.size())))
                               : shortenable);
    if (table.fits || !fit) return table;
  }
  table = fit_text_table(cells(true), right_aligned_from, all, width, shortenable);
  if (units == Units::Fit) table.also_changed.push_back("counts with SI prefixes");
  return table;
}

std::string left_out_line(const FittedTable& table, size_t width) {
  if (table.left_out.empty() && table.shortened.empty() && table.also_changed.empty()) return "";
  std::string changes;
  for (const auto& name : table.left_out) changes += (changes.empty() ? "left out " : ", ") + name;
  for (const std::string& change : table.also_changed) changes += (changes.empty() ? "" : "; ") + change;
  for (const auto& [name, length] : table.shortened) {
    changes += (changes.empty() ? "" : "; ") + name + " cut to " + std::to_string(length) + " characters at '..'";
  }
  return wrap_text("  (", "to fit " + std::to_string(width) + " columns: " + changes + "; --width 0 shows all)", width);
}

std::string wrap_text(const std::string& lead, const std::string& text, size_t width, const std::string& break_after) {
  const auto trim_right = [](std::string& line) { line.erase(line.find_last_not_of(' ') + 1); };
  std::string out = lead;
  size_t column = lead.size();
  bool line_empty = true;  // nothing of `text` on this line yet
  for (size_t at = 0; at < text.size();) {
    const size_t cut = text.find(break_after, at);
    const size_t end = cut == std::string::npos ? text.size() : cut + break_after.size();
    std::string piece = text.substr(at, end - at);
    at = end;
    std::string visible = piece;
    trim_right(visible);
    if (!line_empty && width > 0 && column + visible.size() > width) {
      trim_right(out);
      piece.erase(0, piece.find_first_not_of(' '));
      out += "\n" + std::string(lead.size(), ' ');
      column = lead.size();
    }
    out += piece;
    column += piece.size();
    line_empty = false;
  }
  trim_right(out);
  return out + "\n";
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
