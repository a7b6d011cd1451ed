// Links from the HTML page to the documentation installed with flopscope (or, run from a build tree,
// its source tree's docs/), so that "docs/bytes.md" in a page is a link a reader can follow offline.
#pragma once

#include <string>

namespace flopscope {

// The folder holding the docs' pages: beside the program (PREFIX/share/doc/flopscope/docs), else the
// source tree's docs/, else the configured install prefix's.
std::string docs_directory();

// `html` (already escaped) with every mention of a page, "docs/NAME.md", made a file:// link to that
// page in docs_directory().
std::string link_docs(const std::string& html);

}  // namespace flopscope
