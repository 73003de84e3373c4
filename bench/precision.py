"""Precisions: names, dtypes, and the TF32 switches set explicitly for every measurement (fp32 means TF32 off)."""

from __future__ import annotations

import contextlib

import torch

from yolov12.cli import UserError

DTYPES = {"fp32": torch.float32, "tf32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}
PRECISIONS = tuple(DTYPES)


def check(precision: str, device: str) -> None:
    if precision not in DTYPES:
        raise UserError(f"unknown precision {precision!r}; accepted: {', '.join(PRECISIONS)}")
    if precision == "tf32" and not device.startswith("cuda"):
        raise UserError("precision 'tf32' is a CUDA matmul/conv mode; on cpu ask for fp32, fp16 or bf16")


def tf32_label(precision: str, device: str) -> str:
    return "on" if precision == "tf32" else "off"


@contextlib.contextmanager
def fp32_mode(precision: str):
    """Set TF32 for CUDA matmuls and cuDNN convs on (precision 'tf32') or off (anything else); restore after."""
    old = (torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32)
    on = precision == "tf32"
    torch.backends.cuda.matmul.allow_tf32 = on
    torch.backends.cudnn.allow_tf32 = on
    try:
        yield
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = old
