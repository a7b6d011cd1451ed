// flopscope::Error — the one error type the library throws for anything a user can cause or fix.
//
// It carries a one-line, user-facing message and the process exit code the CLI should use. Only the
// CLI prints it; the library never writes to stderr. Internal bugs surface as other exceptions and map
// to ExitCode::Internal.
#pragma once

#include <stdexcept>
#include <string>

namespace flopscope {

// Exit codes of the `flopscope` command. Documented in docs/cli.md; never renumber.
enum class ExitCode : int {
  Ok = 0,
  Internal = 1,        // a bug in flopscope: please report it
  Usage = 2,           // bad option, malformed --input, bad batch size
  FileNotFound = 3,    // model path missing, unreadable or a directory
  NotTorchScript = 4,  // the file is not a TorchScript archive (or is corrupt)
  NoSuchMethod = 5,    // --method names a method the model does not have
  BadInputs = 6,       // wrong number, rank, dtype or shape of inputs for the method
  ForwardFailed = 7,   // the model's own code raised while running
  OutputFailed = 8,    // the report could not be written
  CheckFailed = 9,     // --strict: a cross-check mismatch or an uncovered op; diff --fail-above: a change above it
  Unsupported = 10,    // the request cannot be served here (e.g. --device cuda on a CPU-only LibTorch)
  OutOfMemory = 11,    // the inputs, the loading or the forward do not fit in memory
  BadHardware = 12,    // a --hardware name or file that cannot be found, read or validated
  Timeout = 13,        // --timeout: the model ran longer and was stopped
  Crashed = 14,        // the model's run died by a signal (a crash inside LibTorch, the OOM killer)
  BadReport = 15,      // diff: a report file that is not an analyze report, or two that do not compare
};

class Error : public std::runtime_error {
 public:
  Error(ExitCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ExitCode code() const { return code_; }

 private:
  ExitCode code_;
};

// A real run that stopped because this LibTorch has no CPU kernel for the model's dtype (1.13 has no
// float16 convolution): the counts can still come from a dry run, which runs no kernels.
class NoKernelForDtype : public Error {
 public:
  using Error::Error;
};

// The first non-blank line of an exception text, trimmed (LibTorch's stack information follows it).
std::string first_line(const std::string& text);

// The line of a LibTorch exception that names the cause. Errors raised inside TorchScript code start
// with "The following operation failed in the TorchScript interpreter." and a traceback; the cause
// is the last "...Error: message" line. Other errors: the first line.
std::string error_cause(const std::string& text);

}  // namespace flopscope
