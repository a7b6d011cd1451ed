#include "flopscope/analysis/generation.h"

#include <algorithm>
#include <set>

#include "flopscope/analysis/analysis.h"
#include "flopscope/core/dtype.h"
#include "flopscope/core/error.h"
#include "flopscope/counting/formula_coverage.h"

namespace flopscope {

std::vector<FeedRule> parse_feed_rules(const std::string& text) {
  std::vector<FeedRule> rules;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = std::min(text.find(',', start), text.size());
    const std::string pair = text.substr(start, comma - start);
    const size_t colon = pair.find(':');
    const auto index = [&](const std::string& digits) -> size_t {
      if (digits.empty() || digits.size() > 4 || digits.find_first_not_of("0123456789") != std::string::npos) {
        throw Error(ExitCode::Usage, "--feed takes OUTPUT:ARGUMENT pairs of 0-based indices (\"1:2,2:3\") and pos:ARGUMENT for a position "
                                     "argument, got '" + text + "'");
      }
      return std::stoul(digits);
    };
    if (colon == std::string::npos) index("");
    const bool position = pair.substr(0, colon) == "pos";
    const FeedRule rule{position ? 0 : index(pair.substr(0, colon)), index(pair.substr(colon + 1)), position};
    if (rule.argument == 0) throw Error(ExitCode::Usage, "--feed " + pair + ": argument 0 is the tokens, which the next token feeds");
    for (const FeedRule& earlier : rules) {
      if (earlier.argument == rule.argument) throw Error(ExitCode::Usage, "--feed feeds argument " + std::to_string(rule.argument) + " twice");
    }
    rules.push_back(rule);
    start = comma + 1;
  }
  return rules;
}

StepBytes boundary_bytes(const Traffic& traffic) {
  StepBytes bytes;
  bytes.weight_elements = traffic.parameter_elements;
  bytes.activation_elements = traffic.activation_elements;
  bytes.other_bytes = traffic.other_bytes;
  return bytes;
}

std::vector<FeedRule> feed_rules_for(const std::string& given, const Model& model) {
  const std::string& text = !given.empty() || !model.manifest() ? given : model.manifest()->feed;
  return text.empty() ? std::vector<FeedRule>{} : parse_feed_rules(text);
}

namespace {

// The method's return as a list of values: a tuple's elements, or the one value.
std::vector<const ValueInfo*> returned_values(const CallRecord& call) {
  std::vector<const ValueInfo*> values;
  if (call.outputs.empty()) return values;
  const ValueInfo& returned = call.outputs.front();
  if (returned.kind != ValueInfo::Kind::Tuple) return {&returned};
  for (const ValueInfo& element : returned.elements) values.push_back(&element);
  return values;
}

std::string argument_name(size_t argument) {
  return "argument " + std::to_string(argument) + " (--input " + std::to_string(argument + 1) + ")";
}

// One dim grown by `tokens`, the rest equal: a cache the step appended to.
bool grown_by(const ValueInfo& argument, const ValueInfo& output, int64_t tokens) {
  if (!argument.is_tensor() || !output.is_tensor() || argument.shape.size() != output.shape.size()) return false;
  int grown = 0;
  for (size_t d = 0; d < argument.shape.size(); ++d) {
    if (output.shape[d] == argument.shape[d]) continue;
    if (output.shape[d] != argument.shape[d] + tokens) return false;
    ++grown;
  }
  return grown == 1;
}

struct Convention {
  std::vector<FeedRule> feed;       // output -> argument
  std::vector<size_t> positions;    // int arguments given the tokens before the step
  // false: logits only and no position; every step re-reads its prefix.
  bool caches() const { return !feed.empty() || !positions.empty(); }
};

Convention decide_convention(const CallRecord& prefill, const std::vector<FeedRule>& given, int64_t tokens) {
  const std::vector<const ValueInfo*> returned = returned_values(prefill);
  const auto describe_output = [&](size_t output) {
    return "output " + std::to_string(output) + " (" + (returned[output]->is_tensor() ? shape_text(*returned[output]) : describe(*returned[output])) + ")";
  };
  const auto describe_argument = [&](size_t argument) {
    const ValueInfo& value = prefill.inputs[argument];
    return argument_name(argument) + " (" + (value.is_tensor() ? shape_text(value) : describe(value)) + ")";
  };
  if (!given.empty()) {
    Convention convention;
    for (const FeedRule& rule : given) {
      if (rule.position) {
        if (rule.argument >= prefill.inputs.size() || prefill.inputs[rule.argument].kind != ValueInfo::Kind::Int) {
          throw Error(ExitCode::BadInputs, "--feed pos:" + std::to_string(rule.argument) + ": " +
                                               (rule.argument >= prefill.inputs.size() ? "the method took " + std::to_string(prefill.inputs.size()) + " argument(s)"
                                                                                        : describe_argument(rule.argument) + " is not an int (give it as int:0)"));
        }
        convention.positions.push_back(rule.argument);
        continue;
      }
      if (rule.output >= returned.size()) {
        throw Error(ExitCode::BadInputs, "--feed " + std::to_string(rule.output) + ":" + std::to_string(rule.argument) + ": the method returned " +
                                             std::to_string(returned.size()) + " value(s)");
      }
      if (rule.argument >= prefill.inputs.size()) {
        throw Error(ExitCode::BadInputs, "--feed " + std::to_string(rule.output) + ":" + std::to_string(rule.argument) + ": the method took " +
                                             std::to_string(prefill.inputs.size()) + " argument(s)");
      }
      if (!returned[rule.output]->is_tensor() || !prefill.inputs[rule.argument].is_tensor()) {
        throw Error(ExitCode::BadInputs, describe_output(rule.output) + " cannot feed " + describe_argument(rule.argument) + ": both must be tensors");
      }
      convention.feed.push_back(rule);
    }
    return convention;
  }
  if (returned.size() <= 1) return {};
  Convention convention;
  for (size_t i = 1; i < returned.size(); ++i) {
    if (i >= prefill.inputs.size()) {
      throw Error(ExitCode::BadInputs, describe_output(i) + " has no argument " + std::to_string(i) + " to feed (the method took " +
                                           std::to_string(prefill.inputs.size()) + "); say which output feeds which argument with --feed OUTPUT:ARGUMENT");
    }
    if (!grown_by(prefill.inputs[i], *returned[i], tokens)) {
      throw Error(ExitCode::BadInputs, describe_output(i) + " does not fit " + describe_argument(i) + ": a returned cache is its argument with one dim grown by the step's " +
                                           std::to_string(tokens) + " token(s); say which output feeds which argument with --feed OUTPUT:ARGUMENT");
    }
    convention.feed.push_back({i, i});
  }
  return convention;
}

std::vector<CarriedArgument> carried_arguments(const Convention& convention) {
  std::vector<CarriedArgument> carried{{0, convention.caches() ? CarriedArgument::From::NextToken : CarriedArgument::From::AppendedToken, 0}};
  for (const FeedRule& rule : convention.feed) carried.push_back({rule.argument, CarriedArgument::From::Output, rule.output});
  return carried;
}

void add_other_value(const ValueInfo& value, StepBytes& bytes) {
  if (value.is_tensor()) {
    if (is_floating_dtype(value.dtype)) bytes.activation_elements += value.numel();
    else bytes.other_bytes += value.numel() * dtype_bytes(value.dtype);
  }
  for (const ValueInfo& element : value.elements) add_other_value(element, bytes);
}

StepBytes step_bytes(const CallRecord& call, const CallCounts& counts, const Convention& convention) {
  StepBytes bytes;
  bytes.weight_elements = counts.traffic.parameter_elements;
  const std::vector<const ValueInfo*> returned = returned_values(call);
  std::set<size_t> cache_arguments, cache_outputs;
  for (const FeedRule& rule : convention.feed) {
    cache_arguments.insert(rule.argument);
    cache_outputs.insert(rule.output);
    const int64_t before = call.inputs[rule.argument].numel();
    bytes.kv_read_elements += before;
    bytes.kv_written_elements += std::max<int64_t>(0, returned[rule.output]->numel() - before);
  }
  for (size_t i = 0; i < call.inputs.size(); ++i) {
    if (cache_arguments.count(i) == 0) add_other_value(call.inputs[i], bytes);
  }
  for (size_t i = 0; i < returned.size(); ++i) {
    if (cache_outputs.count(i) == 0) add_other_value(*returned[i], bytes);
  }
  return bytes;
}

GenerationStep count_step(const Model& model, const Recording& recording, const Convention& convention, int64_t step,
                          int64_t tokens, int64_t context, bool fed) {
  const Analysis analysis = analyze(model, recording);
  GenerationStep counted;
  counted.step = step;
  counted.tokens = tokens;
  counted.context = context;
  counted.fed = fed;
  counted.counts = analysis.total;
  counted.bytes = step_bytes(recording.calls.front(), analysis.calls.front(), convention);
  for (const ModuleCounts& module : analysis.modules) {
    counted.modules.push_back(module.total);
    counted.module_traffic.push_back(module.boundary);
  }
  counted.rule_calls = analysis.rule_calls;
  counted.mismatched_calls = analysis.mismatched_calls;
  for (const UncoveredOp& op : analysis.uncovered_ops) counted.uncovered_ops.push_back(op.op);
  counted.timed = recording.timed;
  counted.seconds = recording.seconds;
  for (const FeedRule& rule : convention.feed) {
    counted.shapes += (counted.shapes.empty() ? "" : ", ") + shape_text(recording.calls.front().inputs[rule.argument]);
  }
  return counted;
}

// The position arguments of a step at context L: the tokens before it.
void set_positions(std::vector<InputSpec>& inputs, const Convention& convention, int64_t context) {
  for (const size_t argument : convention.positions) {
    inputs[argument].kind = InputSpec::Kind::Int;
    inputs[argument].integer = context;
  }
}

// Tokens a decode step at context L processes: the new one, or without a cache all L + 1.
int64_t step_tokens(const Convention& convention, int64_t context) { return convention.caches() ? 1 : context + 1; }

// The last decode step's arguments, made by shape: every carried argument extended as it grew from
// the step before `third` to `third` (one step), for the steps between.
std::vector<InputSpec> extrapolated_inputs(const std::vector<InputSpec>& prefill_inputs, const std::vector<ValueInfo>& second,
                                           const std::vector<ValueInfo>& third, const std::vector<CarriedArgument>& carried,
                                           int64_t steps_ahead) {
  std::vector<InputSpec> inputs = prefill_inputs;
  for (const CarriedArgument& argument : carried) {
    const ValueInfo& before = second[argument.argument];
    const ValueInfo& now = third[argument.argument];
    InputSpec& spec = inputs[argument.argument];
    spec.shape = now.shape;
    for (size_t d = 0; d < spec.shape.size(); ++d) spec.shape[d] += steps_ahead * (now.shape[d] - before.shape[d]);
    spec.dtype = parse_dtype(now.dtype).value_or(spec.dtype);
    if (argument.argument != 0) spec.fill = Fill::Zeros;  // the tokens keep their randint range
  }
  return inputs;
}

// Fits each quantity over the contexts of the decode steps that ran (steps[1] on).
DecodeFits fit_decode(const Model& model, const std::vector<GenerationStep>& steps) {
  DecodeFits fits;
  std::vector<int64_t> contexts;
  for (size_t i = 1; i < steps.size(); ++i) contexts.push_back(steps[i].context);
  const auto fit = [&](const auto& quantity, const std::string& what) {
    std::vector<int64_t> values;
    for (size_t i = 1; i < steps.size(); ++i) values.push_back(quantity(steps[i]));
    QuadraticFit result = fit_quadratic(contexts, values);
    if (fits.determined && !result.exact && fits.failure.empty()) fits.failure = what;
    return result;
  };
  fits.determined = contexts.size() >= 3;
  fits.macs = fit([](const GenerationStep& s) { return s.counts.macs; }, "MACs");
  fits.matmul_flops = fit([](const GenerationStep& s) { return s.counts.matmul_flops; }, "matmul FLOPs");
  fits.elementwise_flops = fit([](const GenerationStep& s) { return s.counts.elementwise_flops; }, "elementwise FLOPs");
  fits.activation_flops = fit([](const GenerationStep& s) { return s.counts.activation_flops; }, "activation x activation FLOPs");
  fits.integer_flops = fit([](const GenerationStep& s) { return s.counts.integer_flops; }, "int8 OPs");
  fits.weight_elements = fit([](const GenerationStep& s) { return s.bytes.weight_elements; }, "weights read");
  fits.kv_read_elements = fit([](const GenerationStep& s) { return s.bytes.kv_read_elements; }, "KV cache read");
  fits.kv_written_elements = fit([](const GenerationStep& s) { return s.bytes.kv_written_elements; }, "KV cache written");
  fits.activation_elements = fit([](const GenerationStep& s) { return s.bytes.activation_elements; }, "activations");
  fits.other_bytes = fit([](const GenerationStep& s) { return s.bytes.other_bytes; }, "integer tensors");
  for (size_t m = 0; m < model.modules().size(); ++m) {
    const bool worked = std::any_of(steps.begin() + 1, steps.end(), [&](const GenerationStep& s) { return s.modules[m].flops() > 0; });
    if (!worked) continue;
    const std::string name = model.modules()[m].name.empty() ? "(model)" : model.modules()[m].name;
    fits.modules.push_back({static_cast<int>(m), fit([&](const GenerationStep& s) { return s.modules[m].flops(); }, name + " FLOPs"),
                            fit([&](const GenerationStep& s) { return s.module_traffic[m].bytes; }, name + " bytes")});
  }
  fits.hold = fits.determined && fits.failure.empty();
  return fits;
}

int64_t value(const QuadraticFit& fit, int64_t context) {
  const std::optional<int64_t> at = fit.value_at(context);
  if (!at) throw Error(ExitCode::Internal, "a decode fit is not an integer at L = " + std::to_string(context));
  return *at;
}

// Bits per element of the model's first floating-point parameter (32 when it has none).
int weight_bits(const Model& model) {
  for (const ModuleInfo& module : model.modules()) {
    for (const TensorEntry& parameter : module.parameters) {
      if (is_floating_dtype(parameter.dtype)) return static_cast<int>(dtype_bytes(parameter.dtype) * 8);
    }
  }
  return 32;
}

// Runs the whole generation; `every_step` runs each decode step fed.
GenerationResult generate(Model& model, const RunPlan& plan, const GenerationOptions& options,
                          const std::function<void(const std::string&)>& progress) {
  RunOptions run = plan.options;
  if (run.inputs.empty() || !run.inputs[0].is_tensor() || run.inputs[0].shape.size() != 2) {
    throw Error(ExitCode::Usage, "generate takes the token ids as argument 0, B x T (e.g. --input 1x512:int64:randint:0:32000), got " +
                                     (run.inputs.empty() ? std::string("no input") : "'" + to_string(run.inputs[0]) + "'"));
  }
  if (options.prompt > 0) run.inputs[0].shape[1] = options.prompt;
  GenerationResult result;
  result.batch = run.inputs[0].shape[0];
  result.prompt = run.inputs[0].shape[1];
  result.new_tokens = options.new_tokens;
  if (result.prompt < 1) throw Error(ExitCode::Usage, "generate needs a prompt of 1 token or more (--prompt)");
  const auto say = [&](const std::string& line) {
    if (progress) progress(line);
  };
  const OpCoverage& coverage = formula_coverage();
  run.keep_values = true;
  say("prefill of " + std::to_string(result.prompt) + " tokens");
  Recording recording = record(model, run, coverage);
  const Convention convention = decide_convention(recording.calls.front(), options.feed, result.prompt);
  result.feed = convention.feed;
  for (const size_t argument : convention.positions) result.feed.push_back({0, argument, true});
  result.steps.push_back(count_step(model, recording, convention, 0, result.prompt, 0, true));
  result.run_bits = weight_bits(model);

  RunOptions step = run;
  step.carried = carried_arguments(convention);
  const int64_t fed_steps = options.every_step ? options.new_tokens : std::min<int64_t>(options.new_tokens, 3);
  std::vector<std::vector<ValueInfo>> arguments;  // of each decode step run
  for (int64_t s = 1; s <= fed_steps; ++s) {
    const int64_t context = result.prompt + s - 1;
    say("decode step " + std::to_string(s) + " of " + std::to_string(options.new_tokens) + " (context " + std::to_string(context) + ")");
    set_positions(step.inputs, convention, context);
    step.previous = recording.values;
    step.keep_values = s < fed_steps;
    recording = record(model, step, coverage);
    step.previous.reset();
    result.steps.push_back(count_step(model, recording, convention, s, step_tokens(convention, context), context, true));
    arguments.push_back(recording.calls.front().inputs);
  }
  if (fed_steps < options.new_tokens) {
    const int64_t last = options.new_tokens;
    say("decode step " + std::to_string(last) + " (context " + std::to_string(result.prompt + last - 1) + ", made by shape)");
    RunOptions by_shape = plan.options;
    by_shape.inputs = extrapolated_inputs(run.inputs, arguments[1], arguments[2], step.carried, last - fed_steps);
    set_positions(by_shape.inputs, convention, result.prompt + last - 1);
    recording = record(model, by_shape, coverage);
    const int64_t context = result.prompt + last - 1;
    result.steps.push_back(count_step(model, recording, convention, last, step_tokens(convention, context), context, false));
  }
  result.decode = fit_decode(model, result.steps);
  return result;
}

}  // namespace

namespace {

bool every_decode_step_ran(const GenerationResult& result) {
  return static_cast<int64_t>(result.steps.size()) == result.new_tokens + 1 &&
         std::all_of(result.steps.begin(), result.steps.end(), [](const GenerationStep& s) { return s.fed; });
}

const GenerationStep* step_at(const GenerationResult& result, int64_t context) {
  const auto index = static_cast<size_t>(context - result.prompt + 1);  // when every step ran
  if (index < result.steps.size() && result.steps[index].context == context) return &result.steps[index];
  if (result.steps.back().context == context) return &result.steps.back();
  if (!result.decode.hold) {
    throw Error(ExitCode::Internal, "decode step at L = " + std::to_string(context) + " neither ran nor follows from exact fits");
  }
  return nullptr;
}

}  // namespace

Counts GenerationResult::decode_counts(int64_t context) const {
  if (const GenerationStep* ran = step_at(*this, context)) return ran->counts;
  const DecodeFits& f = decode;
  return {value(f.macs, context), value(f.matmul_flops, context), value(f.elementwise_flops, context),
          value(f.activation_flops, context), value(f.integer_flops, context)};
}

StepBytes GenerationResult::decode_bytes(int64_t context) const {
  if (const GenerationStep* ran = step_at(*this, context)) return ran->bytes;
  StepBytes bytes;
  bytes.weight_elements = value(decode.weight_elements, context);
  bytes.kv_read_elements = value(decode.kv_read_elements, context);
  bytes.kv_written_elements = value(decode.kv_written_elements, context);
  bytes.activation_elements = value(decode.activation_elements, context);
  bytes.other_bytes = value(decode.other_bytes, context);
  return bytes;
}

Counts GenerationResult::decode_total() const {
  Counts total;
  for (int64_t context = prompt; context < prompt + new_tokens; ++context) total += decode_counts(context);
  return total;
}

StepBytes GenerationResult::decode_bytes_total() const {
  StepBytes total;
  for (int64_t context = prompt; context < prompt + new_tokens; ++context) total += decode_bytes(context);
  return total;
}

int64_t GenerationResult::kv_elements_at_end() const {
  const GenerationStep& last = steps.back();
  return last.bytes.kv_read_elements + last.bytes.kv_written_elements;
}

GenerationResult run_generation(Model& model, const RunPlan& plan, const GenerationOptions& options,
                                const std::function<void(const std::string&)>& progress) {
  if (options.new_tokens < 1) throw Error(ExitCode::Usage, "--new-tokens must be 1 or more");
  if (plan.options.training) throw Error(ExitCode::Usage, "generate counts inference steps; drop --training");
  GenerationResult result = generate(model, plan, options, progress);
  if (result.decode.determined && !result.decode.hold && !every_decode_step_ran(result)) {
    // The last step, made by shape, is off the fit of steps 1-3: count every step as it runs instead.
    if (progress) progress("the decode steps' " + result.decode.failure + " are not a + b·L + c·L² over the context: running every step");
    GenerationOptions every = options;
    every.every_step = true;
    return generate(model, plan, every, progress);
  }
  return result;
}

}  // namespace flopscope
