"""The one letterbox used by inference, evaluation and timing: square (or given) canvas, aspect kept, grey pad 114,
centred; plus the inverse that maps boxes back to the original image."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import torch

PAD_VALUE = 114


@dataclass(frozen=True)
class Letterbox:
    """How an image of `shape` (h, w) was placed on the canvas: scale `gain`, then (left, top) padding."""

    shape: tuple[int, int]
    gain: float
    pad: tuple[int, int]


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


def to_tensor(canvases: list[np.ndarray]) -> torch.Tensor:
    """Letterboxed BGR uint8 canvases -> (B, 3, H, W) float RGB in [0, 1]."""
    batch = np.stack([c[..., ::-1].transpose(2, 0, 1) for c in canvases])
    return torch.from_numpy(np.ascontiguousarray(batch)).float().div_(255.0)


def unletterbox(boxes_xyxy: torch.Tensor, placement: Letterbox) -> torch.Tensor:
    """Canvas-pixel xyxy boxes -> original-image pixels, clipped to the image."""
    out = boxes_xyxy.clone()
    out[:, [0, 2]] = (out[:, [0, 2]] - placement.pad[0]) / placement.gain
    out[:, [1, 3]] = (out[:, [1, 3]] - placement.pad[1]) / placement.gain
    h, w = placement.shape
    out[:, [0, 2]] = out[:, [0, 2]].clamp(0, w)
    out[:, [1, 3]] = out[:, [1, 3]].clamp(0, h)
    return out
