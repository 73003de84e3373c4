"""YOLO layout: a data YAML (`path`, `train`/`val`/`test`, `names`), image folders or list files, and one label
file per image (`labels/` beside `images/`) with rows `cls cx cy w h` (normalised; polygon rows give their bounding
box). Read into a `DetectionSet` whose ground truth is converted to COCO form in memory."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import yaml
from PIL import Image

from yolov12.data.detset import DatasetError, DetectionSet, ImageEntry

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")


def read_data_yaml(path: Path) -> dict:
    """The YAML as a dict with `names` as a list and `path` resolved (relative to the YAML's folder)."""
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, UnicodeDecodeError) as err:
        raise DatasetError(f"{path}: cannot read the YAML file ({getattr(err, 'strerror', None) or err})") from None
    except yaml.YAMLError as err:
        raise DatasetError(f"{_yaml_where(path, err)}: not a valid YAML data file ({_yaml_problem(err)}); accepted: "
                           "a YOLO data YAML with `path`, `train`, `val` and `names`") from None
    if not isinstance(data, dict) or "names" not in data:
        raise DatasetError(f"{path}: a YOLO data YAML needs `names` and `val` (and usually `path`) keys")
    names = data["names"]
    if isinstance(names, dict):
        if sorted(names) != list(range(len(names))):
            raise DatasetError(f"{path}: `names` keys must be 0..{len(names) - 1}, got {sorted(names)}")
        names = [names[i] for i in range(len(names))]
    if not isinstance(names, list) or not names:
        raise DatasetError(f"{path}: `names` must be a non-empty list or a {{index: name}} mapping")
    if "nc" in data and data["nc"] != len(names):
        raise DatasetError(f"{path}: nc={data['nc']} but {len(names)} names")
    root = Path(data.get("path") or ".")
    data["path"] = root if root.is_absolute() else (path.parent / root).resolve()
    data["names"] = [str(n) for n in names]
    return data


def _yaml_where(path: Path, err: Exception) -> str:
    """`file:line:column` of a YAML error (1-based), or the file alone."""
    mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
    return f"{path}:{mark.line + 1}:{mark.column + 1}" if mark is not None else str(path)


def _yaml_problem(err: Exception) -> str:
    """The YAML error's problem on one line (no quoted snippet of the file)."""
    problem = getattr(err, "problem", None) or str(err).splitlines()[0]
    return " ".join(str(problem).split())


def image_files(data: dict, split: str, yaml_path: Path) -> list[Path]:
    """The image files of `split`: folders are listed (sorted), `.txt` files hold one path per line."""
    entries = data.get(split)
    if not entries:
        raise DatasetError(f"{yaml_path}: no `{split}` entry (keys: {sorted(data)})")
    files: list[Path] = []
    for entry in entries if isinstance(entries, list) else [entries]:
        p = Path(entry) if Path(entry).is_absolute() else data["path"] / entry
        if p.is_dir():
            files += sorted(f for f in p.rglob("*") if f.suffix.lower() in IMAGE_SUFFIXES)
        elif p.suffix == ".txt" and p.is_file():
            lines = [ln.strip() for ln in p.read_text().splitlines() if ln.strip()]
            files += [Path(ln) if Path(ln).is_absolute() else (p.parent / ln).resolve() for ln in lines]
        elif p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES:
            files.append(p)
        else:
            raise DatasetError(f"{yaml_path}: `{split}` entry {p} is not an image folder, list file or image")
    if not files:
        raise DatasetError(f"{yaml_path}: `{split}` has no images ({', '.join(IMAGE_SUFFIXES)})")
    return files


def label_file(image: Path) -> Path:
    """images/.../x.jpg -> labels/.../x.txt (the last `images` folder in the path is swapped)."""
    parts = list(image.parts)
    idx = max((i for i, part in enumerate(parts[:-1]) if part == "images"), default=None)
    if idx is None:
        return image.with_suffix(".txt")
    parts[idx] = "labels"
    return Path(*parts).with_suffix(".txt")


def read_labels(path: Path, nc: int) -> np.ndarray:
    """(n, 5) float rows [cls, cx, cy, w, h] normalised; a missing file means an image with no objects."""
    if not path.is_file():
        return np.zeros((0, 5))
    rows = []
    for lineno, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        try:
            vals = [float(v) for v in line.split()]
        except ValueError:
            raise DatasetError(f"{path}:{lineno}: non-numeric label row {line!r}") from None
        if len(vals) == 5:
            row = vals
        elif len(vals) >= 7 and len(vals) % 2 == 1:  # polygon: cls x1 y1 x2 y2 ...
            xy = np.asarray(vals[1:]).reshape(-1, 2)
            (x1, y1), (x2, y2) = xy.min(0), xy.max(0)
            row = [vals[0], (x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1]
        else:
            raise DatasetError(f"{path}:{lineno}: expected `cls cx cy w h` (or a polygon), got {len(vals)} values")
        if not (vals[0].is_integer() and 0 <= vals[0] < nc):
            raise DatasetError(f"{path}:{lineno}: class {vals[0]:g} outside 0..{nc - 1}")
        rows.append(row)
    return np.asarray(rows, dtype=np.float64).reshape(-1, 5)


def image_size(path: Path) -> tuple[int, int]:
    """(height, width) from the file header."""
    try:
        with Image.open(path) as im:
            w, h = im.size
    except (OSError, ValueError) as err:
        raise DatasetError(f"{path}: not a readable image ({err})") from None
    return h, w


def image_ids(files: list[Path]) -> list[int]:
    """Numeric stems are the ids (as in COCO file names and Ultralytics' JSON); otherwise 1..N in listed order."""
    stems = [f.stem for f in files]
    if all(s.isdigit() for s in stems) and len({int(s) for s in stems}) == len(stems):
        return [int(s) for s in stems]
    return list(range(1, len(files) + 1))


def read_yolo(yaml_path: str | Path, split: str = "val", category_ids: Sequence[int] | None = None,
              category_map: str = "given") -> DetectionSet:
    """Read one split of a YOLO dataset. `category_ids[i]` is class i's id in the COCO ground truth (default
    i + 1, as Ultralytics' JSON writes for non-COCO sets); `category_map` names the given mapping."""
    yaml_path = Path(yaml_path)
    if not yaml_path.is_file():
        raise DatasetError(f"no YOLO data YAML at {yaml_path}")
    data = read_data_yaml(yaml_path)
    names = data["names"]
    if category_ids is None:
        category_ids, category_map = tuple(range(1, len(names) + 1)), "yolo class+1"
    else:
        category_ids = tuple(category_ids)
    if len(category_ids) != len(names):
        raise DatasetError(f"{yaml_path}: {len(names)} names but {len(category_ids)} category ids")
    files = image_files(data, split, yaml_path)
    images, annotations = [], []
    for image_id, f in zip(image_ids(files), files, strict=True):
        h, w = image_size(f)
        images.append(ImageEntry(image_id, f, h, w))
        for cls, cx, cy, bw, bh in read_labels(label_file(f), len(names)):
            x1, y1 = max((cx - bw / 2) * w, 0.0), max((cy - bh / 2) * h, 0.0)
            x2, y2 = min((cx + bw / 2) * w, float(w)), min((cy + bh / 2) * h, float(h))
            annotations.append({"id": len(annotations) + 1, "image_id": image_id, "category_id":
                                category_ids[int(cls)], "bbox": [x1, y1, x2 - x1, y2 - y1],
                                "area": (x2 - x1) * (y2 - y1), "iscrowd": 0})
    gt = {"images": [{"id": e.id, "file_name": e.path.name, "height": e.height, "width": e.width} for e in images],
          "annotations": annotations,
          "categories": [{"id": c, "name": n} for c, n in zip(category_ids, names, strict=True)]}
    return DetectionSet(str(yaml_path), "yolo", tuple(images), tuple(names), category_ids, gt, category_map)
