// Data movement and queries: views, copies, concatenation, indexing, gathering, padding, nearest-neighbour
// resizing, random fills and shape queries move or make values without arithmetic. Each is an explicit
// zero, so that an op missing here is reported uncovered instead of silently counted as nothing.
// An embedding lookup is a gather: 0 FLOPs.
#include "formula_kit.h"

namespace flopscope::formulas {
namespace {

Counts zero(const Inputs&) { return {}; }
const RegisterOpFormula register_bool(
    {"aten::Bool", "aten::Float", "aten::Int", "aten::ScalarImplicit", "aten::__and__", "aten::_cast_Float",
     "aten::_efficientzerotensor", "aten::_has_compatible_shallow_copy_type", "aten::_local_scalar_dense",
     "aten::_nested_tensor_from_mask", "aten::_nested_tensor_from_mask_left_aligned", "aten::_nnpack_available",
     "aten::_pack_padded_sequence", "aten::_pad_circular", "aten::_pad_enum", "aten::_pad_packed_sequence",
     "aten::_reshape_alias", "aten::_shape_as_tensor", "aten::_to_copy", "aten::_unique", "aten::_unique2",
     "aten::_unsafe_index", "aten::_unsafe_index_put", "aten::_unsafe_view", "aten::_upsample_nearest_exact1d",
     "aten::_upsample_nearest_exact2d", "aten::_upsample_nearest_exact3d", "aten::_use_cudnn_rnn_flatten_weight",
     "aten::adjoint", "aten::alias", "aten::alias_copy", "aten::arange", "aten::argsort", "aten::as_strided",
     "aten::atleast_1d", "aten::atleast_2d", "aten::bernoulli_", "aten::bitwise_and", "aten::bitwise_not",
     "aten::bitwise_or", "aten::broadcast_tensors", "aten::bucketize", "aten::cat", "aten::channel_shuffle",
     "aten::chunk", "aten::clone", "aten::concat", "aten::concatenate", "aten::constant_pad_nd", "aten::contiguous",
     "aten::copy_", "aten::cudnn_is_acceptable", "aten::detach", "aten::diag_embed", "aten::diagonal", "aten::dim",
     "aten::embedding", "aten::embedding_bag", "aten::empty", "aten::empty_like", "aten::empty_strided",
     "aten::equal", "aten::expand", "aten::expand_as", "aten::expand_copy", "aten::fill_", "aten::flatten",
     "aten::flip", "aten::full", "aten::full_like", "aten::gather", "aten::hstack", "aten::im2col", "aten::index",
     "aten::index_copy", "aten::index_fill", "aten::index_put", "aten::index_select", "aten::is_complex",
     "aten::is_contiguous", "aten::is_floating_point", "aten::is_nonzero", "aten::is_same_size", "aten::isfinite",
     "aten::isinf", "aten::isnan", "aten::item", "aten::lift", "aten::lift_fresh", "aten::linspace",
     "aten::logical_and", "aten::logical_not", "aten::logical_or", "aten::mT", "aten::masked_fill",
     "aten::masked_scatter", "aten::masked_select", "aten::meshgrid", "aten::movedim", "aten::narrow",
     "aten::new_empty", "aten::new_full", "aten::new_ones", "aten::new_tensor", "aten::new_zeros", "aten::nonzero",
     "aten::nonzero_static", "aten::normal_", "aten::numel", "aten::numpy_T", "aten::one_hot", "aten::ones",
     "aten::ones_like", "aten::pad", "aten::permute", "aten::pixel_shuffle", "aten::pixel_unshuffle", "aten::rand",
     "aten::randint", "aten::randn", "aten::random_", "aten::reflection_pad1d", "aten::reflection_pad2d",
     "aten::reflection_pad3d", "aten::repeat", "aten::repeat_interleave", "aten::replication_pad1d",
     "aten::replication_pad2d", "aten::replication_pad3d", "aten::reshape", "aten::reshape_as", "aten::resolve_conj",
     "aten::resolve_neg", "aten::result_type", "aten::roll", "aten::rot90", "aten::scalar_tensor", "aten::scatter",
     "aten::scatter_add", "aten::searchsorted", "aten::select", "aten::select_scatter", "aten::set_", "aten::size",
     "aten::slice", "aten::slice_scatter", "aten::sort", "aten::split", "aten::split_with_sizes", "aten::squeeze",
     "aten::stack", "aten::stride", "aten::swapaxes", "aten::t", "aten::t_", "aten::tensor", "aten::tensor_split",
     "aten::to", "aten::topk", "aten::transpose", "aten::tril", "aten::triu", "aten::type_as", "aten::unbind",
     "aten::unflatten", "aten::unfold", "aten::uniform_", "aten::unique_consecutive", "aten::unique_dim",
     "aten::unsafe_chunk", "aten::unsafe_split", "aten::unsafe_split_with_sizes", "aten::unsqueeze",
     "aten::upsample_nearest1d", "aten::upsample_nearest2d", "aten::upsample_nearest3d", "aten::view",
     "aten::view_as", "aten::vstack", "aten::where", "aten::zero_", "aten::zeros", "aten::zeros_like"},
    zero, "data movement or a query: 0 FLOPs");
// The backward of indexing and slicing: a zero tensor with the gradient copied (or, for a repeated
// index, accumulated, which data movement does not count, as scatter_add) into place.
const RegisterOpFormula register_select_backward(
    {"aten::select_backward", "aten::slice_backward", "aten::index_select_backward", "aten::diagonal_backward",
     "aten::unfold_backward", "aten::as_strided_backward", "aten::index_put_", "aten::_index_put_impl_"},
    zero, "backward of indexing and slicing, data movement: 0 FLOPs");

}  // namespace

const char kDataMovementFormulas[] = "data movement";

}  // namespace flopscope::formulas
