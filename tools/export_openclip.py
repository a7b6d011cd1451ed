#!/usr/bin/python3
"""Rebuilds OpenCLIP architectures in plain PyTorch 1.13 and exports them as TorchScript with
placeholder weights into torchscript_models/openclip/ (run with Debian's /usr/bin/python3).

Written from the facts in shared/openclip-architectures.md (names, shapes, operation order); no
OpenCLIP or timm source is copied. State-dict keys, parameter shapes, module types and the forward
math match OpenCLIP, so parameter counts and FLOPs do too. Each model gets a manifest with its config,
inputs and the expected parameter counts, and the script checks those counts before saving.

Usage: export_openclip.py [--only NAME ...] [--out DIR --layout seq_first|batch_first]
  Without --out: the bundled zoo (sequence-first, as OpenCLIP <= 2.24), the batch-first ViT-B-16 twin
  and the renamed-classes ViT-B-32. With --out: the named models in the given layout only (the
  PyTorch 2.x corpus: `tools/in-debian13.sh python3 tools/export_openclip.py --only ViT-B-16
  EVA02-L-14 --out torchscript_models/torch2/openclip --layout batch_first`).
"""
import argparse
import math
import os
import sys
from typing import List, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from placeholder import save_scripted, save_traced, skipped_init, use_placeholder_weights  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "torchscript_models", "openclip")
CONTEXT = 77
VOCAB = 49408


# ---- OpenCLIP-native towers -------------------------------------------------------------------

class LayerNorm(nn.LayerNorm):
    """OpenCLIP's LayerNorm: F.layer_norm, then cast back to the input dtype."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        orig_type = x.dtype
        x = F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        return x.to(orig_type)


class QuickGELU(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.sigmoid(1.702 * x)


class ResidualAttentionBlock(nn.Module):
    def __init__(self, d_model: int, n_head: int, mlp_width: int, batch_first: bool, quick_gelu: bool):
        super().__init__()
        self.ln_1 = LayerNorm(d_model)
        self.attn = nn.MultiheadAttention(d_model, n_head, batch_first=batch_first)
        self.ls_1 = nn.Identity()
        self.ln_2 = LayerNorm(d_model)
        self.mlp = nn.Sequential()
        self.mlp.add_module("c_fc", nn.Linear(d_model, mlp_width))
        self.mlp.add_module("gelu", QuickGELU() if quick_gelu else nn.GELU())
        self.mlp.add_module("c_proj", nn.Linear(mlp_width, d_model))
        self.ls_2 = nn.Identity()

    def attention(self, x: torch.Tensor, attn_mask: Optional[torch.Tensor]) -> torch.Tensor:
        if attn_mask is not None:
            attn_mask = attn_mask.to(x.dtype)
        return self.attn(x, x, x, need_weights=False, attn_mask=attn_mask)[0]

    def forward(self, x: torch.Tensor, attn_mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        x = x + self.ls_1(self.attention(self.ln_1(x), attn_mask))
        x = x + self.ls_2(self.mlp(self.ln_2(x)))
        return x


class Transformer(nn.Module):
    def __init__(self, width: int, layers: int, heads: int, mlp_width: int, batch_first: bool, quick_gelu: bool):
        super().__init__()
        self.width = width
        self.layers = layers
        self.grad_checkpointing = False
        self.resblocks = nn.ModuleList(
            [ResidualAttentionBlock(width, heads, mlp_width, batch_first, quick_gelu) for _ in range(layers)])

    def forward(self, x: torch.Tensor, attn_mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        for block in self.resblocks:
            x = block(x, attn_mask=attn_mask)
        return x


class VisionTransformer(nn.Module):
    def __init__(self, image_size: int, patch_size: int, width: int, layers: int, heads: int, mlp_width: int,
                 output_dim: int, batch_first: bool, quick_gelu: bool):
        super().__init__()
        grid = image_size // patch_size
        self.batch_first = batch_first
        self.conv1 = nn.Conv2d(3, width, kernel_size=patch_size, stride=patch_size, bias=False)
        scale = width ** -0.5
        self.class_embedding = nn.Parameter(scale * torch.randn(width))
        self.positional_embedding = nn.Parameter(scale * torch.randn(grid * grid + 1, width))
        self.patch_dropout = nn.Identity()
        self.ln_pre = LayerNorm(width)
        self.transformer = Transformer(width, layers, heads, mlp_width, batch_first, quick_gelu)
        self.ln_post = LayerNorm(width)
        self.proj = nn.Parameter(scale * torch.randn(width, output_dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv1(x)  # [B, W, G, G]
        x = x.reshape(x.shape[0], x.shape[1], -1).permute(0, 2, 1)  # [B, G*G, W]
        cls = self.class_embedding.view(1, 1, -1).expand(x.shape[0], -1, -1).to(x.dtype)
        x = torch.cat([cls, x], dim=1)
        x = x + self.positional_embedding.to(x.dtype)
        x = self.patch_dropout(x)
        x = self.ln_pre(x)
        if not self.batch_first:
            x = x.permute(1, 0, 2)  # NLD -> LND
        x = self.transformer(x)
        if not self.batch_first:
            x = x.permute(1, 0, 2)
        x = self.ln_post(x)
        pooled = x[:, 0]
        return pooled @ self.proj


def causal_mask(context: int) -> torch.Tensor:
    return torch.empty(context, context).fill_(float("-inf")).triu_(1)


class ClipTowers(nn.Module):
    """What CLIP and CustomTextCLIP share: encode_image over `visual`, and forward over both towers.
    Subclasses provide `visual`, `encode_text` and `logit_scale`."""

    def encode_image(self, image: torch.Tensor, normalize: bool = False) -> torch.Tensor:
        features = self.visual(image)
        return F.normalize(features, dim=-1) if normalize else features

    def encode_text(self, text: torch.Tensor, normalize: bool = False) -> torch.Tensor:
        raise NotImplementedError

    def forward(self, image: Optional[torch.Tensor] = None, text: Optional[torch.Tensor] = None
                ) -> Tuple[Optional[torch.Tensor], Optional[torch.Tensor], torch.Tensor]:
        image_features = self.encode_image(image, normalize=True) if image is not None else None
        text_features = self.encode_text(text, normalize=True) if text is not None else None
        return image_features, text_features, self.logit_scale.exp()


class CLIP(ClipTowers):
    def __init__(self, cfg: dict, batch_first: bool):
        super().__init__()
        v, t = cfg["vision"], cfg["text"]
        quick_gelu = cfg.get("quick_gelu", False)
        self.context_length = CONTEXT
        self.vocab_size = VOCAB
        self.batch_first = batch_first
        self.visual = VisionTransformer(v["image_size"], v["patch_size"], v["width"], v["layers"],
                                        v["width"] // v["head_width"], v["mlp_width"], cfg["embed_dim"],
                                        batch_first, quick_gelu)
        self.transformer = Transformer(t["width"], t["layers"], t["heads"], 4 * t["width"], batch_first, quick_gelu)
        self.token_embedding = nn.Embedding(VOCAB, t["width"])
        self.positional_embedding = nn.Parameter(torch.empty(CONTEXT, t["width"]).normal_(std=0.01))
        self.ln_final = LayerNorm(t["width"])
        self.text_projection = nn.Parameter(torch.randn(t["width"], cfg["embed_dim"]) * t["width"] ** -0.5)
        self.register_buffer("attn_mask", causal_mask(CONTEXT), persistent=False)
        self.logit_scale = nn.Parameter(torch.ones([]) * math.log(1 / 0.07))

    def encode_text(self, text: torch.Tensor, normalize: bool = False) -> torch.Tensor:
        x = self.token_embedding(text)
        x = x + self.positional_embedding
        if not self.batch_first:
            x = x.permute(1, 0, 2)
        x = self.transformer(x, attn_mask=self.attn_mask)
        if not self.batch_first:
            x = x.permute(1, 0, 2)
        x = self.ln_final(x)
        x = x[torch.arange(x.shape[0]), text.argmax(dim=-1)] @ self.text_projection
        return F.normalize(x, dim=-1) if normalize else x



# ---- timm-style EVA towers, wrapped as OpenCLIP's TimmModel ------------------------------------

class EvaLayerNorm(nn.LayerNorm):
    """timm's LayerNorm (eps 1e-6), a subclass with its own forward."""

    def __init__(self, dim: int):
        super().__init__(dim, eps=1e-6)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)


class PatchEmbed(nn.Module):
    def __init__(self, patch_size: int, dim: int):
        super().__init__()
        self.proj = nn.Conv2d(3, dim, kernel_size=patch_size, stride=patch_size, bias=True)
        self.norm = nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.proj(x).flatten(2).transpose(1, 2)
        return self.norm(x)


def rotate_half_interleaved(x: torch.Tensor) -> torch.Tensor:
    return torch.stack([-x[..., 1::2], x[..., ::2]], -1).reshape(x.shape)


def apply_rot_embed_cat(x: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
    sin_emb, cos_emb = emb.tensor_split(2, -1)
    return x * cos_emb + rotate_half_interleaved(x) * sin_emb


class RotaryEmbeddingCat(nn.Module):
    """2-D RoPE table for a square patch grid: [grid*grid, 2*head_dim] = sin || cos."""

    def __init__(self, head_dim: int, grid: int):
        super().__init__()
        num_bands = head_dim // 4
        bands = 1.0 / (10000 ** (torch.arange(num_bands, dtype=torch.float32) / num_bands))
        coords = torch.arange(grid, dtype=torch.float32)
        rows, cols = torch.meshgrid(coords, coords, indexing="ij")
        angles = torch.cat([rows.reshape(-1, 1) * bands, cols.reshape(-1, 1) * bands], dim=1)  # [G*G, head_dim/2]
        angles = angles.repeat_interleave(2, dim=1)
        self.register_buffer("pos_embed", torch.cat([angles.sin(), angles.cos()], dim=1), persistent=False)

    def get_embed(self) -> torch.Tensor:
        return self.pos_embed


class EvaAttention(nn.Module):
    def __init__(self, dim: int, heads: int, fused_qkv: bool, sub_ln: bool):
        super().__init__()
        self.num_heads = heads
        self.scale = (dim // heads) ** -0.5
        self.num_prefix_tokens = 1
        if fused_qkv:
            self.qkv = nn.Linear(dim, 3 * dim, bias=False)
            self.q_bias = nn.Parameter(torch.zeros(dim))
            self.register_buffer("k_bias", torch.zeros(dim), persistent=False)
            self.v_bias = nn.Parameter(torch.zeros(dim))
            self.q_proj = None
            self.k_proj = None
            self.v_proj = None
        else:
            self.qkv = None
            self.q_proj = nn.Linear(dim, dim)
            self.k_proj = nn.Linear(dim, dim, bias=False)
            self.v_proj = nn.Linear(dim, dim)
        self.q_norm = nn.Identity()
        self.k_norm = nn.Identity()
        self.attn_drop = nn.Dropout(0.0)
        self.norm = EvaLayerNorm(dim) if sub_ln else nn.Identity()
        self.proj = nn.Linear(dim, dim)
        self.proj_drop = nn.Dropout(0.0)

    def forward(self, x: torch.Tensor, rope: Optional[torch.Tensor] = None) -> torch.Tensor:
        B, N, C = x.shape
        if self.qkv is not None:
            qkv_bias = torch.cat((self.q_bias, self.k_bias, self.v_bias))
            qkv = F.linear(x, weight=self.qkv.weight, bias=qkv_bias)
            qkv = qkv.reshape(B, N, 3, self.num_heads, -1).permute(2, 0, 3, 1, 4)
            q, k, v = qkv.unbind(0)
        else:
            q = self.q_proj(x).reshape(B, N, self.num_heads, -1).transpose(1, 2)
            k = self.k_proj(x).reshape(B, N, self.num_heads, -1).transpose(1, 2)
            v = self.v_proj(x).reshape(B, N, self.num_heads, -1).transpose(1, 2)
        q, k = self.q_norm(q), self.k_norm(k)
        if rope is not None:
            npt = self.num_prefix_tokens
            q = torch.cat([q[:, :, :npt, :], apply_rot_embed_cat(q[:, :, npt:, :], rope)], dim=2).type_as(v)
            k = torch.cat([k[:, :, :npt, :], apply_rot_embed_cat(k[:, :, npt:, :], rope)], dim=2).type_as(v)
        q = q * self.scale
        attn = q @ k.transpose(-2, -1)
        attn = attn.softmax(dim=-1)
        attn = self.attn_drop(attn)
        x = attn @ v
        x = x.transpose(1, 2).reshape(B, N, C)
        x = self.norm(x)
        x = self.proj(x)
        return self.proj_drop(x)


class Mlp(nn.Module):
    def __init__(self, dim: int, hidden: int):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()
        self.drop1 = nn.Dropout(0.0)
        self.norm = nn.Identity()
        self.fc2 = nn.Linear(hidden, dim)
        self.drop2 = nn.Dropout(0.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.drop2(self.fc2(self.norm(self.drop1(self.act(self.fc1(x))))))


class SwiGLU(nn.Module):
    def __init__(self, dim: int, hidden: int):
        super().__init__()
        self.fc1_g = nn.Linear(dim, hidden)
        self.fc1_x = nn.Linear(dim, hidden)
        self.act = nn.SiLU()
        self.drop1 = nn.Dropout(0.0)
        self.norm = EvaLayerNorm(hidden)
        self.fc2 = nn.Linear(hidden, dim)
        self.drop2 = nn.Dropout(0.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.act(self.fc1_g(x)) * self.fc1_x(x)
        return self.drop2(self.fc2(self.norm(self.drop1(x))))


class EvaBlockPostNorm(nn.Module):
    def __init__(self, dim: int, heads: int, hidden: int):
        super().__init__()
        self.attn = EvaAttention(dim, heads, fused_qkv=True, sub_ln=False)
        self.norm1 = EvaLayerNorm(dim)
        self.drop_path1 = nn.Identity()
        self.mlp = Mlp(dim, hidden)
        self.norm2 = EvaLayerNorm(dim)
        self.drop_path2 = nn.Identity()

    def forward(self, x: torch.Tensor, rope: Optional[torch.Tensor] = None) -> torch.Tensor:
        x = x + self.drop_path1(self.norm1(self.attn(x, rope=rope)))
        return x + self.drop_path2(self.norm2(self.mlp(x)))


class EvaBlock(nn.Module):
    def __init__(self, dim: int, heads: int, hidden: int):
        super().__init__()
        self.norm1 = EvaLayerNorm(dim)
        self.attn = EvaAttention(dim, heads, fused_qkv=False, sub_ln=True)
        self.drop_path1 = nn.Identity()
        self.norm2 = EvaLayerNorm(dim)
        self.mlp = SwiGLU(dim, hidden)
        self.drop_path2 = nn.Identity()

    def forward(self, x: torch.Tensor, rope: Optional[torch.Tensor] = None) -> torch.Tensor:
        x = x + self.drop_path1(self.attn(self.norm1(x), rope=rope))
        return x + self.drop_path2(self.mlp(self.norm2(x)))


class Eva(nn.Module):
    def __init__(self, v: dict, num_classes: int):
        super().__init__()
        dim, grid = v["width"], v["image_size"] // v["patch_size"]
        self.num_prefix_tokens = 1
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, grid * grid + 1, dim))
        self.patch_embed = PatchEmbed(v["patch_size"], dim)
        self.pos_drop = nn.Dropout(0.0)
        self.rope = RotaryEmbeddingCat(dim // v["heads"], grid) if v["rope"] else None
        self.norm_pre = nn.Identity()
        block = EvaBlockPostNorm if v["post_norm"] else EvaBlock
        self.blocks = nn.ModuleList([block(dim, v["heads"], v["mlp_width"]) for _ in range(v["layers"])])
        self.norm = EvaLayerNorm(dim)
        self.fc_norm = nn.Identity()
        self.head_drop = nn.Dropout(0.0)
        self.head = nn.Linear(dim, num_classes)

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        x = self.patch_embed(x)
        x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], dim=1)
        x = self.pos_drop(x + self.pos_embed)
        rope: Optional[torch.Tensor] = None
        if self.rope is not None:
            rope = self.rope.get_embed()
        x = self.norm_pre(x)
        for block in self.blocks:
            x = block(x, rope=rope)
        return self.norm(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.forward_features(x)[:, 0]
        return self.head(self.head_drop(self.fc_norm(x)))


class TimmModel(nn.Module):
    def __init__(self, v: dict, embed_dim: int):
        super().__init__()
        self.image_size = (v["image_size"], v["image_size"])
        self.trunk = Eva(v, embed_dim)
        self.head = nn.Sequential()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.trunk(x))


class TextTransformer(nn.Module):
    def __init__(self, t: dict, embed_dim: int, batch_first: bool, quick_gelu: bool):
        super().__init__()
        self.context_length = CONTEXT
        self.vocab_size = VOCAB
        self.batch_first = batch_first
        self.token_embedding = nn.Embedding(VOCAB, t["width"])
        self.positional_embedding = nn.Parameter(torch.empty(CONTEXT, t["width"]).normal_(std=0.01))
        self.transformer = Transformer(t["width"], t["layers"], t["heads"], 4 * t["width"], batch_first, quick_gelu)
        self.ln_final = LayerNorm(t["width"])
        self.register_buffer("attn_mask", causal_mask(CONTEXT), persistent=False)
        self.text_projection = nn.Parameter(torch.randn(t["width"], embed_dim) * t["width"] ** -0.5)

    def forward(self, text: torch.Tensor) -> torch.Tensor:
        x = self.token_embedding(text) + self.positional_embedding
        if not self.batch_first:
            x = x.permute(1, 0, 2)
        x = self.transformer(x, attn_mask=self.attn_mask)
        if not self.batch_first:
            x = x.permute(1, 0, 2)
        x = self.ln_final(x)
        return x[torch.arange(x.shape[0]), text.argmax(dim=-1)] @ self.text_projection


class CustomTextCLIP(ClipTowers):
    def __init__(self, cfg: dict, batch_first: bool):
        super().__init__()
        self.context_length = CONTEXT
        self.vocab_size = VOCAB
        self.visual = TimmModel(cfg["vision"], cfg["embed_dim"])
        self.text = TextTransformer(cfg["text"], cfg["embed_dim"], batch_first, cfg.get("quick_gelu", False))
        self.logit_scale = nn.Parameter(torch.ones([]) * math.log(1 / 0.07))

    def encode_text(self, text: torch.Tensor, normalize: bool = False) -> torch.Tensor:
        features = self.text(text)
        return F.normalize(features, dim=-1) if normalize else features



# ---- configs (shared/openclip-architectures.md, sections 1 and 4) ----------------------------------

def native(embed, image, patch, width, layers, head_width, mlp_width, text_width, text_heads, text_layers):
    return {"kind": "native", "embed_dim": embed,
            "vision": {"image_size": image, "patch_size": patch, "width": width, "layers": layers,
                       "head_width": head_width, "heads": width // head_width, "mlp_width": mlp_width},
            "text": {"width": text_width, "heads": text_heads, "layers": text_layers, "mlp_width": 4 * text_width}}


def eva(embed, width, layers, heads, mlp_width, post_norm, rope, text_width, text_heads, text_layers):
    return {"kind": "eva02-post-norm" if post_norm else "eva02-swiglu-rope", "embed_dim": embed,
            "vision": {"image_size": 224, "patch_size": 14, "width": width, "layers": layers, "heads": heads,
                       "mlp_width": mlp_width, "post_norm": post_norm, "rope": rope},
            "text": {"width": text_width, "heads": text_heads, "layers": text_layers, "mlp_width": 4 * text_width}}


CONFIGS = {
    "ViT-B-32": native(512, 224, 32, 768, 12, 64, 3072, 512, 8, 12),
    "ViT-B-16": native(512, 224, 16, 768, 12, 64, 3072, 512, 8, 12),
    "ViT-L-14": native(768, 224, 14, 1024, 24, 64, 4096, 768, 12, 12),
    "ViT-L-14-336": native(768, 336, 14, 1024, 24, 64, 4096, 768, 12, 12),
    "ViT-H-14": native(1024, 224, 14, 1280, 32, 80, 5120, 1024, 16, 24),
    "ViT-g-14": native(1024, 224, 14, 1408, 40, 88, int(1408 * 4.3637), 1024, 16, 24),
    "ViT-bigG-14": native(1280, 224, 14, 1664, 48, 104, int(1664 * 4.9231), 1280, 20, 32),
    "EVA02-E-14": eva(1024, 1792, 64, 16, 15360, True, False, 1024, 16, 24),
    "EVA02-L-14": eva(768, 1024, 24, 16, int(1024 * 8 / 3), False, True, 768, 12, 12),
}

# Exact parameter counts (architecture sheet, section 5; the CLIP parameter table for ViT-L-14-336 and ViT-H-14).
EXPECTED_PARAMS = {
    "ViT-B-32": (151_277_313, 87_849_216, 63_428_096),
    "ViT-B-16": (149_620_737, 86_192_640, 63_428_096),
    "ViT-L-14": (427_616_513, 303_966_208, 123_650_304),
    "ViT-L-14-336": (427_944_193, 304_293_888, 123_650_304),
    "ViT-H-14": (986_109_441, 632_076_800, 354_032_640),
    "ViT-g-14": (1_366_678_273, 1_012_645_632, 354_032_640),
    "ViT-bigG-14": (2_539_567_105, 1_844_907_264, 694_659_840),
    "EVA02-E-14": (4_704_589_569, 4_350_556_928, 354_032_640),
    "EVA02-L-14": (427_755_457, 304_105_152, 123_650_304),
}

# OpenCLIP's docs/model_profile.csv: gflops, image_gflops, text_gflops at batch 1 (2 decimals).
PUBLISHED_GFLOPS = {
    "ViT-B-32": (14.78, 8.82, 5.96), "ViT-B-16": (41.09, 35.13, 5.96), "ViT-L-14": (175.33, 162.03, 13.3),
    "ViT-L-14-336": (395.22, 381.92, 13.3), "ViT-H-14": (381.68, 334.59, 47.09),
    "ViT-g-14": (581.15, 534.06, 47.09), "ViT-bigG-14": (1065.36, 967.5, 97.86),
    "EVA02-E-14": (2311.42, 2264.33, 47.09), "EVA02-L-14": (175.3, 162.0, 13.3),
}


# What the CLIP parameter table reports (TFLOPs at batch 1, parameter counts), to be reconciled
# with flopscope's counts in docs/openclip-zoo.md.
CLIP_PARAMETER_TABLE = {
    "ViT-L-14-336": {"calflops_tflops": 0.349, "hand_tflops": 0.362, "hand_parts_tflops": [0.349, 0.013],
                     "total_params": 427_944_793, "image_params": 304_293_888,
                     "image_transformer_params": 302_309_376, "text_params": 85_054_464,
                     "text_transformer_params": 85_054_464},
    "ViT-H-14": {"calflops_tflops": 0.324, "hand_tflops": 0.370, "hand_parts_tflops": [0.324, 0.046],
                 "total_params": 986_109_441, "image_params": 632_076_800,
                 "image_transformer_params": 629_678_080, "text_params": 302_309_376,
                 "text_transformer_params": 302_309_376},
    "EVA02-E-14": {},
}


def build(name: str, batch_first: bool) -> nn.Module:
    cfg = CONFIGS[name]
    return CLIP(cfg, batch_first) if cfg["kind"] == "native" else CustomTextCLIP(cfg, batch_first)


def count(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def check_params(name: str, model: nn.Module) -> None:
    total, image, text = EXPECTED_PARAMS[name]
    text_actual = count(model.text) if hasattr(model, "text") else count(model) - count(model.visual) - 1
    actual = (count(model), count(model.visual), text_actual)
    if actual != (total, image, text):
        raise SystemExit(f"{name}: parameter counts {actual} differ from the expected {(total, image, text)}")


def export(name: str, batch_first: bool, suffix: str = "", out: str = OUT) -> None:
    torch.manual_seed(0)
    with skipped_init():
        model = build(name, batch_first)
    check_params(name, model)
    use_placeholder_weights(model)
    cfg = CONFIGS[name]
    image = cfg["vision"]["image_size"]
    total, image_params, text_params = EXPECTED_PARAMS[name]
    manifest = {
        "preset": "openclip",
        "method": "forward",
        "inputs": [f"1x3x{image}x{image}:float32", f"1x{CONTEXT}:int64:randint:0:{VOCAB}"],
        "expected": {
            "config": cfg,
            "layout": "batch_first" if batch_first else "seq_first",
            "params": {"total": total, "image": image_params, "text": text_params},
            "published_gflops": dict(zip(("total", "image", "text"), PUBLISHED_GFLOPS[name])),
        },
    }
    if name in CLIP_PARAMETER_TABLE and not suffix:
        manifest["expected"]["clip_parameter_table"] = CLIP_PARAMETER_TABLE[name]
    manifest["expected"]["scripted_by_torch"] = torch.__version__.split("+")[0]
    save_scripted(model, os.path.join(out, name + suffix + ".pt"), manifest)
    print(f"exported {name}{suffix}: {total:,} parameters")


def rename_classes(model: nn.Module) -> nn.Module:
    """Gives every module, torch.nn ones included, a class of another name in another Python module,
    as someone else's code would. flopscope must count the result exactly as the original."""
    renamed = {}
    for module in model.modules():
        cls = type(module)
        if cls not in renamed:
            renamed[cls] = type("Their" + cls.__name__, (cls,), {"__module__": "someone_elses.models"})
        module.__class__ = renamed[cls]
    return model


def export_renamed(name: str) -> None:
    with skipped_init():
        model = use_placeholder_weights(rename_classes(build(name, batch_first=False)))
    path = os.path.join(OUT, "..", "test", name + "-renamed.pt")
    save_scripted(model, path, {"preset": "openclip", "expected": {"same_counts_as": f"openclip/{name}.pt"}})
    print(f"exported {name} with renamed classes to {os.path.normpath(path)}")


def export_traced(name: str) -> None:
    """Traced on a batch-first build with an image and a text, as open_clip's trace_model does: the
    module tree stays, attributes other than tensors are dropped."""
    with skipped_init():
        model = use_placeholder_weights(build(name, batch_first=True)).eval()
    cfg = CONFIGS[name]
    image = cfg["vision"]["image_size"]
    path = os.path.join(OUT, "..", "test", name + "-traced.pt")
    save_traced(model, (torch.randn(1, 3, image, image), torch.randint(0, VOCAB, (1, CONTEXT))), path,
                {"preset": "openclip", "expected": {"same_counts_as": f"openclip/{name}.pt"}})
    print(f"exported {name} traced to {os.path.normpath(path)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=list(CONFIGS), help="config names to export")
    parser.add_argument("--out", help="export only the named models, into this directory")
    parser.add_argument("--layout", choices=["seq_first", "batch_first"], default="seq_first")
    args = parser.parse_args()
    if args.out:
        for name in args.only:
            export(name, batch_first=args.layout == "batch_first", out=args.out)
        return
    for name in args.only:
        # OpenCLIP <= 2.24 layout (sequence-first MultiheadAttention with permutes) for every model.
        export(name, batch_first=False)
    # Later OpenCLIP versions use batch_first=True: bundled for ViT-B-16 so both layouts are tested.
    if "ViT-B-16" in args.only:
        export("ViT-B-16", batch_first=True, suffix="-batch-first")
    if "ViT-B-32" in args.only:
        export_renamed("ViT-B-32")
        export_traced("ViT-B-32")


if __name__ == "__main__":
    main()
