// Text tables: columns padded to their widest cell, numbers right-aligned, a rule under the header.
#pragma once

#include <string>
#include <vector>

namespace flopscope {

// rows[0] is the header. Columns from `right_aligned_from` on are right-aligned.
std::string format_text_table(const std::vector<std::vector<std::string>>& rows, size_t right_aligned_from);

}  // namespace flopscope
