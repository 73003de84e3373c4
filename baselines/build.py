"""Build a baseline with ultralytics (child process only): from its YAML with random weights, or from a local
checkpoint. Importing this module imports ultralytics (through resnet_vd)."""

from __future__ import annotations

import logging

import torch
from torch import nn
from ultralytics.nn.tasks import DetectionModel, RTDETRDetectionModel, load_checkpoint

from baselines import resnet_vd
from baselines.names import lookup

log = logging.getLogger(__name__)
RANDOM_SEED = 0  # random weights are torch's default initialisation after this seed, so a rerun builds the same model
ATTENTION = {"yolo12": "ultralytics-aattn-matmul", "rtdetr": "ultralytics-rtdetr-mha"}


def build(name: str, weights: str | None = None) -> nn.Module:
    """The ultralytics model object (a DetectionModel or RTDETRDetectionModel) for baseline `name`, in eval mode
    and float32. Random weights (seeded, reproducible) unless `weights` names a local ultralytics checkpoint. A head
    with a one-to-one branch (YOLOv10, YOLO26) runs it, as ultralytics' predictor and validator select by default."""
    baseline = lookup(name)
    resnet_vd.register()  # only RT-DETR-R18/R34 use it; harmless otherwise
    if weights:
        model = load_checkpoint(weights)[0]
    else:
        cls = RTDETRDetectionModel if baseline.family == "rtdetr" else DetectionModel
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(RANDOM_SEED)
            model = cls(baseline.yaml, verbose=False)
    if getattr(model.model[-1], "one2one_cv2", None) is not None:
        model.end2end = True
    return model.float().eval()


def first_tensor(output: object) -> torch.Tensor:
    """Ultralytics eval output is (detections, raw maps); keep the detections."""
    while isinstance(output, (tuple, list)):
        output = output[0]
    return output


def attention_kind(name: str) -> str:
    """What attention a baseline runs (fixed by its code; `--attn` does not apply to baselines)."""
    return ATTENTION.get(lookup(name).family, "none")
