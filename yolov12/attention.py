"""Attention backends: one contract, `backend(q, k, v) -> out`, several implementations.

q, k, v: (batch, heads, tokens, head_dim), same device and dtype; out has q's shape. Scale is 1/sqrt(head_dim),
no mask, no dropout. `reference` is the explicit matmul + softmax that Ultralytics' YOLO12 runs (the paper's
"without FlashAttention"); `sdpa` lets torch pick a kernel; `sdpa-<kernel>` pins one; `flash-attn` calls the
flash-attn package. A backend that cannot run on its inputs raises `AttentionUnavailable`; nothing falls back.
"""

from __future__ import annotations

import contextlib
import importlib

import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel

_PINNED = {
    "sdpa-flash": SDPBackend.FLASH_ATTENTION,
    "sdpa-efficient": SDPBackend.EFFICIENT_ATTENTION,
    "sdpa-cudnn": SDPBackend.CUDNN_ATTENTION,
    "sdpa-math": SDPBackend.MATH,
}
BACKENDS = ("reference", "sdpa", *_PINNED, "flash-attn")
_KERNEL_NAMES = {
    SDPBackend.MATH: "sdpa-math",
    SDPBackend.FLASH_ATTENTION: "sdpa-flash",
    SDPBackend.EFFICIENT_ATTENTION: "sdpa-efficient",
    SDPBackend.CUDNN_ATTENTION: "sdpa-cudnn",
}


class AttentionUnavailable(RuntimeError):  # noqa: N818 (reads as a state, like TimeoutError)
    """The asked-for attention backend cannot run here (missing package, device or dtype)."""


def _where(q: torch.Tensor) -> str:
    return f"{q.device.type}/{str(q.dtype).removeprefix('torch.')}"


class Reference:
    """Explicit QK^T, softmax, AV: the arithmetic of Ultralytics' AAttn."""

    name = "reference"

    def __call__(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        attn = (q * q.shape[-1] ** -0.5) @ k.transpose(-2, -1)
        return attn.softmax(dim=-1) @ v

    def kernel(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> str:
        return "reference"


class Sdpa:
    """torch's scaled_dot_product_attention, free to choose its kernel or pinned to one."""

    def __init__(self, name: str = "sdpa"):
        self.name = name
        self.pinned = _PINNED.get(name)

    def __call__(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        if self.pinned is None:
            return F.scaled_dot_product_attention(q, k, v)
        try:
            with sdpa_kernel(self.pinned):
                return F.scaled_dot_product_attention(q, k, v)
        except RuntimeError as err:
            raise AttentionUnavailable(
                f"attention backend {self.name!r} cannot run on {_where(q)} (head_dim {q.shape[-1]}); "
                f"choose another of {', '.join(BACKENDS)}"
            ) from err

    def kernel(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> str:
        """The kernel torch dispatches to for these inputs (the pinned one when pinned)."""
        if self.pinned is not None:
            return self.name
        choice = getattr(torch, "_fused_sdp_choice", None)
        if choice is None:
            return "sdpa-unknown"
        return _KERNEL_NAMES.get(SDPBackend(choice(q, k, v)), "sdpa-unknown")


class FlashAttn:
    """The flash-attn package (2.x): CUDA only, fp16/bf16 only; never casts behind the caller's back."""

    name = "flash-attn"

    def __init__(self):
        try:
            self._func = importlib.import_module("flash_attn").flash_attn_func
        except ImportError as err:
            raise AttentionUnavailable(
                "attention backend 'flash-attn' needs the flash-attn package (pip install '.[flash]')"
            ) from err

    def __call__(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        if not q.is_cuda or q.dtype not in (torch.float16, torch.bfloat16):
            raise AttentionUnavailable(
                f"attention backend 'flash-attn' runs on CUDA in fp16/bf16 only, not {_where(q)}"
            )
        # flash-attn wants (batch, tokens, heads, head_dim)
        out = self._func(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2))
        return out.transpose(1, 2)

    def kernel(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> str:
        return "flash-attn"


def get_backend(name: str) -> Reference | Sdpa | FlashAttn:
    """Build the backend called `name` ('auto' means 'sdpa'); ValueError for an unknown name."""
    if name == "auto":
        name = "sdpa"
    if name == "reference":
        return Reference()
    if name == "sdpa" or name in _PINNED:
        return Sdpa(name)
    if name == "flash-attn":
        return FlashAttn()
    raise ValueError(f"unknown attention backend {name!r}; accepted: auto, {', '.join(BACKENDS)}")


@contextlib.contextmanager
def attention(model: torch.nn.Module, name: str):
    """Run `model` with another attention backend inside the block, restoring the previous one after."""
    previous = model.attention_backend
    model.set_attention(name)
    try:
        yield model
    finally:
        model.set_attention(previous)
