"""Latency and throughput of our YOLOv12 and the baselines, one record per configuration of the matrix.

    python -m bench.latency --device cuda:0 --models yolov12-s,yolo11-s,rtdetr-r18 --precision fp16 --out lat.csv
    python -m bench.latency --device cpu --models yolov12-n --attn reference,sdpa --out lat.csv

Our models run in this process; baselines run in the child worker (ultralytics changes process-wide state). Each
row: warm-up, then timed iterations until both --min-time and --min-iters are reached; per-iteration samples kept,
the p50 with its 95% bootstrap interval. Rows are appended and fsynced one by one; a rerun of the same command
skips finished rows; Ctrl-C keeps them. A row that fails at run time is an error row, said on stderr, and makes the
exit status 1. Comparisons between two configurations are paired designs: see `python -m bench.paired`.
"""

from __future__ import annotations

import argparse
import itertools
import logging
import shlex
import sys
from pathlib import Path

from tqdm import tqdm

from baselines.child import Worker, WorkerError
from bench import accel
from bench.case import KEY_FIELDS, Case
from bench.config import ATTN_CHOICES, Config, resolve
from bench.measure import is_oom, measure
from bench.options import (
    MODES,
    Common,
    add_common,
    channels_last,
    check_attn,
    check_common,
    check_configs,
    check_mode,
    split,
)
from bench.precision import fp32_mode, tf32_label
from bench.records import RecordWriter, done_keys
from bench.runtimes import DEPLOYED
from bench.subject import subject_for
from bench.system import collect, write_system_json
from yolov12.cli import ArgumentParser, UserError, cli

log = logging.getLogger(__name__)
WORKER = "bench.worker"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = ArgumentParser(prog="python -m bench.latency", description=__doc__.split("\n\n")[0])
    p.add_argument("--models", required=True, help="comma list of configurations (yolov12-s, yolov12-n:area=1, "
                   "yolov12-n@reference, yolo11-s, rtdetr-r18) or families (yolov12, yolov12-turbo, yolov8, "
                   "yolov9, yolov10, yolo11, yolov6-3.0, yolo12, rtdetr)")
    p.add_argument("--attn", default="auto", help=f"comma list of attention backends for our models: "
                                                  f"{', '.join(ATTN_CHOICES)} (baselines ignore it)")
    p.add_argument("--mode", default="eager", help=f"comma list of execution modes: {', '.join(MODES)}")
    add_common(p)
    return p.parse_args(argv)


def identity(config: Config, case: Case, device_name: str) -> dict:
    """The record fields that say what was asked (before measuring)."""
    post = case.timed != "forward"
    return {"kind": "latency", "model": config.model, "overrides": config.overrides_text, "family": config.family,
            "scale": config.scale, "variant": config.variant, "impl": config.impl, "weights": case.weights or "random",
            "device": case.device, "device_name": device_name, "precision": case.precision,
            "tf32": tf32_label(case.precision, case.device), "attn_asked": config.attn, "mode": case.mode,
            "channels_last": case.channels_last, "fused": case.fused, "imgsz": case.imgsz, "batch": case.batch,
            "timed_region": case.timed, "conf": case.conf if post else "", "iou": case.iou if post else "",
            "max_det": case.max_det if post else "", "threads": case.threads}


def row_key(rec: dict) -> tuple:
    return tuple(str(rec[f]) for f in KEY_FIELDS)


def matrix(configs: list[Config], common: Common, attns: list[str], modes: list[str],
           args: argparse.Namespace) -> list[Case]:
    """Every case in sweep order: batches innermost so an OOM can stop the larger ones."""
    out = []
    for config, precision, mode, size, timed in itertools.product(configs, common.precisions, modes, common.sizes,
                                                                  common.timed):
        backends = ([config.attn] if config.attn != "auto" else attns) if config.ours else ["-"]
        layout = channels_last(args.layout, config, mode, common.device)
        for attn, batch in itertools.product(backends, common.batches):
            out.append(Case(model=config.label, device=common.device, precision=precision, attn=attn, mode=mode,
                            batch=batch, imgsz=size, timed=timed, channels_last=layout,
                            fused=args.fuse, threads=common.threads, conf=args.conf, iou=args.iou,
                            max_det=args.max_det, weights=args.weights, **common.timing))
    return out


def not_runnable(config: Config, case: Case) -> str:
    """Why this combination is not measured (a 'skipped' row), or ''."""
    if case.mode in DEPLOYED and case.precision != "fp32":
        return f"{case.mode} mode runs the fp32 export only"
    return ""


def run_case(config: Config, case: Case, worker: Worker | None) -> dict:
    """Measure one case: ours here, baselines in the worker; exceptions become 'error' rows, OOM 'oom'."""
    try:
        if not config.ours:
            return worker.call({"op": "latency", "case": case.to_dict()})
        with fp32_mode(case.precision):
            subject, observe = subject_for(case)
            fields = measure(subject, case, observe)
        return {**fields, "params": subject.params, "params_fused": subject.params_fused,
                "weights_sha256": subject.weights_sha256}
    except WorkerError as err:
        return {"status": "oom" if err.oom else "error", "detail": str(err)[:500]}
    except Exception as err:
        if is_oom(err):
            return {"status": "oom", "detail": str(err).splitlines()[0][:300]}
        log.debug("case %s failed", case, exc_info=True)
        return {"status": "error", "detail": f"{type(err).__name__}: {err}"[:500]}
    finally:
        accel.for_device(case.device).empty_cache()


def sweep(cases: list[Case], out: Path, command: str, device_name: str) -> int:
    """Run the cases, appending one record each; skip finished rows; later batches after an OOM are skipped.
    Returns 0, 1 when any row failed (each said on stderr, then a summary), or 130 on Ctrl-C."""
    done = done_keys(out, KEY_FIELDS)
    todo = [c for c in cases if row_key(identity(c.config(), c, device_name)) not in done]
    if len(todo) < len(cases):
        print(f"{len(cases) - len(todo)} of {len(cases)} rows already in {out}; running the other {len(todo)}",
              file=sys.stderr)
    if not todo:
        return 0
    worker, failed, oom_at = None, [], {}
    try:
        with RecordWriter(out, command=command) as writer:
            write_system_json(out, writer.run_id, collect(todo[0].device, todo[0].threads, command))
            for case in tqdm(todo, desc="latency", unit="row"):
                config = case.config()
                group = (case.model, case.precision, case.attn, case.mode, case.imgsz, case.timed)
                why = not_runnable(config, case)
                if not why and group in oom_at and case.batch > oom_at[group]:
                    why = f"batch above the out-of-memory batch {oom_at[group]}"
                if why:
                    fields = {"status": "skipped", "detail": why}
                else:
                    if not config.ours and worker is None:
                        worker = Worker(WORKER)
                    fields = run_case(config, case, worker)
                if fields.get("status") == "oom":
                    oom_at[group] = min(case.batch, oom_at.get(group, case.batch))
                if fields.get("status") == "error":
                    failed.append(f"{config}@{case.precision}/{case.mode}/{case.imgsz}/b{case.batch}")
                    tqdm.write(f"error: {failed[-1]}: {fields.get('detail', '')[:300]}", file=sys.stderr)
                writer.write({**identity(config, case, device_name), **fields})
    except KeyboardInterrupt:
        print(f"interrupted; the finished rows are in {out}", file=sys.stderr)
        return 130
    finally:
        if worker is not None:
            worker.close()
    if failed:
        print(f"{len(failed)} of {len(todo)} rows failed (error rows in {out}): {', '.join(failed)}",
              file=sys.stderr)
        return 1
    return 0


def plan(args: argparse.Namespace) -> tuple[list[Case], Common]:
    """The validated request: every case to run (nothing built or written yet)."""
    common = check_common(args)
    attns = split(args.attn)
    configs = resolve(split(args.models))
    if args.weights and len(configs) != 1:
        raise UserError("--weights applies to one model; pass a single name in --models")
    modes = split(args.mode)
    for mode in modes or ["(none)"]:
        check_mode(mode, common.device)
    check_configs(configs, common.sizes)
    ours = [c for c in configs if c.ours]
    if ours:
        check_attn(sorted({c.attn for c in ours if c.attn != "auto"} | set(attns)), common.device,
                   common.precisions)
    return matrix(configs, common, attns, modes, args), common


@cli
def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    cases, common = plan(parse_args(argv))
    command = "python -m bench.latency " + shlex.join(argv)
    return sweep(cases, common.out, command, common.device_name)


if __name__ == "__main__":
    sys.exit(main())
