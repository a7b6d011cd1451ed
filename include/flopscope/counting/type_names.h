// The module class types that rules match on, as Model normalizes them ("__torch__." and name
// mangling removed). One place, so a rule, a backward rule and the analysis cannot disagree.
#pragma once

namespace flopscope::type_names {

inline constexpr const char* kLinear = "torch.nn.modules.linear.Linear";
// nn.MultiheadAttention's out_proj: a Linear by another name.
inline constexpr const char* kNonDynamicallyQuantizableLinear = "torch.nn.modules.linear.NonDynamicallyQuantizableLinear";
inline constexpr const char* kConv1d = "torch.nn.modules.conv.Conv1d";
inline constexpr const char* kConv2d = "torch.nn.modules.conv.Conv2d";
inline constexpr const char* kConv3d = "torch.nn.modules.conv.Conv3d";
inline constexpr const char* kConvTranspose1d = "torch.nn.modules.conv.ConvTranspose1d";
inline constexpr const char* kConvTranspose2d = "torch.nn.modules.conv.ConvTranspose2d";
inline constexpr const char* kConvTranspose3d = "torch.nn.modules.conv.ConvTranspose3d";
inline constexpr const char* kConvPrefix = "torch.nn.modules.conv.";  // every convolution type
inline constexpr const char* kMultiheadAttention = "torch.nn.modules.activation.MultiheadAttention";

}  // namespace flopscope::type_names
