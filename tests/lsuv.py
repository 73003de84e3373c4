"""Random weights whose outputs depend on the input: torch's default initialisation shrinks activations layer by
layer until a YOLO's output is the same for every image (so comparing two runtimes on a photograph would check
little). One forward pass on the photograph rescales each convolution (in the order they run) to unit output
spread, as layer-sequential unit-variance initialisation does. Test helper only."""

from __future__ import annotations

import torch
from torch import nn


def spread_convs(model: nn.Module, x: torch.Tensor) -> nn.Module:
    """Rescale every Conv2d of `model` in place so its output on `x` has unit standard deviation (and zero mean
    where it has a bias: the class scores then spread over (0, 1) instead of sitting at the prior's ~1e-4)."""

    def hook(conv: nn.Conv2d, _inp, out: torch.Tensor) -> torch.Tensor:
        std = float(out.std())
        if std <= 0:
            return out
        conv.weight.mul_(1 / std)
        if conv.bias is None:
            return out / std
        mean = out.mean(dim=(0, 2, 3))
        conv.bias.sub_(mean).mul_(1 / std)
        return (out - mean[None, :, None, None]) / std

    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, nn.Conv2d)]
    try:
        with torch.no_grad():
            model(x)
    finally:
        for h in handles:
            h.remove()
    return model
