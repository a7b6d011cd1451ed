#!/usr/bin/python3
"""Scripts every torchvision classification, segmentation and video model that scripts, with
placeholder weights, into a directory of TorchScript files with manifests.

Runs under any torchvision with `models.list_models` (0.14 under Debian 12's /usr/bin/python3, 0.21
inside the Debian 13 root: `tools/in-debian13.sh python3 tools/export_torchvision.py --out ...`).
Each architecture is built exactly as its default weights configure it (image size, number of
classes, auxiliary heads), without downloading anything: the weights' state dict is never fetched
and loading it is skipped. Manifests carry torchvision's published figures: `num_params` and, where
this torchvision publishes it, `_ops` (GFLOPS in its metadata, which are multiply-adds). Models that
fail to script are listed with the first line of their error in NOT_SCRIPTED.md.

Usage: export_torchvision.py --out DIR [--published FILE.json] [--trace] [--only NAME ...]
  --published: a manifest directory of another export whose `published_gmacs` fill in figures this
               torchvision does not publish (0.14 has no `_ops`; the architectures are the same).
  --trace:     torch.jit.trace at the published input size instead of scripting, as deployment
               scripts and open_clip's trace_model do (torchscript_models/traced/torchvision:
               --trace --only resnet18 vit_b_16 mobilenet_v3_small densenet121 convnext_tiny).
"""
import argparse
import contextlib
import json
import os
import sys

import torch
import torchvision
from torch import nn
from torchvision import models

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from placeholder import save_scripted, save_traced, skipped_init, use_placeholder_weights  # noqa: E402

TASKS = [("classification", models), ("segmentation", models.segmentation), ("video", models.video)]
# Frames of a video clip: 16 unless the weights name a minimum (torchvision's own evaluation uses 16).
VIDEO_FRAMES = 16


@contextlib.contextmanager
def architecture_only():
    """Lets a builder apply what its weights configure without fetching or loading the weights."""
    fetch = models._api.WeightsEnum.get_state_dict
    load = nn.Module.load_state_dict
    models._api.WeightsEnum.get_state_dict = lambda self, *args, **kwargs: {}
    nn.Module.load_state_dict = lambda self, *args, **kwargs: None
    try:
        with skipped_init():
            yield
    finally:
        models._api.WeightsEnum.get_state_dict = fetch
        nn.Module.load_state_dict = load


def input_shape(task: str, weights) -> list:
    transforms = weights.transforms()
    if task == "classification":
        size = transforms.crop_size[0]
        return [1, 3, size, size]
    if task == "segmentation":
        size = transforms.resize_size[0]
        return [1, 3, size, size]
    frames = max(VIDEO_FRAMES, weights.meta.get("min_temporal_size", 0))
    height, width = transforms.crop_size
    return [1, 3, frames, height, width]


def published_from(directory: str) -> dict:
    figures = {}
    if directory:
        for name in os.listdir(directory):
            if name.endswith(".json"):
                with open(os.path.join(directory, name)) as f:
                    expected = json.load(f).get("expected", {})
                if "published_gmacs" in expected:
                    figures[name[:-5]] = (expected["num_params"], expected["published_gmacs"])
    return figures


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--published", default="")
    parser.add_argument("--only", nargs="*")
    parser.add_argument("--trace", action="store_true")
    args = parser.parse_args()
    other = published_from(args.published)
    how = "traced" if args.trace else "scripted"
    not_scripted = []
    for task, module in TASKS:
        for name in models.list_models(module=module):
            if args.only and name not in args.only:
                continue
            weights = models.get_model_weights(name).DEFAULT
            with architecture_only():
                model = models.get_model(name, weights=weights)
            use_placeholder_weights(model)
            params = sum(p.numel() for p in model.parameters())
            assert params == weights.meta["num_params"], (name, params, weights.meta["num_params"])
            expected = {"task": task, "weights": str(weights), "num_params": weights.meta["num_params"],
                        "torchvision": torchvision.__version__.split("+")[0],
                        "scripted_by_torch": torch.__version__.split("+")[0]}
            if "_ops" in weights.meta:
                expected["published_gmacs"] = weights.meta["_ops"]
            elif name in other and other[name][0] == params:
                expected["published_gmacs"] = other[name][1]
            shape = input_shape(task, weights)
            manifest = {"inputs": ["x".join(map(str, shape)) + ":float32"], "expected": expected}
            path = os.path.join(args.out, name + ".pt")
            try:
                if args.trace:
                    save_traced(model, (torch.randn(shape),), path, manifest)
                else:
                    save_scripted(model, path, manifest)
                print(how, name, flush=True)
            except Exception as error:  # noqa: BLE001 - every failure is reported, none is fatal
                line = next((l for l in str(error).splitlines() if l.strip()), type(error).__name__)
                not_scripted.append((name, task, line.strip()))
                print("NOT", how, name, line, flush=True)
    with open(os.path.join(args.out, "NOT_SCRIPTED.md"), "w") as f:
        f.write(f"# torchvision {torchvision.__version__} models that torch.jit.{how[:-1]} rejects\n\n"
                "Written by tools/export_torchvision.py. The first line of each error:\n\n"
                "| model | task | error |\n|---|---|---|\n")
        for name, task, line in not_scripted:
            f.write(f"| {name} | {task} | {line.replace('|', '/')} |\n")
        if not not_scripted:
            f.write("| (none) | | |\n")


if __name__ == "__main__":
    main()
