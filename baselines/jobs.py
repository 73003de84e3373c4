"""The jobs the child worker runs (see baselines.worker). Imports ultralytics lazily, through baselines.build."""

from __future__ import annotations

import torch

from bench.case import Case
from bench.catalog import parse_spec


def run(job: dict, state: dict) -> object:
    handler = _HANDLERS.get(job.get("op"))
    if handler is None:
        raise ValueError(f"unknown op {job.get('op')!r}; accepted: {', '.join(_HANDLERS)}")
    return handler(job, state)


def _ping(job: dict, state: dict) -> dict:
    return {"pid": __import__("os").getpid(), "torch": torch.__version__}


def _params(job: dict, state: dict) -> dict:
    from baselines.build import build
    from bench.subject import n_params

    model = build(job["name"], job.get("weights"))
    return {"params": n_params(model), "params_fused": n_params(model.fuse(verbose=False))}


def _flops(job: dict, state: dict) -> dict:
    from baselines.build import attention_kind, build, first_tensor
    from bench.flops import accounting
    from bench.subject import n_params

    model = build(job["name"], job.get("weights"))
    params = n_params(model)
    model = model.fuse(verbose=False).eval()
    forward = _FirstTensor(model, first_tensor)
    x = torch.zeros(1, 3, job["imgsz"], job["imgsz"])
    return {"params": params, "params_fused": n_params(model), "attn_asked": "-",
            "attn_observed": attention_kind(job["name"]), **accounting(forward, x)}


class _FirstTensor(torch.nn.Module):
    """Wraps an ultralytics model so tracers see one output tensor."""

    def __init__(self, model: torch.nn.Module, first):
        super().__init__()
        self.model, self._first = model, first

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._first(self.model(x))


def _configure(case: Case) -> None:
    if case.threads:
        torch.set_num_threads(case.threads)


def _latency(job: dict, state: dict) -> dict:
    from bench.measure import measure
    from bench.precision import fp32_mode
    from bench.subject import subject_for

    case = Case.from_dict(job["case"])
    _configure(case)
    with fp32_mode(case.precision):
        subject, observe = subject_for(case, parse_spec(case.model))
        fields = measure(subject, case, observe)
    return {**fields, "params": subject.params, "params_fused": subject.params_fused, "weights": subject.weights,
            "weights_sha256": subject.weights_sha256}


def _prepare(job: dict, state: dict) -> dict:
    from bench.measure import timed_step
    from bench.subject import subject_for

    case = Case.from_dict(job["case"])
    _configure(case)
    subject, observe = subject_for(case, parse_spec(case.model))
    with torch.inference_mode():
        step, x = timed_step(subject, case)
        observed = observe(x) if observe else subject.attn_observed
    state[job["key"]] = (case, subject, step)
    return {"attn_observed": observed, "params": subject.params, "params_fused": subject.params_fused}


def _round(job: dict, state: dict) -> list[float]:
    from bench.precision import fp32_mode
    from bench.timing import time_loop

    case, _, step = state[job["key"]]
    with fp32_mode(case.precision), torch.inference_mode():
        return time_loop(step, case.device, warmup=job.get("warmup", 1), min_iters=job["iters"],
                         min_time_s=job.get("min_time_s", 0.0))


def _release(job: dict, state: dict) -> bool:
    return state.pop(job["key"], None) is not None


def _predict(job: dict, state: dict) -> list[list[list[float]]]:
    import cv2

    from baselines.build import baseline_subject
    from yolov12.postprocess import NmsConfig
    from yolov12.preprocess import letterbox, to_tensor, unletterbox

    case = Case(model=job["name"], device=job.get("device", "cpu"), imgsz=job.get("imgsz", 640),
                weights=job.get("weights") or "")
    subject = baseline_subject(job["name"], case)
    cfg = NmsConfig(conf=job.get("conf", 0.001), iou=job.get("iou", 0.7), max_det=job.get("max_det", 300),
                    multi_label=job.get("multi_label", False))
    out = []
    with torch.inference_mode():
        for path in job["images"]:
            canvas, placement = letterbox(cv2.imread(path, cv2.IMREAD_COLOR), case.imgsz)
            det = subject.post(subject.head(subject.model(to_tensor([canvas]).to(case.device))), cfg)[0]
            det[:, :4] = unletterbox(det[:, :4], placement)
            out.append(det.float().cpu().tolist())
    return out


_HANDLERS = {"ping": _ping, "params": _params, "flops": _flops, "latency": _latency, "prepare": _prepare,
             "round": _round, "release": _release, "predict": _predict}
