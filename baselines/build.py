"""Build a baseline with ultralytics (child process only): from its YAML with random weights, or from a local
checkpoint. Importing this module imports ultralytics (through resnet_vd)."""

from __future__ import annotations

import logging

import torch
from torch import nn
from ultralytics.nn.tasks import DetectionModel, RTDETRDetectionModel, load_checkpoint

from baselines import resnet_vd
from baselines.names import ONE_TO_ONE, lookup

log = logging.getLogger(__name__)
RANDOM_SEED = 0  # random weights are torch's default initialisation after this seed, so a rerun builds the same model
ATTENTION = {"yolo12": "ultralytics-aattn-matmul", "rtdetr": "ultralytics-rtdetr-mha"}


def build(name: str, weights: str | None = None) -> nn.Module:
    """The ultralytics model object (a DetectionModel or RTDETRDetectionModel) for baseline `name`, in eval mode
    and float32. Random weights (seeded, reproducible) unless `weights` names a local ultralytics checkpoint.
    Dual-head families (YOLOv10, YOLO26) get their one-to-one head selected: ultralytics 8.4.190 otherwise runs the
    one-to-many head (raw (B, 4 + nc, anchors) maps that need NMS) and `fuse()` would drop the one-to-one head."""
    baseline = lookup(name)
    resnet_vd.register()  # only RT-DETR-R18/R34 use it; harmless otherwise
    if weights:
        model = load_checkpoint(weights)[0]
    else:
        cls = RTDETRDetectionModel if baseline.family == "rtdetr" else DetectionModel
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(RANDOM_SEED)
            model = cls(baseline.yaml, verbose=False)
    if baseline.family in ONE_TO_ONE:
        model.end2end = True  # eval output becomes (B, max_det, 6): x1, y1, x2, y2, score, class
    return model.float().eval()


def first_tensor(output: object) -> torch.Tensor:
    """Ultralytics eval output is (detections, raw maps); keep the detections."""
    while isinstance(output, (tuple, list)):
        output = output[0]
    return output


def attention_kind(name: str) -> str:
    """What attention a baseline runs (fixed by its code; `--attn` does not apply to baselines)."""
    return ATTENTION.get(lookup(name).family, "none")
