"""COCO box evaluation of a detections list against a ground truth dict, by pycocotools (the reference) and by
faster-coco-eval (the cross-check). Both give the twelve standard figures; `RECORD_METRICS` are the nine that go
into accuracy records, as fractions in [0, 1] (-1 where the ground truth has no object of that size)."""

from __future__ import annotations

import contextlib
import copy
import io
import logging
from importlib.metadata import version

import numpy as np

log = logging.getLogger(__name__)

STATS = ("map50_95", "map50", "map75", "map_small", "map_medium", "map_large", "ar1", "ar10", "ar100",
         "ar_small", "ar_medium", "ar_large")  # the order of COCOeval.stats
RECORD_METRICS = STATS[:9]
TOOLS = ("pycocotools", "faster-coco-eval")


class DetectionsError(ValueError):
    """Detections that do not fit the ground truth (unknown image or category ids, malformed entries)."""


def tool_version(tool: str) -> str:
    return f"{tool}-{version(tool)}"


def check_detections(gt: dict, dets: list) -> None:
    """Raise DetectionsError unless every detection has a known image_id and category_id, a 4-number bbox and a
    score (what COCO result files hold)."""
    if not isinstance(dets, list):
        raise DetectionsError(f"detections must be a JSON list of objects, got {type(dets).__name__}")
    image_ids = {im["id"] for im in gt["images"]}
    cat_ids = {c["id"] for c in gt["categories"]}
    for i, d in enumerate(dets):
        if not (isinstance(d, dict) and isinstance(d.get("bbox"), list) and len(d["bbox"]) == 4
                and isinstance(d.get("score"), (int, float))):
            raise DetectionsError(f"detection {i} is not {{image_id, category_id, bbox: [x, y, w, h], score}}: {d}")
        if d.get("image_id") not in image_ids:
            raise DetectionsError(f"detection {i} has image_id {d.get('image_id')!r}, not in the ground truth")
        if d.get("category_id") not in cat_ids:
            raise DetectionsError(f"detection {i} has category_id {d.get('category_id')!r}; the ground truth has "
                                  f"{sorted(cat_ids)[:10]}{'...' if len(cat_ids) > 10 else ''}")


def _pycocotools(gt: dict, dets: list[dict]) -> np.ndarray:
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    captured = io.StringIO()
    with contextlib.redirect_stdout(captured):
        coco_gt = COCO()
        coco_gt.dataset = copy.deepcopy(gt)
        coco_gt.createIndex()
        coco_dt = coco_gt.loadRes(copy.deepcopy(dets))
        ev = COCOeval(coco_gt, coco_dt, "bbox")
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    log.debug("pycocotools:\n%s", captured.getvalue())
    return np.asarray(ev.stats, dtype=float)


def _faster(gt: dict, dets: list[dict]) -> np.ndarray:
    from faster_coco_eval import COCO, COCOeval_faster

    coco_gt = COCO(copy.deepcopy(gt))
    coco_dt = coco_gt.loadRes(copy.deepcopy(dets))
    ev = COCOeval_faster(coco_gt, coco_dt, "bbox", print_function=log.debug)
    ev.evaluate()
    ev.accumulate()
    ev.summarize()
    return np.asarray(ev.stats[:12], dtype=float)


def evaluate(gt: dict, dets: list[dict], tool: str = "pycocotools") -> dict[str, float]:
    """The twelve COCO box figures of `dets` (COCO result entries, bbox x, y, w, h in original pixels)."""
    if tool not in TOOLS:
        raise ValueError(f"unknown evaluation tool {tool!r}; known: {TOOLS}")
    check_detections(gt, dets)
    if not dets:  # both tools fail on an empty result list; nothing detected scores zero
        return dict.fromkeys(STATS, 0.0)
    stats = _pycocotools(gt, dets) if tool == "pycocotools" else _faster(gt, dets)
    return dict(zip(STATS, (float(s) for s in stats), strict=True))


def crosscheck(a: dict[str, float], b: dict[str, float]) -> float:
    """Largest absolute difference over the record metrics of two evaluations."""
    return max(abs(a[k] - b[k]) for k in RECORD_METRICS)
