"""Where the time goes: two configurations' exports in one deployed runtime, run in interleaved rounds with the
runtime's per-node profiler on (one child process at a time, the rounds split over fresh processes as in
bench.paired), each node's time summed into op classes (bench.breakdown).

    python -m bench.profile yolov12-n yolo12-n --mode openvino --out results/cpu-intel-xeon-2t/profile.csv

Prints and records, per side, the median over rounds of each class's ms per run (with its interval), and two paired
ratios with their 95% intervals: A's whole over B's whole, and A's compute (convolutions, separate activations and
attention) over B's whole. The second is the floor of A/B that no change to A's other nodes (layout moves, adds,
decoding) can go below: a target under it needs faster arithmetic, not a better graph. Times are the runtime's own
node counters (their sum leaves out the gaps between nodes and includes the profiler's overhead, alike for both
sides), so the whole ratio is close to, not equal to, the timed paired ratio of bench.paired.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Callable

import numpy as np
from tqdm import tqdm

from baselines.child import Worker
from bench import breakdown, paired, stats
from bench.options import MODES, Common, add_common
from bench.paired import Pair
from bench.runtimes import DEPLOYED
from yolov12.cli import ArgumentParser, UserError, cli

KEY_FIELDS = (*paired.KEY_FIELDS, "model", "op_class")
SIDES = ("a", "b")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = ArgumentParser(prog="python -m bench.profile", description=__doc__.split("\n\n")[0])
    p.add_argument("pair", nargs=2, metavar="CONFIG", help="the two configurations A B (ratios are A/B)")
    p.add_argument("--mode", default="openvino", help=f"the deployed runtime both run in: {', '.join(DEPLOYED)} "
                   "(default openvino)")
    p.add_argument("--rounds", type=int, default=12, help="interleaved rounds in all, 4..1000 (default 12)")
    p.add_argument("--processes", type=int, default=3, help="fresh worker processes the rounds are split over, "
                   "1..16 (default 3): the intervals then carry the between-process variation")
    p.add_argument("--round-iters", type=int, default=3, help="profiled runs per side per round (default 3)")
    add_common(p)
    return p.parse_args(argv)


def plan(args: argparse.Namespace) -> tuple[Pair, Common]:
    """The validated request (nothing built or written yet)."""
    if args.mode not in DEPLOYED:
        raise UserError(f"--mode {args.mode}: no per-node profiler here; accepted: {', '.join(DEPLOYED)} "
                        f"(of {', '.join(MODES)})")
    pair, common = paired.plan(args)
    if pair.a.timed != "forward":
        raise UserError(f"--timed {pair.a.timed}: a profile runs the export's forward only; accepted: forward")
    if common.device != "cpu":
        raise UserError(f"--device {common.device}: the per-node profiles run on the CPU here; accepted: cpu")
    return pair, common


def side_fields(pair: Pair, side: str) -> dict:
    """What a side's rows say about the model they time (the pair's other fields are shared)."""
    config = (pair.a if side == "a" else pair.b).config()
    return {"model": config.model, "overrides": config.overrides_text, "family": config.family,
            "scale": config.scale, "variant": config.variant, "impl": config.impl, "attn_asked": config.attn}


Rounds = dict[str, list[dict[str, float]]]  # side -> per round {class: mean ms per run} (classes plus `all`)


def measure_rounds(pair: Pair, start_worker: Callable[[], Worker]) -> tuple[Rounds, list[int], dict[str, dict]]:
    """(each side's rounds, the process each round ran in, what each side's checked export reported): the pair's
    rounds split over `pair.processes` fresh workers, as bench.paired splits them."""
    per_process = -(-pair.rounds // pair.processes)
    rounds: Rounds = {side: [] for side in SIDES}
    groups, info = [], {}
    for k in range(pair.processes):
        with start_worker() as worker:
            got, info = profile_in(pair, worker, per_process)
        for side in SIDES:
            rounds[side] += got[side]
        groups += [k] * per_process
    return rounds, groups, info


def profile_in(pair: Pair, worker: Worker, n_rounds: int) -> tuple[Rounds, dict[str, dict]]:
    """`n_rounds` interleaved rounds of the pair in `worker`, and what each side's export check reported."""
    info = {side: worker.call({"op": "prepare", "key": side, "case": case.to_dict()})
            for side, case in zip(SIDES, (pair.a, pair.b), strict=True)}
    try:
        for i in range(n_rounds):
            for side in SIDES if i % 2 == 0 else SIDES[::-1]:
                worker.call({"op": "profile", "key": side, "iters": pair.iters, "warmup": pair.warmup})
        return {side: [breakdown.round_means(runs) for runs in worker.call({"op": "profile_rounds", "key": side})]
                for side in SIDES}, info
    finally:
        for side in SIDES:
            worker.call({"op": "release", "key": side})


def rows(pair: Pair, rounds: Rounds, groups: list[int], info: dict[str, dict], base: dict) -> list[dict]:
    """The records of one profiled pair: a row per side and class (with what its export check reported), then the
    two ratio rows. Intervals resample whole processes when the rounds come from several (`groups`)."""
    several = len(set(groups)) > 1
    out = []
    for side in SIDES:
        export = {"export_max_diff": info[side].get("export_max_diff", ""),
                  "attn_observed": info[side].get("attn_observed", "")}
        for name in (*breakdown.CLASSES, "all"):
            values = [r[name] for r in rounds[side]]
            low, high = stats.clustered_median_ci(values, groups) if several else stats.latency_p50_ci(values)
            out.append({**base, **side_fields(pair, side), "op_class": name, "rounds": len(values),
                        "latency_p50_ms": round(float(np.median(values)), 4), "latency_p50_ci_low_ms": round(low, 4),
                        "latency_p50_ci_high_ms": round(high, 4), "samples_ms": " ".join(f"{v:.4g}" for v in values),
                        "status": "ok", "validity": "ok", **export,
                        "detail": f"side={side};ms per run from the runtime's node counters, per-round means;"
                                  f"{info[side].get('detail', '')}"})
    b_all = [r["all"] for r in rounds["b"]]
    for name, a_values in ((breakdown.WHOLE, [r["all"] for r in rounds["a"]]),
                           (breakdown.FLOOR, [sum(r[c] for c in breakdown.COMPUTE) for r in rounds["a"]])):
        s = stats.ratio_summary(a_values, b_all, groups=groups if several else None)
        out.append({**base, **side_fields(pair, "a"), "op_class": name, "rounds": s.rounds,
                    "ratio_p50": round(s.p50, 4), "ratio_ci_low": round(s.ci_low, 4),
                    "ratio_ci_high": round(s.ci_high, 4), "ratio_min": round(s.min, 4),
                    "ratio_max": round(s.max, 4), "ratio_iqr": round(s.iqr, 4), "status": "ok",
                    "validity": "ok" if s.rounds >= 5 else "few-rounds",
                    "detail": "a's classes over b's, per round; the node counters' sums"})
    return out


def summary(pair: Pair, rounds: Rounds, records: list[dict]) -> str:
    """The pair's profile as a small table (medians over rounds) and its two ratios."""
    a, b = str(pair.a.config()), str(pair.b.config())
    lines = [f"{pair.label}, {pair.a.mode}: ms per run (runtime's node counters, median of {pair.rounds} rounds)",
             f"  {'class':<12} {a:>18} {b:>18}"]
    for name in (*breakdown.CLASSES, "all"):
        a_ms, b_ms = (float(np.median([r[name] for r in rounds[side]])) for side in SIDES)
        lines.append(f"  {name:<12} {a_ms:>18.2f} {b_ms:>18.2f}")
    ratios = {r["op_class"]: r for r in records if r["op_class"].startswith("ratio:")}
    for name, words in ((breakdown.WHOLE, "whole / whole"), (breakdown.FLOOR, "compute / whole (the floor)")):
        r = ratios[name]
        lines.append(f"  {a} / {b}, {words}: {r['ratio_p50']:.3f} [{r['ratio_ci_low']:.3f}, {r['ratio_ci_high']:.3f}]")
    return "\n".join(lines)


def run_profiles(pairs: list[Pair], out, command: str, device_name: str) -> int:
    """Profile each pair not already in `out` (fresh workers per pair), append its rows and print its table.
    Returns 0, 1 when a pair failed (said on stderr), 130 on Ctrl-C."""
    def base(pair: Pair) -> dict:
        return {**paired.record_fields(pair, device_name), "kind": "profile", "design": design(pair)}

    def measure(pair: Pair) -> list[dict]:
        rounds, groups, info = measure_rounds(pair, lambda: Worker(paired.WORKER))
        records = rows(pair, rounds, groups, info, base(pair))
        tqdm.write(summary(pair, rounds, records))
        return records

    return paired.run_each(pairs, out, command, device_name, noun="profiles", key_fields=KEY_FIELDS,
                           key_row=lambda p: {**base(p), **side_fields(p, "a"), "op_class": breakdown.WHOLE},
                           measure=measure, error_row=lambda p: {**base(p), "op_class": breakdown.WHOLE})


def design(pair: Pair) -> str:
    where = (f"{pair.processes} fresh processes x {-(-pair.rounds // pair.processes)} rounds; intervals: bootstrap "
             "resampling processes" if pair.processes > 1 else f"one process, {pair.rounds} rounds; intervals: "
             "bootstrap over rounds")
    return (f"interleaved, order alternating per round; {where}; {pair.iters} profiled runs per side per round "
            f"after {pair.warmup} warm-up; the runtime's per-node counters")


@cli
def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    pair, common = plan(parse_args(argv))
    return run_profiles([pair], common.out, "python -m bench.profile " + shlex.join(argv), common.device_name)


if __name__ == "__main__":
    sys.exit(main())
