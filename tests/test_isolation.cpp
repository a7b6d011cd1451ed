// The child process a model runs in: results and errors come back unchanged; a crash, a runaway
// loop and an exhausted memory limit become one Error each; the sandbox refuses what it must.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <new>
#include <vector>

#include "flopscope/core/error.h"
#include "flopscope/runtime/isolation.h"

namespace flopscope {
namespace {

IsolationLimits limits(double timeout = 0, int64_t memory = 0) {
  IsolationLimits l;
  l.timeout_seconds = timeout;
  l.max_memory_bytes = memory;
  return l;
}

ExitCode code_of(const std::function<WorkResult()>& work, const IsolationLimits& l, std::string* message = nullptr) {
  try {
    run_isolated(work, l);
  } catch (const Error& e) {
    if (message != nullptr) *message = e.what();
    return e.code();
  }
  return ExitCode::Ok;
}

TEST(Isolation, ResultsAndErrorsComeBackUnchanged) {
  std::string binary(3, '\0');
  binary += "\xff report";
  const WorkResult r = run_isolated([&] { return WorkResult{{{"", "table\n"}, {"out.json", binary}}, 9, "--strict: 1", ""}; }, limits());
  ASSERT_EQ(r.outputs.size(), 2u);
  EXPECT_EQ(r.outputs[0].path, "");
  EXPECT_EQ(r.outputs[0].content, "table\n");
  EXPECT_EQ(r.outputs[1].content, binary);
  EXPECT_EQ(r.exit_code, 9);
  EXPECT_EQ(r.message, "--strict: 1");
  std::string message;
  EXPECT_EQ(code_of([]() -> WorkResult { throw Error(ExitCode::BadInputs, "the inputs do not fit"); }, limits(), &message),
            ExitCode::BadInputs);
  EXPECT_EQ(message, "the inputs do not fit");
}

TEST(Isolation, ACrashIsOneLineNamingTheSignalAndTheStage) {
  std::string message;
  const auto crash = []() -> WorkResult {
    note_stage({"running ", "forward", " of '", "visual.conv1", "'"});
    ::raise(SIGSEGV);
    return {};
  };
  EXPECT_EQ(code_of(crash, limits(), &message), ExitCode::Crashed);
  EXPECT_NE(message.find("SIGSEGV"), std::string::npos) << message;
  EXPECT_NE(message.find("while running forward of 'visual.conv1'"), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos);
  EXPECT_EQ(code_of([]() -> WorkResult { std::abort(); }, limits(), &message), ExitCode::Crashed);
  EXPECT_NE(message.find("SIGABRT"), std::string::npos) << message;
}

TEST(Isolation, ARunawayLoopStopsAtTheTimeout) {
  const auto start = std::chrono::steady_clock::now();
  std::string message;
  const auto forever = []() -> WorkResult {
    note_stage({"looping"});
    for (volatile int i = 0;; i = i + 1) {
    }
  };
  EXPECT_EQ(code_of(forever, limits(0.5), &message), ExitCode::Timeout);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(seconds, 30.0);  // not a timing assertion: it returns at all
  EXPECT_NE(message.find("while looping"), std::string::npos) << message;
}

TEST(Isolation, TheMemoryLimitEndsTheRunNotTheMachine) {
  // 64 GiB in 1 GiB pieces, each touched, under a 512 MiB limit. Allocated as LibTorch's CPU
  // allocator does (malloc-style, failure is a null pointer it turns into an exception); a failed
  // operator new is fatal under AddressSanitizer whatever its options say.
  std::string message;
  const auto hog = []() -> WorkResult {
    note_stage({"allocating"});
    for (int i = 0; i < 64; ++i) {
      void* piece = std::malloc(size_t{1} << 30);
      if (piece == nullptr) throw std::bad_alloc();
      std::memset(piece, 'x', size_t{1} << 30);
    }
    return {};
  };
  EXPECT_EQ(code_of(hog, limits(0, 512 << 20), &message), ExitCode::OutOfMemory);
  EXPECT_NE(message.find("memory limit 512 MiB"), std::string::npos) << message;
}

TEST(Isolation, ManyChildrenAtOnceKeepTheirOrderAndOneFailureStopsNoOther) {
  // Child 2 waits for a byte the parent sends once child 4 has ended: children run at once.
  int go[2];
  ASSERT_EQ(::pipe(go), 0);
  std::vector<std::function<WorkResult()>> works;
  for (int i = 0; i < 5; ++i) {
    works.push_back([i, &go]() -> WorkResult {
      if (i == 1) ::raise(SIGSEGV);
      if (i == 3) throw Error(ExitCode::NotTorchScript, "not a zip");
      char byte = 0;
      if (i == 2 && ::read(go[0], &byte, 1) != 1) throw Error(ExitCode::Internal, "no go");
      return WorkResult{{{"", "work " + std::to_string(i)}}};
    });
  }
  std::vector<size_t> finished;
  const std::vector<IsolatedOutcome> outcomes = run_isolated_each(works, limits(30), 3, [&](size_t index, const IsolatedOutcome&) {
    finished.push_back(index);
    if (index == 4) {
      EXPECT_EQ(::write(go[1], "g", 1), 1);
    }
  });
  ::close(go[0]);
  ::close(go[1]);
  ASSERT_EQ(outcomes.size(), 5u);
  for (int i : {0, 2, 4}) {
    const auto* result = std::get_if<WorkResult>(&outcomes[i]);
    ASSERT_NE(result, nullptr) << i;
    EXPECT_EQ(result->outputs.at(0).content, "work " + std::to_string(i));
  }
  EXPECT_EQ(std::get<Error>(outcomes[1]).code(), ExitCode::Crashed);
  EXPECT_EQ(std::get<Error>(outcomes[3]).code(), ExitCode::NotTorchScript);
  // Child 2 ended after child 4, which started after it: they ran side by side. Child 3 may end
  // after both (its exception unwinds slowly on a loaded machine), so only their order is checked.
  ASSERT_EQ(finished.size(), 5u);
  const auto position = [&](size_t index) { return std::find(finished.begin(), finished.end(), index) - finished.begin(); };
  EXPECT_GT(position(2), position(4));
}

TEST(Isolation, TheSandboxRefusesFilesSocketsAndExec) {
  const WorkResult r = run_isolated(
      [] {
        install_sandbox_filter();
        std::string seen;
        const int file = ::open("/etc/hostname", O_RDONLY);
        seen += file < 0 && errno == EPERM ? "open refused;" : "open allowed;";
        const int sock = ::socket(AF_INET, SOCK_STREAM, 0);
        seen += sock < 0 && errno == EPERM ? "socket refused;" : "socket allowed;";
        char* const argv[] = {const_cast<char*>("/bin/true"), nullptr};
        seen += ::execv("/bin/true", argv) < 0 && errno == EPERM ? "exec refused;" : "exec allowed;";
        std::vector<char> memory(64 << 20, 'x');  // memory and writes to open descriptors still work
        seen += memory.back() == 'x' ? "memory ok" : "memory failed";
        return WorkResult{{{"", seen}}};
      },
      limits());
  ASSERT_EQ(r.outputs.size(), 1u);
  EXPECT_EQ(r.outputs[0].content, "open refused;socket refused;exec refused;memory ok");
}

TEST(Isolation, MemorySizes) {
  EXPECT_EQ(parse_memory_size("8G"), int64_t{8} << 30);
  EXPECT_EQ(parse_memory_size("512M"), int64_t{512} << 20);
  EXPECT_EQ(parse_memory_size("4096"), 4096);
  for (const char* bad : {"", "G", "-1G", "8X", "0", "99999999999T"}) {
    EXPECT_THROW(parse_memory_size(bad), Error) << bad;
  }
  EXPECT_GT(default_memory_limit(), 0);
  EXPECT_EQ(effective_memory_limit(limits(0, 0)), default_memory_limit());
  EXPECT_EQ(effective_memory_limit(limits(0, 4096)), 4096);
  EXPECT_EQ(effective_memory_limit(limits(0, -1)), 0);  // none (CUDA runs): no RLIMIT_DATA in the child
  IsolationLimits in_process = limits(0, 4096);
  in_process.isolate = false;
  EXPECT_EQ(effective_memory_limit(in_process), 0);
}

}  // namespace
}  // namespace flopscope
