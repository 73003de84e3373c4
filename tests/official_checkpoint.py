"""Run as a child process: write a `.pt` shaped like the official repo's checkpoints (a pickled
`ultralytics.nn.tasks.DetectionModel` whose modules carry the official class paths, FP16, plus train_args), from
one of our models, without importing ultralytics. Stand-in classes are registered under the official module
names for the duration of this process only.

    python tests/official_checkpoint.py OUT.pt MODEL_NAME [--pe-bias]
"""

import sys
import types

import torch
from torch import nn

import yolov12

PATHS = {"Conv": "conv", "Concat": "conv", "DWConv": "conv", "Detect": "head", "DFL": "block", "C3k2": "block",
         "C3k": "block", "Bottleneck": "block", "A2C2f": "block", "ABlock": "block", "AAttn": "block"}


def fake_module(name: str) -> types.ModuleType:
    if name not in sys.modules:
        sys.modules[name] = types.ModuleType(name)
    return sys.modules[name]


def relabel(module: nn.Module) -> None:
    """Give each of our modules the class path the official code pickles it under."""
    for m in module.modules():
        kind = type(m).__name__
        if kind in PATHS:
            where = f"ultralytics.nn.modules.{PATHS[kind]}"
            holder = fake_module(where)
            if not hasattr(holder, kind):
                setattr(holder, kind, type(kind, (nn.Module,), {"__module__": where}))
            m.__class__ = getattr(holder, kind)


def main(out: str, name: str, pe_bias: bool) -> None:
    torch.manual_seed(0)
    model = yolov12.create_model(name)
    if pe_bias:  # tag v1.0 built its position-perceiver conv with a bias
        for attn in model.attention_modules():
            conv = attn.pe.conv
            conv.bias = nn.Parameter(torch.randn(conv.out_channels) * 0.1)
    for attn in model.attention_modules():  # our runtime attributes are not part of the official objects
        del attn.backend, attn.record
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.1, 0.1)
            m.running_var.uniform_(0.5, 1.5)
    holder = fake_module("ultralytics.nn.tasks")
    holder.DetectionModel = type("DetectionModel", (nn.Module,), {"__module__": "ultralytics.nn.tasks"})
    det = holder.DetectionModel()
    det.model = nn.Sequential(*model.model)
    relabel(det)
    det.yaml = {"scale": model.row.scale, "yaml_file": f"yolov12{model.row.scale}.yaml", "nc": 80}
    det.names = {i: f"class{i}" for i in range(80)}
    det.stride = torch.tensor([8.0, 16.0, 32.0])
    torch.save({"model": det.half(), "ema": None, "epoch": -1, "version": "8.3.63",
                "train_args": {"epochs": 600, "optimizer": "auto", "momentum": 0.937}}, out)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], "--pe-bias" in sys.argv)
