// diff: two analyze JSON reports compared module by module.
#include "flopscope/app/commands.h"

#include <cstdio>

#include "flopscope/core/error.h"
#include "flopscope/reports/diff_report.h"

namespace flopscope {

WorkResult diff_command(const DiffRequest& request) {
  const ReportDiff diff = diff_reports(read_report(request.a), request.a, read_report(request.b), request.b);
  WorkResult result{{{request.output, find_format(diff_formats(), request.format).render(diff, request.options)}}};
  if (request.fail_above) {
    const std::vector<std::string> changes = changes_above(diff, *request.fail_above, request.per_module);
    if (!changes.empty()) {
      char threshold[32];
      std::snprintf(threshold, sizeof threshold, "%g%%", *request.fail_above);
      result.exit_code = static_cast<int>(ExitCode::CheckFailed);
      result.message = "--fail-above " + std::string(threshold) + ": " + std::to_string(changes.size()) + " change(s) above it: " + changes[0] +
                       (changes.size() > 1 ? "; " + changes[1] : "") + (changes.size() > 2 ? "; ..." : "");
    }
  }
  return result;
}

}  // namespace flopscope
