"""The flags bench.latency and bench.paired share, and the validation of the whole request before anything runs:
device, precisions, sizes, timed regions, attention backends (probed by building the smallest model on the device),
modes, the timing settings and the results file. Every failure is a UserError naming what is accepted."""

from __future__ import annotations

import argparse
import itertools
from dataclasses import dataclass
from pathlib import Path

import torch

from bench import runtimes, timing
from bench.config import ATTN_CHOICES, Config
from bench.precision import DTYPES, PRECISIONS, check
from bench.records import check_results_file
from bench.subject import build_ours
from bench.system import cpu_name, gpu_name
from yolov12.attention import AttentionUnavailable
from yolov12.cli import (
    UserError,
    add_nms_flags,
    add_threads_flag,
    apply_threads,
    check_imgsz,
    check_nms_flags,
    check_range,
    parse_device,
)
from yolov12.model import inference_layout
from yolov12.scales import check_input, lookup, with_overrides

LAYOUTS = ("native", "nchw", "channels-last")
MODES = ("eager", "compile", "cudagraph", "onnxruntime", "openvino")
TIMED = ("forward", "forward+post", "pipeline")
MAX_BATCH = 1024


def native_channels_last(ours: bool, mode: str, device: str) -> bool:
    """Does an implementation run channels_last as it runs itself (`--layout native`)? Ours on the CPU in eager and
    compile (`yolov12.model.inference_layout`); Ultralytics' models never (its predictor runs NCHW)."""
    return ours and mode not in runtimes.DEPLOYED and inference_layout(device) == torch.channels_last


def channels_last(layout: str, config: Config, mode: str, device: str) -> bool:
    """Does `config` run in channels_last under `--layout layout` in `mode` on `device`? An exported runtime picks
    its own layout: never."""
    if layout == "native":
        return native_channels_last(config.ours, mode, device)
    return layout == "channels-last" and mode not in runtimes.DEPLOYED


def split(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def ints(text: str, flag: str) -> list[int]:
    try:
        return [int(t) for t in split(text)]
    except ValueError:
        raise UserError(f"{flag} {text!r}: accepted comma-separated integers") from None


def add_common(p: argparse.ArgumentParser) -> None:
    """Flags shared by bench.latency and bench.paired."""
    p.add_argument("--device", default="cpu", help="cpu, cuda, cuda:N or N (default cpu)")
    p.add_argument("--precision", default="fp32", help=f"comma list of {', '.join(PRECISIONS)}; fp32 on CUDA has "
                                                       "TF32 off, ask 'tf32' for TF32 (default fp32)")
    p.add_argument("--batch", default="1", help=f"comma list of batch sizes 1..{MAX_BATCH} (default 1)")
    p.add_argument("--imgsz", default="640", help="comma list of square input sizes, multiples of 32 (default 640)")
    p.add_argument("--timed", default="forward", help=f"comma list of timed regions: {', '.join(TIMED)}")
    p.add_argument("--layout", default="native", choices=LAYOUTS, help="memory layout in the eager and compile "
                   "modes: native (each implementation's own: ours channels_last on the CPU and NCHW on CUDA, "
                   "Ultralytics' NCHW as its predictor runs), nchw or channels-last (every model); an exported "
                   "runtime picks its own (recorded channels_last=false). Default native")
    add_threads_flag(p)
    p.add_argument("--fuse", action=argparse.BooleanOptionalAction, default=True, help="fold BN into convs")
    p.add_argument("--warmup", type=int, default=None, help="warm-up iterations (default 5 cpu / 25 cuda)")
    p.add_argument("--min-iters", type=int, default=None, help="minimum timed iterations (default 20 cpu / 100 cuda)")
    p.add_argument("--min-time", type=float, default=None, help="minimum timed seconds (default 3 cpu / 2 cuda)")
    add_nms_flags(p)
    p.add_argument("--weights", default="", help="a local checkpoint for the (single) model; random otherwise")
    p.add_argument("--out", required=True, help="records CSV (appended; finished rows are skipped on rerun)")


@dataclass(frozen=True)
class Common:
    """The validated shared flags."""

    device: str
    device_name: str
    precisions: list[str]
    batches: list[int]
    sizes: list[int]
    timed: list[str]
    threads: int
    timing: dict
    out: Path


def check_common(args: argparse.Namespace) -> Common:
    """Validate the shared flags (nothing is built or written); apply --threads."""
    device = parse_device(args.device)
    precisions = split(args.precision)
    for p in precisions or ["(none)"]:
        check(p, device)
    batches, sizes, timed = ints(args.batch, "--batch"), ints(args.imgsz, "--imgsz"), split(args.timed)
    if not batches or not sizes or not timed:
        raise UserError("--batch, --imgsz and --timed need at least one value each")
    for b in batches:
        check_range("--batch", b, 1, MAX_BATCH, integer=True)
    for s in sizes:
        check_imgsz("--imgsz", s)
    for t in timed:
        if t not in TIMED:
            raise UserError(f"unknown timed region {t!r}; accepted: {', '.join(TIMED)}")
    check_nms_flags(args)
    if args.weights and Path(args.weights).is_dir():
        raise UserError(f"--weights {args.weights} is a directory, not a checkpoint file; accepted: a checkpoint file")
    if args.weights and not Path(args.weights).is_file():
        raise UserError(f"--weights {args.weights}: no such file; accepted: a checkpoint file")
    if args.weights and not _looks_like_checkpoint(Path(args.weights)):
        raise UserError(f"--weights {args.weights}: not a checkpoint (neither a torch zip or pickle file nor "
                        "safetensors); accepted: a .pt or .safetensors checkpoint file")
    d = timing.defaults(device)
    for flag, key, value, low in (("--warmup", "warmup", args.warmup, 0), ("--min-iters", "min_iters",
                                  args.min_iters, 1), ("--min-time", "min_time_s", args.min_time, 0)):
        if value is not None:
            check_range(flag, value, low, 100_000)
            d[key] = value
    out = check_results_file(args.out)
    threads = apply_threads(args.threads)
    name = gpu_name(device) if device.startswith("cuda") else cpu_name()
    return Common(device, name, precisions, batches, sizes, timed, threads, d, out)


def _looks_like_checkpoint(path: Path) -> bool:
    """The file starts as torch.save (zip, or a legacy pickle) or safetensors (u64 header size, then a JSON object)
    writes it; what is inside is judged when the model loads."""
    try:
        with open(path, "rb") as f:
            head = f.read(9)
    except OSError:
        return False
    return head.startswith((b"PK\x03\x04", b"\x80")) or (len(head) == 9 and head[8:9] == b"{")


def check_mode(mode: str, device: str) -> None:
    if mode not in MODES:
        raise UserError(f"unknown mode {mode!r}; accepted: {', '.join(MODES)}")
    if mode == "cudagraph" and not device.startswith("cuda"):
        raise UserError("--mode cudagraph captures CUDA graphs; accepted on cpu: eager, compile, onnxruntime, "
                        "openvino")
    runtimes.check_installed(mode)
    runtimes.check_device(mode, device)


def check_configs(configs: list[Config], sizes: list[int]) -> None:
    """Every configuration builds (on the meta device) and its areas split every input size asked."""
    for config in configs:
        if not config.ours:
            continue
        row = with_overrides(lookup(config.model), **dict(config.overrides))
        for size in sizes:
            try:
                check_input(row, size, size)
            except ValueError as err:
                raise UserError(f"{config}: {err}") from None


def check_attn(names: list[str], device: str, precisions: list[str]) -> None:
    """Every (backend, precision) must run on `device`: probe our smallest model once; else a user error."""
    for name in names:
        if name not in ATTN_CHOICES:
            raise UserError(f"unknown attention backend {name!r}; accepted: {', '.join(ATTN_CHOICES)}")
    for name, precision in itertools.product(names, precisions):
        try:
            build_ours("yolov12-n", {}, attn=name, device=device, dtype=DTYPES[precision], fuse=False,
                       channels_last=False)
        except AttentionUnavailable as err:
            raise UserError(f"--attn {name} cannot run on {device} in {precision}: {err}") from None


def runnable_attention(device: str, precision: str) -> list[str]:
    """Attention backends that run on `device` in `precision` (reference always)."""
    out = []
    for name in ATTN_CHOICES[1:]:
        try:
            check_attn([name], device, [precision])
            out.append(name)
        except UserError:
            continue
    return out
