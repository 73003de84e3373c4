"""Letterboxes (aspect kept, INTER_LINEAR resize, grey pad 114, centred) and the inverse that maps boxes back to the
original image. `letterbox`: a square (or given) canvas, used by evaluation, timing and `predict --no-rect`.
`letterbox_rect`: the minimal rectangle of Ultralytics' predict (LetterBox with auto=True), used by `predict`'s
default, so the same checkpoint and photograph give Ultralytics' boxes."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import torch

PAD_VALUE = 114


@dataclass(frozen=True)
class Letterbox:
    """How an image of `shape` (h, w) was placed on the canvas: scale `gain`, then (left, top) padding. `gains`, when
    set, are the (x, y) ratios the resize actually applied (rounded size / original size); the inverse uses them."""

    shape: tuple[int, int]
    gain: float
    pad: tuple[int, int]
    gains: tuple[float, float] | None = None


def letterbox(image: np.ndarray, size: int | tuple[int, int] = 640) -> tuple[np.ndarray, Letterbox]:
    """HxWx3 uint8 BGR -> (canvas HxWx3 uint8 BGR of `size`, placement). Upscales small images, as YOLO val does."""
    th, tw = (size, size) if isinstance(size, int) else size
    h, w = image.shape[:2]
    gain = min(th / h, tw / w)
    nw, nh = round(w * gain), round(h * gain)
    if (nw, nh) != (w, h):
        image = cv2.resize(image, (nw, nh), interpolation=cv2.INTER_LINEAR)
    dw, dh = (tw - nw) / 2, (th - nh) / 2
    top, bottom = round(dh - 0.1), round(dh + 0.1)
    left, right = round(dw - 0.1), round(dw + 0.1)
    canvas = cv2.copyMakeBorder(image, top, bottom, left, right, cv2.BORDER_CONSTANT, value=(PAD_VALUE,) * 3)
    return canvas, Letterbox((h, w), gain, (left, top))


def letterbox_rect(image: np.ndarray, size: int = 640, stride: int = 32) -> tuple[np.ndarray, Letterbox]:
    """HxWx3 uint8 BGR -> (canvas, placement) on the MINIMAL RECTANGLE, as Ultralytics' predict builds it: scale so
    the image fits `size` x `size` (upscaling small images), round each side (at least 1 px), then pad each side only
    up to the next multiple of `stride`, split in two with the -0.1 / +0.1 rounding. E.g. 1280x720 at 640 -> a
    640x384 canvas (h x w: 384 x 640), not 640x640. Not the validator's per-batch rectangle (half-stride padding)."""
    h, w = image.shape[:2]
    gain = min(size / h, size / w)
    nw, nh = max(round(w * gain), 1), max(round(h * gain), 1)
    if (nw, nh) != (w, h):
        image = cv2.resize(image, (nw, nh), interpolation=cv2.INTER_LINEAR)
    dw, dh = (size - nw) % stride / 2, (size - nh) % stride / 2
    top, bottom = round(dh - 0.1), round(dh + 0.1)
    left, right = round(dw - 0.1), round(dw + 0.1)
    canvas = cv2.copyMakeBorder(image, top, bottom, left, right, cv2.BORDER_CONSTANT, value=(PAD_VALUE,) * 3)
    return canvas, Letterbox((h, w), gain, (left, top), gains=(nw / w, nh / h))


def to_tensor(canvases: list[np.ndarray]) -> torch.Tensor:
    """Letterboxed BGR uint8 canvases -> (B, 3, H, W) float RGB in [0, 1]."""
    batch = np.stack([c[..., ::-1].transpose(2, 0, 1) for c in canvases])
    return torch.from_numpy(np.ascontiguousarray(batch)).float().div_(255.0)


def unletterbox(boxes_xyxy: torch.Tensor, placement: Letterbox) -> torch.Tensor:
    """Canvas-pixel xyxy boxes -> original-image pixels, clipped to the image."""
    out = boxes_xyxy.clone()
    gx, gy = placement.gains or (placement.gain, placement.gain)
    out[:, [0, 2]] = (out[:, [0, 2]] - placement.pad[0]) / gx
    out[:, [1, 3]] = (out[:, [1, 3]] - placement.pad[1]) / gy
    h, w = placement.shape
    out[:, [0, 2]] = out[:, [0, 2]].clamp(0, w)
    out[:, [1, 3]] = out[:, [1, 3]].clamp(0, h)
    return out
