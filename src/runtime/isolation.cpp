#include "flopscope/runtime/isolation.h"

#include <poll.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <algorithm>
#include <new>
#include <optional>
#include <variant>

#include "flopscope/core/error.h"

namespace flopscope {
namespace {

constexpr size_t kStageBytes = 512;
char* g_stage = nullptr;  // this child's stage board, shared with the parent; set only in a child

std::string mib_text(int64_t bytes) { return std::to_string((bytes + (1 << 19)) >> 20) + " MiB"; }

// The data segment this process has already (VmData: heap and private writable mappings, including
// a sanitizer's shadow memory), so that --max-memory limits what the run adds, not what was there.
int64_t current_data_bytes() {
  FILE* status = std::fopen("/proc/self/status", "r");
  if (status == nullptr) return 0;
  char line[256];
  long long kib = 0;
  while (std::fgets(line, sizeof line, status) != nullptr) {
    if (std::sscanf(line, "VmData: %lld kB", &kib) == 1) break;
  }
  std::fclose(status);
  return static_cast<int64_t>(kib) * 1024;
}

// ---- the result's wire format: length-prefixed fields, so any bytes travel unchanged -----------

void put(std::string& out, const std::string& field) {
  const uint64_t size = field.size();
  out.append(reinterpret_cast<const char*>(&size), sizeof size);
  out += field;
}

bool take(const std::string& in, size_t& at, std::string& field) {
  uint64_t size = 0;
  if (in.size() - at < sizeof size) return false;
  std::memcpy(&size, in.data() + at, sizeof size);
  at += sizeof size;
  if (in.size() - at < size) return false;
  field = in.substr(at, size);
  at += size;
  return true;
}

// kind "ok": exit code, message, note, then path/content pairs; kind "error": code and message.
std::string encode_result(const WorkResult& r) {
  std::string out;
  put(out, "ok");
  put(out, std::to_string(r.exit_code));
  put(out, r.message);
  put(out, r.note);
  for (const auto& o : r.outputs) {
    put(out, o.path);
    put(out, o.content);
  }
  return out;
}

std::string encode_error(ExitCode code, const std::string& message) {
  std::string out;
  put(out, "error");
  put(out, std::to_string(static_cast<int>(code)));
  put(out, message);
  return out;
}

// False when the bytes are not a complete message (the child died while writing).
bool decode(const std::string& in, WorkResult& result, std::optional<Error>& error) {
  size_t at = 0;
  std::string kind, code, message;
  if (!take(in, at, kind) || !take(in, at, code) || !take(in, at, message)) return false;
  int number = 0;
  std::from_chars(code.data(), code.data() + code.size(), number);
  if (kind == "error") {
    error.emplace(static_cast<ExitCode>(number), message);
    return at == in.size();
  }
  result.exit_code = number;
  result.message = message;
  if (!take(in, at, result.note)) return false;
  while (at < in.size()) {
    WorkResult::Output o;
    if (!take(in, at, o.path) || !take(in, at, o.content)) return false;
    result.outputs.push_back(std::move(o));
  }
  return kind == "ok";
}

void write_all(int fd, const std::string& data) {
  for (size_t done = 0; done < data.size();) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the parent is gone: nothing left to tell
    done += static_cast<size_t>(n);
  }
}

// The child: limits, the work, its result on `fd`, then _exit (LibTorch's static destructors and
// thread pools are never run down in a child).
[[noreturn]] void run_child(const std::function<WorkResult()>& work, int64_t memory_limit, int fd) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // the parent's death ends the child
  if (memory_limit > 0) {
    const rlim_t bytes = static_cast<rlim_t>(current_data_bytes() + memory_limit);
    const rlimit limit{bytes, bytes};
    ::setrlimit(RLIMIT_DATA, &limit);
  }
  const std::string limit_note = memory_limit > 0 ? " (memory limit " + mib_text(memory_limit) + ", --max-memory)" : "";
  std::string message;
  try {
    message = encode_result(work());
  } catch (const Error& e) {
    message = encode_error(e.code(), std::string(e.what()) + (e.code() == ExitCode::OutOfMemory ? limit_note : ""));
  } catch (const std::bad_alloc&) {
    message = encode_error(ExitCode::OutOfMemory, std::string("out of memory while ") + g_stage + limit_note);
  } catch (const std::exception& e) {
    message = encode_error(ExitCode::Internal, first_line(e.what()));
  }
  write_all(fd, message);
  ::close(fd);
  ::_exit(0);
}

std::string signal_name(int signal) {
  const char* abbreviation = ::sigabbrev_np(signal);
  const char* description = ::sigdescr_np(signal);
  return std::string("SIG") + (abbreviation ? abbreviation : std::to_string(signal)) + " (" + (description ? description : "?") + ")";
}

}  // namespace

int64_t default_memory_limit() {
  return static_cast<int64_t>(::sysconf(_SC_PHYS_PAGES)) * static_cast<int64_t>(::sysconf(_SC_PAGE_SIZE)) / 4 * 3;
}

int64_t effective_memory_limit(const IsolationLimits& limits) {
  if (!limits.isolate || limits.max_memory_bytes < 0) return 0;
  return limits.max_memory_bytes > 0 ? limits.max_memory_bytes : default_memory_limit();
}

int64_t parse_memory_size(const std::string& text) {
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  const std::string unit(end, text.data() + text.size());
  int shift = -1;
  if (unit.empty()) shift = 0;
  else if (unit == "K" || unit == "KiB") shift = 10;
  else if (unit == "M" || unit == "MiB") shift = 20;
  else if (unit == "G" || unit == "GiB") shift = 30;
  else if (unit == "T" || unit == "TiB") shift = 40;
  if (ec != std::errc() || shift < 0 || value < 1 || value > (INT64_MAX >> shift)) {
    throw Error(ExitCode::Usage, "--max-memory wants a size such as 8G, 512M or a byte count, got '" + text + "'");
  }
  return value << shift;
}

void note_stage(std::initializer_list<std::string_view> parts) {
  if (g_stage == nullptr) return;
  size_t used = 0;
  for (const std::string_view part : parts) {
    const size_t n = std::min(part.size(), kStageBytes - 1 - used);
    std::memcpy(g_stage + used, part.data(), n);
    used += n;
  }
  g_stage[used] = '\0';
}

void install_sandbox_filter() {
  scmp_filter_ctx filter = ::seccomp_init(SCMP_ACT_ALLOW);
  if (filter == nullptr) throw Error(ExitCode::Internal, "cannot create the seccomp filter");
  // Allowed by default: memory, threads, futexes, reading and writing descriptors already open.
  // Refused: reaching anything new (files, the network, programs, other processes) or changing the
  // file system.
  static const char* const kRefused[] = {
      "open", "openat", "openat2", "creat", "open_by_handle_at", "socket", "socketpair", "connect", "bind", "listen",
      "accept", "accept4", "execve", "execveat", "ptrace", "process_vm_readv", "process_vm_writev", "fork", "vfork",
      "unlink", "unlinkat", "rename", "renameat", "renameat2", "mkdir", "mkdirat", "rmdir", "link", "linkat",
      "symlink", "symlinkat", "truncate", "chmod", "fchmodat", "chown", "lchown", "fchownat", "mknod", "mknodat",
      "mount", "umount2", "chroot", "pivot_root", "init_module", "finit_module", "kexec_load", "bpf", "perf_event_open"};
  bool ok = true;
  for (const char* name : kRefused) {
    const int number = ::seccomp_syscall_resolve_name(name);
    if (number == __NR_SCMP_ERROR) continue;  // not on this architecture
    ok = ok && ::seccomp_rule_add(filter, SCMP_ACT_ERRNO(EPERM), number, 0) == 0;
  }
  ok = ok && ::seccomp_load(filter) == 0;  // also sets no_new_privs
  ::seccomp_release(filter);
  if (!ok) throw Error(ExitCode::Internal, "cannot install the seccomp filter");
}

void enter_sandbox() {
  if (g_stage != nullptr) install_sandbox_filter();
}

namespace {

using Clock = std::chrono::steady_clock;

// A running child: its pid, the read end of its result pipe, its stage board and its deadline.
struct Child {
  size_t index = 0;  // into the works
  pid_t pid = -1;
  int fd = -1;
  char* stage = nullptr;
  std::string received;
  std::optional<Clock::time_point> deadline;
};

Child start_child(const std::function<WorkResult()>& work, size_t index, const IsolationLimits& limits,
                  int64_t memory_limit, const std::vector<Child>& siblings) {
  Child child;
  child.index = index;
  void* shared = ::mmap(nullptr, kStageBytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (shared == MAP_FAILED) throw Error(ExitCode::Internal, std::string("mmap: ") + std::strerror(errno));
  child.stage = static_cast<char*>(shared);
  std::strcpy(child.stage, "starting");
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) {
    ::munmap(shared, kStageBytes);
    throw Error(ExitCode::Internal, std::string("pipe: ") + std::strerror(errno));
  }
  child.pid = ::fork();
  if (child.pid < 0) {
    const int fork_errno = errno;
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    ::munmap(shared, kStageBytes);
    throw Error(ExitCode::Internal, std::string("fork: ") + std::strerror(fork_errno));
  }
  if (child.pid == 0) {
    ::close(pipe_fds[0]);
    for (const Child& sibling : siblings) ::close(sibling.fd);  // a child can't read another's result
    g_stage = child.stage;
    run_child(work, memory_limit, pipe_fds[1]);
  }
  ::close(pipe_fds[1]);
  child.fd = pipe_fds[0];
  if (limits.timeout_seconds > 0) {
    child.deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(limits.timeout_seconds));
  }
  return child;
}

// Reads what the child has sent; true once it has closed the pipe.
bool read_from(Child& child) {
  char buffer[1 << 16];
  const ssize_t n = ::read(child.fd, buffer, sizeof buffer);
  if (n < 0) return errno != EINTR && errno != EAGAIN;
  if (n == 0) return true;
  child.received.append(buffer, static_cast<size_t>(n));
  return false;
}

// Reaps the child (killing it first if it ran out of time) and turns how it ended into its result,
// or into the Error that says why there is none.
WorkResult finish(Child& child, bool timed_out, const IsolationLimits& limits) {
  if (timed_out) ::kill(child.pid, SIGKILL);
  ::close(child.fd);
  int status = 0;
  rusage usage{};
  while (::wait4(child.pid, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  const std::string stage = child.stage;
  ::munmap(child.stage, kStageBytes);
  const std::string peak = "peak memory " + mib_text(static_cast<int64_t>(usage.ru_maxrss) * 1024);

  if (timed_out) {
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%g", limits.timeout_seconds);
    throw Error(ExitCode::Timeout, "stopped after --timeout " + std::string(seconds) + " s while " + stage + " (" + peak + ")");
  }
  if (WIFSIGNALED(status)) {
    const int signal = WTERMSIG(status);
    throw Error(ExitCode::Crashed, "the model's run died of " + signal_name(signal) + " while " + stage + " (" + peak +
                                       (signal == SIGKILL ? "; SIGKILL from outside is usually the kernel's out-of-memory killer" : "") +
                                       "); nothing was written");
  }
  WorkResult result;
  std::optional<Error> error;
  if (!decode(child.received, result, error)) {
    throw Error(ExitCode::Crashed, "the model's run ended (exit status " + std::to_string(WEXITSTATUS(status)) +
                                       ") without a result while " + stage + " (" + peak + "); nothing was written");
  }
  if (error) throw *error;
  return result;
}

IsolatedOutcome outcome_of(const std::function<WorkResult()>& produce) {
  try {
    return produce();
  } catch (const Error& e) {
    return e;
  } catch (const std::exception& e) {  // without isolation, as a child reports it
    return Error(ExitCode::Internal, first_line(e.what()));
  }
}

}  // namespace

std::vector<IsolatedOutcome> run_isolated_each(const std::vector<std::function<WorkResult()>>& works,
                                               const IsolationLimits& limits, int jobs,
                                               const std::function<void(size_t, const IsolatedOutcome&)>& on_done) {
  std::vector<std::optional<IsolatedOutcome>> outcomes(works.size());
  const auto done = [&](size_t index, IsolatedOutcome outcome) {
    outcomes[index] = std::move(outcome);
    if (on_done) on_done(index, *outcomes[index]);
  };
  if (!limits.isolate) {
    for (size_t i = 0; i < works.size(); ++i) done(i, outcome_of(works[i]));
  } else {
    const int64_t memory_limit = effective_memory_limit(limits);
    std::vector<Child> running;
    size_t next = 0;
    while (next < works.size() || !running.empty()) {
      while (next < works.size() && running.size() < static_cast<size_t>(std::max(jobs, 1))) {
        const size_t index = next++;
        try {
          running.push_back(start_child(works[index], index, limits, memory_limit, running));
        } catch (const Error& e) {
          done(index, e);
        }
      }
      if (running.empty()) continue;
      // Wait for any child's bytes, or until the nearest deadline.
      std::vector<pollfd> fds;
      std::optional<Clock::time_point> nearest;
      for (const Child& child : running) {
        fds.push_back({child.fd, POLLIN, 0});
        if (child.deadline && (!nearest || *child.deadline < *nearest)) nearest = child.deadline;
      }
      int wait_ms = -1;
      if (nearest) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*nearest - Clock::now()).count();
        wait_ms = static_cast<int>(std::clamp<int64_t>(left + 1, 0, 1 << 30));
      }
      if (::poll(fds.data(), fds.size(), wait_ms) < 0 && errno != EINTR) {
        throw Error(ExitCode::Internal, std::string("poll: ") + std::strerror(errno));
      }
      std::vector<Child> still_running;
      for (size_t i = 0; i < running.size(); ++i) {
        Child& child = running[i];
        const bool closed = fds[i].revents != 0 && read_from(child);
        const bool timed_out = !closed && child.deadline && Clock::now() >= *child.deadline;
        if (closed || timed_out) {
          done(child.index, outcome_of([&] { return finish(child, timed_out, limits); }));
        } else {
          still_running.push_back(std::move(child));
        }
      }
      running = std::move(still_running);
    }
  }
  std::vector<IsolatedOutcome> result;
  for (auto& outcome : outcomes) result.push_back(std::move(*outcome));
  return result;
}

WorkResult run_isolated(const std::function<WorkResult()>& work, const IsolationLimits& limits) {
  IsolatedOutcome outcome = std::move(run_isolated_each({work}, limits, 1).front());
  if (const Error* error = std::get_if<Error>(&outcome)) throw *error;
  return std::get<WorkResult>(std::move(outcome));
}

}  // namespace flopscope
