#!/usr/bin/python3
"""Exports LLM decoders at the published shapes of LLaMA-2 7B / 13B / 70B, Llama-3 8B and GPT-2 (124M),
and Whisper tiny and base, scripted, with placeholder weights (60 to 240 KB each), into
torchscript_models/decoders/:

    tools/in-debian13.sh python3 tools/export_decoders.py      # PyTorch 2.6, as the bundled files
    /usr/bin/python3 tools/export_decoders.py --out DIR        # PyTorch 1.13 writes the same

Each is written as generation code writes a decoder: forward(tokens, cache_k, cache_v) -> (logits,
cache_k, cache_v), the caches [layers, batch, kv heads, context, head width] coming back grown by the
step's tokens, the positions and the causal mask made in the graph from the cache's length. The
LLaMA family: RMSNorm, rotary embeddings, SwiGLU, grouped-query attention (Llama-3 8B and LLaMA-2 70B:
8 key/value heads), untied output head. GPT-2: learned positions, LayerNorm, GELU (tanh), biases,
the output head tied to the token embedding. Whisper tiny and base: an audio encoder (`encode`) and a
decoder with self- and cross-attention caches (the class's docstring). Only the shapes are the real
models'; the manifests give a prefill of 32 tokens against empty caches (Whisper: its 4 prompt
tokens against the encoded audio).
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


class WhisperAttention(nn.Module):
    """Whisper's attention (no bias on the key projection), used three ways: over the audio frames in
    the encoder, over the tokens with a self-attention cache, and from the tokens to the audio with a
    cross-attention cache that is computed from the audio features when it comes in empty, then kept."""

    def __init__(self, width: int, heads: int):
        super().__init__()
        self.heads = heads
        self.head_width = width // heads
        self.query = nn.Linear(width, width)
        self.key = nn.Linear(width, width, bias=False)
        self.value = nn.Linear(width, width)
        self.out = nn.Linear(width, width)

    def split(self, x):
        return x.view(x.shape[0], x.shape[1], self.heads, self.head_width).transpose(1, 2)

    def attend(self, x, k, v, causal_past: int):
        q = self.split(self.query(x))
        scores = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(self.head_width)
        if causal_past >= 0:
            scores = scores + torch.full((x.shape[1], k.shape[2]), float("-inf")).triu(causal_past + 1)
        attended = torch.matmul(F.softmax(scores, dim=-1), v).transpose(1, 2)
        return self.out(attended.reshape(x.shape[0], x.shape[1], self.heads * self.head_width))

    def forward(self, x):
        return self.attend(x, self.split(self.key(x)), self.split(self.value(x)), -1)

    @torch.jit.export
    def with_cache(self, x, cache_k, cache_v) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        k = torch.cat([cache_k, self.split(self.key(x))], dim=2)
        v = torch.cat([cache_v, self.split(self.value(x))], dim=2)
        return self.attend(x, k, v, cache_k.shape[2]), k, v

    @torch.jit.export
    def across(self, x, audio, cache_k, cache_v) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        if cache_k.shape[2] == 0:
            cache_k = self.split(self.key(audio))
            cache_v = self.split(self.value(audio))
        return self.attend(x, cache_k, cache_v, -1), cache_k, cache_v


def whisper_mlp(width: int):
    return nn.Sequential(nn.Linear(width, 4 * width), nn.GELU(), nn.Linear(4 * width, width))


class WhisperEncoderBlock(nn.Module):
    def __init__(self, width: int, heads: int):
        super().__init__()
        self.attn_ln = nn.LayerNorm(width)
        self.attn = WhisperAttention(width, heads)
        self.mlp_ln = nn.LayerNorm(width)
        self.mlp = whisper_mlp(width)

    def forward(self, x):
        x = x + self.attn(self.attn_ln(x))
        return x + self.mlp(self.mlp_ln(x))


class WhisperDecoderBlock(nn.Module):
    def __init__(self, width: int, heads: int):
        super().__init__()
        self.attn_ln = nn.LayerNorm(width)
        self.attn = WhisperAttention(width, heads)
        self.cross_attn_ln = nn.LayerNorm(width)
        self.cross_attn = WhisperAttention(width, heads)
        self.mlp_ln = nn.LayerNorm(width)
        self.mlp = whisper_mlp(width)

    def forward(self, x, audio, self_k, self_v, cross_k, cross_v) -> Tuple[torch.Tensor, List[torch.Tensor]]:
        attended, self_k, self_v = self.attn.with_cache(self.attn_ln(x), self_k, self_v)
        x = x + attended
        heard, cross_k, cross_v = self.cross_attn.across(self.cross_attn_ln(x), audio, cross_k, cross_v)
        x = x + heard
        return x + self.mlp(self.mlp_ln(x)), [self_k, self_v, cross_k, cross_v]


class Whisper(nn.Module):
    """A Whisper-style encoder-decoder: `encode(mel)` once per 30 s of audio (two convolutions, then
    transformer blocks over the frames), then `forward(tokens, audio, self_k, self_v, cross_k, cross_v)`
    per step, the self-attention caches grown by the step's tokens, the cross-attention caches filled
    from the audio on the first step and kept. The encoder's positions are a parameter (as the
    published parameter counts take them) and the output head is the token embedding, tied."""

    def __init__(self, mels: int, audio_positions: int, text_positions: int, width: int, heads: int, layers: int,
                 vocab: int):
        super().__init__()
        self.conv1 = nn.Conv1d(mels, width, 3, padding=1)
        self.conv2 = nn.Conv1d(width, width, 3, stride=2, padding=1)
        self.embed_positions = nn.Embedding(audio_positions, width)
        self.encoder_blocks = nn.ModuleList([WhisperEncoderBlock(width, heads) for _ in range(layers)])
        self.ln_post = nn.LayerNorm(width)
        self.token_embedding = nn.Embedding(vocab, width)
        self.positional_embedding = nn.Embedding(text_positions, width)
        self.decoder_blocks = nn.ModuleList([WhisperDecoderBlock(width, heads) for _ in range(layers)])
        self.ln = nn.LayerNorm(width)

    @torch.jit.export
    def encode(self, mel):
        x = F.gelu(self.conv2(F.gelu(self.conv1(mel)))).transpose(1, 2)
        x = x + self.embed_positions.weight[: x.shape[1]]
        for block in self.encoder_blocks:
            x = block(x)
        return self.ln_post(x)

    def forward(self, tokens, audio, self_k, self_v, cross_k, cross_v):
        past = self_k.shape[3]
        x = self.token_embedding(tokens) + self.positional_embedding(torch.arange(past, past + tokens.shape[1]))
        grown: List[List[torch.Tensor]] = [[], [], [], []]
        for i, block in enumerate(self.decoder_blocks):
            x, caches = block(x, audio, self_k[i], self_v[i], cross_k[i], cross_v[i])
            for kind in range(4):
                grown[kind].append(caches[kind])
        logits = torch.matmul(self.ln(x), self.token_embedding.weight.t())
        return logits, torch.stack(grown[0]), torch.stack(grown[1]), torch.stack(grown[2]), torch.stack(grown[3])


# The published configurations (each model card's config.json).
LLAMA = {
    "llama-2-7b": dict(vocab=32000, width=4096, layers=32, heads=32, kv_heads=32, hidden=11008, eps=1e-5, theta=10000.0),
    "llama-2-13b": dict(vocab=32000, width=5120, layers=40, heads=40, kv_heads=40, hidden=13824, eps=1e-5, theta=10000.0),
    "llama-2-70b": dict(vocab=32000, width=8192, layers=80, heads=64, kv_heads=8, hidden=28672, eps=1e-5, theta=10000.0),
    "llama-3-8b": dict(vocab=128256, width=4096, layers=32, heads=32, kv_heads=8, hidden=14336, eps=1e-5, theta=500000.0),
    # The same code at a size a real run takes in milliseconds (grouped-query: 2 KV heads for 4).
    "llama-mini": dict(vocab=512, width=128, layers=2, heads=4, kv_heads=2, hidden=344, eps=1e-5, theta=10000.0),
}
GPT2 = {"gpt2": dict(vocab=50257, positions=1024, width=768, layers=12, heads=12)}
WHISPER = {
    "whisper-tiny": dict(mels=80, audio_positions=1500, text_positions=448, width=384, heads=6, layers=4, vocab=51865),
    "whisper-base": dict(mels=80, audio_positions=1500, text_positions=448, width=512, heads=8, layers=6, vocab=51865),
}
PROMPT = 32


def manifest(layers, kv_heads, head_width, vocab):
    cache = f"{layers}x1x{kv_heads}x0x{head_width}:float32"
    return {"inputs": [f"1x{PROMPT}:int64:randint:0:{vocab}", cache, cache],
            "expected": {"scripted_by_torch": torch.__version__.split("+")[0]}}


def whisper_manifest(layers, heads, width, vocab, audio_positions, **_):
    """The first decoding step: 4 prompt tokens (start, language, task, no timestamps) against the
    encoded audio, all caches empty. The returned caches (outputs 1-4) feed arguments 2-5 of the
    next step (`flopscope generate`)."""
    cache = f"{layers}x1x{heads}x0x{width // heads}:float32"
    return {"inputs": [f"1x4:int64:randint:0:{vocab}", f"1x{audio_positions}x{width}:float32", cache, cache, cache, cache],
            "feed": "1:2,2:3,3:4,4:5",
            "expected": {"scripted_by_torch": torch.__version__.split("+")[0]}}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=OUT)
    parser.add_argument("--only", nargs="*", default=list(LLAMA) + list(GPT2) + list(WHISPER))
    args = parser.parse_args()
    for name in args.only:
        with skipped_init():
            if name in LLAMA:
                c = LLAMA[name]
                model = LlamaDecoder(**c)
                described = manifest(c["layers"], c["kv_heads"], c["width"] // c["heads"], c["vocab"])
            elif name in GPT2:
                c = GPT2[name]
                model = Gpt2Decoder(**c)
                described = manifest(c["layers"], c["heads"], c["width"] // c["heads"], c["vocab"])
            else:
                model = Whisper(**WHISPER[name])
                described = whisper_manifest(**WHISPER[name])
        save_scripted(use_placeholder_weights(model), os.path.join(args.out, name + ".pt"), described)
        print("exported", name, f"{sum(p.numel() for p in model.parameters()):,} parameters")


if __name__ == "__main__":
    main()
