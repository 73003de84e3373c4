"""Real photographs shipped with installed packages (ultralytics' assets, scikit-image's sample data), read
without importing either package, letterboxed with yolov12.preprocess like evaluation does."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import cv2
import numpy as np
import torch

from yolov12.preprocess import Letterbox, letterbox, to_tensor

_FILES = {
    "ultralytics": ("assets/bus.jpg", "assets/zidane.jpg"),
    "skimage": ("data/astronaut.png", "data/chelsea.png", "data/coffee.png", "data/rocket.jpg",
                "data/motorcycle_left.png"),
}


def photograph_paths() -> list[Path]:
    """Paths of the photographs that exist in this environment (bus.jpg first)."""
    paths = []
    for package, files in _FILES.items():
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            continue
        root = Path(list(spec.submodule_search_locations)[0])
        paths.extend(root / f for f in files if (root / f).exists())
    if not paths:
        raise FileNotFoundError("no sample photographs found (ultralytics assets or scikit-image data)")
    return paths


def photographs(n: int) -> list[np.ndarray]:
    """`n` BGR uint8 photographs, cycling through the available ones."""
    images = [cv2.imread(str(p), cv2.IMREAD_COLOR) for p in photograph_paths()]
    return [images[i % len(images)] for i in range(n)]


def letterboxed(images: list[np.ndarray], imgsz: int) -> tuple[torch.Tensor, list[Letterbox]]:
    """(B, 3, imgsz, imgsz) float RGB in [0, 1] and each image's placement."""
    pairs = [letterbox(im, imgsz) for im in images]
    return to_tensor([c for c, _ in pairs]), [p for _, p in pairs]
