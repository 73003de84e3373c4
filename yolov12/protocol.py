"""The evaluation protocols' geometry: which images share a batch, the canvas of each batch, how an image is resized
and placed on it, and how boxes map back to the image. Two protocols, both as Ultralytics' validator (8.4) runs them:

- `rect` (what `model.val()` does by default, so what the paper's numbers come from): images ordered by file path,
  then by aspect ratio h/w (numpy's default argsort); consecutive groups of `batch` share a canvas of
  ceil(shape * imgsz / stride + pad) * stride pixels per side, with shape (max h/w, 1) for an all-landscape group,
  (1, 1 / min h/w) for an all-portrait group and (1, 1) otherwise; pad is half a stride (0.5), so even a square
  image gets imgsz + stride at 640 (672 x 672).
- `square` (`rect=False`): the same order by file path, every canvas imgsz x imgsz.

Either way an image is first resized so its long side is imgsz (each side ceil()ed, at most imgsz; cv2 bilinear),
then placed on the canvas without upscaling (centred; padding split round(d - 0.1) / round(d + 0.1); grey 114).
Boxes map back with per-axis gains (resized side / original side) and the (left, top) padding, then are clipped."""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import torch

PROTOCOLS = ("rect", "square")
PAD_VALUE = 114


@dataclass(frozen=True)
class Protocol:
    """One evaluation protocol: `name` (rect | square), long side `imgsz`, images per batch, the model's stride and
    the rect canvases' padding in strides."""

    name: str = "rect"
    imgsz: int = 640
    batch: int = 16
    stride: int = 32
    pad: float = 0.5

    def __post_init__(self):
        if self.name not in PROTOCOLS:
            raise ValueError(f"unknown protocol {self.name!r}; accepted: {', '.join(PROTOCOLS)}")

    @property
    def letterbox(self) -> str:
        """Short text for records: 'rect stride 32 pad 0.5' or 'square 640'."""
        if self.name == "rect":
            return f"rect stride {self.stride} pad {self.pad:g}"
        return f"square {self.imgsz}"


@dataclass(frozen=True)
class Placement:
    """How an image of `shape` (h, w) sits on its canvas: per-axis `gain` (y, x) and (left, top) `pad` in pixels."""

    shape: tuple[int, int]
    gain: tuple[float, float]
    pad: tuple[int, int]


def plan(sizes: list[tuple[int, int]], paths: list[str], proto: Protocol) -> list[tuple[list[int], tuple[int, int]]]:
    """Batches as (indices into `sizes`, canvas (h, w)), in the order the validator runs them. `sizes` are (h, w)."""
    order = sorted(range(len(paths)), key=lambda i: paths[i])
    if proto.name == "square" or not order:
        chunks = [order[i:i + proto.batch] for i in range(0, len(order), proto.batch)]
        return [(c, (proto.imgsz, proto.imgsz)) for c in chunks]
    hw = np.array([sizes[i] for i in order], dtype=float)
    ar = hw[:, 0] / hw[:, 1]
    irect = ar.argsort()  # the same (unstable) sort as the validator, on the same array: the same order of ties
    order, ar = [order[i] for i in irect], ar[irect]
    out = []
    for start in range(0, len(order), proto.batch):
        group = ar[start:start + proto.batch]
        lo, hi = group.min(), group.max()
        shape = [hi, 1] if hi < 1 else [1, 1 / lo] if lo > 1 else [1, 1]
        h, w = (np.ceil(np.array(shape) * proto.imgsz / proto.stride + proto.pad).astype(int) * proto.stride)
        out.append((order[start:start + proto.batch], (int(h), int(w))))
    return out


def resize_long_side(image: np.ndarray, imgsz: int) -> np.ndarray:
    """HxWx3 -> the long side at `imgsz` (both sides ceil()ed, capped at imgsz), cv2 bilinear; as is if already."""
    h0, w0 = image.shape[:2]
    r = imgsz / max(h0, w0)
    if r == 1:
        return image
    size = (min(math.ceil(w0 * r), imgsz), min(math.ceil(h0 * r), imgsz))
    return cv2.resize(image, size, interpolation=cv2.INTER_LINEAR)


def place(image: np.ndarray, canvas: tuple[int, int], original: tuple[int, int]) -> tuple[np.ndarray, Placement]:
    """A resized image (from `resize_long_side`) on a centred canvas (h, w), never upscaled -> (canvas, placement
    relative to the `original` (h, w) image)."""
    h, w = image.shape[:2]
    r = min(canvas[0] / h, canvas[1] / w, 1.0)
    nw, nh = max(round(w * r), 1), max(round(h * r), 1)
    if (nw, nh) != (w, h):
        image = cv2.resize(image, (nw, nh), interpolation=cv2.INTER_LINEAR)
    dw, dh = (canvas[1] - nw) / 2, (canvas[0] - nh) / 2
    top, bottom, left, right = round(dh - 0.1), round(dh + 0.1), round(dw - 0.1), round(dw + 0.1)
    out = cv2.copyMakeBorder(image, top, bottom, left, right, cv2.BORDER_CONSTANT, value=(PAD_VALUE,) * 3)
    gain = (h / original[0] * r, w / original[1] * r)
    return out, Placement(original, gain, (left, top))


def prepare(image: np.ndarray, canvas: tuple[int, int], imgsz: int) -> tuple[np.ndarray, Placement]:
    """An original HxWx3 image -> (canvas HxWx3 of size `canvas`, placement)."""
    return place(resize_long_side(image, imgsz), canvas, image.shape[:2])


def to_original(boxes_xyxy: torch.Tensor, p: Placement) -> torch.Tensor:
    """Canvas-pixel xyxy boxes -> original-image pixels, clipped to the image (a new tensor; same arithmetic order
    and dtype as the validator's, so float32 in, the same float32 out)."""
    out = boxes_xyxy.clone()
    out[:, [0, 2]] -= p.pad[0]
    out[:, [1, 3]] -= p.pad[1]
    out[:, [0, 2]] /= p.gain[1]
    out[:, [1, 3]] /= p.gain[0]
    h, w = p.shape
    out[:, [0, 2]] = out[:, [0, 2]].clamp(0, w)
    out[:, [1, 3]] = out[:, [1, 3]].clamp(0, h)
    return out
