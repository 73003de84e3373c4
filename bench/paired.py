"""Paired comparison: two configurations interleaved in rounds in ONE child process, reported as the median of
per-round latency ratios A/B with its 95% bootstrap interval. Single absolute times on a noisy machine are not
evidence; a ratio measured alternately in the same process, same thread pool and same allocator is.

    python -m bench.paired yolov12-n@reference yolo12-n --imgsz 320 --rounds 10 --out paired.csv

A configuration is `model[:key=value,...][@attn]` (bench.config): `yolov12-n@reference` (ours, reference
attention), `yolov12-n:area=1` (area attention off), `yolov12-n@flash-attn` (CUDA), `yolo12-n` (Ultralytics' YOLO12).
Design: both sides run in the same fresh `bench.worker` process (ultralytics imported there for both), in
alternating order per round (A,B then B,A), each round a short warm-up plus `--round-iters` timed iterations; the
round's p50 of A over the round's p50 of B is one ratio. Rounds far outside the rest (the machine was disturbed)
are re-measured before the record is written; the record says how many, and flags any that remain.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from tqdm import tqdm

from baselines.child import Worker, WorkerError
from bench import stats
from bench.case import Case
from bench.config import parse
from bench.options import (
    MODES,
    Common,
    add_common,
    channels_last,
    check_attn,
    check_common,
    check_configs,
    check_mode,
)
from bench.precision import tf32_label
from bench.records import RecordWriter, done_keys
from bench.runtimes import DEPLOYED
from bench.system import collect, write_system_json
from yolov12.cli import ArgumentParser, UserError, check_range, cli

KEY_FIELDS = ("kind", "pair_a", "pair_b", "device", "precision", "imgsz", "batch", "timed_region", "threads",
              "fused", "channels_last", "b_channels_last", "mode")
WORKER = "bench.worker"


@dataclass(frozen=True)
class Pair:
    """One paired design: two cases that differ only in their configuration, and how many rounds to run."""

    a: Case
    b: Case
    rounds: int = 10  # planned rounds
    iters: int = 5
    warmup: int = 1
    max_rounds: int = 0  # > rounds (one process only): add rounds until the interval clears `bound` (or this many)
    bound: float | None = None
    processes: int = 1  # fresh worker processes the rounds are split over (the interval then resamples processes)

    @property
    def label(self) -> str:
        return f"{self.a.config()} vs {self.b.config()}"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = ArgumentParser(prog="python -m bench.paired", description=__doc__.split("\n\n")[0])
    p.add_argument("pair", nargs=2, metavar="CONFIG", help="the two configurations A B (ratio is A/B)")
    p.add_argument("--rounds", type=int, default=12, help="interleaved rounds in all, 4..1000 (default 12)")
    p.add_argument("--processes", type=int, default=3, help="fresh worker processes the rounds are split over, "
                   "1..16 (default 3): the interval then carries the between-process variation")
    p.add_argument("--round-iters", type=int, default=None, help="timed iterations per side per round "
                                                                 "(default 5 cpu / 50 cuda)")
    p.add_argument("--mode", default="eager", help=f"execution mode for both sides: {', '.join(MODES)} (each side "
                   "exported by its own exporter, both run in one worker)")
    add_common(p)
    return p.parse_args(argv)


def record_fields(pair: Pair, device_name: str) -> dict:
    """What the paired record says about the design before it runs."""
    a, b = pair.a.config(), pair.b.config()
    case = pair.a
    return {"kind": "paired", "pair_a": str(a), "pair_b": str(b), "model": a.model, "overrides": a.overrides_text,
            "family": a.family, "scale": a.scale, "variant": a.variant, "impl": a.impl, "attn_asked": a.attn,
            "b_model": b.model, "b_overrides": b.overrides_text, "b_impl": b.impl, "b_attn_asked": b.attn,
            "weights": "random", "device": case.device, "device_name": device_name, "precision": case.precision,
            "tf32": tf32_label(case.precision, case.device), "mode": case.mode,
            "channels_last": case.channels_last, "b_channels_last": pair.b.channels_last, "fused": case.fused,
            "imgsz": case.imgsz, "batch": case.batch,
            "timed_region": case.timed, "threads": case.threads, "iterations": pair.iters,
            "warmup_iters": pair.warmup,
            "design": design(pair)}


def design(pair: Pair) -> str:
    """The paired design in words, for the record."""
    where = (f"{pair.processes} fresh processes x {-(-pair.rounds // pair.processes)} rounds; interval: bootstrap "
             "resampling processes" if pair.processes > 1 else f"one process, {pair.rounds} rounds"
             + (f" (up to {pair.max_rounds} until the interval clears {pair.bound})" if pair.max_rounds > pair.rounds
                else "") + "; interval: bootstrap over rounds")
    return (f"interleaved, order alternating per round; {where}; {pair.iters} timed iterations per side per round "
            f"after {pair.warmup} warm-up; disturbed rounds re-measured")


def _rounds_in(worker: Worker, pair: Pair, rounds: int, adaptive: bool) -> tuple[stats.RoundsResult, dict]:
    """Interleaved rounds of the pair in one worker process (disturbed rounds re-measured); (rounds, what each side
    observed)."""
    info = {k: worker.call({"op": "prepare", "key": k, "case": c.to_dict()}) for k, c in (("a", pair.a),
                                                                                           ("b", pair.b))}

    def one_round(i: int) -> tuple[float, float]:
        p50 = {}
        for key in ("a", "b") if i % 2 == 0 else ("b", "a"):
            samples = worker.call({"op": "round", "key": key, "iters": pair.iters, "warmup": pair.warmup})
            p50[key] = float(np.median(samples))
        return p50["a"], p50["b"]

    try:
        if adaptive:
            result = stats.measure_until(one_round, min_rounds=rounds, max_rounds=pair.max_rounds, bound=pair.bound,
                                         max_remeasure=rounds)
        else:
            result = stats.measure_rounds(one_round, rounds, max_remeasure=rounds)
    finally:
        for key in ("a", "b"):
            worker.call({"op": "release", "key": key})
    return result, info


def measure_pair(pair: Pair, start_worker: Callable[[], Worker]) -> dict:
    """The pair's rounds, split over `pair.processes` fresh worker processes (each a block of alternating rounds);
    the record's outcome fields. One process may add rounds until the interval clears the bound."""
    per_process = -(-pair.rounds // pair.processes)
    adaptive = pair.processes == 1 and pair.max_rounds > pair.rounds and pair.bound is not None
    blocks = []
    for _ in range(pair.processes):
        with start_worker() as worker:
            blocks.append(_rounds_in(worker, pair, per_process, adaptive))
    return outcome([r for r, _ in blocks], blocks[0][1])


def outcome(results: list[stats.RoundsResult], info: dict) -> dict:
    """Record fields from the rounds of each process; with several processes the interval resamples processes."""
    a = [x for r in results for x in r.a]
    b = [y for r in results for y in r.b]
    groups = [k for k, r in enumerate(results) for _ in r.pairs]
    s = stats.ratio_summary(a, b, groups=groups if len(results) > 1 else None)
    flags = (["disturbed-rounds"] if any(r.disturbed_remaining for r in results) else []) + (
        ["few-rounds"] if s.rounds < 5 else [])
    per_process = ",".join(f"{np.median(r.ratios):.4g}" for r in results)
    return {"rounds": s.rounds, "ratio_p50": round(s.p50, 4), "ratio_ci_low": round(s.ci_low, 4),
            "ratio_ci_high": round(s.ci_high, 4), "ratio_min": round(s.min, 4), "ratio_max": round(s.max, 4),
            "ratio_iqr": round(s.iqr, 4), "rounds_remeasured": sum(r.remeasured for r in results), "status": "ok",
            "validity": ";".join(flags) or "ok",
            "attn_observed": info["a"]["attn_observed"], "latency_p50_ms": round(float(np.median(a)), 4),
            "samples_ms": " ".join(f"{x:.4g}/{y:.4g}" for x, y in zip(a, b, strict=True)),
            "export_max_diff": info["a"].get("export_max_diff", ""),
            "detail": f"a_p50_ms={np.median(a):.4g};b_p50_ms={np.median(b):.4g};"
                      f"b_attn_observed={info['b']['attn_observed']};ratio_p50_per_process={per_process};"
                      f"b_export_max_diff={info['b'].get('export_max_diff', '')};"
                      "samples_ms=per-round p50 a/b"}


def run_pairs(pairs: list[Pair], out, command: str, device_name: str) -> int:
    """Measure each pair not already in `out` (one worker per pair, so neither side inherits the other's state)
    and append its record. Returns 0, 1 when a pair failed (said on stderr), 130 on Ctrl-C."""
    def measure(pair: Pair) -> list[dict]:
        return [{**record_fields(pair, device_name), **measure_pair(pair, lambda: Worker(WORKER))}]

    return run_each(pairs, out, command, device_name, noun="pairs", key_fields=KEY_FIELDS,
                    key_row=lambda p: record_fields(p, device_name), measure=measure,
                    error_row=lambda p: record_fields(p, device_name))


def run_each(pairs: list[Pair], out, command: str, device_name: str, *, noun: str, key_fields: tuple[str, ...],
             key_row: Callable[[Pair], dict], measure: Callable[[Pair], list[dict]],
             error_row: Callable[[Pair], dict]) -> int:
    """The loop of the paired runners (this one and bench.profile): skip each pair whose `key_row` is already
    finished in `out`, `measure` every other one and append the rows it returns (a failed worker gives one
    `error_row` with the error; out of memory is an 'oom' row, not a failure). Returns 0, 1 when a pair failed (said
    on stderr), 130 on Ctrl-C (the pairs finished before stay in `out`)."""
    done = done_keys(out, key_fields)
    todo = [p for p in pairs if tuple(str(key_row(p)[k]) for k in key_fields) not in done]
    if len(todo) < len(pairs):
        print(f"{len(pairs) - len(todo)} of {len(pairs)} {noun} already in {out}; running the other {len(todo)}",
              file=sys.stderr)
    if not todo:
        return 0
    failed = []
    try:
        with RecordWriter(out, command=command) as writer:
            write_system_json(out, writer.run_id, collect(todo[0].a.device, todo[0].a.threads, command))
            for pair in tqdm(todo, desc=noun, unit="pair"):
                try:
                    rows = measure(pair)
                except WorkerError as err:
                    rows = [{**error_row(pair), "status": "oom" if err.oom else "error", "detail": str(err)[:500]}]
                    if not err.oom:
                        failed.append(pair.label)
                        tqdm.write(f"error: {pair.label}: {str(err)[:300]}", file=sys.stderr)
                for row in rows:
                    writer.write(row)
    except KeyboardInterrupt:
        print(f"interrupted; finished {noun} are in {out}", file=sys.stderr)
        return 130
    if failed:
        print(f"{len(failed)} of {len(todo)} {noun} failed (error rows in {out}): {', '.join(failed)}",
              file=sys.stderr)
        return 1
    return 0


def plan(args: argparse.Namespace) -> tuple[Pair, Common]:
    """The validated request (nothing built or written yet)."""
    common = check_common(args)
    check_range("--rounds", args.rounds, 4, 1000, integer=True)
    check_range("--processes", args.processes, 1, 16, integer=True)
    if args.round_iters is not None:
        check_range("--round-iters", args.round_iters, 1, 100_000, integer=True)
    if len(common.precisions) != 1 or len(common.batches) != 1 or len(common.sizes) != 1 or len(common.timed) != 1:
        raise UserError("a paired design takes one --precision, --batch, --imgsz and --timed")
    check_mode(args.mode, common.device)
    if args.mode in DEPLOYED and common.precisions[0] != "fp32":
        raise UserError(f"--mode {args.mode} runs the fp32 export only; accepted --precision: fp32")
    configs = [parse(t) for t in args.pair]
    check_configs(configs, common.sizes)
    for config in configs:
        if config.ours:
            check_attn([config.attn], common.device, common.precisions)
    cuda = common.device.startswith("cuda")
    base = dict(device=common.device, precision=common.precisions[0], batch=common.batches[0],
                imgsz=common.sizes[0], timed=common.timed[0], fused=args.fuse, threads=common.threads,
                conf=args.conf, iou=args.iou, max_det=args.max_det, mode=args.mode)
    a, b = (Case(model=c.label, attn=c.attn, channels_last=channels_last(args.layout, c, args.mode, common.device),
                 **base) for c in configs)
    return Pair(a, b, args.rounds, args.round_iters or (50 if cuda else 5), 3 if cuda else 1,
                processes=args.processes), common


@cli
def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    pair, common = plan(parse_args(argv))
    return run_pairs([pair], common.out, "python -m bench.paired " + shlex.join(argv), common.device_name)


if __name__ == "__main__":
    sys.exit(main())
