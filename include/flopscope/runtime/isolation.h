// Isolation — the part of a command that touches a model file runs in a forked child process, so a
// runaway or hostile model can't hang, exhaust or crash flopscope, nor leave a half-written report.
//
// The parent forks before any model is opened, waits with a deadline and receives the child's
// finished outputs (report texts) over a pipe; only the parent writes files. The child runs under
// RLIMIT_DATA (--max-memory), and once its model file is open, a seccomp filter that refuses opening
// files, sockets, exec and ptrace (docs/isolation.md). --no-isolate runs the same work in-process.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "flopscope/core/error.h"

namespace flopscope {

struct IsolationLimits {
  bool isolate = true;           // false: run in this process (--no-isolate), no limits apply
  double timeout_seconds = 0.0;  // 0: none
  int64_t max_memory_bytes = 0;  // 0: default_memory_limit(); negative: none
};

// Three quarters of physical memory: the rest of the machine keeps room.
int64_t default_memory_limit();
// The limit a child runs under, in bytes: max_memory_bytes, default_memory_limit() for 0, and 0 (none)
// for a negative value or without isolation.
int64_t effective_memory_limit(const IsolationLimits& limits);
// "8G", "512M", "64K", "1073741824" (binary units: 1G = 2^30 bytes). Throws Error(Usage).
int64_t parse_memory_size(const std::string& text);

// What a command produced: texts for stdout (empty path) or for files, written by the caller, and
// an exit status to give after writing them (--strict fails after the report is out).
struct WorkResult {
  struct Output {
    std::string path;
    std::string content;
  };
  std::vector<Output> outputs;
  int exit_code = 0;
  std::string message{};  // why exit_code is not 0
  std::string note{};     // what the user should know of the run, a line each (a fallback, the model's warnings); "" if none
};

// Runs `work` in a child process under `limits` and returns its result. An Error thrown by `work`
// is rethrown here with its code and message. A timeout throws Error(Timeout), the child's death by a
// signal Error(Crashed) and an exhausted memory limit Error(OutOfMemory), each naming what the child
// was doing (note_stage) and its peak memory.
WorkResult run_isolated(const std::function<WorkResult()>& work, const IsolationLimits& limits);

// How one child ended: its result, or the Error run_isolated would have thrown.
using IsolatedOutcome = std::variant<WorkResult, Error>;

// Runs each of `works` in its own child under the same `limits`, at most `jobs` at a time, and
// returns their outcomes in the order of `works`; `on_done(index, outcome)` is called in the parent as
// each one ends. One child's failure does not stop the others. Without isolation: in this process,
// one after another.
std::vector<IsolatedOutcome> run_isolated_each(const std::vector<std::function<WorkResult()>>& works,
                                               const IsolationLimits& limits, int jobs,
                                               const std::function<void(size_t, const IsolatedOutcome&)>& on_done = {});

// Says what the child is doing now, as the concatenation of `parts` ("running ", "forward", " of ",
// "'visual.conv1'"), for the parent's message if it dies. Copies into shared memory without
// allocating (it runs at every module call); a no-op outside an isolated child.
void note_stage(std::initializer_list<std::string_view> parts);

// Installs the seccomp filter in this process: open/openat/creat, socket/connect/bind/listen/accept,
// execve/execveat, ptrace, process_vm_readv/writev fail with EPERM from now on. A no-op outside an
// isolated child. Throws Error(Internal) if the filter cannot be installed.
void enter_sandbox();
// The same filter, installed unconditionally (tests check it in a child of their own).
void install_sandbox_filter();

}  // namespace flopscope
