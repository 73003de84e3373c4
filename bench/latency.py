"""Latency and throughput of our YOLOv12 and the baselines, one record per configuration of the matrix.

    python -m bench.latency --device cuda:0 --models yolov12-s,yolo11-s,rtdetr-r18 --precision fp16 --out lat.csv
    python -m bench.latency --pair yolov12-n@reference yolo12-n --imgsz 320 --out paired.csv   (see bench.paired)

Our models run in this process; baselines run in a child process (ultralytics changes process-wide state).
Each row: warm-up, then timed iterations until both --min-time and --min-iters are reached; per-iteration samples
kept. Rows are appended and flushed one by one; a rerun of the same command skips finished rows; Ctrl-C keeps them.
"""

from __future__ import annotations

import argparse
import itertools
import logging
import os
import sys
from pathlib import Path

import torch

from bench import timing
from bench.case import KEY_FIELDS, Case
from bench.catalog import Spec, resolve
from yolov12.cli import UserError, cli
from bench.precision import PRECISIONS, check, fp32_mode, tf32_label
from bench.records import RecordWriter, done_keys, new_run_id, utc_now
from bench.system import collect, cpu_name, gpu_name, write_system_json

log = logging.getLogger(__name__)
MODES = ("eager", "compile", "cudagraph", "onnxruntime")
TIMED = ("forward", "forward+post", "pipeline")
ATTN_CHOICES = ("auto", "reference", "sdpa", "sdpa-flash", "sdpa-efficient", "sdpa-cudnn", "sdpa-math", "flash-attn")


def _list(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def _ints(text: str, flag: str) -> list[int]:
    try:
        return [int(t) for t in _list(text)]
    except ValueError:
        raise UserError(f"{flag} takes comma-separated integers, got {text!r}") from None


def add_common(p: argparse.ArgumentParser) -> None:
    """Flags shared by bench.latency and bench.paired."""
    p.add_argument("--device", default="cpu", help="cpu or cuda:N (default cpu)")
    p.add_argument("--precision", default="fp32", help=f"comma list of {', '.join(PRECISIONS)}; fp32 on CUDA has "
                                                       "TF32 off, ask 'tf32' for TF32 (default fp32)")
    p.add_argument("--batch", default="1", help="comma list of batch sizes >= 1 (default 1)")
    p.add_argument("--imgsz", default="640", help="comma list of square input sizes, multiples of 32 (default 640)")
    p.add_argument("--timed", default="forward", help=f"comma list of timed regions: {', '.join(TIMED)}")
    p.add_argument("--channels-last", action="store_true", help="run model and input in channels_last layout")
    p.add_argument("--threads", type=int, default=0, help="torch intra-op threads (default: torch's choice)")
    p.add_argument("--fuse", action=argparse.BooleanOptionalAction, default=True, help="fold BN into convs")
    p.add_argument("--warmup", type=int, default=None, help="warm-up iterations (default 5 cpu / 25 cuda)")
    p.add_argument("--min-iters", type=int, default=None, help="minimum timed iterations (default 20 cpu / 100 cuda)")
    p.add_argument("--min-time", type=float, default=None, help="minimum timed seconds (default 3 cpu / 2 cuda)")
    p.add_argument("--conf", type=float, default=0.25, help="confidence threshold of forward+post/pipeline")
    p.add_argument("--iou", type=float, default=0.7, help="NMS IoU threshold of forward+post/pipeline")
    p.add_argument("--max-det", type=int, default=300, help="detections kept per image")
    p.add_argument("--weights", default="", help="a local checkpoint for the (single) model; random otherwise")
    p.add_argument("--out", required=True, help="records CSV (appended; finished rows are skipped on rerun)")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.latency", description=__doc__.split("\n\n")[0])
    p.add_argument("--models", help="comma list of names (yolov12-s, yolov12-n:area=1, yolo11-s, rtdetr-r18) "
                                    "or families (yolov12, yolov12-turbo, yolov8, yolov9, yolov10, yolo11, "
                                    "yolov6-3.0, yolo12, rtdetr)")
    p.add_argument("--attn", default="auto", help=f"comma list of attention backends for our models: "
                                                  f"{', '.join(ATTN_CHOICES)} (baselines ignore it)")
    p.add_argument("--mode", default="eager", help=f"comma list of execution modes: {', '.join(MODES)}")
    p.add_argument("--pair", nargs=2, metavar=("A", "B"), help="paired mode (takes --rounds, --round-iters): "
                                                               "see python -m bench.paired --help")
    add_common(p)
    return p.parse_args(argv)


def check_device(device: str) -> str:
    if device == "cpu":
        return device
    if device == "cuda":
        device = "cuda:0"
    if not device.startswith("cuda:") or not device[5:].isdigit():
        raise UserError(f"unknown device {device!r}; accepted: cpu, cuda, cuda:N")
    if not torch.cuda.is_available():
        raise UserError(f"device {device} asked but CUDA is not available here (torch {torch.__version__}); use cpu")
    if int(device[5:]) >= torch.cuda.device_count():
        raise UserError(f"device {device} does not exist; this machine has {torch.cuda.device_count()} GPU(s)")
    return device


def check_out(path: str) -> Path:
    out = Path(path)
    if out.is_dir() or (out.exists() and not os.access(out, os.W_OK)):
        raise UserError(f"--out {path} is not a writable file")
    parent = out.resolve().parent
    while not parent.exists():
        parent = parent.parent
    if not os.access(parent, os.W_OK):
        raise UserError(f"--out {path}: cannot create files under {parent}")
    if out.exists() and out.stat().st_size and not out.read_text(errors="replace").startswith("kind,"):
        raise UserError(f"--out {path} exists and is not a records CSV")
    return out


def check_common(args: argparse.Namespace) -> dict:
    """Validate the shared flags; return the parsed lists and the timing defaults for the device."""
    device = check_device(args.device)
    precisions = _list(args.precision)
    for p in precisions:
        check(p, device)
    batches, sizes, timed = _ints(args.batch, "--batch"), _ints(args.imgsz, "--imgsz"), _list(args.timed)
    if not batches or min(batches) < 1:
        raise UserError(f"--batch must be integers >= 1, got {args.batch!r}")
    if not sizes or any(s < 32 or s % 32 for s in sizes):
        raise UserError(f"--imgsz must be positive multiples of 32, got {args.imgsz!r}")
    for t in timed:
        if t not in TIMED:
            raise UserError(f"unknown timed region {t!r}; accepted: {', '.join(TIMED)}")
    if args.threads < 0:
        raise UserError(f"--threads must be >= 1 (or 0 for torch's default), got {args.threads}")
    if args.weights and not Path(args.weights).is_file():
        raise UserError(f"--weights {args.weights}: no such file")
    d = timing.defaults(device)
    for flag, key, value in (("--warmup", "warmup", args.warmup), ("--min-iters", "min_iters", args.min_iters),
                             ("--min-time", "min_time_s", args.min_time)):
        if value is not None:
            if value < 0 or (key == "min_iters" and value < 1):
                raise UserError(f"{flag} must be positive, got {value}")
            d[key] = value
    if not 0 <= args.conf <= 1 or not 0 <= args.iou <= 1 or args.max_det < 1:
        raise UserError("--conf and --iou must lie in [0, 1] and --max-det be >= 1")
    if args.threads:
        torch.set_num_threads(args.threads)
    return {"device": device, "precisions": precisions, "batches": batches, "sizes": sizes, "timed": timed,
            "threads": torch.get_num_threads(), "timing": d, "out": check_out(args.out)}


def check_attn(names: list[str], device: str, precisions: list[str]) -> None:
    """Every (backend, precision) must run on `device`: probe our smallest model once; else a user error."""
    from bench.subject import build_ours
    from yolov12.attention import AttentionUnavailable

    for name in names:
        if name not in ATTN_CHOICES:
            raise UserError(f"unknown attention backend {name!r}; accepted: {', '.join(ATTN_CHOICES)}")
    for name, precision in itertools.product(names, precisions):
        from bench.precision import DTYPES

        try:
            build_ours("yolov12-n", {}, attn=name, device=device, dtype=DTYPES[precision], fuse=False,
                       channels_last=False)
        except AttentionUnavailable as err:
            raise UserError(f"--attn {name} cannot run on {device} in {precision}: {err}") from None


def identity(spec: Spec, case: Case, device_name: str) -> dict:
    """The record fields that say what was asked (before measuring)."""
    return {"kind": "latency", "model": spec.name, "family": spec.family, "scale": spec.scale,
            "variant": spec.variant, "impl": spec.impl, "weights": case.weights or "random", "device": case.device,
            "device_name": device_name, "precision": case.precision, "tf32": tf32_label(case.precision, case.device),
            "attn_asked": case.attn if spec.ours else "-", "mode": case.mode, "channels_last": case.channels_last,
            "fused": case.fused, "imgsz": case.imgsz, "batch": case.batch, "timed_region": case.timed,
            "conf": case.conf if case.timed != "forward" else "", "iou": case.iou if case.timed != "forward" else "",
            "max_det": case.max_det if case.timed != "forward" else "", "threads": case.threads}


def row_key(rec: dict) -> tuple:
    return tuple(str(rec[f]) for f in KEY_FIELDS)


def matrix(specs: list[Spec], common: dict, attns: list[str], modes: list[str], args) -> list[tuple[Spec, Case]]:
    """Every (spec, case) in sweep order: batches innermost so an OOM can stop the larger ones."""
    out = []
    for spec, precision, mode, size, timed in itertools.product(specs, common["precisions"], modes,
                                                                common["sizes"], common["timed"]):
        for attn in attns if spec.ours else ["-"]:
            for batch in common["batches"]:
                out.append((spec, Case(model=spec.label, device=common["device"], precision=precision, attn=attn,
                                       mode=mode, batch=batch, imgsz=size, timed=timed,
                                       channels_last=args.channels_last, fused=args.fuse, threads=common["threads"],
                                       conf=args.conf, iou=args.iou, max_det=args.max_det, weights=args.weights,
                                       **common["timing"])))
    return out


def not_runnable(spec: Spec, case: Case) -> str:
    """Why this combination cannot run (a 'skipped' row), or ''."""
    if case.mode == "onnxruntime" and not spec.ours:
        return "onnxruntime mode exports our models only"
    if case.mode == "onnxruntime" and case.precision != "fp32":
        return "onnxruntime mode runs the fp32 export only"
    if case.mode == "cudagraph" and not case.device.startswith("cuda"):
        return "cudagraph mode needs CUDA"
    return ""


def run_case(spec: Spec, case: Case, worker) -> dict:
    """Measure one case: ours here, baselines in the worker; exceptions become 'error' rows, OOM 'oom'."""
    from baselines.client import WorkerError
    from bench.measure import is_oom, measure
    from bench.subject import subject_for

    try:
        if not spec.ours:
            return worker.call({"op": "latency", "case": case.to_dict()})
        with fp32_mode(case.precision):
            subject, observe = subject_for(case, spec)
            fields = measure(subject, case, observe)
        return {**fields, "params": subject.params, "params_fused": subject.params_fused,
                "weights_sha256": subject.weights_sha256}
    except WorkerError as err:
        return {"status": "oom" if err.oom else "error", "detail": str(err)[:500]}
    except Exception as err:
        if is_oom(err):
            return {"status": "oom", "detail": str(err).splitlines()[0][:300]}
        log.exception("case %s failed", case)
        return {"status": "error", "detail": f"{type(err).__name__}: {err}"[:500]}
    finally:
        if case.device.startswith("cuda"):
            torch.cuda.empty_cache()


def sweep(items: list[tuple[Spec, Case]], out: Path, command: str, device_name: str) -> int:
    """Run the matrix, appending one record per case; skip finished rows; later batches after an OOM are skipped."""
    from tqdm import tqdm

    from baselines.client import Worker

    run_id = new_run_id()
    done = done_keys(out, KEY_FIELDS)
    todo = [(s, c) for s, c in items if row_key(identity(s, c, device_name)) not in done]
    if len(todo) < len(items):
        print(f"{len(items) - len(todo)} of {len(items)} rows already in {out}; running the other {len(todo)}",
              file=sys.stderr)
    if not todo:
        return 0
    write_system_json(out, run_id, collect(todo[0][1].device, todo[0][1].threads, command))
    worker = None
    oom_at: dict[tuple, int] = {}
    try:
        with RecordWriter(out) as writer:
            for spec, case in tqdm(todo, desc="latency", unit="row"):
                group = (spec.label, case.precision, case.attn, case.mode, case.imgsz, case.timed)
                why = not_runnable(spec, case)
                if not why and group in oom_at and case.batch > oom_at[group]:
                    why = f"batch above the out-of-memory batch {oom_at[group]}"
                if why:
                    fields = {"status": "skipped", "detail": why}
                else:
                    if not spec.ours and worker is None:
                        worker = Worker()
                    fields = run_case(spec, case, worker)
                if fields.get("status") == "oom":
                    oom_at[group] = min(case.batch, oom_at.get(group, case.batch))
                writer.write({**identity(spec, case, device_name), **fields, "run_id": run_id,
                              "timestamp_utc": utc_now(), "command": command, "suite_git_sha": git_sha()})
    except KeyboardInterrupt:
        print(f"interrupted; the finished rows are in {out}", file=sys.stderr)
        return 130
    finally:
        if worker is not None:
            worker.close()
    return 0


def git_sha() -> str:
    import subprocess

    try:
        root = Path(__file__).resolve().parent.parent
        return subprocess.run(["git", "-C", str(root), "rev-parse", "--short=12", "HEAD"], capture_output=True,
                              text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


@cli
def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if "--pair" in argv:  # paired mode has its own flags (--rounds, --round-iters)
        from bench.paired import main as paired_main

        return paired_main(argv)
    args = parse_args(argv)
    if not args.models:
        raise UserError("--models is required (or --pair A B)")
    common = check_common(args)
    specs = resolve(_list(args.models))
    if args.weights and len(specs) != 1:
        raise UserError("--weights applies to one model; pass a single name in --models")
    attns, modes = _list(args.attn), _list(args.mode)
    for mode in modes:
        if mode not in MODES:
            raise UserError(f"unknown mode {mode!r}; accepted: {', '.join(MODES)}")
    if "onnxruntime" in modes:
        import importlib.util

        if importlib.util.find_spec("onnxruntime") is None:
            raise UserError("--mode onnxruntime needs the onnxruntime package")
    if any(s.ours for s in specs):
        check_attn(attns, common["device"], common["precisions"])
    device = common["device"]
    device_name = gpu_name(device) if device.startswith("cuda") else cpu_name()
    command = "python -m bench.latency " + " ".join(argv)
    return sweep(matrix(specs, common, attns, modes, args), common["out"], command, device_name)


if __name__ == "__main__":
    sys.exit(main())
