// Text tables: columns padded to their widest cell, numbers right-aligned, a rule under the header.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace flopscope {

// The width terminal reports keep to unless told otherwise (--width).
constexpr size_t kTerminalWidth = 120;

// rows[0] is the header. Columns from `right_aligned_from` on are right-aligned.
std::string format_text_table(const std::vector<std::vector<std::string>>& rows, size_t right_aligned_from);

// A text table within `width` columns (0: any width): the columns named in `droppable` are left out,
// first named first, until the rows fit; if they still do not, the longer cells of the columns named
// in `shortenable` are cut in the middle ("RelativePo..Attention"), one column after the other, to no
// fewer than 16 characters (a cell's leading spaces are kept). Other cells are never cut: a table
// whose other columns are wider stays wider.
struct FittedTable {
  std::string text;
  bool fits = true;
  std::vector<std::string> left_out;                     // the columns left out
  std::vector<std::pair<std::string, size_t>> shortened;  // the columns whose longer cells were cut, and their length after
  std::vector<std::string> also_changed;                 // other changes made to fit, as left_out_line says them
};
FittedTable fit_text_table(std::vector<std::vector<std::string>> rows, size_t right_aligned_from,
                           const std::vector<std::string>& droppable, size_t width, const std::vector<std::string>& shortenable = {});

// How a table writes counts: exact integers, with SI prefixes ("41.23 G"), or exact unless the table
// would then not fit its width.
enum class Units { Fit, Exact, SI };

// A table of counts, its cells written by `cells(si)`, within `width`: with exact integers when
// leaving out `droppable` and cutting the first `exact_cuts` columns of `shortenable` is enough
// (Units::Fit), else with SI prefixes and `more_droppable` left out too, then `shortenable` cut; a
// line under it names every change.
FittedTable fit_counts_table(const std::function<std::vector<std::vector<std::string>>(bool si)>& cells, size_t right_aligned_from,
                             const std::vector<std::string>& droppable, const std::vector<std::string>& more_droppable,
                             size_t width, const std::vector<std::string>& shortenable, Units units, size_t exact_cuts = 1);

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
