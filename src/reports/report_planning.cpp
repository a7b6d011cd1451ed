// docs/planning.md: every figure of the TOPS and FLOP:byte arithmetic for a multimodal assistant recomputed
// from the formulas in hardware/planning.h and the presets, next to flopscope's exact counts of the
// bundled OpenCLIP models. Nothing on the page is typed in by hand except the worked example's own claims,
// quoted as such.
#include <cmath>
#include <sstream>

#include "flopscope/core/conventions.h"
#include "flopscope/reports/zoo_report.h"
#include "flopscope/hardware/planning.h"
#include "flopscope/hardware/roofline.h"
#include "flopscope/reports/number_format.h"
#include "flopscope/reports/tool_identity.h"

namespace flopscope {
namespace {

constexpr double kFps = 30;
const Precision kPrecisions[] = {Precision::FP32, Precision::BF16, Precision::INT8};

// A ratio in the worked example's style: 40.8.
std::string ratio(double a, double b) { return fixed(a / b, 1); }

void write_required(std::ostringstream& out) {
  const int64_t example_ops = 5'000'000'000;
  out << "## Required compute at a frame rate\n\n"
         "required ops/s = ops per frame x frames per second. The worked example: 5 GOPs per inference at 30 fps = "
      << with_separators(static_cast<int64_t>(required_rate(example_ops, 30))) << " ops/s = "
      << fixed(required_rate(example_ops, 30) / 1e12, 2)
      << " TOPS (the worked example says 0.15 TOPS: correct). Vendors count a multiply-add as 2 ops, so TOPS compare with FLOP/s, "
         "not with MAC/s: a model of M MACs per frame needs 2 x M x fps ops/s.\n\n";
}

void write_ratios(std::ostringstream& out, const std::vector<Hardware>& devices) {
  out << "## FLOP:byte ratios (ridge points)\n\n"
         "ridge = peak FLOP/s / bandwidth in bytes/s: a layer with fewer FLOPs per byte moved than this is memory-bound.\n\n"
         "| device | the example's figures | the example's ratio | recomputed |\n|---|---|---|---|\n"
      << "| Ryzen 7950X | 2735 GFLOP/s, 67 GB/s | 40 | " << ratio(2735, 67) << " |\n"
      << "| RTX 4090 | 83 TFLOP/s, 1008 GB/s | 82 | " << ratio(83000, 1008) << " |\n"
      << "| H100 SXM (fp32) | 67 TFLOP/s, 3350 GB/s | 20 | " << ratio(67000, 3350) << " |\n"
      << "| H100 SXM (tf32 tensor cores, dense) | 494 TFLOP/s, 3350 GB/s | 147 | " << ratio(494000, 3350) << " |\n\n"
      << "The presets flopscope ships (sources in each file under `hardware/`), ridge in FLOP/byte:\n\n| device | memory |";
  for (const Precision p : all_precisions()) out << ' ' << to_string(p) << " |";
  out << "\n|---|---|";
  for (size_t i = 0; i < all_precisions().size(); ++i) out << "---|";
  out << '\n';
  for (const Hardware& device : devices) {
    out << "| " << device.name << " | " << human_rate(device.bandwidth.value, "B/s") << " |";
    for (const Precision p : all_precisions()) {
      const Rate* peak = device.peak(p);
      out << ' ' << (peak == nullptr ? "-" : human_rate(peak->value, "FLOP/s") + " (" + fixed(ridge_point(device, p), 1) + ")") << " |";
    }
    out << '\n';
  }
  out << '\n';
}

void write_decoder(std::ostringstream& out) {
  const int64_t l = 2048, h = 4096, layers = 32;
  const double rule_of_thumb = rule_of_thumb_decoder_layer_macs(l, h);
  const DecoderLayerMacs gpt = decoder_layer_macs(l, h, 4 * h, 2);
  const DecoderLayerMacs llama = decoder_layer_macs(l, h, 11008, 3);
  out << "## One decoder layer (L = 2048 tokens, H = 4096)\n\n"
         "The rule of thumb 9.4 L H^2 + 2 L^2 H counts **multiply-adds** (a Linear of L x H by H x H is L H^2 of them), "
         "not FLOPs: at L = 2048, H = 4096 it is "
      << with_separators(static_cast<int64_t>(rule_of_thumb)) << " MACs = " << human_flops(static_cast<int64_t>(2 * rule_of_thumb))
      << " (the rule of thumb says 357 GFLOPs; it is 357 G MACs). 32 layers: " << human_flops(static_cast<int64_t>(2 * rule_of_thumb * layers))
      << " (it says 11.4 TFLOPs, again MACs).\n\n"
         "Its FFN term 5.4 L H^2 assumes two matrices of width 2.7 H. Exact multiply-adds per layer, without norms, "
         "activations and softmax:\n\n| part | formula | GPT-style FFN (2 x 4H) | LLaMA-7B SwiGLU (3 x 11008) |\n|---|---|---|---|\n"
      << "| Q, K, V, output projections | 4 L H^2 | " << with_separators(gpt.projections) << " | " << with_separators(llama.projections) << " |\n"
      << "| scores QK^T and weighted sum AV | 2 L^2 H | " << with_separators(gpt.attention) << " | " << with_separators(llama.attention) << " |\n"
      << "| FFN | matrices x L H width | " << with_separators(gpt.ffn) << " | " << with_separators(llama.ffn) << " |\n"
      << "| layer, MACs | | " << with_separators(gpt.total()) << " | " << with_separators(llama.total()) << " |\n"
      << "| layer, FLOPs (2 per MAC) | | " << human_flops(2 * gpt.total()) << " | " << human_flops(2 * llama.total()) << " |\n"
      << "| 32 layers, FLOPs | | " << human_flops(2 * gpt.total() * layers) << " | " << human_flops(2 * llama.total() * layers) << " |\n\n";
  // The worked example "2*32*32^2*4096 + 4*32*32*4096^2 = 16787458 = 16.787GFLOPs" (layers 32, tokens 32, d 4096).
  const int64_t t = 32, d = 4096;
  const int64_t claimed = 2 * layers * t * t * d + 4 * layers * t * d * d;
  out << "The worked LLaMA-7B example `2*32*32^2*4096 + 4*32*32*4096^2 = 16787458 = 16.787GFLOPs` evaluates to "
      << with_separators(claimed) << " = " << human_flops(claimed)
      << ", not 16.787 G; by its own layer formula those are multiply-adds (2 x that in FLOPs), and the FFN is left out. "
         "Exact, 32 LLaMA-7B layers at 32 tokens (SwiGLU FFN included, LM head and norms not): "
      << with_separators(layers * decoder_layer_macs(32, h, 11008, 3).total()) << " MACs = "
      << human_flops(2 * layers * decoder_layer_macs(32, h, 11008, 3).total()) << " (the example says 350 to 400 GFLOPs).\n\n";
}

void write_precisions(std::ostringstream& out, const std::vector<Hardware>& devices) {
  out << "## Precision: storage and compute against fp32\n\n"
         "Storage shrinks by 32 / bits per element (the rule of thumb: fp16 2x, int8 4x, int4 8x: correct). Compute speed-ups "
         "are not a rule of thumb but the ratio of a device's dense peaks:\n\n| device |";
  const Precision shown[] = {Precision::TF32, Precision::BF16, Precision::FP16, Precision::FP8, Precision::INT8, Precision::INT4};
  for (const Precision p : shown) out << ' ' << to_string(p) << " / fp32 |";
  out << "\n|---|";
  for (size_t i = 0; i < std::size(shown); ++i) out << "---|";
  out << '\n';
  for (const Hardware& device : devices) {
    const Rate* fp32 = device.peak(Precision::FP32);
    if (fp32 == nullptr) continue;
    out << "| " << device.name << " |";
    for (const Precision p : shown) {
      const Rate* peak = device.peak(p);
      out << ' ' << (peak == nullptr ? "-" : fixed(peak->value / fp32->value, 1) + "x") << " |";
    }
    out << '\n';
  }
  out << "\nStorage per element: ";
  for (const Precision p : all_precisions()) out << to_string(p) << " " << storage_bits(p) << " bits; ";
  out << "tf32 is stored as fp32.\n\n";
}

void write_models(std::ostringstream& out, const std::vector<ZooEntry>& entries, const std::vector<Hardware>& devices) {
  out << "## The bundled OpenCLIP models on each device (batch 1, one image and one 77-token text)\n\n"
         "Counts are flopscope's exact dry-run counts of the files in `torchscript_models/openclip/`. Required at "
      << fixed(kFps, 0)
      << " fps = FLOPs x 30. Max fps = 1 / max(FLOPs / peak, bytes / bandwidth) for the whole forward, bytes unfused "
         "(every op reads its arguments and writes its results once) and re-priced at the precision's element size; "
         "an upper bound, not a prediction.\n\n| model | FLOPs | MACs | bytes (fp32) | TOPS at 30 fps |";
  for (const Hardware& device : devices) out << ' ' << device.name << " max fps fp32 / bf16 / int8 |";
  out << "\n|---|---|---|---|---|";
  for (size_t i = 0; i < devices.size(); ++i) out << "---|";
  out << '\n';
  for (const ZooEntry& e : entries) {
    out << "| " << e.name << " | " << with_separators(e.total.flops()) << " | " << with_separators(e.total.macs) << " | "
        << human_bytes(e.traffic.bytes) << " | " << fixed(required_rate(e.total.flops(), kFps) / 1e12, 2) << " |";
    for (const Hardware& device : devices) {
      std::string cell;
      for (const Precision p : kPrecisions) {
        if (!cell.empty()) cell += " / ";
        const std::optional<Bound> bound = projected_bound(e.total.flops(), e.total.integer_flops, e.traffic, device, {p, p});
        cell += !bound ? "-" : fixed(1.0 / bound->seconds(), 0) + (bound->memory_bound() ? "m" : "c");
      }
      out << ' ' << cell << " |";
    }
    out << '\n';
  }
  out << "\nm: memory-bound, c: compute-bound. Per-layer bounds: `flopscope analyze MODEL.pt --hardware ... --precision ...`.\n";
  // The rules of thumb for image encoders, against the exact image towers.
  for (const auto& [name, claim] : {std::pair<const char*, double>{"ViT-B-16", 17.6e9}, {"ViT-L-14", 60e9}}) {
    for (const ZooEntry& e : entries) {
      if (e.name != name) continue;
      const bool is_macs = std::abs(static_cast<double>(e.image.macs) - claim) < 0.02 * claim;
      out << "\nThe rule of thumb \"" << name << " at 224x224: about " << fixed(claim / 1e9, 1) << " GFLOPs\": the exact image tower is "
          << with_separators(e.image.macs) << " MACs = " << human_flops(e.image.flops()) << " (matmul "
          << human_flops(e.image.matmul_flops) << "); "
          << (is_macs ? "that figure is the MAC count, not FLOPs.\n" : "that figure is neither the MAC nor the FLOP count.\n");
    }
  }
}

}  // namespace

std::string render_planning_markdown(const std::vector<ZooEntry>& entries, const std::vector<Hardware>& devices,
                                     const std::string& command_line) {
  std::ostringstream out;
  out << "# Planning hardware: TOPS for a multimodal assistant, checked\n\n"
         "Generated by `" << command_line << "` (" << tool_identity()
      << "); do not edit by hand. Conventions: " << kConventions << "; peaks are dense (never the sparsity figures).\n\n";
  write_required(out);
  write_ratios(out, devices);
  write_decoder(out);
  write_precisions(out, devices);
  write_models(out, entries, devices);
  return out.str();
}

}  // namespace flopscope
