// record() and run_plain(): one run of a model's method, with the recording scoped around it. The
// parts: graph_hooks (module calls), op_observer (aten ops), run_inputs (checks and inputs),
// grad_state (autograd and --freeze), run_errors (LibTorch's exceptions as flopscope errors).
#include "flopscope/runtime/recorder.h"

#include <torch/cuda.h>

#include <algorithm>
#include <chrono>
#include <optional>

#include "flopscope/core/error.h"
#include "runtime/grad_state.h"
#include "runtime/graph_hooks.h"
#include "runtime/op_observer.h"
#include "runtime/recording_session.h"
#include "runtime/run_errors.h"
#include "runtime/run_inputs.h"
#include "runtime/step_values.h"
#include "runtime/training_loss.h"

namespace flopscope {
namespace {

thread_local RecordingSession* t_session = nullptr;

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Runs `step` (the method, or the loss and backward) as `what`, turning its exceptions into flopscope
// errors.
template <typename Step>
auto guarded(const RunOptions& options, const std::string& what, const Step& step) {
  try {
    return step();
  } catch (const Error&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw Error(ExitCode::OutOfMemory, "out of memory while running " + what + "; use a smaller --batch or --dry-run");
  } catch (const std::exception& e) {
    throw_forward_error(options.method, e.what(), failure_location());
  }
}

// Wall times of one call of the method, and with options.training of the loss and backward after it;
// what it returned.
struct StepSeconds {
  double forward = 0.0;
  double backward = 0.0;
  c10::IValue returned;
};

StepSeconds timed_call(torch::jit::Method& method, std::vector<c10::IValue> inputs, const RunOptions& options) {
  const bool cuda = options.device == Device::Cuda;
  std::optional<torch::NoGradGuard> no_grad;
  const bool grad = options.enable_grad || options.training;
  if (!grad) no_grad.emplace();
  const GradState grad_state(method.owner(), grad, options.training, options.frozen);
  if (cuda) torch::cuda::synchronize();  // nothing queued before the call is timed with it
  StepSeconds seconds;
  auto start = std::chrono::steady_clock::now();
  const c10::IValue outputs = guarded(options, "'" + options.method + "'", [&] {
    c10::IValue out = method(std::move(inputs));
    if (cuda) torch::cuda::synchronize();
    return out;
  });
  seconds.forward = seconds_since(start);
  if (options.keep_values) seconds.returned = outputs;
  if (!options.training) return seconds;
  start = std::chrono::steady_clock::now();
  RecordingSession* session = RecordingSession::current();
  guarded(options, "the backward of '" + options.method + "'", [&] {
    if (session != nullptr) session->ops.phase = Phase::Loss;
    const at::Tensor loss = training_loss(options.loss, outputs, options.method);
    if (session != nullptr) session->ops.phase = Phase::Backward;
    loss.backward();
    if (cuda) torch::cuda::synchronize();
    return 0;
  });
  seconds.backward = seconds_since(start);
  return seconds;
}

// Median cost of one start/stop pair of the module timer, over 1000 pairs.
double timer_overhead_seconds() {
  std::vector<double> samples(1000);
  for (double& sample : samples) {
    const auto start = std::chrono::steady_clock::now();
    sample = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  std::nth_element(samples.begin(), samples.begin() + 500, samples.end());
  return samples[500];
}

}  // namespace

RecordingSession::RecordingSession(Model::Impl& model, Recording& recording, const OpCoverage& coverage,
                                   bool synchronize_device)
    : model(model), recording(recording), coverage(coverage) {
  calls.synchronize_device = synchronize_device;
  t_session = this;
}

RecordingSession::~RecordingSession() { t_session = nullptr; }

RecordingSession* RecordingSession::current() { return t_session; }

Recording record(Model& model, const RunOptions& options, const OpCoverage& coverage) {
  Model::Impl& impl = model.impl();
  instrument(impl);
  PreparedRun prepared = prepare_run(model, options);
  carry_arguments(prepared.inputs, options);
  auto values = options.keep_values ? std::make_shared<StepValues>(StepValues{prepared.inputs, {}}) : nullptr;
  Recording recording;
  recording.timed = !impl.meta;
  recording.timer_overhead_seconds = timer_overhead_seconds();
  if (options.training) {
    if (options.device == Device::Cuda) {
      // CUDA backward runs on the engine's device threads, which the single-threaded recorder does not follow.
      throw Error(ExitCode::Unsupported, "--training runs on the CPU or as a --dry-run; --device cuda records forwards only");
    }
    check_frozen(impl, options.frozen);
    recording.training.emplace();
    recording.training->loss = options.loss;
    count_trainable(impl, options.frozen, *recording.training);
  }
  {
    const RecordingSession session(impl, recording, coverage, options.device == Device::Cuda);
    const OpObserver observer;
    const StepSeconds seconds = timed_call(prepared.method, std::move(prepared.inputs), options);
    recording.seconds = seconds.forward;
    if (recording.training) recording.training->backward_seconds = seconds.backward;
    if (values) {
      values->returned = seconds.returned;
      recording.values = std::move(values);
    }
  }
  if (recording.calls.empty()) throw Error(ExitCode::Internal, "no module call was recorded");
  return recording;
}

double run_plain(Model& model, const RunOptions& options) {
  instrument(model.impl());  // the same graphs as record(), with the hooks idle
  PreparedRun prepared = prepare_run(model, options);
  const StepSeconds seconds = timed_call(prepared.method, std::move(prepared.inputs), options);
  return seconds.forward + seconds.backward;
}

}  // namespace flopscope
