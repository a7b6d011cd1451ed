// Structure-aware fuzzing of whole TorchScript files, loaded and dry-run as `flopscope analyze
// --dry-run` does, in an isolated, sandboxed child (runtime/isolation.h).
//
// An input is one line of --input specs (space-separated) followed by a zip archive. The mutator
// changes one thing (an entry's bytes, a number in its code or pickle, its size, its name, whether it
// is there at all, or the specs) and writes a valid zip again, stored, with correct CRCs (libzip), so
// that the mutations reach LibTorch's unpickler, its TorchScript compiler and the dry run instead of
// stopping at a checksum.
//
// Checked for every input: the child returns a report, or fails with a documented exit code other
// than Internal and a one-line, non-empty message. A child that dies of a signal, runs past the
// timeout or out of memory is what isolation is for (exit 14, 13, 11): counted, and kept in
// $FLOPSCOPE_FUZZ_KEEP when set. With FLOPSCOPE_FUZZ_CRASH_IS_FINDING=1 a child that died of a
// signal is a finding too, so that libFuzzer saves and minimizes it (-minimize_crash=1).
//
// LibTorch is not instrumented and the work runs in a child, whose coverage never reaches libFuzzer.
// What guides it instead are features of the outcome, in libFuzzer's extra counters: each distinct
// error (its code and its message with numbers masked) and each op the dry run recorded. An input
// that makes LibTorch fail in a new way, or run an op not seen before, stays in the corpus.
#include <zip.h>

#include <signal.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "flopscope/counting/formula_coverage.h"
#include "flopscope/analysis/analysis.h"
#include "flopscope/analysis/run_plan.h"
#include "flopscope/core/error.h"
#include "flopscope/reports/report.h"
#include "flopscope/runtime/isolation.h"
#include "flopscope/runtime/model.h"
#include "flopscope/runtime/recorder.h"

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);

// libFuzzer reads these counters as coverage (they live in its section, next to the real ones).
__attribute__((used, section("__libfuzzer_extra_counters"))) uint8_t g_outcome_features[1 << 14];

namespace {

void note_feature(const std::string& text) { g_outcome_features[std::hash<std::string>{}(text) % sizeof g_outcome_features] = 1; }

// An error message with its numbers masked, so that "at line 3" and "at line 4" are one feature.
std::string error_feature(flopscope::ExitCode code, const std::string& message) {
  std::string feature = std::to_string(static_cast<int>(code)) + ":";
  for (const char c : message.substr(0, 120)) {
    if (c < '0' || c > '9') feature += c;
    else if (feature.back() != '#') feature += '#';
  }
  return feature;
}

struct Entry {
  std::string name;
  std::string content;
};

struct FuzzInput {
  std::string specs;  // the first line
  std::vector<Entry> entries;
};

// The entries of a zip archive in memory, in order; nullopt when libzip cannot read it.
std::optional<std::vector<Entry>> read_zip(const std::string& bytes) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
  zip_t* archive = source != nullptr ? zip_open_from_source(source, ZIP_RDONLY, &error) : nullptr;
  zip_error_fini(&error);
  if (archive == nullptr) {
    if (source != nullptr) zip_source_free(source);
    return std::nullopt;
  }
  std::vector<Entry> entries;
  bool ok = true;
  const zip_int64_t count = zip_get_num_entries(archive, 0);
  for (zip_int64_t i = 0; ok && i < count; ++i) {
    zip_stat_t stat;
    zip_file_t* file = nullptr;
    ok = zip_stat_index(archive, i, 0, &stat) == 0 && stat.size <= bytes.size() &&
         (file = zip_fopen_index(archive, i, 0)) != nullptr;
    if (!ok) break;
    Entry entry{stat.name, std::string(stat.size, '\0')};
    ok = zip_fread(file, entry.content.data(), stat.size) == static_cast<zip_int64_t>(stat.size);
    zip_fclose(file);
    entries.push_back(std::move(entry));
  }
  zip_discard(archive);
  if (!ok) return std::nullopt;
  return entries;
}

// A stored (uncompressed) zip of the entries, as PyTorch writes them; nullopt when libzip refuses one
// (e.g. a name made empty by a mutation).
std::optional<std::string> write_zip(const std::vector<Entry>& entries) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* sink = zip_source_buffer_create(nullptr, 0, 0, &error);
  zip_t* archive = sink != nullptr ? zip_open_from_source(sink, ZIP_TRUNCATE, &error) : nullptr;
  zip_error_fini(&error);
  if (archive == nullptr) {
    if (sink != nullptr) zip_source_free(sink);
    return std::nullopt;
  }
  zip_source_keep(sink);
  bool ok = true;
  for (const Entry& entry : entries) {
    zip_source_t* content = zip_source_buffer(archive, entry.content.data(), entry.content.size(), 0);
    const zip_int64_t index = content != nullptr ? zip_file_add(archive, entry.name.c_str(), content, ZIP_FL_OVERWRITE) : -1;
    if (index < 0) {
      if (content != nullptr) zip_source_free(content);
      ok = false;
      break;
    }
    zip_set_file_compression(archive, static_cast<zip_uint64_t>(index), ZIP_CM_STORE, 0);
    zip_file_set_mtime(archive, static_cast<zip_uint64_t>(index), 0, 0);
  }
  if (!ok || zip_close(archive) != 0) {
    if (!ok) zip_discard(archive);
    zip_source_free(sink);
    return std::nullopt;
  }
  std::string bytes;
  zip_stat_t stat;
  if (zip_source_stat(sink, &stat) == 0 && zip_source_open(sink) == 0) {
    bytes.resize(stat.size);
    const zip_int64_t n = zip_source_read(sink, bytes.data(), stat.size);
    bytes.resize(n > 0 ? static_cast<size_t>(n) : 0);
    zip_source_close(sink);
  }
  zip_source_free(sink);
  return bytes;
}

std::optional<FuzzInput> parse_input(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const size_t newline = text.find('\n');
  if (newline == std::string::npos) return std::nullopt;
  auto entries = read_zip(text.substr(newline + 1));
  if (!entries || entries->empty()) return std::nullopt;
  return FuzzInput{text.substr(0, newline), std::move(*entries)};
}

// The bytes of `text` changed by libFuzzer's own mutators, growing by at most `room`.
void mutate_bytes(std::string& text, size_t room) {
  const size_t size = text.size();
  text.resize(size + room);
  text.resize(LLVMFuzzerMutate(reinterpret_cast<uint8_t*>(text.data()), size, text.size()));
}

// One run of digits in the text (a size in code/, an int in a pickle's text) becomes a boundary value.
bool replace_a_number(std::string& text, std::mt19937& random) {
  static const char* const kValues[] = {"0", "1", "-1", "2", "3", "7", "64", "4096", "65535", "2147483647",
                                        "2147483648", "9223372036854775807", "-9223372036854775808", "1000000000000"};
  std::vector<std::pair<size_t, size_t>> numbers;
  for (size_t i = 0; i < text.size();) {
    size_t end = i;
    while (end < text.size() && text[end] >= '0' && text[end] <= '9') ++end;
    if (end > i) numbers.emplace_back(i, end - i);
    i = end + 1;
  }
  if (numbers.empty()) return false;
  const auto [at, length] = numbers[random() % numbers.size()];
  text.replace(at, length, kValues[random() % std::size(kValues)]);
  return true;
}

void mutate_structure(FuzzInput& input, std::mt19937& random) {
  auto& entries = input.entries;
  Entry& entry = entries[random() % entries.size()];
  switch (random() % 10) {
    case 0: mutate_bytes(input.specs, 16); break;
    case 1: entries.erase(entries.begin() + static_cast<long>(&entry - entries.data())); break;
    case 2: entries.push_back(entry); entries.back().name += std::to_string(random() % 4); break;
    case 3: entry.name = entries[random() % entries.size()].name; break;  // two entries, one name
    case 4: entry.content.resize(entry.content.empty() ? 8 : random() % (2 * entry.content.size())); break;
    case 5: std::swap(entry.content, entries[random() % entries.size()].content); break;
    case 6:
    case 7:
      if (replace_a_number(entry.content, random)) break;
      [[fallthrough]];
    default: mutate_bytes(entry.content, 64); break;
  }
  if (entries.empty()) entries.push_back({"archive/version", "3\n"});
}

std::string temp_model_path() {
  const char* dir = std::getenv("TMPDIR");
  return std::string(dir != nullptr ? dir : "/tmp") + "/flopscope-fuzz-" + std::to_string(::getpid()) + ".pt";
}

// What `flopscope analyze --dry-run --crosscheck` does, both report formats included.
flopscope::WorkResult analyze_dry(const std::string& path, const std::string& specs) {
  // The child dies of its signal, as the tool's would, instead of in libFuzzer's crash handler.
  for (const int signal : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) ::signal(signal, SIG_DFL);
  flopscope::ModelFile file(path, true);
  flopscope::Model model = file.load(true);
  flopscope::RunRequest request;
  std::istringstream words(specs);
  for (std::string spec; words >> spec;) request.inputs.push_back(spec);
  request.threads = 1;
  const flopscope::RunPlan plan = flopscope::plan_run(model, request);
  const flopscope::Recording recording = flopscope::record(model, plan.options, flopscope::formula_coverage());
  const flopscope::Analysis analysis = flopscope::analyze(model, recording);
  const flopscope::AnalyzedRun run{&model, &plan.options, &recording, &analysis,
                                       flopscope::count_towers(model, recording, analysis, plan.towers), "fuzz", nullptr};
  flopscope::TableOptions with_crosscheck;
  with_crosscheck.crosscheck = true;
  flopscope::render_table(run, with_crosscheck);
  flopscope::render_json(run, true);
  std::string ops;  // the op kinds that ran, one per line: the parent's features
  for (const auto& call : recording.calls) {
    for (const auto& op : call.ops) ops += op.op + (op.has_formula ? "\n" : " uncovered\n");
  }
  return {{{"", ops}}};
}

int g_children_lost = 0;  // died of a signal, timed out or ran out of memory

void keep(const std::string& bytes, const flopscope::Error& error) {
  ++g_children_lost;
  const flopscope::ExitCode code = error.code();
  std::fprintf(stderr, "fuzz_archive: child lost (exit %d): %s\n", static_cast<int>(code), error.what());
  if (code == flopscope::ExitCode::Crashed && std::getenv("FLOPSCOPE_FUZZ_CRASH_IS_FINDING") != nullptr) std::abort();
  const char* dir = std::getenv("FLOPSCOPE_FUZZ_KEEP");
  if (dir == nullptr) return;
  const std::string name = std::string(dir) + "/exit" + std::to_string(static_cast<int>(code)) + "-" +
                           std::to_string(std::hash<std::string>{}(bytes));
  std::ofstream(name, std::ios::binary) << bytes;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  std::atexit([] { std::fprintf(stderr, "fuzz_archive: %d children died, timed out or ran out of memory\n", g_children_lost); });
  return 0;
}

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned int seed) {
  std::optional<FuzzInput> input = parse_input(data, size);
  if (input) {
    std::mt19937 random(seed);
    mutate_structure(*input, random);
    const std::optional<std::string> archive = write_zip(input->entries);
    if (archive && input->specs.find('\n') == std::string::npos && input->specs.size() + 1 + archive->size() <= max_size) {
      const std::string bytes = input->specs + "\n" + *archive;
      std::memcpy(data, bytes.data(), bytes.size());
      return bytes.size();
    }
  }
  return LLVMFuzzerMutate(data, size, max_size);
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  const size_t newline = bytes.find('\n');
  const std::string specs = bytes.substr(0, newline == std::string::npos ? 0 : newline);
  const std::string path = temp_model_path();
  std::ofstream(path, std::ios::binary) << (newline == std::string::npos ? bytes : bytes.substr(newline + 1));
  flopscope::IsolationLimits limits;
  limits.timeout_seconds = 10;
  limits.max_memory_bytes = int64_t{1} << 30;
  const flopscope::IsolatedOutcome outcome =
      std::move(flopscope::run_isolated_each({[&] { return analyze_dry(path, specs); }}, limits, 1).front());
  std::remove(path.c_str());
  if (const auto* result = std::get_if<flopscope::WorkResult>(&outcome)) {
    std::istringstream ops(result->outputs.at(0).content);
    for (std::string op; std::getline(ops, op);) note_feature(op);
  }
  if (const auto* error = std::get_if<flopscope::Error>(&outcome)) {
    const std::string message = error->what();
    const flopscope::ExitCode code = error->code();
    if (message.empty() || message.find('\n') != std::string::npos || code == flopscope::ExitCode::Internal) {
      std::fprintf(stderr, "fuzz_archive: exit %d with message '%s'\n", static_cast<int>(code), message.c_str());
      std::abort();
    }
    note_feature(error_feature(code, message));
    if (code == flopscope::ExitCode::Crashed || code == flopscope::ExitCode::Timeout || code == flopscope::ExitCode::OutOfMemory) {
      keep(bytes, *error);
    }
  }
  return 0;
}
