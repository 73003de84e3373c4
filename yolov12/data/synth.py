"""A seeded synthetic detection set: eight visually distinct shape/texture classes at many scales and aspect ratios,
with overlaps and distractor clutter, on textured backgrounds cut from real photographs that installed packages
ship (scikit-image's sample images, Ultralytics' two assets). Written in both layouts over the same image files:

    DIR/images/{train,val}/000001.jpg       (numeric stems: the image id in both layouts)
    DIR/labels/{train,val}/000001.txt       YOLO: `cls cx cy w h`, normalised
    DIR/data.yaml                           YOLO data YAML with an absolute `path:`
    DIR/annotations/instances_{train,val}.json   COCO: bbox [x, y, w, h] in pixels, category ids 1..8
    DIR/synth.json                          the generator's settings and the background files used (sha256)

Every image draws from its own generator seeded by (seed, split, index), so the same seed gives the same bytes.

    python -m yolov12.data.synth --out DIR --train 800 --val 100 --seed 0 --imgsz 320
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import logging
import math
import sys
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from yolov12.cli import ArgumentParser, UserError, check_range, cli
from yolov12.files import check_out_dir

log = logging.getLogger(__name__)

CLASSES = ("circle", "ring", "rectangle", "frame", "triangle", "star", "cross", "checker")
SPLITS = {"train": 0, "val": 1}
JPEG_QUALITY = 92
MIN_IMGSZ, MAX_IMGSZ = 64, 4096  # the --imgsz range the CLI documents and accepts
MAX_IMAGES = 1_000_000  # per split
MIN_VISIBLE = 0.6  # an earlier object must keep this fraction of its pixels when later ones overlap it
# Background photographs in a fixed order (missing files are skipped and the manifest says which were used).
SKIMAGE_FILES = ("astronaut.png", "coffee.png", "chelsea.png", "rocket.jpg", "motorcycle_left.png", "brick.png",
                 "grass.png", "gravel.png", "hubble_deep_field.jpg", "ihc.png", "retina.jpg", "camera.png",
                 "coins.png", "moon.png", "page.png", "text.png", "color.png", "immunohistochemistry.png")
ULTRALYTICS_FILES = ("bus.jpg", "zidane.jpg")


@dataclass(frozen=True)
class SynthConfig:
    """Generator settings. Sizes are in pixels at `imgsz` (the long side of every image)."""

    imgsz: int = 320
    min_objects: int = 2
    max_objects: int = 8
    min_side: int = 12  # smallest box side at imgsz 320; scaled with imgsz
    max_frac: float = 0.55  # largest box side as a fraction of the image's short side
    distractors: tuple[int, int] = (3, 12)


def _package_dir(name: str) -> Path | None:
    """The installed package's folder, found without importing it."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def background_files() -> list[Path]:
    """The photographs available on this install, in the fixed order above."""
    found = []
    for pkg, sub, names in (("skimage", "data", SKIMAGE_FILES), ("ultralytics", "assets", ULTRALYTICS_FILES)):
        root = _package_dir(pkg)
        if root is not None:
            found += [root / sub / n for n in names if (root / sub / n).is_file()]
    if not found:
        raise RuntimeError("no background photographs found: install scikit-image (its sample images are used)")
    return found


def load_backgrounds(files: list[Path]) -> list[np.ndarray]:
    """Each file as an HxWx3 uint8 BGR array (greyscale photographs are replicated to three channels)."""
    from PIL import Image  # Pillow, not cv2: libpng in cv2 warns about one sample image's ICC profile

    out = []
    for f in files:
        with Image.open(f) as im:
            out.append(np.ascontiguousarray(np.asarray(im.convert("RGB"))[..., ::-1]))
    return out


# ---- drawing ---------------------------------------------------------------------------------------------------

def _colour(rng: np.random.Generator) -> tuple[int, int, int]:
    """A saturated, fairly bright BGR colour (hue uniform, so colour never tells the class)."""
    hsv = np.uint8([[[rng.integers(0, 180), rng.integers(140, 256), rng.integers(130, 256)]]])
    return tuple(int(c) for c in cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR)[0, 0])


def _rotate(points: np.ndarray, angle: float, centre: tuple[float, float]) -> np.ndarray:
    c, s = math.cos(angle), math.sin(angle)
    return (points @ np.array([[c, s], [-s, c]])) + np.asarray(centre)


def _shape_mask(cls: int, h: int, w: int, cx: float, cy: float, bw: float, bh: float, rng: np.random.Generator
                ) -> tuple[np.ndarray, np.ndarray | None]:
    """Mask (h, w) uint8 of one object, and for 'checker' a second mask of its dark squares."""
    mask = np.zeros((h, w), np.uint8)
    name = CLASSES[cls]
    centre = (int(round(cx * 16)), int(round(cy * 16)))
    axes = (int(round(bw / 2 * 16)), int(round(bh / 2 * 16)))
    tilt = float(rng.uniform(-0.25, 0.25))
    if name in ("circle", "ring"):
        cv2.ellipse(mask, centre, axes, 0, 0, 360, 255, -1, cv2.LINE_AA, shift=4)
        if name == "ring":
            t = rng.uniform(0.22, 0.4)
            inner = (int(axes[0] * (1 - t)), int(axes[1] * (1 - t)))
            cv2.ellipse(mask, centre, inner, 0, 0, 360, 0, -1, cv2.LINE_AA, shift=4)
    elif name in ("rectangle", "frame", "checker"):
        corners = np.array([[-bw, -bh], [bw, -bh], [bw, bh], [-bw, bh]]) / 2
        poly = _rotate(corners, tilt, (cx, cy))
        cv2.fillPoly(mask, [np.round(poly * 16).astype(np.int32)], 255, cv2.LINE_AA, shift=4)
        if name == "frame":
            t = rng.uniform(0.18, 0.3) * min(bw, bh)
            inner = _rotate(corners * np.array([(bw - 2 * t) / bw, (bh - 2 * t) / bh]), tilt, (cx, cy))
            cv2.fillPoly(mask, [np.round(inner * 16).astype(np.int32)], 0, cv2.LINE_AA, shift=4)
    elif name == "triangle":
        apex = rng.uniform(-0.5, 0.5)
        tri = np.array([[apex * bw, -bh / 2], [bw / 2, bh / 2], [-bw / 2, bh / 2]])
        poly = _rotate(tri, float(rng.choice([0.0, math.pi])) + tilt, (cx, cy))
        cv2.fillPoly(mask, [np.round(poly * 16).astype(np.int32)], 255, cv2.LINE_AA, shift=4)
    elif name == "star":
        k = np.arange(10)
        radius = np.where(k % 2 == 0, 1.0, rng.uniform(0.38, 0.5))
        ang = k * math.pi / 5 + rng.uniform(0, 2 * math.pi)
        pts = np.stack([np.cos(ang) * radius * bw / 2, np.sin(ang) * radius * bh / 2], 1) + (cx, cy)
        cv2.fillPoly(mask, [np.round(pts * 16).astype(np.int32)], 255, cv2.LINE_AA, shift=4)
    elif name == "cross":
        t = rng.uniform(0.26, 0.38)
        for half in (np.array([bw, bh * t]) / 2, np.array([bw * t, bh]) / 2):
            bar = _rotate(np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]]) * half, tilt, (cx, cy))
            cv2.fillPoly(mask, [np.round(bar * 16).astype(np.int32)], 255, cv2.LINE_AA, shift=4)
    dark = None
    if name == "checker":
        n = int(rng.integers(3, 6))
        cell = max(min(bw, bh) / n, 2.0)
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        c, s = math.cos(tilt), math.sin(tilt)
        u, v = (xx - cx) * c + (yy - cy) * s, -(xx - cx) * s + (yy - cy) * c
        dark = ((np.floor(u / cell) + np.floor(v / cell)) % 2 == 0).astype(np.uint8) * mask
    return mask, dark


def _paint(img: np.ndarray, mask: np.ndarray, dark: np.ndarray | None, rng: np.random.Generator) -> None:
    """Blend a colour (with a gentle shading gradient) into `img` through the anti-aliased `mask`, in place."""
    h, w = mask.shape
    colour = np.array(_colour(rng), np.float32)
    ys, xs = np.nonzero(mask)
    grad = rng.uniform(-0.25, 0.25, 2)
    span = max(np.ptp(xs) if xs.size else 1, np.ptp(ys) if ys.size else 1, 1)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    shade = 1 + (grad[0] * (xx - xs.mean()) + grad[1] * (yy - ys.mean())) / span
    fill = np.clip(colour[None, None] * shade[..., None], 0, 255)
    if dark is not None:
        second = np.array(_colour(rng), np.float32) * rng.uniform(0.15, 0.45)
        fill = np.where(dark[..., None] > 0, second[None, None], fill)
    alpha = (mask.astype(np.float32) / 255)[..., None]
    img[:] = np.clip(img * (1 - alpha) + fill * alpha, 0, 255).astype(np.uint8)


def _background(photos: list[np.ndarray], h: int, w: int, rng: np.random.Generator) -> np.ndarray:
    """A random crop of a random photograph, rescaled to (h, w), flipped and colour-jittered."""
    src = photos[int(rng.integers(len(photos)))]
    sh, sw = src.shape[:2]
    scale = rng.uniform(0.3, 1.0)
    ch, cw = max(int(sh * scale), 16), max(int(sh * scale * w / h), 16)
    ch, cw = min(ch, sh), min(cw, sw)
    y0, x0 = int(rng.integers(0, sh - ch + 1)), int(rng.integers(0, sw - cw + 1))
    bg = cv2.resize(src[y0:y0 + ch, x0:x0 + cw], (w, h), interpolation=cv2.INTER_AREA)
    if rng.random() < 0.5:
        bg = bg[:, ::-1]
    gain = rng.uniform(0.6, 1.1, 3) * rng.uniform(0.7, 1.1)
    return np.clip(bg.astype(np.float32) * gain, 0, 255).astype(np.uint8)


def _distractors(img: np.ndarray, n: int, max_dot: float, rng: np.random.Generator) -> None:
    """Clutter that belongs to no class: thin lines, polylines and dots smaller than the smallest object."""
    h, w = img.shape[:2]
    for _ in range(n):
        colour = _colour(rng) if rng.random() < 0.6 else tuple(int(v) for v in rng.integers(0, 256, 3))
        kind = rng.random()
        if kind < 0.4:
            p = rng.integers(0, (w, h), (2, 2))
            cv2.line(img, tuple(map(int, p[0])), tuple(map(int, p[1])), colour, int(rng.integers(1, 3)), cv2.LINE_AA)
        elif kind < 0.7:
            pts = np.cumsum(rng.normal(0, w / 12, (int(rng.integers(3, 7)), 2)), 0) + rng.uniform(0, (w, h))
            cv2.polylines(img, [pts.astype(np.int32)], False, colour, int(rng.integers(1, 3)), cv2.LINE_AA)
        else:
            c = tuple(int(v) for v in rng.uniform(0, (w, h)))
            cv2.circle(img, c, max(int(rng.uniform(1, max(max_dot, 1))), 1), colour, -1, cv2.LINE_AA)


def _sample_box(cfg: SynthConfig, h: int, w: int, rng: np.random.Generator) -> tuple[float, float, float, float]:
    """Centre and size (cx, cy, bw, bh) in pixels: log-uniform scale, aspect ratio 1/2.5 .. 2.5, inside the image."""
    lo = cfg.min_side * cfg.imgsz / 320
    hi = max(cfg.max_frac * min(h, w), 2 * lo)
    aspect = math.exp(rng.uniform(-math.log(2.5), math.log(2.5)))
    long_side = math.exp(rng.uniform(math.log(lo * max(aspect, 1 / aspect)), math.log(hi)))
    bw, bh = (long_side, long_side / aspect) if aspect >= 1 else (long_side * aspect, long_side)
    bw, bh = max(bw, lo), max(bh, lo)
    cx, cy = rng.uniform(bw / 2, w - bw / 2), rng.uniform(bh / 2, h - bh / 2)
    return cx, cy, bw, bh


def make_image(index: int, split: str, seed: int, photos: list[np.ndarray], cfg: SynthConfig
               ) -> tuple[np.ndarray, list[tuple[int, float, float, float, float]]]:
    """One image (HxWx3 uint8 BGR, long side `cfg.imgsz`) and its boxes [(cls, x1, y1, x2, y2)] in pixels."""
    rng = np.random.default_rng([seed, SPLITS[split], index])
    short = int(round(cfg.imgsz * rng.uniform(0.7, 1.0)))
    h, w = (short, cfg.imgsz) if rng.random() < 0.6 else (cfg.imgsz, short)
    img = _background(photos, h, w, rng)
    _distractors(img, int(rng.integers(*cfg.distractors)), cfg.min_side * cfg.imgsz / 320 / 3, rng)
    visible: list[np.ndarray] = []  # boolean masks of placed objects, minus what later ones cover
    objects: list[tuple[int, np.ndarray]] = []
    for _ in range(int(rng.integers(cfg.min_objects, cfg.max_objects + 1))):
        for _try in range(10):
            cls = int(rng.integers(len(CLASSES)))
            mask, dark = _shape_mask(cls, h, w, *_sample_box(cfg, h, w, rng), rng)
            solid = mask > 127
            if solid.sum() < 16:
                continue
            pairs = zip(visible, objects, strict=True)
            if all((v & ~solid).sum() >= MIN_VISIBLE * full.sum() for v, (_, full) in pairs):
                break
        else:
            continue
        _paint(img, mask, dark, rng)
        visible = [v & ~solid for v in visible] + [solid]
        objects.append((cls, solid))
    if rng.random() < 0.3:
        img = cv2.GaussianBlur(img, (3, 3), 0)
    noise = rng.normal(0, rng.uniform(0, 6), img.shape)
    img = np.clip(img + noise, 0, 255).astype(np.uint8)
    boxes = []
    for cls, solid in objects:
        ys, xs = np.nonzero(solid)
        boxes.append((cls, float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1)))
    return img, boxes


# ---- writing ---------------------------------------------------------------------------------------------------

def _coco(split: str, records: list[tuple[int, str, int, int, list]]) -> dict:
    images, annotations = [], []
    for image_id, file_name, h, w, boxes in records:
        images.append({"id": image_id, "file_name": file_name, "height": h, "width": w})
        for cls, x1, y1, x2, y2 in boxes:
            bw, bh = x2 - x1, y2 - y1
            annotations.append({"id": len(annotations) + 1, "image_id": image_id, "category_id": cls + 1,
                                "bbox": [x1, y1, bw, bh], "area": bw * bh, "iscrowd": 0})
    categories = [{"id": i + 1, "name": n, "supercategory": "shape"} for i, n in enumerate(CLASSES)]
    return {"info": {"description": f"yolov12 synthetic detection set, {split}"}, "images": images,
            "annotations": annotations, "categories": categories}


def write_split(out: Path, split: str, n: int, seed: int, photos: list[np.ndarray], cfg: SynthConfig) -> int:
    """Write `n` images of one split in both layouts; returns the number of boxes."""
    img_dir, lab_dir = out / "images" / split, out / "labels" / split
    img_dir.mkdir(parents=True, exist_ok=True)
    lab_dir.mkdir(parents=True, exist_ok=True)
    records = []
    for i in tqdm(range(n), desc=f"synth {split}", unit="img", leave=False):
        img, boxes = make_image(i, split, seed, photos, cfg)
        ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
        if not ok:
            raise RuntimeError("JPEG encoding failed")
        image_id = i + 1
        name = f"{image_id:06d}"
        (img_dir / f"{name}.jpg").write_bytes(buf.tobytes())
        h, w = img.shape[:2]
        lines = [f"{c} {(x1 + x2) / 2 / w:.6f} {(y1 + y2) / 2 / h:.6f} {(x2 - x1) / w:.6f} {(y2 - y1) / h:.6f}"
                 for c, x1, y1, x2, y2 in boxes]
        (lab_dir / f"{name}.txt").write_text("".join(line + "\n" for line in lines))
        records.append((image_id, f"{name}.jpg", h, w, boxes))
    ann = out / "annotations"
    ann.mkdir(exist_ok=True)
    (ann / f"instances_{split}.json").write_text(json.dumps(_coco(split, records)))
    return sum(len(r[4]) for r in records)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def generate(out: str | Path, n_train: int, n_val: int, seed: int = 0, cfg: SynthConfig = SynthConfig()) -> Path:
    """Write the whole set under `out` (see the module docstring); returns the data YAML's path."""
    out = Path(out).resolve()
    files = background_files()
    photos = load_backgrounds(files)
    counts = {}
    for split, n in (("train", n_train), ("val", n_val)):
        counts[split] = {"images": n, "boxes": write_split(out, split, n, seed, photos, cfg)}
    names = "".join(f"  {i}: {n}\n" for i, n in enumerate(CLASSES))
    yaml = out / "data.yaml"
    yaml.write_text(f"# synthetic detection set, seed {seed}\npath: {out}\ntrain: images/train\nval: images/val\n"
                    f"names:\n{names}")
    manifest = {"generator": "yolov12.data.synth", "seed": seed, "config": cfg.__dict__ | {"distractors":
                list(cfg.distractors)}, "classes": list(CLASSES), "splits": counts,
                "backgrounds": [{"file": f.name, "sha256": _sha256(f)} for f in files]}
    (out / "synth.json").write_text(json.dumps(manifest, indent=1) + "\n")
    return yaml


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = ArgumentParser(prog="python -m yolov12.data.synth", description=__doc__.split("\n\n")[0],
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True, help="output folder (created; existing files of the same names are "
                   "overwritten)")
    p.add_argument("--train", type=int, default=800, help=f"number of training images, 0..{MAX_IMAGES} (default 800)")
    p.add_argument("--val", type=int, default=100, help=f"number of validation images, 1..{MAX_IMAGES} (default 100)")
    p.add_argument("--seed", type=int, default=0, help="random seed >= 0; same seed, same bytes (default 0)")
    p.add_argument("--imgsz", type=int, default=320,
                   help=f"long side of every image in pixels, {MIN_IMGSZ}..{MAX_IMGSZ} (default 320)")
    return p.parse_args(argv)


@cli
def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    check_range("--train", args.train, 0, MAX_IMAGES, integer=True)
    check_range("--val", args.val, 1, MAX_IMAGES, integer=True)
    check_range("--imgsz", args.imgsz, MIN_IMGSZ, MAX_IMGSZ, integer=True)
    check_range("--seed", args.seed, 0, 2**63 - 1, integer=True)
    out = check_out_dir(args.out)
    try:
        background_files()
    except RuntimeError as err:
        raise UserError(str(err)) from None
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    yaml = generate(out, args.train, args.val, args.seed, SynthConfig(imgsz=args.imgsz))
    print(f"wrote {args.train} train + {args.val} val images to {yaml.parent} (YOLO: {yaml}; COCO: "
          f"{yaml.parent / 'annotations'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
