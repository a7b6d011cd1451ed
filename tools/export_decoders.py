#!/usr/bin/python3
"""Exports LLM decoders at the published shapes of LLaMA-2 7B / 13B / 70B, Llama-3 8B and GPT-2 (124M),
scripted, with placeholder weights (a few hundred KB each), into torchscript_models/decoders/:

    tools/in-debian13.sh python3 tools/export_decoders.py      # PyTorch 2.6, as the bundled files
    /usr/bin/python3 tools/export_decoders.py --out DIR        # PyTorch 1.13 writes the same

Each is written as generation code writes a decoder: forward(tokens, cache_k, cache_v) -> (logits,
cache_k, cache_v), the caches [layers, batch, kv heads, context, head width] coming back grown by the
step's tokens, the positions and the causal mask made in the graph from the cache's length. The
LLaMA family: RMSNorm, rotary embeddings, SwiGLU, grouped-query attention (Llama-3 8B and LLaMA-2 70B:
8 key/value heads), untied output head. GPT-2: learned positions, LayerNorm, GELU (tanh), biases,
the output head tied to the token embedding. Only the shapes are the real models'; the manifests
give a prefill of 32 tokens against empty caches.
"""
import argparse
import math
import os
import sys
from typing import List, Tuple

import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from placeholder import save_scripted, skipped_init, use_placeholder_weights  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "torchscript_models", "decoders")


class RMSNorm(nn.Module):
    def __init__(self, width: int, eps: float):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(width))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat([-x[..., half:], x[..., :half]], dim=-1)


class LlamaAttention(nn.Module):
    def __init__(self, width: int, heads: int, kv_heads: int, theta: float):
        super().__init__()
        self.heads = heads
        self.kv_heads = kv_heads
        self.head_width = width // heads
        self.theta = theta
        self.q_proj = nn.Linear(width, heads * self.head_width, bias=False)
        self.k_proj = nn.Linear(width, kv_heads * self.head_width, bias=False)
        self.v_proj = nn.Linear(width, kv_heads * self.head_width, bias=False)
        self.o_proj = nn.Linear(heads * self.head_width, width, bias=False)

    def forward(self, x, cache_k, cache_v) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        batch, steps = x.shape[0], x.shape[1]
        past = cache_k.shape[2]
        q = self.q_proj(x).view(batch, steps, self.heads, self.head_width).transpose(1, 2)
        k = self.k_proj(x).view(batch, steps, self.kv_heads, self.head_width).transpose(1, 2)
        v = self.v_proj(x).view(batch, steps, self.kv_heads, self.head_width).transpose(1, 2)
        # Rotary positions past .. past + steps, made in the graph.
        inv_freq = 1.0 / torch.pow(self.theta, torch.arange(0, self.head_width, 2).float() / self.head_width)
        angles = torch.outer(torch.arange(past, past + steps).float(), inv_freq)
        angles = torch.cat([angles, angles], dim=-1)
        cos, sin = angles.cos(), angles.sin()
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = torch.cat([cache_k, k], dim=2)
        v = torch.cat([cache_v, v], dim=2)
        group = self.heads // self.kv_heads
        keys = k.repeat_interleave(group, dim=1)
        values = v.repeat_interleave(group, dim=1)
        scores = torch.matmul(q, keys.transpose(2, 3)) / math.sqrt(self.head_width)
        mask = torch.full((steps, past + steps), float("-inf")).triu(past + 1)
        weights = F.softmax(scores + mask, dim=-1)
        out = torch.matmul(weights, values).transpose(1, 2).reshape(batch, steps, self.heads * self.head_width)
        return self.o_proj(out), k, v


class SwiGLU(nn.Module):
    def __init__(self, width: int, hidden: int):
        super().__init__()
        self.gate_proj = nn.Linear(width, hidden, bias=False)
        self.up_proj = nn.Linear(width, hidden, bias=False)
        self.down_proj = nn.Linear(hidden, width, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class LlamaBlock(nn.Module):
    def __init__(self, width: int, heads: int, kv_heads: int, hidden: int, eps: float, theta: float):
        super().__init__()
        self.input_layernorm = RMSNorm(width, eps)
        self.self_attn = LlamaAttention(width, heads, kv_heads, theta)
        self.post_attention_layernorm = RMSNorm(width, eps)
        self.mlp = SwiGLU(width, hidden)

    def forward(self, x, cache_k, cache_v) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        attended, k, v = self.self_attn(self.input_layernorm(x), cache_k, cache_v)
        x = x + attended
        return x + self.mlp(self.post_attention_layernorm(x)), k, v


class CachedLayers(nn.Module):
    """The blocks in order, each given its layer of the caches; returns the caches grown, stacked."""

    def __init__(self, blocks: List[nn.Module]):
        super().__init__()
        self.blocks = nn.ModuleList(blocks)

    def forward(self, x, cache_k, cache_v) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        keys: List[torch.Tensor] = []
        values: List[torch.Tensor] = []
        for i, block in enumerate(self.blocks):
            x, k, v = block(x, cache_k[i], cache_v[i])
            keys.append(k)
            values.append(v)
        return x, torch.stack(keys), torch.stack(values)


class LlamaDecoder(nn.Module):
    def __init__(self, vocab: int, width: int, layers: int, heads: int, kv_heads: int, hidden: int, eps: float,
                 theta: float):
        super().__init__()
        self.embed_tokens = nn.Embedding(vocab, width)
        # Each block made and reduced to placeholders in turn: 70B is never in memory.
        self.layers = CachedLayers([use_placeholder_weights(LlamaBlock(width, heads, kv_heads, hidden, eps, theta))
                                    for _ in range(layers)])
        self.norm = RMSNorm(width, eps)
        self.lm_head = nn.Linear(width, vocab, bias=False)

    def forward(self, tokens, cache_k, cache_v) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        x, keys, values = self.layers(self.embed_tokens(tokens), cache_k, cache_v)
        return self.lm_head(self.norm(x)), keys, values


class Gpt2Attention(nn.Module):
    def __init__(self, width: int, heads: int):
        super().__init__()
        self.heads = heads
        self.head_width = width // heads
        self.c_attn = nn.Linear(width, 3 * width)
        self.c_proj = nn.Linear(width, width)

    def forward(self, x, cache_k, cache_v) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        batch, steps, width = x.shape[0], x.shape[1], x.shape[2]
        past = cache_k.shape[2]
        q, k, v = self.c_attn(x).split(width, dim=2)
        q = q.view(batch, steps, self.heads, self.head_width).transpose(1, 2)
        k = torch.cat([cache_k, k.view(batch, steps, self.heads, self.head_width).transpose(1, 2)], dim=2)
        v = torch.cat([cache_v, v.view(batch, steps, self.heads, self.head_width).transpose(1, 2)], dim=2)
        scores = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(self.head_width)
        mask = torch.full((steps, past + steps), float("-inf")).triu(past + 1)
        out = torch.matmul(F.softmax(scores + mask, dim=-1), v).transpose(1, 2).reshape(batch, steps, width)
        return self.c_proj(out), k, v


class Gpt2Block(nn.Module):
    def __init__(self, width: int, heads: int):
        super().__init__()
        self.ln_1 = nn.LayerNorm(width)
        self.attn = Gpt2Attention(width, heads)
        self.ln_2 = nn.LayerNorm(width)
        self.c_fc = nn.Linear(width, 4 * width)
        self.gelu = nn.GELU(approximate="tanh")
        self.mlp_proj = nn.Linear(4 * width, width)

    def forward(self, x, cache_k, cache_v) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        attended, k, v = self.attn(self.ln_1(x), cache_k, cache_v)
        x = x + attended
        return x + self.mlp_proj(self.gelu(self.c_fc(self.ln_2(x)))), k, v


class Gpt2Decoder(nn.Module):
    def __init__(self, vocab: int, positions: int, width: int, layers: int, heads: int):
        super().__init__()
        self.wte = nn.Embedding(vocab, width)
        self.wpe = nn.Embedding(positions, width)
        self.h = CachedLayers([Gpt2Block(width, heads) for _ in range(layers)])
        self.ln_f = nn.LayerNorm(width)
        self.lm_head = nn.Linear(width, vocab, bias=False)
        self.lm_head.weight = self.wte.weight  # tied: one tensor, counted once

    def forward(self, tokens, cache_k, cache_v) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        past = cache_k.shape[3]
        positions = torch.arange(past, past + tokens.shape[1]).unsqueeze(0)
        x, keys, values = self.h(self.wte(tokens) + self.wpe(positions), cache_k, cache_v)
        return self.lm_head(self.ln_f(x)), keys, values


# The published configurations (each model card's config.json).
LLAMA = {
    "llama-2-7b": dict(vocab=32000, width=4096, layers=32, heads=32, kv_heads=32, hidden=11008, eps=1e-5, theta=10000.0),
    "llama-2-13b": dict(vocab=32000, width=5120, layers=40, heads=40, kv_heads=40, hidden=13824, eps=1e-5, theta=10000.0),
    "llama-2-70b": dict(vocab=32000, width=8192, layers=80, heads=64, kv_heads=8, hidden=28672, eps=1e-5, theta=10000.0),
    "llama-3-8b": dict(vocab=128256, width=4096, layers=32, heads=32, kv_heads=8, hidden=14336, eps=1e-5, theta=500000.0),
}
GPT2 = {"gpt2": dict(vocab=50257, positions=1024, width=768, layers=12, heads=12)}
PROMPT = 32


def manifest(layers, kv_heads, head_width, vocab):
    cache = f"{layers}x1x{kv_heads}x0x{head_width}:float32"
    return {"inputs": [f"1x{PROMPT}:int64:randint:0:{vocab}", cache, cache],
            "expected": {"scripted_by_torch": torch.__version__.split("+")[0]}}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=OUT)
    parser.add_argument("--only", nargs="*", default=list(LLAMA) + list(GPT2))
    args = parser.parse_args()
    for name in args.only:
        with skipped_init():
            if name in LLAMA:
                c = LLAMA[name]
                model = LlamaDecoder(**c)
                shape = (c["layers"], c["kv_heads"], c["width"] // c["heads"], c["vocab"])
            else:
                c = GPT2[name]
                model = Gpt2Decoder(**c)
                shape = (c["layers"], c["heads"], c["width"] // c["heads"], c["vocab"])
        save_scripted(use_placeholder_weights(model), os.path.join(args.out, name + ".pt"), manifest(*shape))
        print("exported", name, f"{sum(p.numel() for p in model.parameters()):,} parameters")


if __name__ == "__main__":
    main()
