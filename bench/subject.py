"""What a measurement runs: a model ready on its device and dtype, plus the two adapters the timed regions need
(model output -> detection tensor, detection tensor -> per-image boxes). Built here for our models; baselines are
built by `bench.worker` in the child process, which passes its builder to `subject_for`."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import nn

from bench.precision import DTYPES
from yolov12.model import create_model
from yolov12.postprocess import NmsConfig, nms
from yolov12.weights import load_model, sha256

RANDOM_SEED = 0


@dataclass
class Subject:
    model: nn.Module  # eval mode, on the device, cast to the dtype
    head: Callable[[object], torch.Tensor]  # raw model output -> the detection tensor post() takes
    post: Callable[[torch.Tensor, NmsConfig], list[torch.Tensor]]  # -> per image (n, 6) xyxy, score, cls (canvas px)
    attn_observed: str
    params: int
    params_fused: int
    weights: str = "random"
    weights_sha256: str = ""
    extra: dict = field(default_factory=dict)


def n_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def build_ours(name: str, overrides: dict, *, attn: str, device: str, dtype: torch.dtype, fuse: bool,
               channels_last: bool, weights: str | None = None) -> Subject:
    """Our YOLOv12 `name` (seeded random weights unless `weights` is a file), fused if asked, on `device` in `dtype`.
    Raises yolov12.attention.AttentionUnavailable if backend `attn` cannot run there."""
    if weights:
        model, digest = load_model(weights, attn=attn), sha256(weights)
    else:
        with torch.random.fork_rng(devices=[]):  # the same random weights on every run (export cache, reruns)
            torch.manual_seed(RANDOM_SEED)
            model, digest = create_model(name, attn=attn, **overrides), ""
    model.eval()
    params = n_params(model)
    if fuse:
        model.fuse()
    fused_params = n_params(model) if fuse else n_params(copy.deepcopy(model).fuse())
    model = model.to(device=device, dtype=dtype)
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    probe = torch.rand(1, 3, 64, 64, device=device, dtype=dtype)
    observed = ",".join(model.observed_kernels(probe)) or "none"
    return Subject(model, head=lambda y: y, post=nms, attn_observed=observed, params=params,
                   params_fused=fused_params, weights=weights or "random", weights_sha256=digest)


def subject_for(case, build_baseline: Callable[[object], Subject] | None = None) -> tuple[Subject, object]:
    """(Subject, observe) for a Case: ours built here; a baseline by `build_baseline(case)` (the child worker's,
    which imports ultralytics). `observe(x)` names the attention kernels that ran on x (None for baselines)."""
    config = case.config()
    if not config.ours:
        if build_baseline is None:
            raise ValueError(f"{config.model} is a baseline: build it in the child worker (bench.worker)")
        return build_baseline(case), None
    subject = build_ours(config.model, dict(config.overrides), attn=config.attn, device=case.device,
                         dtype=DTYPES[case.precision], fuse=case.fused, channels_last=case.channels_last,
                         weights=case.weights or None)
    return subject, lambda x: ",".join(subject.model.observed_kernels(x)) or "none"
