"""Paired comparison: two configurations interleaved in rounds in ONE child process, reported as the median of
per-round latency ratios A/B with its spread. Single absolute times on a noisy machine are not evidence; a ratio
measured alternately in the same process, same thread pool and same allocator is.

    python -m bench.paired yolov12-n@reference yolo12-n --imgsz 320 --rounds 10 --out paired.csv
    python -m bench.latency --pair yolov12-n@sdpa yolov12-n@reference --out paired.csv

A configuration is `model[:key=value,...][@attn]`: `yolov12-n@reference` (ours, reference attention),
`yolov12-n:area=1` (area attention off), `yolov12-n@flash-attn` (CUDA), `yolo12-n` (Ultralytics' YOLO12).
Fairness: both sides run in the same fresh `baselines.worker` process (ultralytics imported there for both), in
alternating order per round (A,B then B,A), each round a short warm-up plus `--round-iters` timed iterations;
the round's p50 of A over the round's p50 of B is one ratio.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from bench.case import Case
from bench.catalog import Spec, parse_spec
from yolov12.cli import UserError, cli
from bench.latency import add_common, check_attn, check_common, git_sha, tf32_label
from bench.records import RecordWriter, done_keys, new_run_id, utc_now
from bench.system import collect, cpu_name, gpu_name, write_system_json

KEY_FIELDS = ("kind", "pair_a", "pair_b", "device", "precision", "imgsz", "batch", "timed_region", "threads",
              "fused", "channels_last")


def parse_config(text: str) -> tuple[Spec, str]:
    """`yolov12-n:area=1@sdpa` -> (spec, attn); baselines take no @attn."""
    model, _, attn = text.partition("@")
    spec = parse_spec(model)
    if attn and not spec.ours:
        raise UserError(f"{text}: an attention backend (@{attn}) applies to our models only")
    return spec, (attn or "auto") if spec.ours else "-"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.paired", description=__doc__.split("\n\n")[0])
    p.add_argument("pair_pos", nargs="*", metavar="A B", help="the two configurations (or --pair A B)")
    p.add_argument("--pair", nargs=2, metavar=("A", "B"))
    p.add_argument("--rounds", type=int, default=10, help="interleaved rounds (default 10)")
    p.add_argument("--round-iters", type=int, default=None, help="timed iterations per side per round "
                                                                 "(default 5 cpu / 50 cuda)")
    p.add_argument("--models", help=argparse.SUPPRESS)
    p.add_argument("--attn", help=argparse.SUPPRESS)
    p.add_argument("--mode", default="eager", help="execution mode for both sides (eager, compile, cudagraph)")
    add_common(p)
    return p.parse_args(argv)


def ratio_stats(a: list[float], b: list[float]) -> dict:
    """Per-round p50s of A and B -> ratio fields of the record."""
    r = np.asarray(a) / np.asarray(b)
    q25, q50, q75 = np.percentile(r, [25, 50, 75])
    return {"rounds": len(r), "ratio_p50": round(float(q50), 4), "ratio_min": round(float(r.min()), 4),
            "ratio_max": round(float(r.max()), 4), "ratio_iqr": round(float(q75 - q25), 4)}


def run_pair(a: Case, b: Case, rounds: int, iters: int, warmup: int) -> dict:
    """Interleave A and B in one worker; return per-round p50s and what each side observed."""
    from baselines.client import Worker

    p50 = {"a": [], "b": []}
    with Worker() as worker:
        info = {k: worker.call({"op": "prepare", "key": k, "case": c.to_dict()}) for k, c in (("a", a), ("b", b))}
        for r in range(rounds):
            for key in ("a", "b") if r % 2 == 0 else ("b", "a"):
                samples = worker.call({"op": "round", "key": key, "iters": iters, "warmup": warmup})
                p50[key].append(float(np.median(samples)))
    return {"p50": p50, "info": info}


@cli
def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    pair = args.pair or args.pair_pos
    if not pair or len(pair) != 2:
        raise UserError("give exactly two configurations: A B (or --pair A B)")
    if args.rounds < 2:
        raise UserError(f"--rounds must be >= 2, got {args.rounds}")
    common = check_common(args)
    if len(common["precisions"]) != 1 or len(common["batches"]) != 1 or len(common["sizes"]) != 1 \
            or len(common["timed"]) != 1:
        raise UserError("paired mode takes one --precision, --batch, --imgsz and --timed")
    if args.mode not in ("eager", "compile", "cudagraph"):
        raise UserError(f"paired --mode must be eager, compile or cudagraph, got {args.mode!r}")
    if args.mode == "cudagraph" and not common["device"].startswith("cuda"):
        raise UserError("cudagraph mode needs CUDA")
    (spec_a, attn_a), (spec_b, attn_b) = parse_config(pair[0]), parse_config(pair[1])
    for spec, attn in ((spec_a, attn_a), (spec_b, attn_b)):
        if spec.ours:
            check_attn([attn], common["device"], common["precisions"])
    device = common["device"]
    iters = args.round_iters or (50 if device.startswith("cuda") else 5)
    warmup = 3 if device.startswith("cuda") else 1
    base = dict(device=device, precision=common["precisions"][0], batch=common["batches"][0],
                imgsz=common["sizes"][0], timed=common["timed"][0], channels_last=args.channels_last,
                fused=args.fuse, threads=common["threads"], conf=args.conf, iou=args.iou, max_det=args.max_det,
                mode=args.mode)
    case_a = Case(model=spec_a.label, attn=attn_a, **base)
    case_b = Case(model=spec_b.label, attn=attn_b, **base)
    device_name = gpu_name(device) if device.startswith("cuda") else cpu_name()
    record = {"kind": "paired", "pair_a": pair[0], "pair_b": pair[1], "model": spec_a.name, "family": spec_a.family,
              "scale": spec_a.scale, "variant": spec_a.variant, "impl": f"{spec_a.impl}|{spec_b.impl}",
              "weights": "random", "device": device, "device_name": device_name, "precision": base["precision"],
              "tf32": tf32_label(base["precision"], device), "attn_asked": f"{attn_a}|{attn_b}", "mode": args.mode,
              "channels_last": args.channels_last, "fused": args.fuse, "imgsz": base["imgsz"],
              "batch": base["batch"], "timed_region": base["timed"], "threads": common["threads"],
              "iterations": iters, "warmup_iters": warmup}
    out = common["out"]
    if tuple(str(record[k]) for k in KEY_FIELDS) in done_keys(out, KEY_FIELDS):
        print(f"paired row {pair[0]} vs {pair[1]} already in {out}; skipped", file=sys.stderr)
        return 0
    command = "python -m bench.paired " + " ".join(argv)
    run_id = new_run_id()
    write_system_json(out, run_id, collect(device, common["threads"], command))
    try:
        result = run_pair(case_a, case_b, args.rounds, iters, warmup)
        a, b = result["p50"]["a"], result["p50"]["b"]
        fields = {**ratio_stats(a, b), "status": "ok", "validity": "ok" if len(a) >= 5 else "few-rounds",
                  "attn_observed": f"{result['info']['a']['attn_observed']}|{result['info']['b']['attn_observed']}",
                  "latency_p50_ms": round(float(np.median(a)), 4), "samples_ms": " ".join(
                      f"{x:.4g}/{y:.4g}" for x, y in zip(a, b, strict=True)),
                  "detail": f"a_p50_ms={np.median(a):.4g};b_p50_ms={np.median(b):.4g};samples_ms=per-round p50 a/b"}
    except KeyboardInterrupt:
        print("interrupted; nothing written for this pair", file=sys.stderr)
        return 130
    except Exception as err:
        from baselines.client import WorkerError

        oom = isinstance(err, WorkerError) and err.oom
        fields = {"status": "oom" if oom else "error", "detail": f"{type(err).__name__}: {err}"[:500]}
    with RecordWriter(out) as writer:
        writer.write({**record, **fields, "run_id": run_id, "timestamp_utc": utc_now(), "command": command,
                      "suite_git_sha": git_sha()})
    return 0


if __name__ == "__main__":
    sys.exit(main())
