#!/usr/bin/python3
"""Exports the small test models in torchscript_models/test/ (run with Debian's /usr/bin/python3).

Each model exercises one thing the C++ tests check against hand-computed integers
(tests/test_small_models.cpp, tests/test_torch2_corpus.cpp): convolutions of every kind,
sequence-first attention, a module called twice, tied parameters, matmuls in a module's own code, a
leaf type with no rule, an op with no formula, a batch x batch product that breaks linearity, the
fused TransformerEncoderLayer path, and PyTorch 2.x's scaled_dot_product_attention.

Usage: export_test_models.py [--out DIR] [--only NAME ...]
  Default: every model this PyTorch can script, into torchscript_models/test/. The PyTorch 2.x
  corpus: `tools/in-debian13.sh python3 tools/export_test_models.py --out torchscript_models/torch2/test
  --only mha sdpa transformer_encoder transformer_decoder`.
"""
import argparse
import os
import shutil
import sys
import zipfile
from typing import List, Optional, Tuple

import torch
import torch.nn.functional as F
import torchvision
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from placeholder import example_inputs, save_frozen, save_scripted, save_traced, use_placeholder_weights  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "torchscript_models", "test")


class Swish(nn.Module):
    """A leaf type with no module rule: counted from its aten ops (sigmoid 3 + mul 1 per element)."""

    def forward(self, x):
        return x * torch.sigmoid(x)


class Head(nn.Module):
    """Does its work in its own code: a mean and a matmul with a bare parameter."""

    def __init__(self, width: int, out: int):
        super().__init__()
        self.proj = nn.Parameter(torch.randn(width, out))

    def forward(self, x):
        return x.mean(dim=1) @ self.proj


class Mixed(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, kernel_size=3, stride=2, padding=1)
        self.depthwise = nn.Conv2d(8, 8, kernel_size=3, padding=1, groups=8)
        self.pointwise = nn.Conv2d(8, 16, kernel_size=1)
        self.norm = nn.LayerNorm(16)
        self.attn = nn.MultiheadAttention(16, 2)  # sequence-first, as OpenCLIP <= 2.24
        self.fc = nn.Linear(16, 16)
        self.tied = nn.Linear(16, 16, bias=False)
        self.tied.weight = self.fc.weight
        self.act = Swish()
        self.head = Head(16, 4)

    def forward(self, image):
        x = self.pointwise(self.depthwise(self.conv(image)))
        x = x.flatten(2).transpose(1, 2)  # [B, 64, 16]
        x = self.norm(x)
        s = x.permute(1, 0, 2)
        x = x + self.attn(s, s, s, need_weights=False)[0].permute(1, 0, 2)
        x = self.fc(self.act(self.fc(x)))  # the same module called twice
        x = self.tied(x)
        return self.head(x)


class Odd(nn.Module):
    """Runs an op flopscope has no formula for."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)

    def forward(self, x):
        return torch.logcumsumexp(self.fc(x), dim=1)


class Similarity(nn.Module):
    """FLOPs grow with B^2: the B x B product of features, as in CLIP's logits."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)

    def forward(self, x):
        f = self.fc(x)
        return f @ f.t()


class TwoMethods(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)

    def forward(self, x):
        return self.encode(x)

    @torch.jit.export
    def encode(self, x):
        return self.fc(x)


class CrossAttention(nn.Module):
    """Cross-attention: 5 queries attend to 7 keys. (torch 1.13 cannot script kdim/vdim != embed_dim;
    the rule's handling of those is unit-tested in tests/test_small_models.cpp.)"""

    def __init__(self):
        super().__init__()
        self.attn = nn.MultiheadAttention(16, 2, batch_first=True)

    def forward(self, query, key, value):
        return self.attn(query, key, value, need_weights=False)[0]


class DataDependent(nn.Module):
    """Selects rows by value: the output shape depends on data, so no dry run can count it."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)

    def forward(self, x):
        rows = torch.nonzero(x[:, 0] > 0).flatten()
        return self.fc(x.index_select(0, rows))


class ValueBranch(nn.Module):
    """Branches on a tensor value (.item() under the hood); both branches have the same shapes."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)

    def forward(self, x):
        if bool(x.sum() > 0):
            return self.fc(x)
        return self.fc(-x)


class ConvNet(nn.Module):
    """Vision layers beyond ViTs: batch/group norm, pooling, transposed conv, 1-D and 3-D conv, embedding."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, kernel_size=3, stride=2, padding=2, dilation=2)
        self.bn = nn.BatchNorm2d(8)
        self.relu = nn.ReLU()
        self.pool = nn.MaxPool2d(2)
        self.grouped = nn.Conv2d(8, 8, kernel_size=3, padding=1, groups=4, bias=False)
        self.gn = nn.GroupNorm(2, 8)
        self.up = nn.ConvTranspose2d(8, 4, kernel_size=2, stride=2)
        self.avg = nn.AdaptiveAvgPool2d(1)
        self.conv1d = nn.Conv1d(4, 4, kernel_size=3, padding=1)
        self.conv3d = nn.Conv3d(1, 2, kernel_size=(1, 3, 3), padding=(0, 1, 1))
        self.embed = nn.Embedding(10, 4)

    def forward(self, image, ids):
        x = self.pool(self.relu(self.bn(self.stem(image))))
        x = self.up(self.gn(self.grouped(x)))
        y = self.conv3d(x[:, :1].unsqueeze(1)).sum(1)
        v = self.conv1d(self.avg(x).flatten(2).expand(-1, -1, 5))
        return v.sum() + y.sum() + self.embed(ids).sum()


class Attention(nn.Module):
    """One nn.MultiheadAttention, batch-first: PyTorch 2.x runs it through scaled_dot_product_attention
    (or the fused _native_multi_head_attention in eval)."""

    def __init__(self):
        super().__init__()
        self.attn = nn.MultiheadAttention(64, 4, batch_first=True)

    def forward(self, x):
        return self.attn(x, x, x, need_weights=False)[0]


class Sdpa(nn.Module):
    """F.scaled_dot_product_attention as 2.x models call it: causal self-attention, grouped-query
    attention (4 query heads share 2 key/value heads), and cross-attention of 6 queries to 10 keys
    with values wider than keys (Ev 16 != E 8), a float mask and an explicit scale."""

    def __init__(self):
        super().__init__()
        self.q = nn.Linear(32, 32)      # 4 heads x 8
        self.kv = nn.Linear(32, 32)     # 2 heads x 8, for k and for v
        self.kv_wide = nn.Linear(32, 96)  # 4 heads x 8 for k, 4 heads x 16 for v
        self.out = nn.Linear(128, 32)

    def forward(self, x, memory):
        b, length, _ = x.shape
        s = memory.shape[1]
        q = self.q(x).view(b, length, 4, 8).transpose(1, 2)
        causal = F.scaled_dot_product_attention(q, q, q, is_causal=True)
        k, v = self.kv(x).view(b, length, 2, 2, 8).permute(2, 0, 3, 1, 4).unbind(0)
        grouped = F.scaled_dot_product_attention(q, k, v, enable_gqa=True)
        wide = self.kv_wide(memory)
        k = wide[..., :32].reshape(b, s, 4, 8).transpose(1, 2)
        v = wide[..., 32:].reshape(b, s, 4, 16).transpose(1, 2)
        mask = torch.zeros(length, s, dtype=x.dtype, device=x.device)
        cross = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, scale=0.5)
        heads = torch.cat([causal, grouped, cross], dim=-1)  # [b, 4, length, 32]
        return self.out(heads.transpose(1, 2).reshape(b, length, 128))


def transformer_encoder():
    """nn.TransformerEncoder, 2 layers, d_model 64, 4 heads, feed-forward 128, batch-first: in eval
    each layer runs the fused _transformer_encoder_layer_fwd."""
    layer = nn.TransformerEncoderLayer(64, 4, dim_feedforward=128, batch_first=True)
    return nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)


class Decoder(nn.Module):
    """One nn.TransformerDecoderLayer: self-attention over 5 targets, cross-attention to 10 memory
    tokens, feed-forward 128."""

    def __init__(self):
        super().__init__()
        self.layer = nn.TransformerDecoderLayer(64, 4, dim_feedforward=128, batch_first=True)

    def forward(self, target, memory):
        return self.layer(target, memory)


class Traffic(nn.Module):
    """One layer of each kind whose bytes docs/bytes.md counts by hand: a Linear(4096, 4096) on one
    token, a LayerNorm, a view and an in-place ReLU in the model's own code, a grouped convolution, an
    embedding lookup and a sequence-first nn.MultiheadAttention given the same tensor three times."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(4096, 4096)
        self.norm = nn.LayerNorm(4096)
        self.conv = nn.Conv2d(8, 8, kernel_size=3, padding=1, groups=4)
        self.embed = nn.Embedding(100, 16)
        self.attn = nn.MultiheadAttention(16, 2)

    def forward(self, x, image, ids):
        y = self.norm(self.linear(x)).view(64, 64).relu_()
        e = self.embed(ids)
        a = self.attn(e, e, e, need_weights=False)[0]
        return y.sum() + self.conv(image).sum() + a.sum()


class Forever(nn.Module):
    """Hostile: a forward that never returns (torchscript_models/hostile/; --timeout must stop it)."""

    def forward(self, x):
        while bool(x.abs().sum() >= 0):
            x = x * 1.0
        return x


class Hog(nn.Module):
    """Hostile: a forward that allocates 64 GiB in 1 GiB pieces (run it only under --max-memory)."""

    def forward(self, x):
        pieces: List[torch.Tensor] = []
        for _ in range(64):
            pieces.append(torch.ones(268435456) + x)
        return x + len(pieces)


class Training(nn.Module):
    """A training step, one kind of backward per module (tests/test_training.cpp): a grouped
    convolution on the image (which needs no gradient), a LayerNorm and a Linear behind it (input
    gradients flow through them), an embedding and batch-first self-attention; two outputs."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 6, 3, groups=2)
        self.norm = nn.LayerNorm(6)
        self.fc = nn.Linear(6, 8)
        self.emb = nn.Embedding(10, 8)
        self.attn = nn.MultiheadAttention(8, 2, batch_first=True)

    def forward(self, image, tokens):
        x = self.fc(self.norm(self.conv(image).flatten(2).transpose(1, 2)))
        t = self.emb(tokens)
        a = self.attn(t, t, t, need_weights=False)[0]
        return x.sum(1), a.sum(1)


class FlexibleViT(nn.Module):
    """A ViT that takes any image size divisible by 4 (tests/test_sweep.cpp's resolution sweep): 4x4
    patches, a class token and no positional embedding, so L = (N/4)^2 + 1 tokens of width 16; one
    block of batch-first self-attention (2 heads) and an MLP; a head on the class token."""

    def __init__(self):
        super().__init__()
        self.patch = nn.Conv2d(3, 16, 4, stride=4)
        self.cls = nn.Parameter(torch.zeros(1, 1, 16))
        self.norm1 = nn.LayerNorm(16)
        self.attn = nn.MultiheadAttention(16, 2, batch_first=True)
        self.norm2 = nn.LayerNorm(16)
        self.mlp = nn.Sequential(nn.Linear(16, 32), nn.GELU(), nn.Linear(32, 16))
        self.head = nn.Linear(16, 10)

    def forward(self, image):
        x = self.patch(image).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls.expand(x.shape[0], -1, -1), x], dim=1)
        y = self.norm1(x)
        x = x + self.attn(y, y, y, need_weights=False)[0]
        x = x + self.mlp(self.norm2(x))
        return self.head(x[:, 0])


class RotaryDecoder(nn.Module):
    """A LLaMA-style decoder layer that makes tensors in its forward, as LLM code does: rotary
    positions from torch.arange and a causal mask from torch.full, both without a device (a dry run
    must put them on the meta device). Width 32, 4 heads of 8, feed-forward 64 with a tanh-approximated
    GELU module (its rule reads the approximation from the module), no biases.
    Matmul FLOPs at batch B, length L: projections 4 x 2BL(32x32), attention 2 x 2B(4)L^2(8),
    feed-forward 2 x 2BL(32x64): 102,912 at B=1, L=6."""

    def __init__(self):
        super().__init__()
        self.q = nn.Linear(32, 32, bias=False)
        self.k = nn.Linear(32, 32, bias=False)
        self.v = nn.Linear(32, 32, bias=False)
        self.o = nn.Linear(32, 32, bias=False)
        self.up = nn.Linear(32, 64, bias=False)
        self.act = nn.GELU(approximate="tanh")
        self.down = nn.Linear(64, 32, bias=False)

    def rotate(self, x, cos, sin):
        half = x.shape[-1] // 2
        rotated = torch.cat([-x[..., half:], x[..., :half]], dim=-1)
        return x * cos + rotated * sin

    def forward(self, x):
        b, length, _ = x.shape
        inverse = 1.0 / (10000.0 ** (torch.arange(0, 8, 2).float() / 8))
        angles = torch.arange(length).float()[:, None] * inverse[None, :]
        angles = torch.cat([angles, angles], dim=-1)
        cos, sin = angles.cos(), angles.sin()
        q = self.rotate(self.q(x).view(b, length, 4, 8).transpose(1, 2), cos, sin)
        k = self.rotate(self.k(x).view(b, length, 4, 8).transpose(1, 2), cos, sin)
        v = self.v(x).view(b, length, 4, 8).transpose(1, 2)
        mask = torch.full((length, length), float("-inf")).triu(1)
        scores = (q @ k.transpose(-2, -1)) / 8 ** 0.5 + mask
        heads = scores.softmax(dim=-1) @ v
        x = x + self.o(heads.transpose(1, 2).reshape(b, length, 32))
        return x + self.down(self.act(self.up(x)))


class CachedBlock(nn.Module):
    """One pre-norm decoder block of KVCacheDecoder: appends this step's keys and values to its cache."""

    def __init__(self, width: int, heads: int):
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(width)
        self.q = nn.Linear(width, width, bias=False)
        self.k = nn.Linear(width, width, bias=False)
        self.v = nn.Linear(width, width, bias=False)
        self.o = nn.Linear(width, width, bias=False)
        self.norm2 = nn.LayerNorm(width)
        self.up = nn.Linear(width, 4 * width, bias=False)
        self.down = nn.Linear(4 * width, width, bias=False)

    def forward(self, x, cache_k, cache_v):
        b, length, width = x.shape
        head = width // self.heads
        y = self.norm1(x)
        q = self.q(y).view(b, length, self.heads, head).transpose(1, 2)
        k = torch.cat([cache_k, self.k(y).view(b, length, self.heads, head).transpose(1, 2)], dim=2)
        v = torch.cat([cache_v, self.v(y).view(b, length, self.heads, head).transpose(1, 2)], dim=2)
        attended = torch.softmax(q @ k.transpose(-1, -2) / head ** 0.5, dim=-1) @ v
        x = x + self.o(attended.transpose(1, 2).reshape(b, length, width))
        return x + self.down(torch.nn.functional.silu(self.up(self.norm2(x)))), k, v


class KVCacheDecoder(nn.Module):
    """A decoder as LLM code writes one for generation: forward(tokens, cache_k, cache_v) ->
    (logits, cache_k, cache_v), caches [layers, B, heads, context, head width] that grow by the step's
    tokens. Vocabulary 100, width 32, 4 heads of 8, 2 blocks, no mask (a prefill of one prompt). At B=1,
    L new tokens after a context of C: per block projections 4 x 2L(32x32) + feed-forward 2 x 2L(32x128)
    + attention 2 x 2(4)L(C+L)(8), head 2L(32x100): the prefill of 6 tokens (C=0) 342,528 matmul FLOPs,
    one step after it (L=1, C=6) 57,344."""

    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(100, 32)
        self.blocks = nn.ModuleList([CachedBlock(32, 4) for _ in range(2)])
        self.head = nn.Linear(32, 100, bias=False)

    def forward(self, tokens, cache_k, cache_v):
        x = self.embed(tokens)
        keys = []
        values = []
        for i, block in enumerate(self.blocks):
            x, k, v = block(x, cache_k[i], cache_v[i])
            keys.append(k)
            values.append(v)
        return self.head(x), torch.stack(keys), torch.stack(values)


class PrefixDecoder(nn.Module):
    """A decoder without a cache, as simple generation loops run one: forward(tokens) -> logits, every
    step re-reading the prompt and the tokens so far. KVCacheDecoder's layers, one block, no mask. At
    B=1 and T tokens: projections 4 x 2T(32x32), feed-forward 2 x 2T(32x128), attention
    2 x 2(4)T^2(8), head 2T(32x100): 190,464 matmul FLOPs at T=6."""

    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(100, 32)
        self.block = CachedBlock(32, 4)
        self.head = nn.Linear(32, 100, bias=False)

    def forward(self, tokens):
        x = self.embed(tokens)
        empty = torch.zeros(tokens.shape[0], 4, 0, 8)
        x, _, _ = self.block(x, empty, empty)
        return self.head(x)


class StartPosDecoder(nn.Module):
    """A decoder as Meta's LLaMA reference code writes one: the KV cache lives in buffers of a fixed
    length, written in place at start_pos; forward(tokens, start_pos: int) -> logits, and each
    generation step passes the next token and the tokens before it (`generate --feed pos:1`).
    Vocabulary 100, width 32, 4 heads of 8, one block, caches of 64 positions. Matmul FLOPs of T new
    tokens after C cached: projections 4 x 2T(32x32), attention 2 x 2(4)T(C+T)(8), feed-forward
    2 x 2T(32x128), head 2T(32x100)."""

    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(100, 32)
        self.q = nn.Linear(32, 32, bias=False)
        self.k = nn.Linear(32, 32, bias=False)
        self.v = nn.Linear(32, 32, bias=False)
        self.o = nn.Linear(32, 32, bias=False)
        self.up = nn.Linear(32, 128, bias=False)
        self.down = nn.Linear(128, 32, bias=False)
        self.head = nn.Linear(32, 100, bias=False)
        self.register_buffer("cache_k", torch.zeros(1, 4, 64, 8))
        self.register_buffer("cache_v", torch.zeros(1, 4, 64, 8))

    def forward(self, tokens, start_pos: int):
        b, t = tokens.shape
        x = self.embed(tokens)
        q = self.q(x).view(b, t, 4, 8).transpose(1, 2)
        self.cache_k[:b, :, start_pos:start_pos + t] = self.k(x).view(b, t, 4, 8).transpose(1, 2)
        self.cache_v[:b, :, start_pos:start_pos + t] = self.v(x).view(b, t, 4, 8).transpose(1, 2)
        keys = self.cache_k[:b, :, :start_pos + t]
        values = self.cache_v[:b, :, :start_pos + t]
        attended = torch.softmax(q @ keys.transpose(-1, -2) / 8 ** 0.5, dim=-1) @ values
        x = x + self.o(attended.transpose(1, 2).reshape(b, t, 32))
        x = x + self.down(torch.relu(self.up(x)))
        return self.head(x)


class BufferCache(nn.Module):
    """Two buffers: keys kept as LLM code keeps a KV cache (torchtune's KVCache registers it), written
    in place each step before attention reads it, and a fixed projection (a filter bank) only read.
    At x [1, 8, 16]: QK^T and AV 2 x 8*8*16 MACs against the written cache are activation x activation
    (4,096 FLOPs); the bank 8*16*4 MACs a weight product (1,024): 5,120 matmul FLOPs."""

    def __init__(self):
        super().__init__()
        self.register_buffer("cache", torch.zeros(1, 8, 16))
        self.register_buffer("bank", torch.ones(16, 4))

    def forward(self, x):
        self.cache.copy_(x)
        scores = torch.matmul(x, self.cache.transpose(1, 2)).softmax(-1)
        return torch.matmul(torch.matmul(scores, self.cache), self.bank)


class RecurrentTagger(nn.Module):
    """The recurrent layers quantize_dynamic converts: a 2-layer LSTM and a bidirectional GRU over
    embedded tokens (batch-first), and a head."""

    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(50, 16)
        self.lstm = nn.LSTM(16, 24, num_layers=2, batch_first=True)
        self.gru = nn.GRU(24, 12, bidirectional=True, batch_first=True)
        self.head = nn.Linear(24, 50)

    def forward(self, tokens):
        x, _ = self.lstm(self.embed(tokens))
        y, _ = self.gru(x)
        return self.head(y)


class Recurrent(RecurrentTagger):
    """Recurrent layers as language models and taggers use them: a 2-layer LSTM over embedded tokens
    (batch-first), a bidirectional GRU on its output, a tanh RNN over it sequence-first, an LSTM cell
    stepped once and a head. Matmul FLOPs at B sequences of T steps: LSTM 2BT*4*24*(16+24) +
    2BT*4*24*(24+24), GRU 2 x 2BT*3*12*(24+12), RNN 2BT*8*(24+8), cell 2B*4*6*(24+6), head 2BT*24*50:
    252,800 at B=2, T=5."""

    def __init__(self):
        super().__init__()
        self.rnn = nn.RNN(24, 8)
        self.cell = nn.LSTMCell(24, 6)

    def forward(self, tokens):
        x, _ = self.lstm(self.embed(tokens))
        y, _ = self.gru(x)
        z, _ = self.rnn(x.transpose(0, 1))
        h, _ = self.cell(y[:, 0])
        return self.head(y), z, h


class Boxes(nn.Module):
    """Calls torchvision's operators as detection models do: nms over scored boxes and roi_align of
    the boxes over a feature map (torchscript_models/test/libraries/, with --only boxes)."""

    def forward(self, features, boxes, scores):
        keep = torchvision.ops.nms(boxes, scores, 0.5)
        rois = torch.cat([torch.zeros(boxes.shape[0], 1), boxes], dim=1)
        return torchvision.ops.roi_align(features, rois, [7, 7], 1.0, 2, False), keep


class Arguments(nn.Module):
    """Arguments of every kind --input gives: a list of images of different sizes (as torchvision's
    detection models take them), a tuple (h, c) of states, an optional mask, an int, a float and a
    bool. MACs: the convolution 4*27 per output pixel of each image, the projection B*64 per step.
    Images 3x10x10 and 3x6x8, states 2x8, 3 steps: 6,912 + 2,592 + 3*2*64 = 9,888 (19,776 FLOPs)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.proj = nn.Linear(8, 8)

    def forward(self, images: List[torch.Tensor], state: Tuple[torch.Tensor, torch.Tensor],
                mask: Optional[torch.Tensor], steps: int, scale: float, use_mask: bool):
        pooled = [self.conv(image).mean() for image in images]
        h, c = state
        for _ in range(steps):
            h = self.proj(h) + c
        h = h * scale
        if use_mask and mask is not None:
            h = h * mask
        return torch.stack(pooled), h


class Detector(nn.Module):
    """A two-stage detector in miniature, as torchvision's detection models work: a convolution backbone
    and a score per box (data-independent: 8*256*27 + 256*8 = 57,344 MACs), nms keeping as many of the
    boxes as their scores decide, then per kept box roi_align (8 channels x 4x4 bins, 2x2 samples each:
    33 FLOPs per output, 4,224 per box) and a linear head (128*5 = 640 MACs per box): data-dependent."""

    def __init__(self):
        super().__init__()
        self.backbone = nn.Conv2d(3, 8, 3, padding=1)
        self.score = nn.Conv2d(8, 1, 1)
        self.head = nn.Linear(8 * 4 * 4, 5)

    def forward(self, image, corners):
        features = self.backbone(image)
        scores = self.score(features).flatten()[: corners.shape[0]]
        origin = corners[:, :2].abs() * 4
        boxes = torch.cat([origin, origin + corners[:, 2:].abs() * 4 + 1], dim=1)
        keep = torchvision.ops.nms(boxes, scores, 0.3)
        kept = boxes[keep]
        rois = torch.cat([torch.zeros(kept.shape[0], 1), kept], dim=1)
        pooled = torchvision.ops.roi_align(features, rois, [4, 4], 1.0, 2, False)
        return self.head(pooled.flatten(1))


class QuantizableConvNet(nn.Module):
    """For static quantization: quantize, a 3x3 convolution fused with its relu, a 1x1 convolution,
    dequantize. At 1x3x8x8: 8*64*27 + 4*64*8 = 15,872 MACs; 224 + 36 = 260 parameters."""

    def __init__(self):
        super().__init__()
        self.quant = torch.ao.quantization.QuantStub()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.relu = nn.ReLU()
        self.project = nn.Conv2d(8, 4, 1)
        self.dequant = torch.ao.quantization.DeQuantStub()

    def forward(self, x):
        return self.dequant(self.project(self.relu(self.conv(self.quant(x)))))


def quantized_dynamic():
    """quantize_dynamic of an MLP, as for CPU inference: 16 -> 32 -> 8, int8 weights. At 4x16:
    4*16*32 + 4*32*8 = 3,072 MACs; 808 parameters: 768 int8 weights and 40 float biases."""
    mlp = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 8)).eval()
    return torch.ao.quantization.quantize_dynamic(mlp, {nn.Linear}, dtype=torch.qint8)


def quantized_recurrent():
    """quantize_dynamic of RecurrentTagger (LSTM, GRU and Linear to int8), as for CPU speech and text
    models. At B=2, T=5: LSTM 10*96*(16+24) + 10*96*(24+24), GRU 2 x 10*36*(24+12), head 10*24*50 =
    122,400 MACs; parameters: LSTM 8,448 int8 weights and 384 biases, GRU 2,592 and 144, embedding 800,
    head 1,200 and 50: 13,618."""
    torch.manual_seed(0)
    return torch.ao.quantization.quantize_dynamic(RecurrentTagger().eval(), {nn.LSTM, nn.GRU, nn.Linear}, dtype=torch.qint8)


def quantized_static():
    """Post-training static quantization of QuantizableConvNet with the engine this PyTorch has
    (qnnpack in Debian 12's, fbgemm in Debian 13's), calibrated on random images."""
    engine = "fbgemm" if "fbgemm" in torch.backends.quantized.supported_engines else "qnnpack"
    torch.backends.quantized.engine = engine
    model = QuantizableConvNet().eval()
    model.qconfig = torch.ao.quantization.get_default_qconfig(engine)
    model = torch.ao.quantization.fuse_modules(model, [["conv", "relu"]])
    prepared = torch.ao.quantization.prepare(model)
    prepared(torch.randn(2, 3, 8, 8))
    return torch.ao.quantization.convert(prepared)


# name -> (builder, manifest): quantized files, written with their real (quantized) weights.
QUANTIZED = {
    "quantized_dynamic": (quantized_dynamic, {"inputs": ["4x16:float32"]}),
    "quantized_static": (quantized_static, {"inputs": ["1x3x8x8:float32"]}),
    "quantized_recurrent": (quantized_recurrent, {"inputs": ["2x5:int64:randint:0:50"]}),
}


# The prefill call of KVCacheDecoder: 6 tokens, empty caches (context 0).
KV_CACHE_PREFILL = ["1x6:int64:randint:0:100", "2x1x4x0x8:float32", "2x1x4x0x8:float32"]

# name -> (builder, manifest, needs PyTorch 2.x)
MODELS = {
    "mixed": (Mixed, {"inputs": ["1x3x16x16:float32"]}, False),
    "odd": (Odd, {"inputs": ["2x4x8:float32"]}, False),
    "similarity": (Similarity, {"inputs": ["4x8:float32"]}, False),
    "two_methods": (TwoMethods, {"inputs": ["3x8:float32"]}, False),
    "cross_attention": (CrossAttention, {"inputs": ["2x5x16:float32", "2x7x16:float32", "2x7x16:float32"]}, False),
    "data_dependent": (DataDependent, {"inputs": ["4x8:float32"]}, False),
    "value_branch": (ValueBranch, {"inputs": ["4x8:float32"]}, False),
    "convnet": (ConvNet, {"inputs": ["2x3x32x32:float32", "2x6:int64:randint:0:10"]}, False),
    "transformer_encoder": (transformer_encoder, {"inputs": ["2x10x64:float32"]}, False),
    "transformer_decoder": (Decoder, {"inputs": ["2x5x64:float32", "2x10x64:float32"]}, False),
    "traffic": (Traffic, {"inputs": ["1x4096:float32", "1x8x8x8:float32", "5x1:int64:randint:0:100"]}, False),
    "mha": (Attention, {"inputs": ["2x10x64:float32"]}, False),
    "sdpa": (Sdpa, {"inputs": ["2x6x32:float32", "2x10x32:float32"]}, True),
    "training": (Training, {"inputs": ["1x4x6x6:float32", "1x5:int64:randint:0:10"]}, False),
    "flexible_vit": (FlexibleViT, {"inputs": ["1x3x16x16:float32"]}, False),
    "rotary_decoder": (RotaryDecoder, {"inputs": ["1x6x32:float32"]}, False),
    "recurrent": (Recurrent, {"inputs": ["2x5:int64:randint:0:50"]}, False),
    "kv_cache_decoder": (KVCacheDecoder, {"inputs": KV_CACHE_PREFILL}, False),
    "prefix_decoder": (PrefixDecoder, {"inputs": ["1x6:int64:randint:0:100"]}, False),
    "start_pos_decoder": (StartPosDecoder, {"inputs": ["1x6:int64:randint:0:100", "int:0"], "feed": "pos:1"}, False),
    "buffer_cache": (BufferCache, {"inputs": ["1x8x16:float32"]}, False),
    "arguments": (Arguments, {"inputs": ["[3x10x10:float32,3x6x8:float32]", "(2x8:float32,2x8:float32)", "2x8:float32",
                                         "int:3", "float:0.5", "bool:true"]}, False),
    "detector": (Detector, {"inputs": ["1x3x16x16:float32", "20x4:float32"]}, False),
    "boxes": (Boxes, {"inputs": ["1x8x32x32:float32", "5x4:float32", "5:float32"]}, False),
    # Weights in float16, which LibTorch 1.13's CPU convolutions cannot run (2.6's can).
    "convnet_half": (lambda: ConvNet().half(), {"inputs": ["2x3x32x32:float16", "2x6:int64:randint:0:10"]}, False),
    # Hostile models, exported with --out torchscript_models/hostile --only forever hog.
    "forever": (Forever, {"inputs": ["1x4:float32"]}, False),
    "hog": (Hog, {"inputs": ["1:float32"]}, False),
}
# name -> (builder, manifest): written by torch.jit.trace with generated inputs of the manifest's
# shapes, as open_clip's trace_model and most deployment scripts do (device constants baked in).
TRACED = {
    "rotary_decoder_traced": (RotaryDecoder, {"inputs": ["1x6x32:float32"]}),
    "mha_traced": (Attention, {"inputs": ["2x10x64:float32"]}),
    "recurrent_traced": (Recurrent, {"inputs": ["2x5:int64:randint:0:50"]}),
    "kv_cache_decoder_traced": (KVCacheDecoder, {"inputs": KV_CACHE_PREFILL}),
}
# name -> (builder, manifest, optimize): frozen by torch.jit.freeze, or with optimize written by
# torch.jit.optimize_for_inference (whose MKLDNN weights no LibTorch loads back: flopscope says so).
FROZEN = {
    "convnet_frozen": (ConvNet, MODELS["convnet"][1], False),
    "convnet_optimized": (ConvNet, MODELS["convnet"][1], True),
}
# name -> torchvision builder: detection models as torchvision scripts them (forward(List[Tensor])), with
# placeholder weights, exported with --out torchscript_models/test/detection --only NAME.
DETECTION = {
    "ssdlite320_mobilenet_v3_large": {"inputs": ["[3x320x320:float32]"]},
    "fasterrcnn_mobilenet_v3_large_320_fpn": {"inputs": ["[3x320x320:float32]"]},
    "retinanet_resnet50_fpn": {"inputs": ["[3x320x320:float32]"]},
    "fcos_resnet50_fpn": {"inputs": ["[3x320x320:float32]"]},
    "maskrcnn_resnet50_fpn": {"inputs": ["[3x320x320:float32]"]},
    "keypointrcnn_resnet50_fpn": {"inputs": ["[3x320x320:float32]"]},
}
# The ResNet-50 FPN detectors resize every image to 800 pixels by default; at 320 (min_size=max_size=320,
# as a user serving small images sets) the files run in a second on the CPU.
DETECTION_SIZES = {name: {"min_size": 320, "max_size": 320} for name in DETECTION if name.endswith("resnet50_fpn")}
TORCH2 = int(torch.__version__.split(".")[0]) >= 2
# Models that write their buffers in place, which a stride-0 placeholder cannot take: saved as built.
KEEP_WEIGHTS = {"buffer_cache", "start_pos_decoder"}


def detection_model(name):
    return getattr(torchvision.models.detection, name)(weights=None, weights_backbone=None,
                                                      **DETECTION_SIZES.get(name, {})).eval()


def rename_namespace(source, old, new, target):
    """Copies a TorchScript archive with the operator namespace `old` in its code renamed to `new`."""
    with zipfile.ZipFile(source) as archive, zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as out:
        for info in archive.infolist():
            data = archive.read(info.filename)
            if info.filename.endswith(".py"):
                data = data.replace(("ops." + old + ".").encode(), ("ops." + new + ".").encode())
            out.writestr(info.filename.replace("boxes/", os.path.splitext(os.path.basename(target))[0] + "/", 1), data)
    shutil.copy(os.path.splitext(source)[0] + ".json", os.path.splitext(target)[0] + ".json")


def rezip_deflated(source, target):
    """Copies a TorchScript archive with every record compressed (as `zip` or a file sync may leave a
    .pt): LibTorch inflates them; a dry run must read them as a real load does."""
    with zipfile.ZipFile(source) as archive, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in archive.infolist():
            out.writestr(info.filename.replace("convnet/", "convnet_deflated/", 1), archive.read(info.filename))
    shutil.copy(os.path.splitext(source)[0] + ".json", os.path.splitext(target)[0] + ".json")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=OUT)
    hostile = {"forever", "hog"}
    parser.add_argument("--only", nargs="*",
                        default=[n for n, m in MODELS.items() if (TORCH2 or not m[2]) and n not in hostile] + list(TRACED) + list(FROZEN))
    args = parser.parse_args()
    for name in args.only:
        torch.manual_seed(0)
        if name in QUANTIZED:
            torch.manual_seed(0)
            build, manifest = QUANTIZED[name]
            save_scripted(build(), os.path.join(args.out, name + ".pt"),
                          dict(manifest, expected={"scripted_by_torch": torch.__version__.split("+")[0]}))
            print("exported", name)
            continue
        if name in DETECTION:
            build, manifest = (lambda: detection_model(name)), DETECTION[name]
        else:
            build, manifest = MODELS[name][:2] if name in MODELS else TRACED[name][:2] if name in TRACED else FROZEN[name][:2]
        manifest = dict(manifest, expected={"scripted_by_torch": torch.__version__.split("+")[0]})
        path = os.path.join(args.out, name + ".pt")
        if name in FROZEN:
            save_frozen(use_placeholder_weights(build()), path, manifest, optimize=FROZEN[name][2])
        elif name in TRACED:
            save_traced(use_placeholder_weights(build()), example_inputs(manifest["inputs"]), path, manifest)
        else:
            save_scripted(build() if name in KEEP_WEIGHTS else use_placeholder_weights(build()), path, manifest)
        print("exported", name)
    if "convnet" in args.only:
        rezip_deflated(os.path.join(args.out, "convnet.pt"), os.path.join(args.out, "convnet_deflated.pt"))
    if "boxes" in args.only:
        # The same file calling an operator library nobody has: flopscope must say what to load.
        rename_namespace(os.path.join(args.out, "boxes.pt"), "torchvision", "customops", os.path.join(args.out, "custom_ops.pt"))
    if args.out == OUT and "odd" in args.only:
        # A plain state_dict, not a scripted module: flopscope must refuse it cleanly.
        torch.save(Odd().state_dict(), os.path.join(OUT, "state_dict.pt"))
        # The same in the legacy (pickle) format, and a torch.export program (PyTorch 2.x): refused,
        # each named as what it is.
        torch.save(Odd().state_dict(), os.path.join(OUT, "legacy_checkpoint.pt"), _use_new_zipfile_serialization=False)
    if "odd" in args.only and hasattr(torch, "export"):  # PyTorch 2.x, written to torch2/test
        linear = torch.nn.Linear(4, 3)
        torch.export.save(torch.export.export(linear, (torch.ones(2, 4),)), os.path.join(args.out, "exported.pt2"))


if __name__ == "__main__":
    main()
