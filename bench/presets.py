"""The measurement presets, one command each: `python -m bench.presets cpu|gpu --out reports/results`.

Each preset writes CSVs (and system.json) to `<out>/<device-slug>/`, one per table, by calling the bench CLIs;
every CLI skips rows already finished, so rerunning a preset resumes it. `--smoke` runs the same plan on tiny
inputs with few iterations (for checking the plumbing, not for numbers).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

import torch

from yolov12.cli import UserError, cli
from bench.system import device_slug

log = logging.getLogger(__name__)
SCALES = ("n", "s", "m", "l", "x")
CPU_SMALL = ("yolov12-n", "yolov12-s", "yolo12-n", "yolo12-s", "yolov8-n", "yolov8-s", "yolov9-t", "yolov9-s",
             "yolov10-n", "yolov10-s", "yolo11-n", "yolo11-s", "yolov6-3.0-n", "yolov6-3.0-s", "rtdetr-r18",
             "rtdetr-l")
EVERY_MODEL = ("yolov12", "yolov12-turbo", "yolov8", "yolov9", "yolov10", "yolo11", "yolov6-3.0", "yolo12", "rtdetr")


def _fam(*families: str) -> str:
    return ",".join(families)


def cpu_plan(threads: int) -> list[tuple[str, list[str]]]:
    """(csv name, argv) steps of the CPU preset: FLOPs of every model; bs1 fp32 640 latency of N/S; paired ratios."""
    t = ["--device", "cpu", "--threads", str(threads), "--precision", "fp32", "--imgsz", "640", "--batch", "1"]
    lat = ["--warmup", "3", "--min-iters", "15", "--min-time", "2"]
    # Table 3 is "without FlashAttention": area on/off both on the reference kernel
    pairs = [("yolov12-n@reference", "yolo12-n"), ("yolov12-s@reference", "yolo12-s"), ("yolov12-n@sdpa", "yolo12-n"),
             ("yolov12-n@sdpa", "yolov12-n@reference"), ("yolov12-n@reference", "yolov12-n:area=1@reference"),
             ("yolov12-s@reference", "yolov12-s:area=1@reference")]
    plan = [("flops.csv", ["flops", "--models", _fam(*EVERY_MODEL), "--imgsz", "640"]),
            ("latency.csv", ["latency", "--models", ",".join(CPU_SMALL), "--attn", "auto", *t, *lat])]
    plan += [("paired.csv", ["paired", a, b, *t, "--rounds", "10", "--round-iters", "5"]) for a, b in pairs]
    return plan


def gpu_plan(device: str) -> list[tuple[str, list[str]]]:
    """Steps of the GPU preset (Tables 1, 3, 4, 5, 5h of the paper, execution modes, batch sweep)."""
    d = ["--device", device, "--imgsz", "640"]
    ours = ",".join(f"yolov12-{s}" for s in SCALES)
    kernels = runnable_attention(device, "fp16")
    plan = [
        ("table1.csv", ["latency", "--models", _fam("yolov12", "yolo12", "yolov8", "yolov9", "yolov10", "yolo11",
                                                    "yolov6-3.0", "rtdetr"),
                        "--precision", "fp16", "--batch", "1", "--timed", "forward,forward+post", *d]),
        ("table4.csv", ["latency", "--models", _fam("yolov9", "yolov10", "yolo11", "yolov12"),
                        "--precision", "fp32,fp16", "--batch", "1", *d]),
        ("table5h.csv", ["latency", "--models", ours, "--attn", ",".join(kernels), "--precision", "fp16",
                         "--batch", "1", *d]),
        ("table5.csv", ["latency", "--models", ",".join(  # 5a and 5d are on N, 5g on L (as in the paper)
            [f"yolov12-n:proj={p}" for p in ("conv-bn", "linear-ln", "linear-bn", "conv-ln")]
            + [f"yolov12-n:pe_kernel={k}" for k in (3, 5, 7, 9)]
            + [f"yolov12-l:mlp_ratio={r}" for r in (1.2, 2.0, 4.0)]), "--precision", "fp16", "--batch", "1", *d]),
        ("modes.csv", ["latency", "--models", "yolov12-n,yolov12-s,yolo11-n", "--mode", "eager,compile,cudagraph",
                       "--precision", "fp16", "--batch", "1", *d]),
        ("batch.csv", ["latency", "--models", _fam("yolov12", "yolo11", "yolov8"), "--precision", "fp16",
                       "--batch", "1,2,4,8,16,32,64", *d]),
    ]
    for precision in ("fp32", "fp16"):
        plan += [("table3.csv", ["paired", f"yolov12-{s}@reference", f"yolov12-{s}:area=1@reference", "--precision",
                                 precision, *d]) for s in SCALES]
    plan += [("paired.csv", ["paired", f"yolov12-{s}@reference", f"yolo12-{s}", "--precision", "fp16", *d])
             for s in SCALES]
    if "sdpa-flash" in kernels:  # Table 5f: area attention on/off with FlashAttention on
        plan += [("table5f.csv", ["paired", "yolov12-n@sdpa-flash", "yolov12-n:area=1@sdpa-flash", "--precision",
                                  "fp16", *d])]
    for k in [k for k in ("flash-attn", "sdpa-flash", "sdpa") if k in kernels]:
        plan += [("table5h-paired.csv", ["paired", f"yolov12-{s}@{k}", f"yolov12-{s}@reference", "--precision",
                                         "fp16", *d]) for s in SCALES]
    return plan


def runnable_attention(device: str, precision: str) -> list[str]:
    """Attention backends that run on `device` in `precision` (reference always); the others are left out."""
    from bench.latency import ATTN_CHOICES, check_attn

    out = []
    for name in ATTN_CHOICES[1:]:
        try:
            check_attn([name], device, [precision])
            out.append(name)
        except UserError as err:
            log.warning("preset leaves out %s", err)
    return out


def smoke(plan: list[tuple[str, list[str]]]) -> list[tuple[str, list[str]]]:
    """The same plan on 64-pixel inputs, one of our models and one baseline per step, a handful of iterations."""
    out = []
    for name, argv in plan:
        argv = list(argv)
        for flag, value in (("--imgsz", "64"), ("--min-iters", "2"), ("--min-time", "0"), ("--warmup", "1"),
                            ("--rounds", "2"), ("--round-iters", "2")):
            if flag in ("--min-iters", "--min-time", "--warmup") and argv[0] == "flops":
                continue
            if flag in ("--rounds", "--round-iters") and argv[0] != "paired":
                continue
            if flag in ("--min-iters", "--min-time") and argv[0] == "paired":
                continue
            if flag in argv:
                argv[argv.index(flag) + 1] = value
            else:
                argv += [flag, value]
        if "--models" in argv:
            i = argv.index("--models") + 1
            from bench.catalog import resolve

            specs = resolve(argv[i].split(","))
            picked = specs[:1] + [s for s in specs if not s.ours][:1]  # one of ours and one baseline if any
            argv[i] = ",".join(s.label for s in picked)
        if "--batch" in argv:
            i = argv.index("--batch") + 1
            argv[i] = ",".join(argv[i].split(",")[:2])
        out.append((name, argv))
    return out


def run(plan: list[tuple[str, list[str]]], folder: Path) -> int:
    from bench import flops, latency, paired

    mains = {"flops": flops.main, "latency": latency.main, "paired": paired.main}
    start = time.time()
    for name, argv in plan:
        tool, argv = argv[0], [*argv[1:], "--out", str(folder / name)]
        print(f"[preset {time.time() - start:7.1f}s] python -m bench.{tool} {' '.join(argv)}", file=sys.stderr)
        status = mains[tool](argv)
        if status:
            return status
    print(f"[preset] done in {time.time() - start:.1f}s; results in {folder}", file=sys.stderr)
    return 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.presets", description=__doc__.split("\n\n")[0])
    p.add_argument("preset", choices=("cpu", "gpu"))
    p.add_argument("--out", default="reports/results", help="results root (a <device-slug>/ folder is made in it)")
    p.add_argument("--device", default=None, help="cuda:N for the gpu preset (default cuda:0)")
    p.add_argument("--threads", type=int, default=0, help="cpu preset threads (default: all cores torch uses)")
    p.add_argument("--smoke", action="store_true", help="tiny inputs and iterations: checks plumbing only")
    return p.parse_args(argv)


@cli
def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.preset == "gpu":
        device = args.device or "cuda:0"
        from bench.latency import check_device

        device = check_device(device)
        plan = gpu_plan(device)
    else:
        threads = args.threads or torch.get_num_threads()
        device = "cpu"
        plan = cpu_plan(threads)
    folder = Path(args.out) / device_slug(device, threads if args.preset == "cpu" else None)
    if args.smoke:
        plan = smoke(plan)
        folder = folder.with_name(folder.name + "-smoke")
    return run(plan, folder)


if __name__ == "__main__":
    sys.exit(main())
