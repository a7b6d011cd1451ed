// The zoo report: docs/openclip-zoo.md (Markdown) for OpenCLIP models, a row per model for any other,
// and their exact integers (JSON).
#include <cmath>
#include <cstdio>
#include <sstream>

#include "flopscope/core/conventions.h"
#include "flopscope/reports/number_format.h"
#include "flopscope/reports/report.h"
#include "flopscope/reports/tool_identity.h"
#include "flopscope/reports/zoo_report.h"

namespace flopscope {

namespace {

std::string giga(int64_t flops) { return fixed(static_cast<double>(flops) / 1e9, 2); }
std::string tera(int64_t flops) { return fixed(static_cast<double>(flops) / 1e12, 3); }

std::string percent(int64_t part, int64_t whole) {
  return whole == 0 ? "-" : fixed(100.0 * static_cast<double>(part) / static_cast<double>(whole), 2) + "%";
}

const ZooEntry* find(const std::vector<ZooEntry>& entries, const std::string& name) {
  for (const auto& e : entries) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

void write_parameter_table_section(std::ostringstream& out, const std::vector<ZooEntry>& entries) {
  out << "\n## The CLIP parameter table, completed and reconciled\n\n"
      << "The CLIP parameter table gives parameters and TFLOPs (batch 1) for CLIP-ViT-L-14-336 and ViT-H-14 and leaves EVA02-E-14 "
         "empty. flopscope's rows, from the same models:\n\n"
      << "| model | total params | image encoder | image transformer | text encoder | text transformer | TFLOPs (matmul) |\n"
      << "|---|---:|---:|---:|---:|---:|---:|\n";
  for (const char* name : {"ViT-L-14-336", "ViT-H-14", "EVA02-E-14"}) {
    const ZooEntry* e = find(entries, name);
    if (e == nullptr) continue;
    out << "| " << e->name << " | " << with_separators(e->params) << " | " << with_separators(e->image_params) << " | "
        << with_separators(e->image_transformer_params) << " | " << with_separators(e->text_params) << " | "
        << with_separators(e->text_transformer_params) << " | " << tera(e->total.matmul_flops) << " |\n";
  }
  out << "\nThe table's \"text_encoder\" column counts the text transformer only (its value equals the text transformer "
         "column); the whole text encoder also holds the token and positional embeddings, ln_final and text_projection.\n";
  for (const auto& e : entries) {
    if (!e.expected.is_object() || !e.expected.contains("clip_parameter_table") || e.expected["clip_parameter_table"].empty()) continue;
    const auto& table = e.expected["clip_parameter_table"];
    out << "\n### " << e.name << "\n\n";
    const int64_t table_total = table.value("total_params", int64_t{0});
    if (table_total != e.params) {
      const int64_t parts = e.image_params + e.text_params + 1;  // + logit_scale
      out << "- Parameters: the table prints " << with_separators(table_total) << "; its own parts sum to "
          << with_separators(parts) << " (image " << with_separators(e.image_params) << " + text "
          << with_separators(e.text_params) << " + logit_scale 1), which is what flopscope counts: "
          << with_separators(e.params) << ". The table's total is a typo.\n";
    } else {
      out << "- Parameters: the table's total " << with_separators(table_total) << " equals flopscope's.\n";
    }
    const int64_t image_without = e.image.matmul_flops - e.image.activation_flops;
    const int64_t all_without = e.total.matmul_flops - e.total.activation_flops;
    out << "- calflops " << fixed(table.value("calflops_tflops", 0.0), 3) << " TFLOPs = the image tower's matrix work without the "
        << "attention products QK^T and AV: " << tera(image_without) << " TFLOPs (image tower " << tera(e.image.matmul_flops)
        << " minus " << tera(e.image.activation_flops) << " of QK^T and AV). It left out the attention products and the "
        << "whole text tower.\n";
    out << "- Hand estimate " << fixed(table.value("hand_tflops", 0.0), 3) << " TFLOPs = the whole model without the attention "
        << "products: " << tera(all_without) << " TFLOPs (image " << tera(image_without) << " + text "
        << tera(e.text.matmul_flops - e.text.activation_flops) << "). It left out QK^T and AV ("
        << tera(e.total.activation_flops) << " TFLOPs).\n";
    out << "- flopscope: " << tera(e.total.matmul_flops) << " TFLOPs of matrix work (image " << tera(e.image.matmul_flops)
        << ", text " << tera(e.text.matmul_flops) << "), plus " << tera(e.total.elementwise_flops)
        << " TFLOPs elementwise; " << tera(e.total.flops()) << " TFLOPs in all. MACs: half the matrix FLOPs.\n";
  }
}

// The models that could not be analyzed, each with its exit code and the line it ended with.
void write_failures(std::ostringstream& out, const std::vector<ZooFailure>& failures) {
  if (failures.empty()) return;
  out << "\n## Not analyzed\n\n| model | exit code | why |\n|---|---:|---|\n";
  for (const auto& f : failures) {
    std::string why = f.message;
    for (size_t at = why.find('|'); at != std::string::npos; at = why.find('|', at + 2)) why.replace(at, 1, "\\|");
    out << "| " << f.name << " | " << static_cast<int>(f.code) << " | " << why << " |\n";
  }
}

// OpenCLIP models: parameters and FLOPs per tower, and the CLIP parameter table reconciled.
void write_openclip_models(std::ostringstream& out, const std::vector<ZooEntry>& entries) {
  out << "\n## Parameters\n\n"
      << "| model | total | image encoder | image transformer | text encoder | text transformer |\n"
      << "|---|---:|---:|---:|---:|---:|\n";
  for (const auto& e : entries) {
    out << "| " << e.name << " | " << with_separators(e.params) << " | " << with_separators(e.image_params) << " | "
        << with_separators(e.image_transformer_params) << " (" << percent(e.image_transformer_params, e.image_params)
        << ") | " << with_separators(e.text_params) << " | " << with_separators(e.text_transformer_params) << " ("
        << percent(e.text_transformer_params, e.text_params) << ") |\n";
  }
  out << "\n## FLOPs (GFLOPs)\n\n"
      << "| model | total | matmul | elementwise | image matmul | image elementwise | text matmul | text elementwise | "
         "QK^T+AV | published (total / image / text) |\n"
      << "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n";
  for (const auto& e : entries) {
    std::string published = "-";
    if (e.expected.is_object() && e.expected.contains("published_gflops")) {
      const auto& p = e.expected["published_gflops"];
      published = fixed(p.value("total", 0.0), 2) + " / " + fixed(p.value("image", 0.0), 2) + " / " + fixed(p.value("text", 0.0), 2);
    }
    out << "| " << e.name << " | " << giga(e.total.flops()) << " | " << giga(e.total.matmul_flops) << " | "
        << giga(e.total.elementwise_flops) << " | " << giga(e.image.matmul_flops) << " | " << giga(e.image.elementwise_flops)
        << " | " << giga(e.text.matmul_flops) << " | " << giga(e.text.elementwise_flops) << " | "
        << giga(e.total.activation_flops) << " | " << published << " |\n";
  }
  out << "\nThe published column is OpenCLIP's docs/model_profile.csv, which counts matrix work only: compare it with "
         "the matmul columns. Exact integers for every model are in `flopscope zoo --format json`.\n";
  write_parameter_table_section(out, entries);
}

// Models without OpenCLIP's towers: one row each, with the inputs they ran with.
void write_other_models(std::ostringstream& out, const std::vector<ZooEntry>& entries) {
  out << "\n## " << (entries.size() == 1 ? "Model" : "Models") << "\n\n"
      << "| model | inputs | params | FLOPs (G) | matmul (G) | elementwise (G) | MACs (G) | published |\n"
      << "|---|---|---:|---:|---:|---:|---:|---|\n";
  for (const auto& e : entries) {
    std::string inputs, published = "-";
    for (const auto& spec : e.inputs) inputs += (inputs.empty() ? "`" : ", `") + spec + "`";
    if (e.expected.is_object() && e.expected.contains("published_gmacs") && e.expected["published_gmacs"].is_number()) {
      published = fixed(e.expected["published_gmacs"].get<double>(), 3) + " GMACs";
    }
    out << "| " << e.name << " | " << (inputs.empty() ? "-" : inputs) << " | " << with_separators(e.params) << " | "
        << giga(e.total.flops()) << " | " << giga(e.total.matmul_flops) << " | " << giga(e.total.elementwise_flops) << " | "
        << giga(e.total.macs) << " | " << published << " |\n";
  }
  out << "\nThe published column is the figure the model's manifest records (torchvision's GMACs: compare it with the MACs "
         "column). Exact integers for every model are in `flopscope zoo --format json`.\n";
}

}  // namespace

std::string render_zoo_markdown(const Zoo& zoo, const std::string& command_line) {
  std::vector<ZooEntry> entries, others;  // OpenCLIP models (per tower), and the rest
  for (const auto& e : zoo.entries) (e.towers ? entries : others).push_back(e);
  std::ostringstream out;
  out << (others.empty() ? "# OpenCLIP zoo: parameters and FLOPs at batch 1\n\n" : "# Parameters and FLOPs of the models in a directory\n\n")
      << "Generated by `" << command_line << "` (" << tool_identity() << "); do not edit by hand.\n"
      << "Conventions: " << kConventions << "; GFLOPs = 1e9 FLOPs (a count, never a rate). "
         "\"matmul\" is matrix products, convolutions and attention; \"elementwise\" is norms, activations, softmax, "
         "bias and residual adds (docs/counting.md)."
      << (entries.empty() ? "\n" : others.empty() ? " Inputs: one 3xIxI image and 77 tokens.\n" : " Inputs of the OpenCLIP models: one 3xIxI image and 77 tokens.\n");
  if (!entries.empty()) write_openclip_models(out, entries);
  if (!others.empty()) write_other_models(out, others);
  write_failures(out, zoo.failures);
  return out.str();
}

nlohmann::json render_zoo_json(const Zoo& zoo) {
  nlohmann::json models = nlohmann::json::array();
  for (const auto& e : zoo.entries) {
    models.push_back({{"name", e.name},
                      {"inputs", e.inputs},
                      {"towers", e.towers},
                      {"params", {{"total", e.params}, {"image", e.image_params}, {"image_transformer", e.image_transformer_params},
                                  {"text", e.text_params}, {"text_transformer", e.text_transformer_params}}},
                      {"total", counts_json(e.total)},
                      {"image", counts_json(e.image)},
                      {"text", counts_json(e.text)}});
  }
  nlohmann::json failed = nlohmann::json::array();
  for (const auto& f : zoo.failures) failed.push_back({{"name", f.name}, {"exit_code", static_cast<int>(f.code)}, {"error", f.message}});
  return {{"schema_version", kJsonSchemaVersion}, {"tool", tool_json()}, {"batch", 1}, {"models", models}, {"failed", failed}};
}

const std::vector<ZooFormat>& zoo_formats() {
  static const std::vector<ZooFormat> formats = {
      {"markdown", "a row per model; OpenCLIP's per tower with the CLIP parameter table (docs/openclip-zoo.md)", render_zoo_markdown},
      {"json", "every model's exact integers",
       [](const Zoo& zoo, const std::string&) { return render_zoo_json(zoo).dump(2) + "\n"; }},
  };
  return formats;
}

}  // namespace flopscope
