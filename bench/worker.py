"""The harness's child process, `python -m bench.worker`, started through `baselines.child.Worker`: the only place
the harness imports ultralytics (through `baselines.build`), since importing it changes process-wide state. Both
sides of a paired design also run here, so they share one process whatever their code base.

Protocol: one JSON object per line on stdin (a job with an "op"), one JSON object per line back on the process's
original stdout ({"ok": result} or {"error": message, "type": name, "oom": bool}); everything else the child prints
(ultralytics' logging included) goes to stderr. Ops:
  ping                                       -> {pid, torch}
  params  {name}                             -> {params, params_fused} of a baseline
  flops   {name, imgsz}                      -> params and gflops_* fields of a baseline
  latency {case}                             -> the fields bench.measure returns, plus params and weights
  prepare {key, case} / round {key, iters, warmup} / release {key}
                                             -> hold a configuration and time it round by round (paired designs)
  profile {key, iters, warmup} / profile_rounds {key}
                                             -> a held deployed configuration's export run round by round with
                                                its runtime's per-node profiler; then each round's per-run
                                                {op class: ms} (bench.breakdown)
  detect  {name, weights, data, split, protocol, imgsz, batch, device, half, workers, conf, iou, max_det, mode}
                                             -> COCO result entries of a baseline over a dataset (in runtime
                                                `mode`; a deployed runtime's static shape takes the square
                                                protocol), and model facts
  ultralytics_metric {data, split, detections (a COCO result JSON file)}
                                             -> Ultralytics' own mAP50-95 and mAP50 of COCO result entries
  exit
"""

from __future__ import annotations

import copy
import json
import os
import signal
import sys
from importlib.metadata import version

import torch

from baselines import build, export
from baselines.metric import ultralytics_map
from baselines.names import lookup
from baselines.post import post_for
from bench import accel, breakdown, flops, measure, runtimes, timing
from bench.case import Case
from bench.precision import DTYPES, fp32_mode
from bench.subject import Subject, n_params, subject_for
from yolov12 import evaluate
from yolov12.postprocess import NmsConfig
from yolov12.protocol import Protocol
from yolov12.weights import sha256


def baseline_subject(case: Case) -> Subject:
    """A Subject for the baseline `case.model` configured as `case` says (device, dtype, fuse, channels_last)."""
    name = case.model
    model = build.build(name, case.weights or None)
    params = n_params(model)
    fused_params = n_params(copy.deepcopy(model).fuse(verbose=False))
    if case.fused:
        model = model.fuse(verbose=False)
    model = model.to(device=case.device, dtype=DTYPES[case.precision])
    if case.channels_last:
        model = model.to(memory_format=torch.channels_last)
    return Subject(model, head=build.first_tensor, post=post_for(lookup(name).family, (case.imgsz, case.imgsz)),
                   attn_observed=build.attention_kind(name), params=params, params_fused=fused_params,
                   weights=case.weights or "random", weights_sha256=sha256(case.weights) if case.weights else "",
                   extra={"exporter": export.export, "export_settings": export.SETTINGS.get(case.mode, "")})


def _subject(case: Case) -> tuple[Subject, object]:
    if case.threads:
        torch.set_num_threads(case.threads)
    return subject_for(case, baseline_subject)


def _ping(job: dict, state: dict) -> dict:
    return {"pid": os.getpid(), "torch": torch.__version__}


def _params(job: dict, state: dict) -> dict:
    model = build.build(job["name"], job.get("weights"))
    return {"params": n_params(model), "params_fused": n_params(model.fuse(verbose=False))}


def _flops(job: dict, state: dict) -> dict:
    model = build.build(job["name"], job.get("weights"))
    params = n_params(model)
    model = model.fuse(verbose=False).eval()
    x = torch.zeros(1, 3, job["imgsz"], job["imgsz"])
    return {"params": params, "params_fused": n_params(model), "attn_asked": "-",
            "attn_observed": build.attention_kind(job["name"]),
            **flops.accounting(flops.FirstTensor(model, build.first_tensor), x)}


def _latency(job: dict, state: dict) -> dict:
    case = Case.from_dict(job["case"])
    with fp32_mode(case.precision):
        subject, observe = _subject(case)
        fields = measure.measure(subject, case, observe)
    return {**fields, "params": subject.params, "params_fused": subject.params_fused, "weights": subject.weights,
            "weights_sha256": subject.weights_sha256}


def _prepare(job: dict, state: dict) -> dict:
    case = Case.from_dict(job["case"])
    with fp32_mode(case.precision):
        subject, observe = _subject(case)
        with torch.inference_mode():
            step, x = measure.timed_step(subject, case)
            observed = observe(x) if observe else subject.attn_observed
    state[job["key"]] = (case, subject, step, x)
    return {"attn_observed": observed, "params": subject.params, "params_fused": subject.params_fused,
            **subject.extra.get("runtime", {})}


def _round(job: dict, state: dict) -> list[float]:
    case, _, step, _ = state[job["key"]]
    with fp32_mode(case.precision), torch.inference_mode():
        return timing.time_loop(step, accel.for_device(case.device), warmup=job.get("warmup", 1),
                                min_iters=job["iters"], min_time_s=job.get("min_time_s", 0.0))


def _profile(job: dict, state: dict) -> int:
    key = job["key"]
    case, subject, _, x = state[key]
    if key + ":profiler" not in state:  # the checked export `prepare` made (a cache hit now)
        artifact, _, _ = runtimes.exported(subject, case, x)
        state[key + ":profiler"] = breakdown.Profiler(case.mode, artifact, case.threads)
    return state[key + ":profiler"].run(x.float().cpu().contiguous().numpy(), job.get("warmup", 1), job["iters"])


def _profile_rounds(job: dict, state: dict) -> list[list[dict[str, float]]]:
    profiler = state.pop(job["key"] + ":profiler")
    try:
        return profiler.rounds()
    finally:
        profiler.close()


def _release(job: dict, state: dict) -> bool:
    profiler = state.pop(job["key"] + ":profiler", None)
    if profiler is not None:
        profiler.close()
    return state.pop(job["key"], None) is not None


def _detect(job: dict, state: dict) -> dict:
    name, device, mode = job["name"], job["device"], job.get("mode", "eager")
    dtype = torch.float16 if job.get("half") else torch.float32
    head, runtime = build.first_tensor, {}
    if mode == "eager":
        model = build.build(name, job["weights"]).fuse(verbose=False).to(device=device, dtype=dtype).eval()
        nc = len(model.names)
    else:
        case = Case(model=name, attn="-", mode=mode, batch=job["batch"], imgsz=job["imgsz"], device=device,
                    threads=torch.get_num_threads(), weights=job["weights"])
        subject = baseline_subject(case)
        nc = len(subject.model.names)
        model, runtime = runtimes.for_dataset(subject, case)
        head = _identity
    data = evaluate.open_dataset(job["data"], job["split"])
    if nc != data.nc:
        raise ValueError(f"the model predicts {nc} classes but {data.source} has {data.nc}")
    cfg = NmsConfig(conf=job["conf"], iou=job["iou"], max_det=job["max_det"], multi_label=True)
    proto = Protocol(job.get("protocol", "rect"), job["imgsz"], job["batch"])
    if mode != "eager" and proto.name != "square":
        raise ValueError(f"mode {mode} runs a static-shape export: accepted protocol: square")
    family = lookup(name).family
    dets = evaluate.detect(model, head, lambda canvas: post_for(family, canvas), data, proto,
                           device=device, dtype=dtype, cfg=cfg, workers=job["workers"])
    return {"detections": dets, "family": lookup(name).family, "scale": lookup(name).scale,
            "attn": build.attention_kind(name), "impl": f"ultralytics-{version('ultralytics')}", "runtime": runtime}


def _identity(pred: torch.Tensor) -> torch.Tensor:
    return pred


def _ultralytics_metric(job: dict, state: dict) -> dict:
    data = evaluate.open_dataset(job["data"], job["split"])
    with open(job["detections"]) as f:  # a COCO result JSON written by the parent
        return ultralytics_map(data.coco_gt, json.load(f))


HANDLERS = {"ping": _ping, "params": _params, "flops": _flops, "latency": _latency, "prepare": _prepare,
            "round": _round, "release": _release,
            "profile": _profile, "profile_rounds": _profile_rounds, "detect": _detect,
            "ultralytics_metric": _ultralytics_metric}


def run(job: dict, state: dict) -> object:
    handler = HANDLERS.get(job.get("op"))
    if handler is None:
        raise ValueError(f"unknown op {job.get('op')!r}; accepted: {', '.join(HANDLERS)}")
    return handler(job, state)


def serve(inp, out) -> None:
    state: dict = {}
    for line in inp:
        if not line.strip():
            continue
        job = json.loads(line)
        if job.get("op") == "exit":
            break
        try:
            reply = {"ok": run(job, state)}
        except BaseException as err:  # report every failure to the parent; the worker stays alive
            reply = {"error": f"{type(err).__name__}: {err}"[:2000], "type": type(err).__name__,
                     "oom": measure.is_oom(err)}
        out.write(json.dumps(reply, default=str) + "\n")
        out.flush()


def main() -> int:
    # Keep the protocol channel private: the real stdout becomes fd `proto`, and fd 1 points at stderr.
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent owns Ctrl-C and ends this process
    proto = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    serve(sys.stdin, proto)
    return 0


if __name__ == "__main__":
    sys.exit(main())
