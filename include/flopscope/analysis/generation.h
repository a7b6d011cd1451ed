// Generation — a decoder as it generates text: a prefill of the prompt, then decode steps of one token
// each, every step fed the caches the step before returned and its greedy next token.
//
// The feed convention (docs/generate.md): argument 0 is the tokens (B x T), output 0 the logits; by
// default output i replaces argument i for i = 1..k when output i has argument i's shape with one dim
// grown by the step's tokens (a KV cache). `feed` states another mapping (Whisper's decoder takes the
// audio features as argument 1: outputs 1..4 feed arguments 2..5), whose shapes may change in any way.
// A model that returns only logits re-reads its whole prefix: each step appends the next token to
// argument 0; unless a position rule says it keeps its cache itself (Meta's LLaMA code: buffers
// written at start_pos), when each step passes the next token and the position.
//
// Counts are exact per step. Which steps run: the prefill, decode steps 1 to 3 fed from their
// predecessors, and the last decode step, whose arguments are made by shape (each carried dim extended
// as it grew from step 2 to step 3); with every_step, all decode steps, fed. Each module's FLOPs and
// bytes are fitted exactly as a + b·L + c·L² over the context L (tokens in the cache before the step)
// through the first three decode steps and checked on the others, so the cost at any L is a formula,
// and a whole request's total is an exact sum of it. Pure of LibTorch.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "flopscope/analysis/polynomial_fit.h"
#include "flopscope/analysis/run_plan.h"
#include "flopscope/core/counts.h"
#include "flopscope/core/traffic.h"
#include "flopscope/runtime/model.h"
#include "flopscope/runtime/recorder.h"

namespace flopscope {

// Output `output` of one step is argument `argument` of the next; or, for a `position` rule,
// argument `argument` is an int given the number of tokens before the step (the start_pos of a
// model that keeps its KV cache in buffers).
struct FeedRule {
  size_t output = 0;
  size_t argument = 0;
  bool position = false;
};

// Parses "1:2,2:3" (OUTPUT:ARGUMENT pairs, 0-based) and "pos:K" (argument K is the position).
// Throws Error(Usage).
std::vector<FeedRule> parse_feed_rules(const std::string& text);

// The rules `given` (--feed), else those of the manifest next to the model ("feed"), else none.
std::vector<FeedRule> feed_rules_for(const std::string& given, const Model& model);

struct GenerationOptions {
  int64_t prompt = 0;        // tokens of the prefill; 0: dim 1 of the tokens argument as given
  int64_t new_tokens = 16;   // decode steps (>= 1)
  std::vector<FeedRule> feed;  // empty: the default convention
  bool every_step = false;   // run every decode step, fed, instead of steps 1-3 and the last
};

// The bytes a step must move at least, as element counts so that they can be re-priced at other
// precisions: each weight read once, the caches read once, their new entries written once, and the
// other arguments and returns (tokens, logits, audio features). A cache carried by torch.cat, as
// scripted decoders do, is copied whole each step; that copy is in the op-level traffic, not here.
struct StepBytes {
  int64_t weight_elements = 0;      // floating-point parameters of the modules that ran, once each
  int64_t kv_read_elements = 0;     // the carried arguments (the caches before the step)
  int64_t kv_written_elements = 0;  // what the step added to them
  int64_t activation_elements = 0;  // other floating-point arguments and returns
  int64_t other_bytes = 0;          // integer tensors (token ids), at their size
  // At `weight_bits`, `activation_bits` and `kv_bits` per floating-point element.
  int64_t bytes_at(int weight_bits, int activation_bits, int kv_bits) const {
    return (weight_elements * weight_bits + activation_elements * activation_bits +
            (kv_read_elements + kv_written_elements) * kv_bits) / 8 + other_bytes;
  }
  StepBytes& operator+=(const StepBytes& other) {
    weight_elements += other.weight_elements;
    kv_read_elements += other.kv_read_elements;
    kv_written_elements += other.kv_written_elements;
    activation_elements += other.activation_elements;
    other_bytes += other.other_bytes;
    return *this;
  }
};

// A call's boundary traffic (weights, inputs and outputs once) as StepBytes with no cache, to price
// and bound a module or a forward like a step.
StepBytes boundary_bytes(const Traffic& traffic);

struct GenerationStep {
  int64_t step = 0;      // 0: the prefill; s: the s-th decode step
  int64_t tokens = 0;    // tokens this step processed: the prompt, then 1 (without a cache, all L + 1)
  int64_t context = 0;   // L: tokens before this step's (0 for the prefill)
  bool fed = true;       // its carried arguments came from the step before (false: made by shape)
  Counts counts;
  StepBytes bytes;
  std::vector<Counts> modules;       // parallel to Model::modules()
  std::vector<Traffic> module_traffic;  // each module's calls' boundary: inputs, outputs, weights once
  bool timed = false;
  double seconds = 0.0;
  std::string shapes;    // the carried arguments' shapes, "32x1x32x512x128, ..."
  // The cross-check of the step (analysis.h): module rules compared with the ops that ran.
  int rule_calls = 0, mismatched_calls = 0;
  std::vector<std::string> uncovered_ops;  // ops without a formula: their work is not in the counts
};

struct ModuleStepFit {
  int module = 0;  // index into Model::modules()
  QuadraticFit flops, bytes;
};

// Exact fits over the context L of a decode step, each through decode steps 1-3 and checked on the
// others (QuadraticFit::exact: it held on every step run).
struct DecodeFits {
  QuadraticFit macs, matmul_flops, elementwise_flops, activation_flops, integer_flops;
  QuadraticFit weight_elements, kv_read_elements, kv_written_elements, activation_elements, other_bytes;
  std::vector<ModuleStepFit> modules;  // every module that did work in a decode step, in model order
  bool determined = false;  // three decode steps or more ran
  bool hold = false;        // determined, and every fit above held on every further step
  std::string failure;      // the first fit that did not hold: "model.layers.3 FLOPs"
};

struct GenerationResult {
  int64_t batch = 1;
  int64_t prompt = 0;
  int64_t new_tokens = 0;
  std::vector<FeedRule> feed;       // the convention in effect
  bool feeds_caches() const { return !feed.empty(); }  // false: no cache, each step re-reads the prefix
  std::vector<GenerationStep> steps;  // the prefill, then the decode steps run
  DecodeFits decode;
  int run_bits = 32;  // bits per floating-point element as the model ran (its weights' dtype)
  const GenerationStep& prefill() const { return steps.front(); }
  // The decode step at context L (P <= L < P + N): as it ran, or from the fits. Throws Error(Internal)
  // for a step that did not run when the fits do not hold (run_generation then runs every step).
  Counts decode_counts(int64_t context) const;
  StepBytes decode_bytes(int64_t context) const;
  // Every decode step of the request together (L = P .. P + N - 1).
  Counts decode_total() const;
  StepBytes decode_bytes_total() const;
  // KV cache elements after the prompt and every new token (the last step's caches and what it added).
  int64_t kv_elements_at_end() const;
};

// Runs the generation on `model` (plan_run's plan: the prefill's arguments). `progress` gets a line
// per step. Throws Error(BadInputs) when outputs do not fit the arguments they would feed, naming
// the argument and both shapes; Error(Usage) for bad options.
GenerationResult run_generation(Model& model, const RunPlan& plan, const GenerationOptions& options,
                                const std::function<void(const std::string&)>& progress = {});

}  // namespace flopscope
