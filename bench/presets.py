"""The measurement presets as lists of cases: `python -m bench.presets cpu|cpu-full|cpu-ours|gpu --out results`.

Each preset writes CSVs (and system.json) to `<out>/<device-slug>/`, one per step, through the runners' Python API
(bench.flops.run, bench.latency.sweep, bench.paired.run_pairs); every runner skips rows already finished, so
rerunning a preset resumes it. `--dry-run` prints the plan (steps, cases, an estimated duration) and checks that
every configuration in it builds on the meta device, so the GPU preset can be checked on a machine without a GPU.
`--smoke` runs the same plan on tiny inputs with few iterations (for the plumbing, not for numbers).
`--launcher submitit` runs the steps as Slurm jobs (`submitit-local`: local processes), see bench.launch.

Every comparison a verdict rests on is a paired design (bench.paired), with like-for-like sides: family comparisons
use Ultralytics' code on both sides (yolo12-n against yolo11-n); ours against Ultralytics' YOLO12 is its own pair.
"""

from __future__ import annotations

import dataclasses
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch

from bench import flops, latency, launch, paired, profile
from bench.case import Case
from bench.config import ATTN_CHOICES, Config, parse, resolve
from bench.options import channels_last, runnable_attention
from bench.paired import Pair
from bench.runtimes import DEPLOYED
from bench.system import cpu_name, device_slug, gpu_name
from yolov12.cli import ArgumentParser, UserError, apply_threads, check_range, cli, parse_device
from yolov12.files import check_out_dir
from yolov12.model import create_model
from yolov12.scales import check_input, lookup, with_overrides

SCALES = ("n", "s", "m", "l", "x")
EVERY_MODEL = ("yolov12", "yolov12-turbo", "yolov8", "yolov9", "yolov10", "yolo11", "yolo26", "yolov6-3.0", "yolo12",
               "rtdetr")
# rough seconds per forward at 640, batch 1, on a 2-core CPU (fp32), for the plan's duration estimate
CPU_SECONDS_PER_GFLOP = 0.012


@dataclass(frozen=True)
class Step:
    """One CSV of a preset: flops of configurations, a latency sweep of cases, or paired designs."""

    csv: str
    kind: str  # flops | latency | paired | profile (items: Pairs)
    items: tuple

    def configs(self) -> list[Config]:
        if self.kind == "flops":
            return list(self.items)
        if self.kind == "latency":
            return [c.config() for c in self.items]
        return [c.config() for p in self.items for c in (p.a, p.b)]


# ---- the plans ----------------------------------------------------------------------------------------------------

def _case(text: str, device: str, threads: int, **kw) -> Case:
    """The case for `text` in each implementation's native layout (bench.options.channels_last)."""
    config = parse(text)
    layout = channels_last("native", config, kw.get("mode", "eager"), device)
    return Case(model=config.label, attn=config.attn, device=device, threads=threads, channels_last=layout, **kw)


def _pairs(items: list[tuple[str, str, float | None]], device: str, threads: int, *, rounds: int, processes: int,
           iters: int, warmup: int, **kw) -> tuple[Pair, ...]:
    return tuple(Pair(_case(a, device, threads, **kw), _case(b, device, threads, **kw), rounds, iters, warmup,
                      bound=bound, processes=processes) for a, b, bound in items)


# (A, B, the bound of the claim the ratio A/B decides): the paper's ratio x (1 + 10 %), as in reports.claims, kept
# in the record for reference (the verdict itself is made by reports). Each pair runs in 3 fresh processes: one
# process can run a model 15 % slower than the next, every round alike, and only the spread between processes shows
# that (two runs of this preset with one process per pair disagreed on YOLO12-S / RT-DETR-R18: 0.641 and 0.546).
CPU_PAIRS = [
    ("yolov12-n@reference", "yolov12-n:area=1@reference", 0.549),  # Table 3, i7 CPU: 31.4 / 62.9
    ("yolov12-s@reference", "yolov12-s:area=1@reference", 0.663),  # Table 3: 78.4 / 130.0
    ("yolo12-n", "yolo11-n", 1.203),  # like for like (Ultralytics' code both sides): Table 1, 1.64 / 1.5
    ("yolo12-n", "yolov10-n", 0.980),  # 1.64 / 1.84
    ("yolo12-s", "rtdetr-r18", 0.627),  # 2.61 / 4.58
    ("yolov12-turbo-n", "yolov12-n", 1.073),  # official README: 1.60 / 1.64
    ("yolov12-turbo-s", "yolov12-s", 1.020),  # 2.42 / 2.61
    ("yolov12-n:proj=linear-ln", "yolov12-n", 1.127),  # Table 5a: 1.68 / 1.64
    ("yolov12-n:pe_kernel=9", "yolov12-n", 1.201),  # Table 5d: 1.79 / 1.64
    ("yolov12-n@reference", "yolo12-n", 1.10),  # ours against Ultralytics' YOLO12: the same network
    ("yolov12-n@sdpa", "yolo12-n", 1.10),
    ("yolov12-s@reference", "yolo12-s", 1.10),
    ("yolov12-s@sdpa", "yolo12-s", 1.10),
]
# The CPU-measurable claims on the large scales: one forward takes seconds here, so fewer, shorter rounds.
CPU_LARGE_PAIRS = [
    ("yolov12-x@reference", "yolov12-x:area=1@reference", 0.701),  # Table 3: 512.5 / 804.2
    ("yolov12-turbo-m", "yolov12-m", 0.966),  # official README: 4.27 / 4.86
    ("yolov12-turbo-l", "yolov12-l", 0.947),  # 5.83 / 6.77
    ("yolov12-turbo-x", "yolov12-x", 0.968),  # 10.38 / 11.79
]
# The runtime a CPU user deploys for speed, for the deployed-runtime pairs. OpenVINO: on this Intel CPU it gave the
# lowest forward+post p50 of the three runtimes for YOLO12-N/S (results/cpu-*/runtimes-latency.csv).
BEST_CPU_RUNTIME = "openvino"
CPU_RUNTIMES = ("eager", "onnxruntime", "openvino")
# cpu-full: the families a CPU user chooses between, each paired against Ultralytics' YOLO12 of the same scale.
FULL_FAMILIES = ("yolov12", "yolo11", "yolo26", "yolov8")
FULL_RTDETR = {"rtdetr-r18": "s", "rtdetr-l": "l"}  # RT-DETR against the YOLO12 scale nearest in latency class
CPU_LATENCY = ("yolov12-n", "yolov12-s", "yolo12-n", "yolo12-s", "yolov8-n", "yolov8-s", "yolov9-t", "yolov9-s",
               "yolov10-n", "yolov10-s", "yolo11-n", "yolo11-s", "yolov6-3.0-n", "yolov6-3.0-s", "rtdetr-r18",
               "rtdetr-l")


def cpu_plan(threads: int, quick: bool = False) -> list[Step]:
    """FLOPs of every model; bs1 fp32 640 latency of N/S (each with its p50 interval); the paired designs of every
    CPU-measurable claim (`quick`: without the large-scale ones)."""
    d = dict(precision="fp32", imgsz=640, batch=1)
    lat = dict(warmup=3, min_iters=15, min_time_s=2.0)
    plan = [
        Step("flops.csv", "flops", tuple(resolve(list(EVERY_MODEL)))),
        Step("latency.csv", "latency", tuple(_case(m, "cpu", threads, **d, **lat) for m in CPU_LATENCY)),
        Step("paired.csv", "paired", _pairs(CPU_PAIRS, "cpu", threads, rounds=12, processes=3, iters=4, warmup=1,
                                            **d)),
    ]
    plan.append(Step("paired-runtime.csv", "paired", _pairs([("yolov12-n", "yolo12-n", 1.10)], "cpu", threads,
                                                           rounds=12, processes=3, iters=4, warmup=1,
                                                           mode=BEST_CPU_RUNTIME, timed="forward+post", **d)))
    if not quick:
        plan.append(Step("paired-large.csv", "paired", _pairs(CPU_LARGE_PAIRS, "cpu", threads, rounds=6,
                                                              processes=3, iters=1, warmup=1, **d)))
    return plan


def _full_regions(model: str) -> tuple[str, ...]:
    """forward+post everywhere; forward too at the N/S scales (RT-DETR-R18 counts as S)."""
    return ("forward", "forward+post") if FULL_RTDETR.get(model, model[-1]) in "ns" else ("forward+post",)


def cpu_full_plan(threads: int, scales: tuple[str, ...] = SCALES) -> list[Step]:
    """N-X of our YOLOv12, Ultralytics' YOLO12, YOLO11, YOLO26, YOLOv8 and RT-DETR-R18/L: forward+post latency (and
    forward at N/S) in eager, ONNX Runtime and OpenVINO (each export checked against PyTorch first), and every model
    paired against YOLO12 of the same scale in eager and in the best CPU runtime. N/S take more rounds than M/L/X."""
    d = dict(precision="fp32", imgsz=640, batch=1, timed="forward+post")
    models = [f"{f}-{s}" for s in scales for f in ("yolov12", "yolo12") + FULL_FAMILIES[1:]]
    models += [m for m, s in FULL_RTDETR.items() if s in scales]
    lat = dict(precision="fp32", imgsz=640, batch=1, warmup=1, min_iters=5, min_time_s=1.0)
    latency_cases = tuple(_case(m, "cpu", threads, mode=mode, timed=t, **lat) for m in models
                          for mode in CPU_RUNTIMES for t in _full_regions(m))
    sides = [(f"{f}-{s}", f"yolo12-{s}") for s in scales for f in FULL_FAMILIES]
    sides += [(m, f"yolo12-{s}") for m, s in FULL_RTDETR.items() if s in scales]
    pairs = []
    for a, b in sides:
        small = b[-1] in "ns"
        kw = dict(rounds=8, iters=3) if small else dict(rounds=6, iters=1)
        pairs += [p for mode in ("eager", BEST_CPU_RUNTIME)
                  for p in _pairs([(a, b, None)], "cpu", threads, processes=2, warmup=1, mode=mode, **kw, **d)]
    return [Step("flops.csv", "flops", tuple(resolve(list(dict.fromkeys(parse(m).model for m in models))))),
            Step("runtimes-latency.csv", "latency", latency_cases),
            Step("runtimes-paired.csv", "paired", tuple(pairs))]


def cpu_ours_plan(threads: int) -> list[Step]:
    """Our YOLOv12-N/S against Ultralytics' YOLO12 of the same scale, paired, in each CPU runtime (forward, fp32,
    640, batch 1): the evidence for the suite's own speed targets (`python -m reports ledger --match '^target-'`),
    then both sides' per-node profiles in the deployed runtimes (bench.profile): where the time goes, and the floor
    of the ratio that ours' compute alone sets."""
    d = dict(precision="fp32", imgsz=640, batch=1)
    pairs = [p for s in ("n", "s") for mode in CPU_RUNTIMES for p in _pairs(
        [(f"yolov12-{s}", f"yolo12-{s}", None)], "cpu", threads, rounds=12, processes=3, iters=4, warmup=1,
        mode=mode, **d)]
    profiles = [p for s in ("n", "s") for mode in DEPLOYED for p in _pairs(
        [(f"yolov12-{s}", f"yolo12-{s}", None)], "cpu", threads, rounds=12, processes=3, iters=3, warmup=1,
        mode=mode, **d)]
    return [Step("ours-vs-yolo12.csv", "paired", tuple(pairs)), Step("profile.csv", "profile", tuple(profiles))]


def gpu_plan(device: str, probe: bool = True) -> list[Step]:
    """Tables 1, 3, 4, 5, 5h of the paper, execution modes, batch sweep; paired designs for every comparison.
    The attention kernels are those that run on `device` in fp16 (probed), or every backend when `probe` is off
    (a dry run on a machine without the GPU)."""
    d = dict(imgsz=640, batch=1)
    kernels = runnable_attention(device, "fp16") if probe else list(ATTN_CHOICES[1:])
    every = [c for c in resolve(["yolov12", "yolo12", "yolov8", "yolov9", "yolov10", "yolo11", "yolov6-3.0",
                                 "rtdetr"])]
    t5 = ([f"yolov12-n:proj={p}" for p in ("conv-bn", "linear-ln", "linear-bn", "conv-ln")]
          + [f"yolov12-n:pe_kernel={k}" for k in (3, 5, 7, 9)] + [f"yolov12-l:mlp_ratio={r}" for r in (1.2, 2, 4)])
    cases = lambda models, **kw: tuple(_case(str(m), device, 0, **{**d, **kw}) for m in models)  # noqa: E731
    pair = dict(rounds=12, processes=3, iters=50, warmup=3)
    steps = [
        Step("table1.csv", "latency", cases(every, precision="fp16") + cases(every, precision="fp16",
                                                                             timed="forward+post")),
        Step("table4.csv", "latency", tuple(c for p in ("fp32", "fp16") for c in cases(
            resolve(["yolov9", "yolov10", "yolo11", "yolov12"]), precision=p))),
        Step("table5.csv", "latency", cases(t5, precision="fp16")),
        Step("table5h.csv", "latency", tuple(c for k in kernels for c in cases(
            [f"yolov12-{s}@{k}" for s in SCALES], precision="fp16"))),
        Step("modes.csv", "latency", tuple(c for m in ("eager", "compile", "cudagraph") for c in cases(
            ["yolov12-n", "yolov12-s", "yolo11-n"], precision="fp16", mode=m))),
        Step("batch.csv", "latency", tuple(c for b in (1, 2, 4, 8, 16, 32, 64) for c in cases(
            resolve(["yolov12", "yolo11", "yolov8"]), precision="fp16", batch=b))),
    ]
    table3 = [(f"yolov12-{s}@reference", f"yolov12-{s}:area=1@reference", None) for s in SCALES]
    steps += [Step(f"table3-{p}.csv", "paired", _pairs(table3, device, 0, precision=p, **d, **pair))
              for p in ("fp32", "fp16")]
    family = [("yolo12-n", "yolo11-n", 1.203), ("yolo12-n", "yolov10-n", 0.980), ("yolo12-s", "rtdetr-r18", 0.627)]
    family += [(f"yolov12-{s}@reference", f"yolo12-{s}", None) for s in SCALES]
    family += [(f"yolov12-turbo-{s}", f"yolov12-{s}", None) for s in SCALES]
    family += [(f"yolov12-{s}@{k}", f"yolov12-{s}@reference", None) for k in ("flash-attn", "sdpa-flash", "sdpa")
               if k in kernels for s in SCALES]
    if "sdpa-flash" in kernels:  # Table 5f: area attention on/off with FlashAttention on
        family.append(("yolov12-n@sdpa-flash", "yolov12-n:area=1@sdpa-flash", None))
    steps.append(Step("paired.csv", "paired", _pairs(family, device, 0, precision="fp16", **d, **pair)))
    return [dataclasses.replace(s, items=tuple(_batch_order(s.items))) if s.kind == "latency" else s for s in steps]


def _batch_order(cases: tuple[Case, ...]) -> list[Case]:
    """Batches innermost per configuration, so an out-of-memory batch skips the larger ones."""
    return sorted(cases, key=lambda c: (c.model, c.attn, c.precision, c.mode, c.imgsz, c.timed, c.batch))


def smoke(plan: list[Step]) -> list[Step]:
    """The same plan on 64-pixel inputs, one of our models and one baseline per step, a handful of iterations."""
    tiny = dict(imgsz=64, warmup=1, min_iters=2, min_time_s=0.0)
    out = []
    for step in plan:
        if step.kind == "flops":
            items = tuple(step.items[:1]) + tuple(c for c in step.items if not c.ours)[:1]
        elif step.kind == "latency":
            ours = [c for c in step.items if c.config().ours][:1]
            items = tuple(dataclasses.replace(c, **tiny) for c in ours + [c for c in step.items
                                                                          if not c.config().ours][:1])
        else:
            items = tuple(dataclasses.replace(p, a=dataclasses.replace(p.a, imgsz=64), b=dataclasses.replace(
                p.b, imgsz=64), rounds=4, processes=2, iters=2) for p in step.items[:2])
        out.append(dataclasses.replace(step, items=items))
    return out


# ---- checking and estimating ----------------------------------------------------------------------------------------

def check_builds(plan: list[Step]) -> int:
    """Build every distinct configuration of ours on the meta device (no memory, no GPU); UserError on the first
    that does not build or whose areas do not split its input. Baselines are checked by name. Returns the count."""
    seen: set[tuple] = set()
    for step in plan:
        sizes = {c.imgsz for c in _cases(step)} or {640}
        for config in step.configs():
            key = (config.model, config.overrides)
            if key in seen or not config.ours:
                continue
            seen.add(key)
            try:
                with torch.device("meta"):
                    create_model(config.model, attn="reference", **dict(config.overrides))
                for size in sizes:
                    check_input(with_overrides(lookup(config.model), **dict(config.overrides)), size, size)
            except (ValueError, RuntimeError) as err:
                raise UserError(f"preset step {step.csv}: {config} does not build: {err}") from None
    return len(seen)


def _cases(step: Step) -> list[Case]:
    if step.kind == "latency":
        return list(step.items)
    if step.kind in ("paired", "profile"):
        return [c for p in step.items for c in (p.a, p.b)]
    return []


def _gflops(config: Config) -> float:
    row = lookup(config.model) if config.ours else None
    return (row.expected_gflops or 10.0) if row else 30.0  # baselines: a middle-of-the-road guess


def estimate_s(step: Step, cuda: bool) -> float:
    """A rough duration of a step (seconds), for planning only."""
    per_gflop = CPU_SECONDS_PER_GFLOP / (20 if cuda else 1)
    if step.kind == "flops":
        return 6.0 * len(step.items)
    if step.kind == "latency":
        return sum(max(c.min_time_s, c.min_iters * _gflops(c.config()) * per_gflop * c.batch)
                   + (c.warmup + 3) * _gflops(c.config()) * per_gflop * c.batch for c in step.items)
    return sum(max(p.rounds, p.max_rounds) * (p.iters + p.warmup) * sum(_gflops(c.config()) for c in (p.a, p.b))
               * per_gflop + 8 * p.processes for p in step.items)


def describe(plan: list[Step], folder: Path, cuda: bool) -> str:
    lines = [f"plan -> {folder}"]
    for step in plan:
        lines.append(f"  {step.csv:<18} {step.kind:<8} {len(step.items):>3} item(s), about "
                     f"{estimate_s(step, cuda) / 60:.1f} min (at most)")
        for item in step.items:
            lines.append(f"      {_describe(item)}")
    lines.append(f"  total: about {sum(estimate_s(s, cuda) for s in plan) / 60:.0f} min (rough)")
    return "\n".join(lines)


def _describe(item) -> str:
    if isinstance(item, Config):
        return str(item)
    if isinstance(item, Case):
        return f"{item.config()} {item.precision} b{item.batch} {item.imgsz} {item.timed} {item.mode}"
    return (f"{item.label} ({item.a.mode}, {item.a.timed}): {item.rounds} rounds in {item.processes} processes x "
            f"{item.iters} iters") + (
        f", bound {item.bound}" if item.bound else "")


# ---- running ------------------------------------------------------------------------------------------------------

def run(plan: list[Step], folder: Path, device_name: str, argv: list[str] | None = None, note: str = "") -> int:
    """Run every step; a step with failed rows makes the final status 1 (the later steps still run). `note` is
    added to each step's command in the records (a launched job names itself there)."""
    runners: dict[str, Callable[[Step, Path, str], int]] = {
        "flops": lambda s, out, cmd: flops.run(list(s.items), 640, out, cmd),
        "latency": lambda s, out, cmd: latency.sweep(list(s.items), out, cmd, device_name),
        "paired": lambda s, out, cmd: paired.run_pairs(list(s.items), out, cmd, device_name),
        "profile": lambda s, out, cmd: profile.run_profiles(list(s.items), out, cmd, device_name),
    }
    start, status = time.time(), 0
    for step in plan:
        command = "python -m bench.presets " + " ".join(argv or sys.argv[1:]) + f"  # step {step.csv}{note}"
        print(f"[preset {time.time() - start:7.1f}s] {step.csv}: {len(step.items)} {step.kind} item(s)",
              file=sys.stderr)
        code = runners[step.kind](step, folder / step.csv, command)
        if code == 130:
            return code
        status = status or code
    print(f"[preset] done in {time.time() - start:.1f}s; results in {folder}"
          + (" (some rows failed: see above)" if status else ""), file=sys.stderr)
    return status


def parse_args(argv: list[str] | None):
    p = ArgumentParser(prog="python -m bench.presets", description=__doc__.split("\n\n")[0])
    p.add_argument("preset", choices=("cpu", "cpu-full", "cpu-ours", "gpu"))
    p.add_argument("--out", default="results", help="results root (a <device-slug>/ folder is made in it)")
    p.add_argument("--device", default=None, help="cuda:N for the gpu preset (default cuda:0)")
    p.add_argument("--threads", type=int, default=0, help="cpu preset threads (default: all cores torch uses)")
    p.add_argument("--smoke", action="store_true", help="tiny inputs and iterations: checks plumbing only")
    p.add_argument("--quick", action="store_true", help="cpu preset without the large-scale (M/L/X) pairs")
    p.add_argument("--scales", default=",".join(SCALES), help="cpu-full preset: comma list of scales among n,s,m,l,x "
                                                             "(default all)")
    p.add_argument("--dry-run", action="store_true", help="print the plan and check every configuration builds "
                                                          "(meta device); measure nothing")
    g = p.add_argument_group("cluster (bench.launch)")
    g.add_argument("--launcher", choices=launch.LAUNCHERS, default="in-process",
                   help="in-process (default); submitit: one Slurm job per group of cases; submitit-local: the same "
                        "jobs as local processes")
    g.add_argument("--partition", default=None, help="Slurm partition (submitit)")
    g.add_argument("--gpus-per-job", type=int, default=None, help="GPUs each job holds (gpu preset; default 1)")
    g.add_argument("--cpus-per-job", type=int, default=None, help="CPUs each Slurm job holds (gpu preset; default "
                                                                  "8; a cpu preset's job takes a whole node)")
    g.add_argument("--max-parallel", type=int, default=None, help="jobs in flight at once (default: 1 local, 64 "
                                                                  "Slurm)")
    g.add_argument("--timeout-min", type=int, default=None, help="each job's time limit in minutes (default 120)")
    g.add_argument("--logs", default=None, help="submitit's folder for job pickles and stdout/stderr logs (default "
                                                "submitit-logs)")
    return p.parse_args(argv)


def launch_options(args) -> launch.Options | None:
    """The validated cluster flags (None: in-process); UserError for a flag the chosen launcher would ignore."""
    given = [f for f, v in (("--partition", args.partition), ("--gpus-per-job", args.gpus_per_job),
                            ("--cpus-per-job", args.cpus_per_job),
                            ("--max-parallel", args.max_parallel), ("--timeout-min", args.timeout_min),
                            ("--logs", args.logs)) if v is not None]
    for flag, value in (("--partition", args.partition), ("--cpus-per-job", args.cpus_per_job)):
        if value is not None and args.launcher != "submitit":
            raise UserError(f"{flag} applies to --launcher submitit (Slurm) only")
    if args.launcher == "in-process":
        if given:
            raise UserError(f"{', '.join(given)} applies to --launcher submitit or submitit-local only")
        return None
    for flag, value in (("--gpus-per-job", args.gpus_per_job), ("--cpus-per-job", args.cpus_per_job)):
        if value is not None and args.preset != "gpu":
            raise UserError(f"{flag} does not apply to the {args.preset} preset (each job gets a whole node)")
    for flag, value, high in (("--gpus-per-job", args.gpus_per_job, 16), ("--cpus-per-job", args.cpus_per_job, 1024),
                              ("--max-parallel", args.max_parallel, 10_000), ("--timeout-min", args.timeout_min,
                                                                              100_000)):
        if value is not None:
            check_range(flag, value, 1, high, integer=True)
    local = args.launcher == "submitit-local"
    return launch.Options(args.launcher, Path(args.logs or "submitit-logs").resolve(),
                          args.max_parallel or (1 if local else 64), args.timeout_min or 120, args.partition,
                          (args.gpus_per_job or 1) if args.preset == "gpu" else 0,
                          (args.cpus_per_job or 8) if args.preset == "gpu" else 0)


def scales(args) -> tuple[str, ...]:
    return tuple(s.strip() for s in args.scales.split(",") if s.strip())


def build(args, here: bool) -> tuple[list[Step], Path, str]:
    """The plan, its results folder and the device's name. `here`: for this machine (the GPU probed, threads
    applied); otherwise portable (every attention kernel, a folder named after the device string)."""
    if args.preset == "gpu":
        device = args.device or "cuda:0"
        if here:
            device = parse_device(device)
        elif not (device.startswith("cuda:") and device[5:].isdigit()):
            raise UserError(f"--device {device!r}: accepted for the gpu preset: cuda:N")
        plan, threads = gpu_plan(device, probe=here), None
        name = gpu_name(device) if here else device
    else:
        device, threads, name = "cpu", apply_threads(args.threads), cpu_name()
        plan = {"cpu": lambda: cpu_plan(threads, quick=args.quick), "cpu-ours": lambda: cpu_ours_plan(threads),
                "cpu-full": lambda: cpu_full_plan(threads, scales(args))}[args.preset]()
    folder = Path(args.out) / device_slug(device, threads) if here or args.preset != "gpu" else \
        Path(args.out) / device.replace(":", "")
    if args.smoke:
        plan, folder = smoke(plan), folder.with_name(folder.name + "-smoke")
    return plan, folder, name


def run_job(job: launch.Job) -> int:
    """One launched job, on its node: rebuild the preset there (its device, its threads: its results folder) and
    run the job's items of one step; an item the node's plan lacks (a kernel this GPU cannot run) is said and left."""
    args = parse_args(list(job.argv))
    args.out = job.out
    check_out_dir(args.out)
    plan, folder, name = build(args, here=True)
    step = next(s for s in plan if s.csv == job.csv)
    items = tuple(i for i in step.items if launch.item_key(i) in job.items)
    absent = sorted(set(job.items) - {launch.item_key(i) for i in items})
    if absent:
        print(f"not in this device's plan (left): {'; '.join(absent)}", file=sys.stderr)
    return run([dataclasses.replace(step, items=items)], folder, name, list(job.argv), note=f", job {job.name}") \
        if items else 0


@cli
def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    ignored = [f for f, on in (("--threads", args.threads and args.preset == "gpu"), ("--quick", args.quick and
               args.preset != "cpu"), ("--device", args.device and args.preset != "gpu"), ("--scales", scales(args)
               != SCALES and args.preset != "cpu-full")) if on]
    if ignored:
        raise UserError(f"{', '.join(ignored)} does not apply to the {args.preset} preset; accepted: --device with "
                        "gpu, --threads with the cpu presets, --quick with cpu, --scales with cpu-full")
    if not scales(args) or any(s not in SCALES for s in scales(args)):
        raise UserError(f"--scales {args.scales!r}: accepted: a comma list of {', '.join(SCALES)}")
    options = launch_options(args)
    if not args.dry_run:
        check_out_dir(args.out)
        if options is not None:
            launch.check(options)
    plan, folder, name = build(args, here=not args.dry_run and options is None)
    n = check_builds(plan)
    jobs = launch.jobs_for(plan, sys.argv[1:] if argv is None else list(argv), args.out) if options else []
    if args.dry_run:
        print(describe(plan, folder, args.preset == "gpu"))
        print(f"  {n} configurations of ours build on the meta device; baselines are checked by name")
        if options:
            print(f"  {len(jobs)} job(s) through {options.launcher}, at most {options.max_parallel} at a time")
        return 0
    if options:
        return launch.launch(jobs, run_job, options)
    return run(plan, folder, name)


if __name__ == "__main__":
    sys.exit(main())
