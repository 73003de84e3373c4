"""Letterboxed evaluation batches: each image read as BGR, placed on the shared square canvas
(`yolov12.preprocess.letterbox`), stacked into (B, 3, S, S) float RGB in [0, 1], with the placements needed to map
boxes back and the images' ids."""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from yolov12.data.detset import DatasetError, DetectionSet, ImageEntry
from yolov12.data.images import read_image
from yolov12.preprocess import Letterbox, letterbox, to_tensor


def read_bgr(entry: ImageEntry) -> np.ndarray:
    """HxWx3 uint8 BGR; a truncated or unreadable file is a DatasetError, and the decoded size must match the size
    the dataset states."""
    img = read_image(entry.path)
    if img.shape[:2] != (entry.height, entry.width):
        raise DatasetError(f"{entry.path}: image is {img.shape[1]}x{img.shape[0]} but the annotations say "
                           f"{entry.width}x{entry.height}")
    return img


class LetterboxDataset(Dataset):
    """Item i -> (canvas SxSx3 uint8 BGR, placement, image id)."""

    def __init__(self, data: DetectionSet, imgsz: int = 640):
        self.entries, self.imgsz = data.images, imgsz

    def __len__(self) -> int:
        return len(self.entries)

    def __getitem__(self, i: int) -> tuple[np.ndarray, Letterbox, int]:
        entry = self.entries[i]
        canvas, placement = letterbox(read_bgr(entry), self.imgsz)
        return canvas, placement, entry.id


def collate(items: list[tuple[np.ndarray, Letterbox, int]]) -> tuple[torch.Tensor, list[Letterbox], list[int]]:
    canvases, placements, ids = zip(*items, strict=True)
    return to_tensor(list(canvases)), list(placements), list(ids)


def eval_loader(data: DetectionSet, imgsz: int = 640, batch: int = 1, workers: int = 0) -> DataLoader:
    """Batches (x (B, 3, imgsz, imgsz) float RGB in [0, 1], placements, image ids) in dataset order."""
    return DataLoader(LetterboxDataset(data, imgsz), batch_size=batch, shuffle=False, num_workers=workers,
                      collate_fn=collate, persistent_workers=False)
