"""Measure one Case on a ready Subject: build the timed step for the region asked, time it, and turn the samples
into record fields. Shared by the parent (our models) and the baseline worker (ultralytics models)."""

from __future__ import annotations

import logging
from collections.abc import Callable

import torch

from bench import accel, runtimes, timing
from bench.case import Case
from bench.inputs import letterboxed, photographs
from bench.subject import Subject
from yolov12.postprocess import NmsConfig
from yolov12.preprocess import letterbox as letterbox_one
from yolov12.preprocess import to_tensor, unletterbox

log = logging.getLogger(__name__)


def is_oom(err: BaseException) -> bool:
    return isinstance(err, torch.cuda.OutOfMemoryError) or "out of memory" in str(err).lower()


def executor(subject: Subject, case: Case, x: torch.Tensor) -> Callable[[torch.Tensor], torch.Tensor]:
    """The callable for `case.mode`: input tensor -> detection tensor. Runtimes other than eager and cudagraph are
    checked against eager on `x` first (bench.runtimes); their record fields go to subject.extra["runtime"]."""
    model, head = subject.model, subject.head
    if case.mode == "eager":
        return lambda t: head(model(t))
    if case.mode == "compile":
        run, subject.extra["runtime"] = runtimes.compiled(subject, case, x)
        return run
    if case.mode == "cudagraph":
        return accel.for_device(case.device).graph(lambda t: head(model(t)), x)
    if case.mode in runtimes.DEPLOYED:
        run, subject.extra["runtime"] = runtimes.deployed(subject, case, x)
        return run
    raise ValueError(f"unknown mode {case.mode!r}")


def timed_step(subject: Subject, case: Case) -> tuple[Callable[[], object], torch.Tensor]:
    """The no-argument step that one timed iteration runs, and the prepared input batch."""
    dtype = next(subject.model.parameters()).dtype
    images = photographs(case.batch)
    x, _ = letterboxed(images, case.imgsz)
    x = _to_device(x, case, dtype)
    run = executor(subject, case, x)
    cfg = NmsConfig(conf=case.conf, iou=case.iou, max_det=case.max_det)
    if case.timed == "forward":
        return lambda: run(x), x
    if case.timed == "forward+post":
        return lambda: subject.post(run(x), cfg), x

    def pipeline() -> list[torch.Tensor]:
        pairs = [letterbox_one(im, case.imgsz) for im in images]
        t = _to_device(to_tensor([c for c, _ in pairs]), case, dtype)
        dets = subject.post(run(t), cfg)
        return [unletterbox(d[:, :4].float(), p).cpu() for d, (_, p) in zip(dets, pairs, strict=True)]

    return pipeline, x


def _to_device(x: torch.Tensor, case: Case, dtype: torch.dtype) -> torch.Tensor:
    x = x.to(case.device, non_blocking=True).to(dtype)
    return x.contiguous(memory_format=torch.channels_last) if case.channels_last else x


def measure(subject: Subject, case: Case, observe: Callable[[torch.Tensor], str] | None = None) -> dict:
    """Time `case` on `subject`; record fields (latency stats with the p50's interval, peak memory, validity,
    attn_observed, status). `observe(x)` names the attention kernels that run on the real input (ours); OOM gives
    status 'oom'."""
    device = accel.for_device(case.device)
    try:
        with torch.inference_mode():
            device.reset_peak()
            step, x = timed_step(subject, case)
            observed = observe(x) if observe else subject.attn_observed
            if case.mode in runtimes.DEPLOYED:
                observed = f"{case.mode}-export({observed})"
            with device.sampler() as sampler:
                samples = timing.time_loop(step, device, warmup=case.warmup, min_iters=case.min_iters,
                                           min_time_s=case.min_time_s)
    except runtimes.ExportMismatchError as err:
        return {"status": "error", "detail": str(err), "export_max_diff": err.max_diff, "warmup_iters": 0}
    except Exception as err:
        if not is_oom(err):
            raise
        device.empty_cache()
        return {"status": "oom", "detail": str(err).splitlines()[0][:300], "warmup_iters": case.warmup}
    stats = timing.summarize(samples, case.batch)
    flags = timing.spread_flags(stats) + sampler.throttle_flags()
    runtime = subject.extra.get("runtime", {})
    detail = ";".join(filter(None, [runtime.get("detail", ""), _nvml_detail(sampler.summary())]))
    return {**stats, "warmup_iters": case.warmup, "peak_mem_mb": round(device.peak_mb(), 1),
            "attn_observed": observed, "validity": ";".join(flags) or "ok", "status": "ok", "detail": detail,
            "export_max_diff": runtime.get("export_max_diff", "")}


def _nvml_detail(summary: dict) -> str:
    return ";".join(f"{k}={v}" for k, v in summary.items() if k != "throttle")
