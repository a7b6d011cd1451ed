"""Helpers shared by the model export scripts: placeholder weights and saving with a manifest.

FLOPs and parameter counts depend on shapes only, so every parameter is replaced by a stride-0 view of
a single element: the TorchScript file stores one value per tensor, and a full-size architecture fits
in kilobytes. Tied parameters stay tied.
"""
import contextlib
import json
import os

import torch
from torch import nn


def use_placeholder_weights(module: nn.Module, value: float = 0.01) -> nn.Module:
    """Replaces every parameter, and every floating-point buffer (BatchNorm statistics), by a stride-0
    view of one element. Integer buffers (index tables such as Swin's relative position index) keep
    their values: the forward reads them; equal ones are shared, so the file stores each table once."""
    replaced = {}
    tables = {}
    for sub in module.modules():
        for name, param in list(sub._parameters.items()):
            if param is None:
                continue
            if id(param) not in replaced:
                stub = torch.full((), value, dtype=param.dtype).expand(param.shape)
                replaced[id(param)] = nn.Parameter(stub, requires_grad=False)
            sub._parameters[name] = replaced[id(param)]
        for name, buffer in list(sub._buffers.items()):
            if buffer is not None and buffer.is_floating_point() and buffer.dim() > 0:
                sub._buffers[name] = torch.full((), value, dtype=buffer.dtype).expand(buffer.shape)
            elif buffer is not None and buffer.dim() > 0:
                key = (buffer.dtype, tuple(buffer.shape), buffer.contiguous().numpy().tobytes())
                sub._buffers[name] = tables.setdefault(key, buffer)
        if isinstance(sub, nn.RNNBase):
            # Its forward reads this list of the parameters, which must be the new ones.
            sub._flat_weights = [getattr(sub, name, None) for name in sub._flat_weights_names]
    return module


@contextlib.contextmanager
def skipped_init():
    """Builds modules without initializing their weights. Untouched torch.empty memory is never
    committed, so even EVA02-E-14 (4.7 B parameters) builds in little memory before its weights are
    replaced by placeholders."""
    names = ["uniform_", "normal_", "constant_", "ones_", "zeros_", "xavier_uniform_", "xavier_normal_",
             "kaiming_uniform_", "kaiming_normal_", "trunc_normal_"]
    saved = {name: getattr(nn.init, name) for name in names}
    try:
        for name in names:
            setattr(nn.init, name, lambda tensor, *args, **kwargs: tensor)
        yield
    finally:
        for name, fn in saved.items():
            setattr(nn.init, name, fn)


def example_inputs(specs):
    """Tensors for input specs of the forms SHAPE:float32 and SHAPE:int64:randint:LOW:HIGH."""
    def tensor(spec):
        parts = spec.split(":")
        shape = [int(d) for d in parts[0].split("x")]
        return torch.randint(int(parts[3]), int(parts[4]), shape) if parts[1] == "int64" else torch.randn(shape)
    return tuple(tensor(spec) for spec in specs)


def save_scripted(module: nn.Module, path: str, manifest: dict) -> None:
    """Scripts `module` (torch.jit.script), saves it and writes PATH.json beside it."""
    _save(torch.jit.script(module.eval()), path, manifest)


def save_traced(module: nn.Module, example_inputs: tuple, path: str, manifest: dict) -> None:
    """Traces `module` on `example_inputs` (torch.jit.trace, as deployment scripts do), saves it and
    writes PATH.json beside it."""
    with torch.no_grad():
        _save(torch.jit.trace(module.eval(), example_inputs), path, manifest)


def save_frozen(module: nn.Module, path: str, manifest: dict, optimize: bool = False) -> None:
    """Scripts and freezes `module` as deployment scripts do (torch.jit.freeze: the weights become
    constants of the code, each BatchNorm folded into the convolution before it, the module tree
    inlined), or with `optimize` passes it to torch.jit.optimize_for_inference instead; saves it and
    writes PATH.json beside it."""
    scripted = torch.jit.script(module.eval())
    _save(torch.jit.optimize_for_inference(scripted) if optimize else torch.jit.freeze(scripted), path, manifest)


def _save(module: torch.jit.ScriptModule, path: str, manifest: dict) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    module.save(path)
    with open(os.path.splitext(path)[0] + ".json", "w") as f:
        json.dump(manifest, f, indent=2, sort_keys=True)
        f.write("\n")
