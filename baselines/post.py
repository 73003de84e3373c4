"""Baseline detection tensors -> per-image boxes, in the same (n, 6) form as ours: x1, y1, x2, y2, score, class in
canvas pixels. NMS families reuse our NMS (same code for every model, so post-processing cost is comparable);
YOLOv10 and YOLO26 (one-to-one head, selected by `baselines.build`) and RT-DETR return final detections, so only the
confidence filter applies. No ultralytics here."""

from __future__ import annotations

import torch

from baselines.names import ONE_TO_ONE
from yolov12.postprocess import NmsConfig, nms, xywh2xyxy


def topk_rows(pred: torch.Tensor, cfg: NmsConfig) -> list[torch.Tensor]:
    """YOLOv10 / YOLO26 end-to-end output (B, k, 6) [x1, y1, x2, y2, score, class], sorted by score (the head's
    own top-k) -> rows above `conf`, at most max_det."""
    if pred.ndim != 3 or pred.shape[-1] != 6:
        raise ValueError(f"end-to-end output must be (B, k, 6); got {tuple(pred.shape)} (one-to-many head selected?)")
    return [p[p[:, 4] > cfg.conf][: cfg.max_det] for p in pred]


def rtdetr_rows(pred: torch.Tensor, cfg: NmsConfig, canvas: tuple[int, int]) -> list[torch.Tensor]:
    """RT-DETR output (B, queries, 6): cx, cy, w, h normalised to [0, 1], score, class (already top-k by score)."""
    h, w = canvas
    scale = pred.new_tensor([w, h, w, h])
    out = []
    for p in pred:
        det = torch.cat((xywh2xyxy(p[:, :4] * scale), p[:, 4:6]), 1)
        out.append(det[det[:, 4] > cfg.conf][: cfg.max_det])
    return out


def post_for(family: str, canvas: tuple[int, int]):
    """The post-processing function `(pred, cfg) -> list[(n, 6)]` of a baseline family."""
    if family in ONE_TO_ONE:
        return topk_rows
    if family == "rtdetr":
        return lambda pred, cfg: rtdetr_rows(pred, cfg, canvas)
    return nms
