// Text tables: columns padded to their widest cell, numbers right-aligned, a rule under the header.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace flopscope {

// The width terminal reports keep to unless told otherwise (--width).
constexpr size_t kTerminalWidth = 120;

// rows[0] is the header. Columns from `right_aligned_from` on are right-aligned.
std::string format_text_table(const std::vector<std::vector<std::string>>& rows, size_t right_aligned_from);

// A text table within `width` columns (0: any width): the columns named in `droppable` are left out,
// first named first, until the rows fit; if they still do not, the cells of the column named
// `shortenable` are cut in the middle ("RelativePo..Attention"), to no fewer than 16 characters.
// Other cells are never cut: a table whose other columns are wider stays wider.
struct FittedTable {
  std::string text;
  std::vector<std::string> left_out;  // the columns left out
  std::string shortened;              // the column whose longer cells were cut, "" when none was
  size_t shortened_to = 0;            // its cells' length after the cut
};
FittedTable fit_text_table(std::vector<std::vector<std::string>> rows, size_t right_aligned_from,
                           const std::vector<std::string>& droppable, size_t width, const std::string& shortenable = "");

// "  (to fit 120 columns: left out inputs, outputs; type cut to 20 characters at '..'; --width 0
// shows all)\n"; "" when the table was not changed.
std::string left_out_line(const FittedTable& table, size_t width);

// `lead` + `text` in lines within `width` columns (0: one line), broken only after `break_after`, each
// further line indented as far as `lead` is long; ends with a newline. A piece longer than a line
// stays whole.
std::string wrap_text(const std::string& lead, const std::string& text, size_t width, const std::string& break_after = " ");

// The same rows as a Markdown pipe table; `alignment` has one letter per column, 'l' or 'r'
// ("llrr"). A '|' inside a cell is escaped.
std::string format_markdown_table(const std::vector<std::vector<std::string>>& rows, const std::string& alignment);

}  // namespace flopscope
