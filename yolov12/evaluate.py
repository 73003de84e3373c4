"""The evaluation protocol of YOLOv12, shared by the trainer and the harness: open a dataset (with COCO's 80 -> 91
category ids where its classes are COCO's), run a model over it in the batches and canvases of a
`yolov12.protocol.Protocol` (by default `rect`, as Ultralytics' validator runs the paper's evaluation), write COCO
result entries in original-image pixels as that validator writes them, and score them with pycocotools (the
reference) cross-checked by faster-coco-eval.

Scores are fractions in [0, 1] (-1 where the ground truth has no object of that size); `RECORD_METRICS` are the
nine that go into accuracy records."""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import io
import logging
from collections.abc import Callable, Sequence
from importlib.metadata import version
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from yolov12.cli import UserError
from yolov12.data import ACCEPTED, DatasetError, DetectionSet, eval_loader, load_dataset
from yolov12.postprocess import NmsConfig
from yolov12.protocol import Placement, Protocol, to_original

log = logging.getLogger(__name__)

COCO80_NAMES = (
    "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat", "traffic light",
    "fire hydrant", "stop sign", "parking meter", "bench", "bird", "cat", "dog", "horse", "sheep", "cow",
    "elephant", "bear", "zebra", "giraffe", "backpack", "umbrella", "handbag", "tie", "suitcase", "frisbee",
    "skis", "snowboard", "sports ball", "kite", "baseball bat", "baseball glove", "skateboard", "surfboard",
    "tennis racket", "bottle", "wine glass", "cup", "fork", "knife", "spoon", "bowl", "banana", "apple",
    "sandwich", "orange", "broccoli", "carrot", "hot dog", "pizza", "donut", "cake", "chair", "couch",
    "potted plant", "bed", "dining table", "toilet", "tv", "laptop", "mouse", "remote", "keyboard", "cell phone",
    "microwave", "oven", "toaster", "sink", "refrigerator", "book", "clock", "vase", "scissors", "teddy bear",
    "hair drier", "toothbrush",
)


def _ids() -> tuple[int, ...]:
    # ids 1..90 minus the ten that the detection annotations never use
    unused = {12, 26, 29, 30, 45, 66, 68, 69, 71, 83}
    return tuple(i for i in range(1, 91) if i not in unused)


COCO80_TO_91 = _ids()  # class index i (0..79) -> COCO category id


def is_coco80(names: Sequence[str]) -> bool:
    """True when `names` are COCO's 80 classes in the usual order (so the 80 -> 91 category map applies)."""
    return tuple(n.strip().lower() for n in names) == COCO80_NAMES


# ---- dataset and detections ----------------------------------------------------------------------------------

def with_category_ids(data: DetectionSet, ids: tuple[int, ...], label: str) -> DetectionSet:
    """`data` with class index i mapped to `ids[i]` (the ground truth's annotations and categories rewritten)."""
    old_to_new = dict(zip(data.category_ids, ids, strict=True))
    gt = dict(data.coco_gt)
    gt["annotations"] = [{**a, "category_id": old_to_new[a["category_id"]]} for a in gt["annotations"]]
    gt["categories"] = [{"id": i, "name": n} for i, n in zip(ids, data.names, strict=True)]
    return dataclasses.replace(data, category_ids=ids, coco_gt=gt, category_map=label)


def open_dataset(spec: str, split: str = "val") -> DetectionSet:
    """The dataset at `spec`, with COCO's 80 -> 91 category map applied when its classes are COCO's 80."""
    if not Path(spec).exists():
        raise UserError(f"not measured: no COCO or YOLO dataset at {spec} (expected {ACCEPTED})")
    try:
        data = load_dataset(spec, split)
    except DatasetError as err:
        raise UserError(f"not measured: {err}") from None
    if data.layout == "yolo" and is_coco80(data.names):
        data = with_category_ids(data, COCO80_TO_91, "coco80->91")
    elif data.category_ids == COCO80_TO_91:
        data = dataclasses.replace(data, category_map="coco80->91")
    return data


def to_coco(det: torch.Tensor, placement: Placement, image_id: int, category_ids: tuple[int, ...]) -> list[dict]:
    """(n, 6) canvas-pixel [x1, y1, x2, y2, score, cls] -> COCO result entries in original-image pixels. The
    top-left corner is computed as the validator does (centre minus half the size, in float32), boxes rounded to
    1e-3 px and scores to 1e-5."""
    det = det.float().cpu()
    xyxy = to_original(det[:, :4], placement)
    wh = xyxy[:, 2:] - xyxy[:, :2]
    xywh = torch.cat(((xyxy[:, :2] + xyxy[:, 2:]) / 2 - wh / 2, wh), 1)
    return [{"image_id": image_id, "category_id": category_ids[int(c)], "bbox": [round(v, 3) for v in box],
             "score": round(s, 5)}
            for box, s, c in zip(xywh.tolist(), det[:, 4].tolist(), det[:, 5].tolist(), strict=True)]


PostFor = Callable[[tuple[int, int]], Callable]  # canvas (h, w) -> post(pred, cfg) -> per-image (n, 6) detections


@torch.inference_mode()
def detect(model: torch.nn.Module, head: Callable, post_for: PostFor, data: DetectionSet, proto: Protocol, *,
           device: str, dtype: torch.dtype, cfg: NmsConfig, workers: int = 0) -> list[dict]:
    """Run `model` over every image of `data` in `proto`'s batches and canvases, post-process each batch with
    `post_for(canvas)(head(y), cfg)` and return COCO result entries (in the protocol's image order). Works for ours
    and, in the child process, for baselines."""
    dets: list[dict] = []
    loader = eval_loader(data, proto, workers)
    for x, placements, ids in tqdm(loader, desc="eval", unit="batch", total=len(loader), leave=False):
        pred = head(model(x.to(device=device, dtype=dtype)))
        post = post_for((x.shape[2], x.shape[3]))
        for det, placement, image_id in zip(post(pred.float(), cfg), placements, ids, strict=True):
            dets += to_coco(det, placement, image_id, data.category_ids)
    return dets


# ---- scoring ----------------------------------------------------------------------------------------------------

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
