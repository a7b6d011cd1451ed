// Text tables: columns padded to their widest cell, numbers right-aligned, a rule under the header.
#pragma once

#include <string>
#include <vector>

namespace flopscope {

// rows[0] is the header. Columns from `right_aligned_from` on are right-aligned.
std::string format_text_table(const std::vector<std::vector<std::string>>& rows, size_t right_aligned_from);

// The same rows as a Markdown pipe table; `alignment` has one letter per column, 'l' or 'r'
// ("llrr"). A '|' inside a cell is escaped.
std::string format_markdown_table(const std::vector<std::vector<std::string>>& rows, const std::string& alignment);

}  // namespace flopscope
