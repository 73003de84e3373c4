"""Build a baseline with ultralytics (child process only): from its YAML with random weights, or from a local
checkpoint. Importing this module imports ultralytics."""

from __future__ import annotations

import copy
import hashlib
import logging

import torch
from torch import nn

from baselines import resnet_vd
from baselines.names import lookup
from baselines.post import post_for
from bench.subject import Subject, n_params

log = logging.getLogger(__name__)
ATTENTION = {"yolo12": "ultralytics-aattn-matmul", "rtdetr": "ultralytics-rtdetr-mha"}


def build(name: str, weights: str | None = None) -> nn.Module:
    """The ultralytics model object (a DetectionModel or RTDETRDetectionModel) for baseline `name`, in eval mode
    and float32. Random weights unless `weights` names a local ultralytics checkpoint."""
    from ultralytics.nn.tasks import DetectionModel, RTDETRDetectionModel, load_checkpoint

    baseline = lookup(name)
    resnet_vd.register()  # only RT-DETR-R18/R34 use it; harmless otherwise
    if weights:
        model = load_checkpoint(weights)[0]
    else:
        cls = RTDETRDetectionModel if baseline.family == "rtdetr" else DetectionModel
        model = cls(baseline.yaml, verbose=False)
    return model.float().eval()


def first_tensor(output: object) -> torch.Tensor:
    """Ultralytics eval output is (detections, raw maps); keep the detections."""
    while isinstance(output, (tuple, list)):
        output = output[0]
    return output


def attention_kind(name: str) -> str:
    """What attention a baseline runs (fixed by its code; `--attn` does not apply to baselines)."""
    return ATTENTION.get(lookup(name).family, "none")


def baseline_subject(name: str, case) -> Subject:
    """A bench Subject for baseline `name` configured as `case` says (device, dtype, fuse, channels_last)."""
    from bench.precision import DTYPES

    model = build(name, case.weights or None)
    params = n_params(model)
    fused_params = n_params(copy.deepcopy(model).fuse(verbose=False))
    if case.fused:
        model = model.fuse(verbose=False)
    model = model.to(device=case.device, dtype=DTYPES[case.precision])
    if case.channels_last:
        model = model.to(memory_format=torch.channels_last)
    digest = hashlib.sha256(open(case.weights, "rb").read()).hexdigest() if case.weights else ""
    return Subject(model, head=first_tensor, post=post_for(lookup(name).family, (case.imgsz, case.imgsz)),
                   attn_observed=attention_kind(name), params=params, params_fused=fused_params,
                   weights=case.weights or "random", weights_sha256=digest)
