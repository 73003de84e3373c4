"""From the model's (B, 4 + nc, A) output to detections: confidence filter, class-offset NMS, top `max_det`."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torchvision

MAX_WH = 7680  # class offset for batched NMS: larger than any box coordinate


@dataclass(frozen=True)
class NmsConfig:
    """Thresholds of one post-processing protocol. `val()` is the paper's (COCO evaluation) protocol."""

    conf: float = 0.25
    iou: float = 0.7
    max_det: int = 300
    multi_label: bool = False  # one row per (box, class) above `conf`, as COCO evaluation does
    agnostic: bool = False
    max_nms: int = 30000  # candidates kept (by score) before NMS

    @classmethod
    def val(cls) -> NmsConfig:
        return cls(conf=0.001, iou=0.7, max_det=300, multi_label=True)


def xywh2xyxy(b: torch.Tensor) -> torch.Tensor:
    xy, wh = b[..., :2], b[..., 2:4] / 2
    return torch.cat((xy - wh, xy + wh), -1)


def nms(pred: torch.Tensor, cfg: NmsConfig = NmsConfig()) -> list[torch.Tensor]:
    """pred (B, 4 + nc, A), boxes as cx, cy, w, h -> per image (n, 6): x1, y1, x2, y2, score, class (float)."""
    nc = pred.shape[1] - 4
    out = []
    for x in pred.transpose(1, 2):
        x = x[x[:, 4:].amax(1) > cfg.conf]
        box, cls = xywh2xyxy(x[:, :4]), x[:, 4:]
        if cfg.multi_label and nc > 1:
            i, j = torch.where(cls > cfg.conf)
            det = torch.cat((box[i], cls[i, j, None], j[:, None].to(x.dtype)), 1)
        else:
            score, j = cls.max(1, keepdim=True)
            det = torch.cat((box, score, j.to(x.dtype)), 1)[score.view(-1) > cfg.conf]
        if det.shape[0] > cfg.max_nms:
            det = det[det[:, 4].argsort(descending=True)[: cfg.max_nms]]
        offset = det[:, 5:6] * (0 if cfg.agnostic else MAX_WH)
        keep = torchvision.ops.nms(det[:, :4] + offset, det[:, 4], cfg.iou)[: cfg.max_det]
        out.append(det[keep])
    return out
