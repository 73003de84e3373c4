"""ResNet-18/34-vd (BasicBlock) backbone for RT-DETR-R18/R34, which ultralytics lacks.

Layout as in the official RT-DETR `PResNet` (variant "d"): a deep stem of three 3x3 convs (32, 32, 64; first
stride 2) and a 3x3/2 max pool, then four stages of BasicBlocks (64, 128, 256, 512 channels; 2-2-2-2 for R18,
3-4-6-3 for R34); the first block of each stage has a projection shortcut, average-pooled before its 1x1 conv when
the stage downsamples. Built from ultralytics' `Conv` (conv + BN + act) so `model.fuse()` folds its BNs too.
Registered in torchvision's model registry (child process only) so a YAML row `TorchVision` can build it.
"""

from __future__ import annotations

import torch
from torch import nn
from ultralytics.nn.modules import Conv

DEPTHS = {"resnet18_vd": (2, 2, 2, 2), "resnet34_vd": (3, 4, 6, 3)}
WIDTHS = (64, 128, 256, 512)


class BasicBlock(nn.Module):
    def __init__(self, c1: int, c2: int, stride: int, project: bool):
        super().__init__()
        self.conv1 = Conv(c1, c2, 3, stride, act=nn.ReLU())
        self.conv2 = Conv(c2, c2, 3, 1, act=False)
        if not project:
            self.short = nn.Identity()
        elif stride == 2:
            self.short = nn.Sequential(nn.AvgPool2d(2, 2, ceil_mode=True), Conv(c1, c2, 1, 1, act=False))
        else:
            self.short = Conv(c1, c2, 1, 1, act=False)
        self.act = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.conv2(self.conv1(x)) + self.short(x))


class ResNetVd(nn.Module):
    """(B, 3, H, W) -> [C3 (B, 128, H/8, W/8), C4 (B, 256, H/16, W/16), C5 (B, 512, H/32, W/32)]."""

    def __init__(self, depths: tuple[int, int, int, int]):
        super().__init__()
        relu = nn.ReLU()
        self.stem = nn.Sequential(Conv(3, 32, 3, 2, act=relu), Conv(32, 32, 3, 1, act=relu),
                                  Conv(32, 64, 3, 1, act=relu), nn.MaxPool2d(3, 2, 1))
        stages, c1 = [], 64
        for i, (n, c2) in enumerate(zip(depths, WIDTHS, strict=True)):
            stride = 1 if i == 0 else 2
            stages.append(nn.Sequential(*(BasicBlock(c1 if j == 0 else c2, c2, stride if j == 0 else 1, j == 0)
                                          for j in range(n))))
            c1 = c2
        self.stages = nn.ModuleList(stages)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        x = self.stem(x)
        outs = []
        for stage in self.stages:
            x = stage(x)
            outs.append(x)
        return outs[1:]


def register() -> None:
    """Add resnet18_vd / resnet34_vd to torchvision's model registry (idempotent; random weights only)."""
    from torchvision.models import _api

    for name, depths in DEPTHS.items():
        if name not in _api.BUILTIN_MODELS:
            _api.BUILTIN_MODELS[name] = _builder(name, depths)


def _builder(name: str, depths: tuple[int, int, int, int]):
    def build(weights=None, **kwargs) -> ResNetVd:
        if weights:
            raise ValueError(f"{name} has no downloadable weights here; pass a local checkpoint instead")
        return ResNetVd(depths)

    return build
