#include "flopscope/analysis/presets.h"

#include <cmath>

#include "flopscope/core/error.h"

namespace flopscope {
namespace {

const ModuleInfo* module_named(const Model& model, const std::string& name) {
  const int index = model.find_module(name);
  return index < 0 ? nullptr : &model.modules()[static_cast<size_t>(index)];
}

const TensorEntry* parameter_at(const Model& model, const std::string& qualified) {
  const auto dot = qualified.rfind('.');
  const ModuleInfo* owner = module_named(model, dot == std::string::npos ? "" : qualified.substr(0, dot));
  return owner == nullptr ? nullptr : owner->parameter(dot == std::string::npos ? qualified : qualified.substr(dot + 1));
}

int64_t exact_sqrt(int64_t n) {
  const auto root = static_cast<int64_t>(std::llround(std::sqrt(static_cast<double>(n))));
  return root * root == n ? root : -1;
}

// Image size = patch grid side x patch size. The grid comes from the positional embedding, which
// holds one row per patch plus the class token.
int64_t image_size(const Model& model) {
  struct Layout {
    const char* pos_embed;
    const char* patch_weight;
  };
  for (const Layout layout : {Layout{"visual.positional_embedding", "visual.conv1.weight"},
                              Layout{"visual.trunk.pos_embed", "visual.trunk.patch_embed.proj.weight"}}) {
    const TensorEntry* pos = parameter_at(model, layout.pos_embed);
    const TensorEntry* patch = parameter_at(model, layout.patch_weight);
    if (pos == nullptr || patch == nullptr || pos->shape.size() < 2 || patch->shape.size() != 4) continue;
    const int64_t grid = exact_sqrt(pos->shape[pos->shape.size() - 2] - 1);
    if (grid > 0) return grid * patch->shape[3];
  }
  const ModuleInfo* visual = module_named(model, "visual");
  if (visual != nullptr) {
    const ValueInfo* size = visual->attribute("image_size");
    if (size != nullptr && size->kind == ValueInfo::Kind::Int) return size->int_value;
    if (size != nullptr && size->kind == ValueInfo::Kind::Tuple && !size->elements.empty()) return size->elements[0].int_value;
  }
  throw Error(ExitCode::Usage, "--preset openclip: cannot tell the image size (no visual.positional_embedding with "
                               "visual.conv1, no visual.trunk.pos_embed with patch_embed, no visual.image_size)");
}

}  // namespace

OpenClipShape openclip_shape(const Model& model) {
  OpenClipShape shape;
  shape.image_size = image_size(model);
  const std::string text = module_named(model, "text") != nullptr ? "text." : "";
  const TensorEntry* tokens = parameter_at(model, text + "token_embedding.weight");
  const TensorEntry* positions = parameter_at(model, text + "positional_embedding");
  if (tokens == nullptr || positions == nullptr || tokens->shape.size() != 2 || positions->shape.size() != 2) {
    throw Error(ExitCode::Usage, "--preset openclip: cannot find the text tower's token_embedding and positional_embedding");
  }
  shape.vocab_size = tokens->shape[0];
  shape.context_length = positions->shape[0];
  return shape;
}

Preset make_preset(const std::string& name, const Model& model, const std::string& method) {
  if (name != "openclip") throw Error(ExitCode::Usage, "unknown preset '" + name + "' (known: openclip)");
  const OpenClipShape shape = openclip_shape(model);
  InputSpec image;
  image.shape = {1, 3, shape.image_size, shape.image_size};
  InputSpec text;
  text.shape = {1, shape.context_length};
  text.dtype = DType::Int64;
  text.fill = Fill::RandInt;
  text.randint_high = shape.vocab_size;

  Preset preset;
  if (method == "forward") preset.inputs = {image, text};
  else if (method == "encode_image") preset.inputs = {image};
  else if (method == "encode_text") preset.inputs = {text};
  else throw Error(ExitCode::Usage, "--preset openclip knows forward, encode_image and encode_text, not '" + method + "'");

  const bool custom_text = module_named(model, "text") != nullptr;
  const bool timm_visual = module_named(model, "visual.trunk") != nullptr;
  preset.towers.push_back({"image", {"visual"}, {}, ""});
  preset.towers.push_back({"image transformer", {timm_visual ? "visual.trunk.blocks" : "visual.transformer"}, {}, ""});
  if (custom_text) {
    preset.towers.push_back({"text", {"text"}, {}, "encode_text"});
    preset.towers.push_back({"text transformer", {"text.transformer"}, {}, ""});
  } else {
    // Native CLIP keeps the text parts on the root: encode_text's own ops belong to the text tower.
    preset.towers.push_back({"text", {"transformer", "token_embedding", "ln_final"}, {"positional_embedding", "text_projection"},
                             "encode_text"});
    preset.towers.push_back({"text transformer", {"transformer"}, {}, ""});
  }
  return preset;
}

}  // namespace flopscope
