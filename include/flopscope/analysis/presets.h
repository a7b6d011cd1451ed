// Presets — knowledge of a model family that lets a user analyze it without typing shapes.
//
// OpenCLIP ("openclip"): works on native CLIP and CustomTextCLIP models of any OpenCLIP version,
// however they were scripted. Everything is read from the model itself: the image size from the
// visual positional embedding and the patch size (or timm's pos_embed and patch_embed), the context
// length and vocabulary from the text tower's embeddings. The towers split the report like
// OpenCLIP's own profile: image, image transformer, text, text transformer.
#pragma once

#include <string>
#include <vector>

#include "flopscope/analysis/analysis.h"
#include "flopscope/core/input_spec.h"
#include "flopscope/runtime/model.h"

namespace flopscope {

struct Preset {
  std::vector<InputSpec> inputs;  // batch 1
  std::vector<Tower> towers;
};

// Throws Error(Usage) naming what could not be found, and Error(Usage) for an unknown preset name.
Preset make_preset(const std::string& name, const Model& model, const std::string& method);

// What the OpenCLIP preset reads off a model.
struct OpenClipShape {
  int64_t image_size = 0;
  int64_t context_length = 0;
  int64_t vocab_size = 0;
};
OpenClipShape openclip_shape(const Model& model);

}  // namespace flopscope
