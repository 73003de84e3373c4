"""CLI basics shared by every entry point of the suite: the one user-error type and the `@cli` wrapper, an argument
parser that reports in one line and never guesses abbreviations, the one `--device` grammar, and shared flags.

A user error prints `error: <what was wrong>; accepted: <what is>` on stderr, exits 2 and writes nothing."""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable

import torch

MAX_IMGSZ = 4096  # the largest input side any CLI accepts (a 4096x4096 batch of 1 is ~200 MB in fp32)


class UserError(Exception):
    """Something the user asked for is wrong; the message says what and what is accepted."""


def cli(main: Callable[[list[str] | None], int]) -> Callable[[list[str] | None], int]:
    """Wrap a CLI `main(argv) -> status` so a UserError prints one line and returns 2."""

    @functools.wraps(main)
    def wrapped(argv: list[str] | None = None) -> int:
        try:
            return main(argv)
        except UserError as err:
            print(f"error: {err}", file=sys.stderr)
            return 2

    return wrapped


class ArgumentParser(argparse.ArgumentParser):
    """argparse without prefix matching (`--mode` is never taken for `--model`), whose errors are UserErrors."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str):
        raise UserError(f"{message} (see {self.prog} --help)")


def parse_device(text: str) -> str:
    """`cpu`, `cuda`, `cuda:N` or `N` -> a torch device string (`cpu` or `cuda:N`).
    UserError when the text is not one of those or the device is not on this machine."""
    text = text.strip().lower()
    dev = f"cuda:{text}" if text.isdigit() else "cuda:0" if text == "cuda" else text
    if dev == "cpu":
        return dev
    if not dev.startswith("cuda:") or not dev[5:].isdigit():
        raise UserError(f"unknown device {text!r}; accepted: cpu, cuda, cuda:N or N")
    if not torch.cuda.is_available():
        raise UserError(f"device {text!r} asked for but CUDA is not available here (torch {torch.__version__}); "
                        "accepted here: cpu")
    if int(dev[5:]) >= torch.cuda.device_count():
        raise UserError(f"device {text!r} does not exist; this machine has {torch.cuda.device_count()} GPU(s)")
    return dev


def check_range(flag: str, value: float, low: float, high: float | None = None, *, integer: bool = False) -> None:
    """UserError unless low <= value (<= high)."""
    if value != value or (integer and value != int(value)) or value < low or (high is not None and value > high):
        accepted = f"{'an integer' if integer else 'a number'} >= {low}" + (f" and <= {high}" if high is not None
                                                                            else "")
        raise UserError(f"{flag} {value}: accepted {accepted}")


def check_imgsz(flag: str, size: int) -> None:
    """Input sides: multiples of 32 from 32 to MAX_IMGSZ."""
    if size < 32 or size > MAX_IMGSZ or size % 32:
        raise UserError(f"{flag} {size}: accepted multiples of 32 from 32 to {MAX_IMGSZ}")


def add_nms_flags(p: argparse.ArgumentParser, *, conf: float = 0.25, iou: float = 0.7, max_det: int = 300) -> None:
    p.add_argument("--conf", type=float, default=conf, help=f"confidence threshold in [0, 1] (default {conf})")
    p.add_argument("--iou", type=float, default=iou, help=f"NMS IoU threshold in [0, 1] (default {iou})")
    p.add_argument("--max-det", type=int, default=max_det, help=f"detections kept per image, >= 1 "
                                                                f"(default {max_det})")


def check_nms_flags(args: argparse.Namespace) -> None:
    check_range("--conf", args.conf, 0.0, 1.0)
    check_range("--iou", args.iou, 0.0, 1.0)
    check_range("--max-det", args.max_det, 1, 30_000, integer=True)


def add_threads_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument("--threads", type=int, default=0, help="torch intra-op threads (default 0: torch's choice)")


def apply_threads(threads: int) -> int:
    """Validate and apply --threads; return the thread count torch will use."""
    check_range("--threads", threads, 0, 1024, integer=True)
    if threads:
        torch.set_num_threads(threads)
    return torch.get_num_threads()
