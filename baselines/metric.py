"""Ultralytics' own box mAP (what `model.val()` prints: its greedy IoU matching in confidence order, 101-point
interpolated AP per class, mean over the classes that have ground truth), computed with Ultralytics' own code on COCO
result entries against a COCO ground truth, both in original-image pixels (child process only: imports ultralytics).

Crowd annotations are left out of the ground truth, as Ultralytics' COCO labels leave them out. The validator itself
matches in canvas pixels before clipping boxes to the image, so its printed figure can differ from this one in the
last digits for detections that cross an image border."""

from __future__ import annotations

from collections import defaultdict
from types import SimpleNamespace

import numpy as np
import torch
from ultralytics.engine.validator import BaseValidator
from ultralytics.utils.metrics import DetMetrics, box_iou


def _xyxy(boxes: list) -> torch.Tensor:
    b = torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4)
    return torch.cat((b[:, :2], b[:, :2] + b[:, 2:]), 1)


def ultralytics_map(gt: dict, dets: list[dict]) -> dict[str, float]:
    """{"map50_95", "map50"} of `dets` (COCO result entries) on `gt` (a COCO instances dict) by Ultralytics' code."""
    index = {c["id"]: i for i, c in enumerate(sorted(gt["categories"], key=lambda c: c["id"]))}
    truth, found = defaultdict(list), defaultdict(list)
    for a in gt["annotations"]:
        if not a.get("iscrowd", 0):
            truth[a["image_id"]].append((a["bbox"], index[a["category_id"]]))
    for d in dets:
        found[d["image_id"]].append((d["bbox"], index[d["category_id"]], d["score"]))
    matcher = SimpleNamespace(iouv=torch.linspace(0.5, 0.95, 10))
    metrics = DetMetrics(names={i: str(c) for c, i in index.items()})
    for image in gt["images"]:
        t = truth.get(image["id"], [])
        p = sorted(found.get(image["id"], []), key=lambda r: -r[2])  # the validator's order: confidence, descending
        target_cls = np.array([c for _, c in t], dtype=float)
        pred_cls = torch.tensor([c for _, c, _ in p], dtype=torch.float32)
        tp = np.zeros((len(p), 10), dtype=bool)
        if t and p:
            iou = box_iou(_xyxy([b for b, _ in t]), _xyxy([b for b, _, _ in p]))
            tp = BaseValidator.match_predictions(matcher, pred_cls, torch.from_numpy(target_cls).float(), iou).numpy()
        metrics.update_stats({"tp": tp, "conf": np.array([s for _, _, s in p], dtype=float),
                              "pred_cls": pred_cls.numpy(), "target_cls": target_cls,
                              "target_img": np.unique(target_cls), "im_name": str(image["id"])})
    metrics.process()
    return {"map50_95": float(metrics.box.map), "map50": float(metrics.box.map50)}
