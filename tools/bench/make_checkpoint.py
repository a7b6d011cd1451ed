#!/usr/bin/python3
"""Writes a TorchScript OpenCLIP model with real (random) weights, for the dry-run benchmarks: the
bundled files hold placeholder weights (one value per tensor), these hold every byte, as the files
users bring do. Not committed; run by tools/bench/run.sh into a scratch directory.

Usage: make_checkpoint.py MODEL OUTPUT.pt     (MODEL: an OpenCLIP name, e.g. ViT-L-14, ViT-bigG-14)
"""
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import export_openclip  # noqa: E402


def main() -> None:
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    torch.manual_seed(0)
    model = export_openclip.build(sys.argv[1], batch_first=False).eval()
    torch.jit.script(model).save(sys.argv[2])
    print(f"wrote {sys.argv[2]}: {os.path.getsize(sys.argv[2]) / 2**30:.2f} GiB")


if __name__ == "__main__":
    main()
