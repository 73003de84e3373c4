"""Convolutional building blocks shared by YOLO11/YOLO12: Conv+BN+SiLU, Bottleneck, C3k, C3k2.

Module attribute names follow the Ultralytics layout (`conv`, `bn`, `cv1`, `m`, ...) so that state-dict keys are
the same data in both, which keeps checkpoint mapping a near-identity.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

BN_EPS, BN_MOMENTUM = 1e-3, 0.03  # what YOLO trainers use, and what released weights were trained with


class Conv(nn.Module):
    """Conv2d (no bias) + BatchNorm + optional SiLU; `fuse()` folds the BN into the conv."""

    def __init__(self, c1: int, c2: int, k: int = 1, s: int = 1, g: int = 1, act: bool = True):
        super().__init__()
        self.conv = nn.Conv2d(c1, c2, k, s, k // 2, groups=g, bias=False)
        self.bn = nn.BatchNorm2d(c2, eps=BN_EPS, momentum=BN_MOMENTUM)
        self.act = nn.SiLU(inplace=True) if act else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.bn is None:  # fused
            return self.act(self.conv(x))
        return self.act(self.bn(self.conv(x)))

    @torch.no_grad()
    def fuse(self) -> None:
        if self.bn is None:
            return
        conv, bn = self.conv, self.bn
        scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
        fused = nn.Conv2d(conv.in_channels, conv.out_channels, conv.kernel_size, conv.stride, conv.padding,
                          groups=conv.groups, bias=True).to(conv.weight.device, conv.weight.dtype)
        fused.weight.copy_(conv.weight * scale.view(-1, 1, 1, 1))
        bias = conv.bias if conv.bias is not None else torch.zeros_like(bn.running_mean)
        fused.bias.copy_(bn.bias + (bias - bn.running_mean) * scale)
        fused.weight.requires_grad_(False)
        fused.bias.requires_grad_(False)
        self.conv, self.bn = fused, None


def DWConv(c1: int, c2: int, k: int = 1, s: int = 1, act: bool = True) -> Conv:  # noqa: N802 (a layer, named so)
    """Depthwise Conv+BN+SiLU."""
    return Conv(c1, c2, k, s, g=math.gcd(c1, c2), act=act)


class Bottleneck(nn.Module):
    """Two convs with an optional residual; kernel sizes (k1, k2)."""

    def __init__(self, c1: int, c2: int, shortcut: bool = True, k: tuple[int, int] = (3, 3), e: float = 0.5):
        super().__init__()
        c_ = int(c2 * e)
        self.cv1 = Conv(c1, c_, k[0])
        self.cv2 = Conv(c_, c2, k[1])
        self.add = shortcut and c1 == c2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.cv2(self.cv1(x))
        return x + y if self.add else y


class C3k(nn.Module):
    """CSP block: two 1x1 branches, one through `n` 3x3 bottlenecks, concatenated and fused."""

    def __init__(self, c1: int, c2: int, n: int = 2, shortcut: bool = True, e: float = 0.5):
        super().__init__()
        c_ = int(c2 * e)
        self.cv1 = Conv(c1, c_)
        self.cv2 = Conv(c1, c_)
        self.cv3 = Conv(2 * c_, c2)
        self.m = nn.Sequential(*(Bottleneck(c_, c_, shortcut, (3, 3), e=1.0) for _ in range(n)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.cv3(torch.cat((self.m(self.cv1(x)), self.cv2(x)), 1))


class C3k2(nn.Module):
    """C2f-style block (split, chained inner blocks, concat all) whose inner blocks are C3k or Bottleneck."""

    def __init__(self, c1: int, c2: int, n: int = 1, c3k: bool = False, e: float = 0.5, shortcut: bool = True):
        super().__init__()
        self.c = int(c2 * e)
        self.cv1 = Conv(c1, 2 * self.c)
        self.cv2 = Conv((2 + n) * self.c, c2)
        self.m = nn.ModuleList(
            C3k(self.c, self.c, 2, shortcut) if c3k else Bottleneck(self.c, self.c, shortcut) for _ in range(n)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.halves(x)
        y.extend(m(y[-1]) for m in self.m)
        return self.cv2(torch.cat(y, 1))

    def halves(self, x: torch.Tensor) -> list[torch.Tensor]:
        """cv1's output in two halves. Fused: two convs on the weight's halves, no split (ONNX Runtime keeps its
        blocked layout through them; a Split makes it reorder: YOLOv12-N 0.956x, S 0.972x its time there, OpenVINO
        and eager PyTorch within 2 %). Unfused (training): one conv, then a split."""
        cv = self.cv1
        if cv.bn is not None:
            return list(cv(x).chunk(2, 1))
        conv, c = cv.conv, self.c
        return [cv.act(F.conv2d(x, conv.weight[i * c:(i + 1) * c], conv.bias[i * c:(i + 1) * c], conv.stride,
                                conv.padding)) for i in range(2)]
