#include <iostream>
#include <sstream>
#include <string>

#include "flopscope/app/commands.h"
#include "flopscope/reports/output_file.h"

namespace flopscope {

void deliver(const WorkResult& result) {
  for (const auto& output : result.outputs) {
    if (output.path.empty()) {
      std::cout << output.content;
      std::cout.flush();
    } else {
      write_file_atomically(output.path, output.content);
    }
  }
  std::istringstream notes(result.note);
  for (std::string line; std::getline(notes, line);) std::cerr << "flopscope: note: " << line << "\n";
  if (result.exit_code != 0) throw Error(static_cast<ExitCode>(result.exit_code), result.message);
}

}  // namespace flopscope
