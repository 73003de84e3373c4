"""Parameters and FLOPs of every model, two conventions, two independent counters.

`gflops_paper`: 2 x multiply-adds of convolutions and linear layers (aten convolution, mm, addmm) of the FUSED
model, plus one op per output element of nearest upsampling (as fvcore counts it), attention products (bmm,
baddbmm, SDPA) excluded -- the convention of the paper's Table 1. The upsampling term is small (0.0025-0.012
GFLOPs for N-X at 640) but needed: without it M is 67.446 -> 67.4, with it 67.455 -> 67.5 as printed; every
other scale rounds the same either way.
`gflops_total`: every op torch's FlopCounterMode counts, attention products included, plus that upsampling term.
Both at the actual input size, batch 1. fvcore (JIT trace, counts multiply-adds) is the cross-check; each
counter's uncounted ops are reported. Our models count with the `reference` attention backend (same arithmetic
as every SDPA kernel).

    python -m bench.flops --models yolov12,yolo11-n,rtdetr-r18 --imgsz 640 --out flops.csv
"""

from __future__ import annotations

import argparse
import collections
import logging
import shlex
import sys
import warnings
from pathlib import Path

import torch
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils.flop_counter import FlopCounterMode
from tqdm import tqdm

from baselines.child import Worker
from bench.config import Config, resolve
from bench.options import check_configs, split
from bench.records import RecordWriter, check_results_file, done_keys
from bench.subject import build_ours
from yolov12.cli import ArgumentParser, check_imgsz, cli

log = logging.getLogger(__name__)
PAPER_OPS = {"convolution", "_convolution", "mm", "addmm", "upsample_nearest"}
ATTENTION_OPS = {"bmm", "baddbmm"}  # plus every *attention* op
# ops that move or allocate data without arithmetic: not worth listing as "uncounted"
_NO_MATH = {"view", "_unsafe_view", "reshape", "permute", "transpose", "t", "expand", "cat", "split",
            "split_with_sizes",
            "unbind", "slice", "select", "clone", "copy_", "contiguous", "detach", "alias", "empty", "zeros", "ones",
            "full", "arange", "unsqueeze", "squeeze", "stack", "index", "gather", "_to_copy", "lift_fresh", "new_empty",
            "as_strided", "chunk", "flatten", "fill_", "zero_", "masked_fill", "meshgrid", "lift_fresh_copy",
            "new_zeros", "new_ones", "empty_strided", "scalar_tensor", "_local_scalar_dense", "split_copy"}
KEY_FIELDS = ("kind", "model", "overrides", "variant", "impl", "weights", "imgsz", "batch")
WORKER = "bench.worker"


class _OpRecorder(TorchDispatchMode):
    """Counts every aten op that runs (by overload packet name)."""

    def __init__(self):
        super().__init__()
        self.calls: collections.Counter = collections.Counter()
        self.upsampled = 0  # output elements of nearest upsampling (FlopCounterMode does not count them)

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        name = func._overloadpacket.__name__
        self.calls[name] += 1
        out = func(*args, **(kwargs or {}))
        if "upsample_nearest" in name:
            self.upsampled += out.numel()
        return out


def _opname(op) -> str:
    """aten.convolution.default / aten.convolution / 'flex_attention' -> 'convolution' / 'flex_attention'."""
    return str(getattr(op, "_overloadpacket", op)).split(".")[-1] if "." in str(op) else str(op)


def _is_attention(op: str) -> bool:
    return op in ATTENTION_OPS or "attention" in op


def count_torch(forward: nn.Module, x: torch.Tensor) -> dict:
    """FlopCounterMode over one forward: FLOPs per op, and the arithmetic ops it does not count."""
    counter, recorder = FlopCounterMode(display=False), _OpRecorder()
    with torch.no_grad(), counter, recorder:
        forward(x)
    by_op = collections.Counter()
    for op, flops in counter.get_flop_counts().get("Global", {}).items():
        by_op[_opname(op)] += int(flops)
    if recorder.upsampled:
        by_op["upsample_nearest"] = 2 * recorder.upsampled  # one multiply-add-equivalent per element, x2
    counted = {_opname(op) for op in counter.flop_registry} | {"upsample_nearest2d", "_upsample_nearest_exact2d"}
    uncounted = {op: n for op, n in recorder.calls.items() if op not in counted and op not in _NO_MATH}
    return {"by_op": dict(by_op), "uncounted": uncounted}


def count_fvcore(forward: nn.Module, x: torch.Tensor) -> dict:
    """fvcore's FlopCountAnalysis (multiply-adds, by operator) and the ops it skipped."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fvcore.nn import FlopCountAnalysis  # its import warns (torch.jit.script is deprecated): quiet here

        analysis = FlopCountAnalysis(forward, x)
        analysis.unsupported_ops_warnings(False).uncalled_modules_warnings(False).tracer_warnings("none")
        by_op = dict(analysis.by_operator())
        skipped = dict(analysis.unsupported_ops())
    return {"by_op": {k: int(v) for k, v in by_op.items()}, "uncounted": {k.removeprefix("aten::"): int(v)
                                                                           for k, v in skipped.items()}}


def accounting(forward: nn.Module, x: torch.Tensor) -> dict:
    """Record fields gflops_paper, gflops_total, flops_counters, flops_uncounted for a FUSED model in eval mode."""
    t = count_torch(forward, x)
    f = count_fvcore(forward, x)
    paper = sum(v for k, v in t["by_op"].items() if k in PAPER_OPS)
    attn = sum(v for k, v in t["by_op"].items() if _is_attention(k))
    total = sum(t["by_op"].values())
    fv_conv = 2 * f["by_op"].get("conv", 0)
    fv_lin = 2 * sum(f["by_op"].get(k, 0) for k in ("linear", "addmm"))
    fv_mat = 2 * sum(f["by_op"].get(k, 0) for k in ("matmul", "bmm", "einsum"))
    fv_up = 2 * f["by_op"].get("upsample_nearest2d", 0)
    fv_total = 2 * sum(f["by_op"].values())
    t_conv = sum(v for k, v in t["by_op"].items() if k in {"convolution", "_convolution"})
    t_up = t["by_op"].get("upsample_nearest", 0)
    agree = {"conv": _close(t_conv, fv_conv), "linear+matmul": _close(total - t_conv - t_up, fv_lin + fv_mat),
             "upsample": _close(t_up, fv_up)}
    g = 1e9
    counters = (f"flopcountermode:total={total / g:.4f},paper={paper / g:.4f},attention={attn / g:.4f};"
                f"fvcore_x2:total={fv_total / g:.4f},conv={fv_conv / g:.4f},linear={fv_lin / g:.4f},"
                f"matmul={fv_mat / g:.4f},upsample={fv_up / g:.4f};agree:"
                + ",".join(f"{k}={'yes' if v else 'no'}" for k, v in agree.items()))
    uncounted = (f"flopcountermode:{_ops(t['uncounted'])};fvcore:{_ops(f['uncounted'])}")
    return {"gflops_paper": round(paper / g, 4), "gflops_total": round(total / g, 4), "flops_counters": counters,
            "flops_uncounted": uncounted}


def _close(a: float, b: float, rel: float = 1e-3) -> bool:
    return abs(a - b) <= rel * max(abs(a), abs(b), 1.0)


def _ops(calls: dict) -> str:
    return " ".join(f"{k}x{v}" for k, v in sorted(calls.items(), key=lambda kv: -kv[1])) or "none"


class FirstTensor(nn.Module):
    """Wraps a model whose output is a tuple (Ultralytics') so tracers see one output tensor."""

    def __init__(self, model: nn.Module, first):
        super().__init__()
        self.model, self._first = model, first

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._first(self.model(x))


def ours_record(config: Config, imgsz: int) -> dict:
    """Params and FLOPs of one of our models (in this process)."""
    subject = build_ours(config.model, dict(config.overrides), attn="reference", device="cpu", dtype=torch.float32,
                         fuse=True, channels_last=False)
    x = torch.zeros(1, 3, imgsz, imgsz)
    return {"params": subject.params, "params_fused": subject.params_fused, "attn_asked": "reference",
            "attn_observed": subject.attn_observed or "none", **accounting(subject.model, x)}


def identity(config: Config, imgsz: int) -> dict:
    return {"kind": "flops", "model": config.model, "overrides": config.overrides_text, "family": config.family,
            "scale": config.scale, "variant": config.variant, "impl": config.impl, "weights": "random",
            "device": "cpu", "precision": "fp32", "fused": True, "imgsz": imgsz, "batch": 1}


def flops_record(config: Config, imgsz: int, worker: Worker | None = None) -> dict:
    """A complete `flops` record for `config` (baselines go through the child-process `worker`)."""
    base = identity(config, imgsz)
    try:
        if config.ours:
            fields = ours_record(config, imgsz)
        else:
            fields = worker.call({"op": "flops", "name": config.model, "imgsz": imgsz})
        return {**base, **fields, "status": "ok", "validity": "ok"}
    except Exception as err:  # one model failing must not stop the table
        log.debug("flops of %s failed", config, exc_info=True)
        return {**base, "status": "error", "detail": f"{type(err).__name__}: {err}"[:500]}


def run(configs: list[Config], imgsz: int, out: Path, command: str) -> int:
    """Append a record per configuration not already in `out`. 0, 1 when a row failed (said on stderr), 130."""
    done = done_keys(out, KEY_FIELDS)
    todo = [c for c in configs if tuple(str(identity(c, imgsz)[k]) for k in KEY_FIELDS) not in done]
    worker = Worker(WORKER) if any(not c.ours for c in todo) else None
    failed = []
    try:
        with RecordWriter(out, command=command) as writer:
            for config in tqdm(todo, desc="flops", unit="model"):
                rec = flops_record(config, imgsz, worker)
                if rec["status"] == "error":
                    failed.append(str(config))
                    tqdm.write(f"error: {config}: {rec['detail'][:300]}", file=sys.stderr)
                writer.write(rec)
    except KeyboardInterrupt:
        print(f"interrupted; finished rows are in {out}", file=sys.stderr)
        return 130
    finally:
        if worker is not None:
            worker.close()
    if failed:
        print(f"{len(failed)} of {len(todo)} rows failed (error rows in {out}): {', '.join(failed)}",
              file=sys.stderr)
        return 1
    return 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = ArgumentParser(prog="python -m bench.flops", description=__doc__.split("\n\n")[0])
    p.add_argument("--models", required=True, help="comma list of configurations (yolov12-n, yolov12-n:area=1, "
                                                    "yolo11-n) or families (yolov12, yolo11, rtdetr, ...)")
    p.add_argument("--imgsz", type=int, default=640, help="square input size, a multiple of 32 (default 640)")
    p.add_argument("--out", required=True, help="records CSV (appended; finished rows are skipped on rerun)")
    return p.parse_args(argv)


@cli
def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv)
    check_imgsz("--imgsz", args.imgsz)
    configs = resolve(split(args.models))
    check_configs(configs, [args.imgsz])
    out = check_results_file(args.out)
    return run(configs, args.imgsz, out, "python -m bench.flops " + shlex.join(argv))


if __name__ == "__main__":
    sys.exit(main())
