"""What a measurement runs: a model ready on its device and dtype, plus the two adapters the timed regions need
(model output -> detection tensor, detection tensor -> per-image boxes). Built here for our models; baselines
build theirs in the child process (baselines.build)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import nn

from yolov12.postprocess import NmsConfig, nms


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
    """Our YOLOv12 `name` (random weights unless `weights` is a file), fused if asked, on `device` in `dtype`.
    Raises yolov12.attention.AttentionUnavailable if backend `attn` cannot run there."""
    from yolov12.model import create_model

    if weights:
        from yolov12.weights import load_model, sha256

        model = load_model(weights, attn=attn)
        digest = sha256(weights)
    else:
        model, digest = create_model(name, attn=attn, **overrides), ""
    model.eval()
    params = n_params(model)
    if fuse:
        model.fuse()
    fused_params = n_params(model) if fuse else n_params(_fused_copy(model))
    model = model.to(device=device, dtype=dtype)
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    probe = torch.rand(1, 3, 64, 64, device=device, dtype=dtype)
    observed = ",".join(model.observed_kernels(probe)) or "none"
    return Subject(model, head=lambda y: y, post=nms, attn_observed=observed, params=params,
                   params_fused=fused_params, weights=weights or "random", weights_sha256=digest)


def _fused_copy(model: nn.Module) -> nn.Module:
    import copy

    return copy.deepcopy(model).fuse()


def subject_for(case, spec) -> tuple[Subject, object]:
    """(Subject, observe) for a Case: ours in this process, a baseline through ultralytics (so call this for a
    baseline only inside the child worker). `observe(x)` names the attention kernels that ran on x."""
    from bench.precision import DTYPES

    dtype = DTYPES[case.precision]
    if spec.ours:
        subject = build_ours(spec.name, dict(spec.overrides), attn=case.attn, device=case.device, dtype=dtype,
                             fuse=case.fused, channels_last=case.channels_last, weights=case.weights or None)
        return subject, lambda x: ",".join(subject.model.observed_kernels(x)) or "none"
    from baselines.build import baseline_subject

    return baseline_subject(spec.name, case), None
