#include "runtime/step_values.h"

#include <string>

#include "flopscope/core/error.h"

namespace flopscope {
namespace {

Error no_value(const CarriedArgument& carried, const std::string& why) {
  return Error(ExitCode::BadInputs, "argument " + std::to_string(carried.argument + 1) + " cannot be fed from output " +
                                        std::to_string(carried.output) + " of the step before: " + why);
}

at::Tensor returned_tensor(const StepValues& previous, const CarriedArgument& carried) {
  const c10::IValue& returned = previous.returned;
  if (!returned.isTuple()) {
    if (carried.output == 0 && returned.isTensor()) return returned.toTensor();
    throw no_value(carried, "the method returned a single " + returned.tagKind());
  }
  const auto& elements = returned.toTupleRef().elements();
  if (carried.output >= elements.size()) throw no_value(carried, "it returned " + std::to_string(elements.size()) + " value(s)");
  if (!elements[carried.output].isTensor()) throw no_value(carried, "that output is a " + elements[carried.output].tagKind());
  return elements[carried.output].toTensor();
}

// The greedy next token of every sequence, B x 1: logits are B x V, or B x T x V (the last position).
at::Tensor next_token(const at::Tensor& logits, const CarriedArgument& carried) {
  if (logits.dim() < 2) throw no_value(carried, "the logits have " + std::to_string(logits.dim()) + " dim(s), not B x V or B x T x V");
  const at::Tensor last = logits.dim() == 2 ? logits : logits.select(1, -1);
  return last.argmax(-1).unsqueeze(1);
}

// Sets the argument `carried` names from the previous run's values.
void carry_argument(std::vector<c10::IValue>& arguments, const StepValues& previous, const CarriedArgument& carried) {
  if (carried.argument >= arguments.size() || carried.argument >= previous.arguments.size()) {
    throw no_value(carried, "the method takes " + std::to_string(arguments.size()) + " argument(s)");
  }
  const at::Tensor value = returned_tensor(previous, carried);
  if (carried.from == CarriedArgument::From::Output) {
    arguments[carried.argument] = value;
    return;
  }
  const c10::IValue& before = previous.arguments[carried.argument];
  const at::Tensor token = next_token(value, carried).to(before.isTensor() ? before.toTensor().scalar_type() : at::kLong);
  arguments[carried.argument] =
      carried.from == CarriedArgument::From::NextToken ? token : at::cat({before.toTensor(), token}, 1);
}

}  // namespace

void carry_arguments(std::vector<c10::IValue>& arguments, const RunOptions& options) {
  if (options.carried.empty()) return;
  if (!options.previous) throw Error(ExitCode::Internal, "arguments to carry without a previous run");
  const StepValues& previous = *options.previous;
  for (const CarriedArgument& carried : options.carried) {
    try {
      carry_argument(arguments, previous, carried);
    } catch (const c10::Error& e) {
      // A token that cannot be appended (tokens of another batch), logits of a wrong dtype, ...
      const std::string why = e.what_without_backtrace();
      throw no_value(carried, why.substr(0, why.find('\n')));
    }
  }
}

}  // namespace flopscope
