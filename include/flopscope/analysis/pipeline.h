// Pipeline — several models (or methods of one file) that serve one request together, each run some
// number of times per request: an image encoder once per image, a decoder's whole generation, a
// vocoder once per second of audio. Read from a JSON file (docs/pipeline.md):
//   { "name": "...", "rate": "2/s", "request": {"audio_seconds": 30},
//     "components": [ {"name": "image encoder", "model": "vit.pt", "method": "encode_image",
//                      "inputs": ["1x3x224x224"], "runs": 1, "per": "request",
//                      "quoted": {"value": 17.6e9, "unit": "FLOPs", "source": "..."}, "note": "..."},
//                     {"name": "LLM", "model": "llama.pt", "generate": {"prompt": 32, "new_tokens": 32}} ] }
// Paths are relative to the file's directory. Pure of LibTorch.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace flopscope {

// A figure given elsewhere for the same work, shown next to the measured one.
struct QuotedFigure {
  double value = 0.0;
  bool macs = false;   // "unit": "MACs" (else "FLOPs")
  bool of_prefill = false;  // "of": "prefill": a generation's prefill alone (else one whole run)
  std::string source;  // where it comes from, in words
};

struct PipelineComponent {
  std::string name;
  std::string model;                // the file, resolved against the pipeline file's directory
  std::string method;               // empty: the manifest's, else forward
  std::vector<std::string> inputs;  // empty: the manifest's
  bool generate = false;            // a decoder's prefill and decode steps (analysis/generation.h)
  int64_t prompt = 0;               // generate: tokens of the prefill (0: as the inputs give them)
  int64_t new_tokens = 16;          // generate: decode steps
  std::string feed;                 // generate: the feed convention (empty: the manifest's or the default)
  double runs = 1.0;                // runs per unit of `per`
  std::string per = "request";      // "request", or a quantity of the request ("audio_seconds")
  std::optional<QuotedFigure> quoted;
  std::string note;                 // shown under the table
};

struct Pipeline {
  std::string path;
  std::string name;
  std::string description;
  // Quantities of one request that components run per ("frames": 30, "audio_seconds": 30); "request"
  // is always 1.
  std::vector<std::pair<std::string, double>> request{{"request", 1.0}};
  double rate = 1.0;  // requests per second
  std::vector<PipelineComponent> components;

  double runs_per_request(const PipelineComponent& component) const;
};

// Throws Error(Usage) naming the file and the field that is wrong.
Pipeline read_pipeline(const std::string& path);
Pipeline parse_pipeline(const std::string& text, const std::string& path);

// "2/s", "2", "120/min", "3600/h": requests per second (> 0). Throws Error(Usage).
double parse_rate(const std::string& text);

}  // namespace flopscope
