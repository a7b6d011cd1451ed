#!/usr/bin/python3
"""Counts bundled TorchScript models with PyTorch's own torch.utils.flop_counter.FlopCounterMode, for
comparison with flopscope's matmul FLOPs (docs/pytorch2.md). Needs PyTorch 2.x:
    tools/in-debian13.sh python3 tools/compare_flop_counter_mode.py torchscript_models/torch2/test/mha.pt ...
Each model runs on its manifest's inputs (batch 1 for OpenCLIP-style manifests), in eval under no-grad,
as flopscope runs it.
"""
import json
import os
import sys

import torch
from torch.utils.flop_counter import FlopCounterMode


def make_input(spec: str) -> torch.Tensor:
    shape_text, dtype, *fill = spec.split(":")
    shape = [int(d) for d in shape_text.split("x")]
    if fill and fill[0] == "randint":
        return torch.randint(int(fill[1]), int(fill[2]), shape, dtype=getattr(torch, dtype))
    return torch.randn(shape, dtype=getattr(torch, dtype))


def main() -> None:
    for path in sys.argv[1:]:
        with open(os.path.splitext(path)[0] + ".json") as f:
            manifest = json.load(f)
        model = torch.jit.load(path).eval()
        inputs = [make_input(spec) for spec in manifest["inputs"]]
        counter = FlopCounterMode(display=False)
        with torch.no_grad(), counter:
            getattr(model, manifest.get("method", "forward"))(*inputs)
        print(f"{path}: FlopCounterMode {counter.get_total_flops():,} FLOPs")


if __name__ == "__main__":
    main()
