"""COCO layout: an `instances_*.json` (images, annotations, categories) and a folder of the images it names.
Class index i is the i-th category in id order (for COCO itself: the usual 80 classes -> ids 1..90)."""

from __future__ import annotations

import json
from pathlib import Path

from yolov12.data.detset import DatasetError, DetectionSet, ImageEntry


def find_annotations(folder: Path) -> Path:
    """The `annotations/instances_*.json` of a COCO dataset folder: val2017 if present, else the only one."""
    found = sorted((folder / "annotations").glob("instances_*.json"))
    if not found:
        raise DatasetError(f"not a COCO dataset folder: no annotations/instances_*.json under {folder}")
    for name in ("instances_val2017.json", "instances_val.json"):
        if folder / "annotations" / name in found:
            return folder / "annotations" / name
    if len(found) > 1:
        raise DatasetError(f"{folder}: several annotation files ({', '.join(f.name for f in found)}); "
                           "pass the json file itself")
    return found[0]


def find_image_dir(json_path: Path) -> Path:
    """Image folder of `.../annotations/instances_<split>.json`: `<root>/<split>` or `<root>/images/<split>`."""
    split = json_path.stem.removeprefix("instances_")
    root = json_path.parent.parent if json_path.parent.name == "annotations" else json_path.parent
    for cand in (root / split, root / "images" / split, root / "images"):
        if cand.is_dir():
            return cand
    raise DatasetError(f"{json_path}: no image folder found (looked for {root / split} and {root / 'images' / split})")


def load_json(path: Path) -> dict:
    try:
        gt = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise DatasetError(f"{path}: not a readable JSON file ({err})") from None
    if not isinstance(gt, dict) or not all(isinstance(gt.get(k), list) for k in ("images", "annotations",
                                                                                    "categories")):
        raise DatasetError(f"{path}: a COCO instances file needs `images`, `annotations` and `categories` lists")
    if not gt["images"] or not gt["categories"]:
        raise DatasetError(f"{path}: no images or no categories")
    return gt


def read_coco(json_path: str | Path, image_dir: str | Path | None = None) -> DetectionSet:
    """Read a COCO instances file (the ground truth is kept as is: crowd flags and segment areas count)."""
    json_path = Path(json_path)
    if not json_path.is_file():
        raise DatasetError(f"no COCO annotation file at {json_path}")
    gt = load_json(json_path)
    folder = Path(image_dir) if image_dir is not None else find_image_dir(json_path)
    images = []
    for im in gt["images"]:
        try:
            entry = ImageEntry(int(im["id"]), folder / im["file_name"], int(im["height"]), int(im["width"]))
        except (KeyError, TypeError, ValueError):
            raise DatasetError(f"{json_path}: image entry without integer id/height/width and file_name: {im}") \
                from None
        images.append(entry)
    missing = [e.path for e in images if not e.path.is_file()]
    if missing:
        raise DatasetError(f"{json_path}: {len(missing)} of {len(images)} images missing under {folder} "
                           f"(first: {missing[0].name})")
    cats = sorted(gt["categories"], key=lambda c: c["id"])
    names = tuple(str(c.get("name", c["id"])) for c in cats)
    ids = tuple(int(c["id"]) for c in cats)
    return DetectionSet(str(json_path), "coco", tuple(images), names, ids, gt, "json category ids in id order")
