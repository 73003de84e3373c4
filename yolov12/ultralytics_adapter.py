"""The narrow bridge from our trainer to the installed ultralytics: its data pipeline with augmentations (mosaic,
mixup, copy-paste, HSV, flips, random perspective) and its detection loss (TaskAlignedAssigner + CIoU + DFL + BCE).
These produced the paper's numbers, so they are reused rather than rewritten. This is the only trainer file that
imports ultralytics, always inside functions: the import changes process-wide settings (and patches torch.save)."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import torch

from yolov12 import offline
from yolov12.recipe import Recipe

AUGMENT_KEYS = ("hsv_h", "hsv_s", "hsv_v", "degrees", "translate", "scale", "shear", "perspective", "flipud",
                "fliplr", "mosaic", "mixup", "copy_paste")


def prepare_offline(config_dir: str | os.PathLike | None = None) -> dict[str, str]:
    """Before this (trainer's own) process imports ultralytics: the offline set-up of `yolov12.offline`, applied
    to this process's environment where a variable is not already set. Returns the variables in force."""
    root = Path(config_dir or os.environ.get("YOLO_CONFIG_DIR") or Path.cwd() / ".cache" / "ultralytics").parent
    env = offline.prepare(root)
    for key, value in env.items():
        os.environ.setdefault(key, value)
    return {k: os.environ[k] for k in env}


def load_data(data: str | os.PathLike) -> dict:
    """Resolve a YOLO data YAML (absolute image dirs, `nc`, `names`); FileNotFoundError/ValueError if unusable."""
    prepare_offline()
    from ultralytics.data.utils import check_det_dataset

    if not Path(data).is_file():
        raise FileNotFoundError(f"data YAML not found: {data}")
    try:
        return check_det_dataset(str(data), autodownload=False)
    except Exception as e:  # ultralytics raises plain Exception/FileNotFoundError/SyntaxError for bad datasets
        raise ValueError(f"unusable dataset {data}: {str(e).splitlines()[0]}") from None


def hyperparameters(recipe: Recipe, **extra) -> SimpleNamespace:
    """Ultralytics' config namespace with the recipe's augmentation values (read by its datasets)."""
    prepare_offline()
    from ultralytics.cfg import get_cfg

    over = {k: getattr(recipe, k) for k in AUGMENT_KEYS}
    over.update(imgsz=recipe.imgsz, cache=False if recipe.cache == "none" else recipe.cache, **extra)
    return get_cfg(overrides=over)


def build_dataset(data: dict, split: str, recipe: Recipe, *, train: bool, batch: int):
    """A YOLODataset over `data[split]`: augmented (train) or letterboxed to imgsz (val). Items are dicts; batch
    them with `dataset.collate_fn` -> {'img': (B,3,H,W) uint8 RGB, 'cls': (N,1), 'bboxes': (N,4) normalised cx,cy,w,h,
    'batch_idx': (N,), ...}."""
    from ultralytics.data.build import build_yolo_dataset

    hyp = hyperparameters(recipe)
    return build_yolo_dataset(hyp, data[split], batch, data, mode="train" if train else "val", rect=False, stride=32)


def close_mosaic(dataset, recipe: Recipe) -> None:
    """Turn off mosaic, mixup and copy-paste in an augmented dataset (the recipe's last `close_mosaic` epochs)."""
    dataset.close_mosaic(hyp=hyperparameters(recipe))


def mosaic_buffer(dataset) -> list[int]:
    """Indices of the images the mosaic currently samples partners from (state carried across epochs)."""
    return list(getattr(dataset, "buffer", []))


def restore_mosaic_buffer(dataset, indices: list[int]) -> None:
    """Reload the mosaic buffer in order so a resumed run samples exactly as the uninterrupted one."""
    if not hasattr(dataset, "buffer"):
        return
    dataset.buffer.clear()
    for i in indices:
        dataset.load_image(int(i))


class DetectionLoss:
    """Ultralytics' v8 detection loss for our head's per-level maps (B, 4*16 + nc, h, w).

    Returns (loss, items): `loss` is the gain-weighted sum of box, cls and dfl times the batch size (what the
    trainer back-propagates), `items` the three detached terms (box, cls, dfl) before the batch-size factor."""

    def __init__(self, nc: int, strides: tuple[int, ...], recipe: Recipe, device: torch.device, bins: int = 16):
        prepare_offline()
        from ultralytics.utils.loss import v8DetectionLoss

        head = SimpleNamespace(stride=torch.tensor(strides, dtype=torch.float32), nc=nc, reg_max=bins)
        anchor = torch.zeros(1, device=device)
        shim = SimpleNamespace(args=SimpleNamespace(box=recipe.box, cls=recipe.cls, dfl=recipe.dfl), model=[head],
                               parameters=lambda: iter([anchor]))
        self.loss = v8DetectionLoss(shim)
        self.nc, self.bins = nc, bins

    def __call__(self, maps: list[torch.Tensor], batch: dict) -> tuple[torch.Tensor, torch.Tensor]:
        b, nb = maps[0].shape[0], 4 * self.bins
        preds = {
            "boxes": torch.cat([m[:, :nb].reshape(b, nb, -1) for m in maps], 2),
            "scores": torch.cat([m[:, nb:].reshape(b, self.nc, -1) for m in maps], 2),
            "feats": maps,
        }
        loss, items = self.loss(preds, batch)
        return loss.sum(), torch.stack([items[k] for k in self.loss.loss_names])
