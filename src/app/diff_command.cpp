// diff: two analyze JSON reports compared module by module.
#include "flopscope/app/commands.h"
#include "flopscope/reports/diff_report.h"

namespace flopscope {

WorkResult diff_command(const DiffRequest& request) {
  const ReportDiff diff = diff_reports(read_report(request.a), request.a, read_report(request.b), request.b);
  return {{{request.output, find_format(diff_formats(), request.format).render(diff, request.options)}}};
}

}  // namespace flopscope
