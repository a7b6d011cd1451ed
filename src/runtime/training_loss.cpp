#include "runtime/training_loss.h"

#include <algorithm>
#include <functional>

#include "flopscope/core/error.h"
#include "flopscope/runtime/recorder.h"

namespace flopscope {
namespace {

using LossFunction = std::function<at::Tensor(const c10::IValue& outputs, const std::string& method)>;

struct LossEntry {
  LossInfo info;
  LossFunction function;
};

void collect_trainable(const c10::IValue& value, std::vector<at::Tensor>& out) {
  if (value.isTensor()) {
    const at::Tensor& t = value.toTensor();
    if (t.defined() && t.is_floating_point() && t.requires_grad()) out.push_back(t);
  } else if (value.isTuple()) {
    for (const auto& e : value.toTupleRef().elements()) collect_trainable(e, out);
  } else if (value.isList()) {
    for (const auto& e : value.toListRef()) collect_trainable(e, out);
  } else if (value.isGenericDict()) {
    for (const auto& entry : value.toGenericDict()) collect_trainable(entry.value(), out);
  }
}

// Every floating-point output that depends on a trainable parameter, summed: each output element's
// gradient is 1, so the backward is the model's own.
at::Tensor sum_loss(const c10::IValue& outputs, const std::string& method) {
  std::vector<at::Tensor> tensors;
  collect_trainable(outputs, tensors);
  if (tensors.empty()) {
    throw Error(ExitCode::BadInputs, "--training: no output of '" + method +
                                         "' depends on a trainable parameter (everything frozen, or no floating-point output)");
  }
  at::Tensor loss = tensors[0].sum();
  for (size_t i = 1; i < tensors.size(); ++i) loss = loss + tensors[i].sum();
  return loss;
}

// OpenCLIP's symmetric contrastive loss on (image features, text features, logit scale), both feature
// batches B x D: logits_per_image = s * I T^T and logits_per_text = s * T I^T (two B x D x B
// products, as OpenCLIP computes them), each row's cross-entropy against its own index, averaged.
at::Tensor clip_loss(const c10::IValue& outputs, const std::string& method) {
  const auto fail = [&](const std::string& why) {
    return Error(ExitCode::BadInputs, "--loss clip needs '" + method +
                                          "' to return (image features B x D, text features B x D, logit scale): " + why);
  };
  if (!outputs.isTuple() || outputs.toTupleRef().elements().size() < 3) throw fail("it returns " + outputs.tagKind());
  const auto& e = outputs.toTupleRef().elements();
  if (!e[0].isTensor() || !e[1].isTensor() || !e[2].isTensor()) throw fail("its first three outputs are not all tensors");
  const at::Tensor image = e[0].toTensor(), text = e[1].toTensor(), scale = e[2].toTensor();
  if (image.dim() != 2 || text.dim() != 2 || image.size(0) != text.size(0) || image.size(1) != text.size(1) || scale.numel() != 1) {
    throw fail("got " + std::to_string(image.dim()) + "-d and " + std::to_string(text.dim()) + "-d features of sizes " +
               c10::str(image.sizes()) + " and " + c10::str(text.sizes()) + ", scale of " + std::to_string(scale.numel()) + " elements");
  }
  const at::Tensor labels = at::arange(image.size(0), image.options().dtype(at::kLong));
  const at::Tensor per_image = scale * at::mm(image, text.t());
  const at::Tensor per_text = scale * at::mm(text, image.t());
  return (at::cross_entropy_loss(per_image, labels) + at::cross_entropy_loss(per_text, labels)) / 2;
}

const std::vector<LossEntry>& registry() {
  static const std::vector<LossEntry> entries = {
      {{"sum", "the sum of every floating-point output that depends on a trainable parameter"}, sum_loss},
      {{"clip", "OpenCLIP's symmetric contrastive loss on (image features, text features, logit scale)"}, clip_loss},
  };
  return entries;
}

}  // namespace

const std::vector<LossInfo>& training_losses() {
  static const std::vector<LossInfo> infos = [] {
    std::vector<LossInfo> out;
    for (const auto& entry : registry()) out.push_back(entry.info);
    return out;
  }();
  return infos;
}

void check_training_loss(const std::string& name) {
  std::string names;
  for (const auto& entry : registry()) {
    if (entry.info.name == name) return;
    names += (names.empty() ? "" : ", ") + entry.info.name;
  }
  throw Error(ExitCode::Usage, "--loss must be one of " + names + ", got '" + name + "'");
}

at::Tensor training_loss(const std::string& loss, const c10::IValue& outputs, const std::string& method) {
  check_training_loss(loss);
  const auto& entries = registry();
  const auto entry = std::find_if(entries.begin(), entries.end(), [&](const LossEntry& e) { return e.info.name == loss; });
  return entry->function(outputs, method);
}

}  // namespace flopscope
