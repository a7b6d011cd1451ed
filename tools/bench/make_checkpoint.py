#!/usr/bin/python3
"""Writes a TorchScript OpenCLIP ViT-g-14 with real (random) weights, 5.5 GB, for the dry-run memory
benchmark. Not committed; run by tools/bench/run.sh into a scratch directory.

Usage: make_checkpoint.py OUTPUT.pt
"""
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import export_openclip  # noqa: E402


def main() -> None:
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    torch.manual_seed(0)
    model = export_openclip.build("ViT-g-14", batch_first=False).eval()
    torch.jit.script(model).save(sys.argv[1])
    print(f"wrote {sys.argv[1]}: {os.path.getsize(sys.argv[1]) / 2**30:.2f} GiB")


if __name__ == "__main__":
    main()
