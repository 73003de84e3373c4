"""Evaluation batches under one `yolov12.protocol.Protocol`: images grouped and ordered as the protocol says, each
read as BGR, resized and placed on its batch's canvas, stacked into (B, 3, H, W) float RGB in [0, 1], with the
placements needed to map boxes back and the images' ids."""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from yolov12.data.detset import DatasetError, DetectionSet, ImageEntry
from yolov12.data.images import read_image
from yolov12.preprocess import to_tensor
from yolov12.protocol import Placement, Protocol, plan, prepare


def read_bgr(entry: ImageEntry) -> np.ndarray:
    """HxWx3 uint8 BGR; a truncated or unreadable file is a DatasetError, and the decoded size must match the size
    the dataset states."""
    img = read_image(entry.path)
    if img.shape[:2] != (entry.height, entry.width):
        raise DatasetError(f"{entry.path}: image is {img.shape[1]}x{img.shape[0]} but the annotations say "
                           f"{entry.width}x{entry.height}")
    return img


def batches(data: DetectionSet, proto: Protocol) -> list[tuple[list[int], tuple[int, int]]]:
    """The protocol's batches over `data`: (indices into data.images, canvas (h, w)) in run order."""
    return plan([(e.height, e.width) for e in data.images], [str(e.path) for e in data.images], proto)


class CanvasDataset(Dataset):
    """Item (i, canvas) -> (canvas HxWx3 uint8 BGR, placement, image id) for image i of `data`."""

    def __init__(self, data: DetectionSet, proto: Protocol):
        self.entries, self.imgsz = data.images, proto.imgsz

    def __len__(self) -> int:
        return len(self.entries)

    def __getitem__(self, item: tuple[int, tuple[int, int]]) -> tuple[np.ndarray, Placement, int]:
        i, canvas = item
        entry = self.entries[i]
        image, placement = prepare(read_bgr(entry), canvas, self.imgsz)
        return image, placement, entry.id


def collate(items: list[tuple[np.ndarray, Placement, int]]) -> tuple[torch.Tensor, list[Placement], list[int]]:
    canvases, placements, ids = zip(*items, strict=True)
    return to_tensor(list(canvases)), list(placements), list(ids)


def eval_loader(data: DetectionSet, proto: Protocol, workers: int = 0) -> DataLoader:
    """Batches (x (B, 3, H, W) float RGB in [0, 1], placements, image ids) as `proto` groups and orders them."""
    sampler = [[(i, canvas) for i in idx] for idx, canvas in batches(data, proto)]
    return DataLoader(CanvasDataset(data, proto), batch_sampler=sampler, num_workers=workers, collate_fn=collate,
                      persistent_workers=False)
