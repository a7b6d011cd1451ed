#!/usr/bin/python3
"""Exports the small test models in torchscript_models/test/ (run with Debian's /usr/bin/python3).

Each model exercises one thing the C++ tests check against hand-computed integers
(tests/test_small_models.cpp): convolutions of every kind, sequence-first attention, a module called
twice, tied parameters, matmuls in a module's own code, a leaf type with no rule, an op with no
formula, and a batch x batch product that breaks linearity.
"""
import os
import sys

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from placeholder import save_scripted, use_placeholder_weights  # noqa: E402

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


def main():
    torch.manual_seed(0)
    save_scripted(use_placeholder_weights(Mixed()), os.path.join(OUT, "mixed.pt"),
                  {"inputs": ["1x3x16x16:float32"]})
    save_scripted(use_placeholder_weights(Odd()), os.path.join(OUT, "odd.pt"), {"inputs": ["2x4x8:float32"]})
    save_scripted(use_placeholder_weights(Similarity()), os.path.join(OUT, "similarity.pt"),
                  {"inputs": ["4x8:float32"]})
    save_scripted(use_placeholder_weights(TwoMethods()), os.path.join(OUT, "two_methods.pt"),
                  {"inputs": ["3x8:float32"]})
    save_scripted(use_placeholder_weights(CrossAttention()), os.path.join(OUT, "cross_attention.pt"),
                  {"inputs": ["2x5x16:float32", "2x7x16:float32", "2x7x16:float32"]})
    save_scripted(use_placeholder_weights(DataDependent()), os.path.join(OUT, "data_dependent.pt"),
                  {"inputs": ["4x8:float32"]})
    save_scripted(use_placeholder_weights(ValueBranch()), os.path.join(OUT, "value_branch.pt"),
                  {"inputs": ["4x8:float32"]})
    save_scripted(use_placeholder_weights(ConvNet()), os.path.join(OUT, "convnet.pt"),
                  {"inputs": ["2x3x32x32:float32", "2x6:int64:randint:0:10"]})
    # A plain state_dict, not a scripted module: flopscope must refuse it cleanly.
    torch.save(Odd().state_dict(), os.path.join(OUT, "state_dict.pt"))


if __name__ == "__main__":
    main()
