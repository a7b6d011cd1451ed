#include <iostream>

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
  if (!result.note.empty()) std::cerr << "flopscope: note: " << result.note << "\n";
  if (result.exit_code != 0) throw Error(static_cast<ExitCode>(result.exit_code), result.message);
}

}  // namespace flopscope
