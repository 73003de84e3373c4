"""The anchor-free detection head of YOLO11/YOLO12: per level a box branch (DFL bins) and a class branch."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from yolov12.blocks import Conv, DWConv


class DFL(nn.Module):
    """Distribution focal loss decoding: expected value of a softmax over `bins` distance bins (a frozen conv)."""

    def __init__(self, bins: int = 16):
        super().__init__()
        self.bins = bins
        self.conv = nn.Conv2d(bins, 1, 1, bias=False).requires_grad_(False)
        self.conv.weight.data[:] = torch.arange(bins, dtype=torch.float).view(1, bins, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, 4*bins, A) -> (B, 4, A) distances in grid units: sum_i i e^(x_i - m) / sum_i e^(x_i - m) with m the
        largest logit, computed along the anchors (contiguous) with no transpose: the softmax's numerator and
        denominator are one 1x1 conv (bins -> 2: the bin values and ones) per side."""
        b, _, a = x.shape
        x = x.view(b, 4, self.bins, a)
        e = (x - x.amax(2, keepdim=True)).exp()
        values = self.conv.weight.view(1, self.bins, 1, 1)
        num, den = F.conv2d(e.view(b * 4, self.bins, a, 1), torch.cat((values, torch.ones_like(values))))\
            .view(b, 4, 2, a).unbind(2)
        return num / den


def make_anchors(shapes: list[tuple[int, int]], strides: list[float], device, dtype) -> tuple[torch.Tensor, ...]:
    """Cell-centre anchor points (A, 2) in grid units and their strides (A, 1), level by level, row-major."""
    points, stride_col = [], []
    for (h, w), s in zip(shapes, strides):
        sy, sx = torch.meshgrid(torch.arange(h, device=device, dtype=dtype) + 0.5,
                                torch.arange(w, device=device, dtype=dtype) + 0.5, indexing="ij")
        points.append(torch.stack((sx, sy), -1).view(-1, 2))
        stride_col.append(torch.full((h * w, 1), s, device=device, dtype=dtype))
    return torch.cat(points), torch.cat(stride_col)


class Detect(nn.Module):
    """Training: returns the raw per-level maps (B, 4*bins + nc, h, w). Eval: (B, 4 + nc, A) with boxes as
    (cx, cy, w, h) in input pixels and class scores after sigmoid."""

    def __init__(self, nc: int, ch: tuple[int, ...], strides: tuple[int, ...] = (8, 16, 32), bins: int = 16):
        super().__init__()
        self.nc, self.bins, self.strides = nc, bins, strides
        c2, c3 = max(16, ch[0] // 4, bins * 4), max(ch[0], min(nc, 100))
        self.cv2 = nn.ModuleList(nn.Sequential(Conv(x, c2, 3), Conv(c2, c2, 3), nn.Conv2d(c2, 4 * bins, 1))
                                 for x in ch)
        self.cv3 = nn.ModuleList(
            nn.Sequential(nn.Sequential(DWConv(x, x, 3), Conv(x, c3, 1)),
                          nn.Sequential(DWConv(c3, c3, 3), Conv(c3, c3, 1)),
                          nn.Conv2d(c3, nc, 1))
            for x in ch
        )
        self.dfl = DFL(bins)
        self._anchors: tuple = ()  # (key, anchors, strides) of the last input geometry

    def _anchors_for(self, maps: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        key = (tuple(m.shape[2:] for m in maps), maps[0].device, maps[0].dtype)
        if not self._anchors or self._anchors[0] != key:
            anchors, strides = make_anchors([k for k in key[0]], self.strides, key[1], key[2])
            self._anchors = (key, anchors.transpose(0, 1).unsqueeze(0), strides.transpose(0, 1))
        return self._anchors[1], self._anchors[2]

    def bias_init(self) -> None:
        """Prior biases: box logits 1.0; class logits for ~5 objects per 640 image over `nc` classes."""
        for box, cls, s in zip(self.cv2, self.cv3, self.strides):
            box[-1].bias.data[:] = 1.0
            cls[-1].bias.data[: self.nc] = math.log(5 / self.nc / (640 / s) ** 2)

    def forward(self, xs: list[torch.Tensor]) -> torch.Tensor | list[torch.Tensor]:
        boxes = [box(x) for x, box in zip(xs, self.cv2)]
        scores = [cls(x) for x, cls in zip(xs, self.cv3)]
        if self.training:
            return [torch.cat(pair, 1) for pair in zip(boxes, scores)]
        return self.decode(boxes, scores)

    def decode(self, boxes: list[torch.Tensor], scores: list[torch.Tensor]) -> torch.Tensor:
        """Per-level box logits (B, 4*bins, h, w) and class logits (B, nc, h, w) -> (B, 4 + nc, A). The two
        branches are flattened apart (not joined per level and split again: two copies fewer)."""
        anchors, strides = self._anchors_for(boxes)
        box = torch.cat([m.flatten(2) for m in boxes], 2)
        cls = torch.cat([m.flatten(2) for m in scores], 2)
        lt, rb = self.dfl(box).chunk(2, 1)
        x1y1, x2y2 = anchors - lt, anchors + rb
        xywh = torch.cat(((x1y1 + x2y2) / 2, x2y2 - x1y1), 1) * strides
        return torch.cat((xywh, cls.sigmoid()), 1)
