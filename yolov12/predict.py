"""`python -m yolov12.predict`: letterbox, forward, NMS, boxes in original image coordinates; writes annotated
images and a JSON of detections.

    python -m yolov12.predict --model yolov12-n --weights yolo12n.pt --source bus.jpg --out runs/predict
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np
import torch

from yolov12.attention import AttentionUnavailable
from yolov12.model import YOLOv12, create_model, list_models
from yolov12.postprocess import NmsConfig, nms
from yolov12.preprocess import letterbox, to_tensor, unletterbox

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"}
log = logging.getLogger("yolov12.predict")


class UsageError(ValueError):
    """Bad input from the user: reported as one line, exit status 2."""


def parse_device(text: str) -> torch.device:
    if text == "cpu":
        return torch.device("cpu")
    if text == "cuda" or text.startswith("cuda:"):
        if not torch.cuda.is_available():
            raise UsageError(f"device {text!r} asked for, but CUDA is not available here; use --device cpu")
        index = int(text.split(":")[1]) if ":" in text else 0
        if index >= torch.cuda.device_count():
            raise UsageError(f"device {text!r} does not exist; {torch.cuda.device_count()} CUDA device(s) here")
        return torch.device("cuda", index)
    raise UsageError(f"unknown device {text!r}; accepted: cpu, cuda, cuda:N")


def find_images(source: Path) -> list[Path]:
    if source.is_file():
        return [source]
    if source.is_dir():
        images = sorted(p for p in source.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not images:
            raise UsageError(f"no images ({', '.join(sorted(IMAGE_SUFFIXES))}) in directory {source}")
        return images
    raise UsageError(f"source not found: {source}")


def load(model_name: str | None, weights: Path | None, attn: str) -> tuple[YOLOv12, str]:
    """The model, and a description of its weights ('random' or the file with its sha256)."""
    from yolov12.safe_pickle import UnsafeCheckpointError
    from yolov12.weights import CheckpointError, load_model

    if weights is None:
        if model_name not in list_models():
            raise UsageError(f"unknown model {model_name!r}; accepted: {', '.join(list_models())}")
        return create_model(model_name, attn=attn).eval(), "random"
    try:
        model = load_model(weights, attn=attn)
    except (FileNotFoundError, CheckpointError, UnsafeCheckpointError) as err:
        raise UsageError(str(err)) from None
    if model_name and model_name != model.name:
        raise UsageError(f"--model {model_name} does not match the weights, which hold {model.name}")
    return model, f"{weights} (sha256 {model.meta.get('source_sha256') or 'ours'})"


def draw(image: np.ndarray, dets: torch.Tensor, names: dict[int, str]) -> np.ndarray:
    out = image.copy()
    for x1, y1, x2, y2, score, cls in dets.tolist():
        color = tuple(int(c) for c in np.random.default_rng(int(cls)).integers(64, 256, 3))
        cv2.rectangle(out, (round(x1), round(y1)), (round(x2), round(y2)), color, 2)
        label = f"{names.get(int(cls), int(cls))} {score:.2f}"
        cv2.putText(out, label, (round(x1), max(round(y1) - 4, 10)), cv2.FONT_HERSHEY_SIMPLEX, 0.5, color, 1)
    return out


@torch.no_grad()
def predict_image(model: YOLOv12, image: np.ndarray, imgsz: int, cfg: NmsConfig, device: torch.device):
    """BGR uint8 image -> (n, 6) detections [x1, y1, x2, y2, score, class] in the image's own pixels."""
    canvas, placement = letterbox(image, imgsz)
    pred = model(to_tensor([canvas]).to(device))
    dets = nms(pred.float(), cfg)[0].cpu()
    dets[:, :4] = unletterbox(dets[:, :4], placement)
    return dets


def run(args: argparse.Namespace) -> dict:
    if args.imgsz < 32 or args.imgsz % 32:
        raise UsageError(f"--imgsz must be a positive multiple of 32, got {args.imgsz}")
    if not (0 <= args.conf <= 1 and 0 <= args.iou <= 1):
        raise UsageError("--conf and --iou must lie in [0, 1]")
    images = find_images(args.source)
    device = parse_device(args.device)
    model, weights = load(args.model, args.weights, args.attn)
    model.to(device)
    if weights == "random":
        log.warning("no --weights given: %s has RANDOM weights, detections are meaningless", model.name)
    cfg = NmsConfig(conf=args.conf, iou=args.iou, max_det=args.max_det)
    report = {"model": model.name, "weights": weights, "imgsz": args.imgsz, "conf": cfg.conf, "iou": cfg.iou,
              "max_det": cfg.max_det, "attention": model.attention_backend, "images": []}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=args.out.parent, prefix=f".{args.out.name}.") as tmp:
        for path in images:
            image = cv2.imread(str(path))
            if image is None:
                raise UsageError(f"cannot read image {path} (not an image file cv2 can decode)")
            dets = predict_image(model, image, args.imgsz, cfg, device)
            cv2.imwrite(str(Path(tmp) / f"{path.stem}.jpg"), draw(image, dets, model.names))
            report["images"].append({
                "file": str(path), "height": image.shape[0], "width": image.shape[1],
                "detections": [{"box_xyxy": [round(v, 2) for v in d[:4]], "score": round(d[4], 5),
                                "class_id": int(d[5]), "class_name": model.names.get(int(d[5]), str(int(d[5])))}
                               for d in dets.tolist()],
            })
        (Path(tmp) / "detections.json").write_text(json.dumps(report, indent=1))
        args.out.mkdir(parents=True, exist_ok=True)
        for produced in Path(tmp).iterdir():
            shutil.move(str(produced), args.out / produced.name)
    return report


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m yolov12.predict", description=__doc__.splitlines()[0])
    p.add_argument("--model", help=f"model name ({', '.join(list_models())}); optional with --weights")
    p.add_argument("--weights", type=Path, help="checkpoint (Ultralytics, official v1.0/turbo, or ours); "
                                                "omit for random weights")
    p.add_argument("--source", type=Path, required=True, help="an image file or a directory of images")
    p.add_argument("--out", type=Path, required=True, help="output directory (annotated images, detections.json)")
    p.add_argument("--conf", type=float, default=0.25, help="confidence threshold (default 0.25)")
    p.add_argument("--iou", type=float, default=0.7, help="NMS IoU threshold (default 0.7)")
    p.add_argument("--max-det", type=int, default=300, help="detections kept per image (default 300)")
    p.add_argument("--imgsz", type=int, default=640, help="square letterbox size, multiple of 32 (default 640)")
    p.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N (default cpu)")
    p.add_argument("--attn", default="auto", help="attention backend (default auto = sdpa)")
    return p


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    args = parser().parse_args(argv)
    if args.model is None and args.weights is None:
        print("error: give --model NAME (random weights) or --weights PATH", file=sys.stderr)
        return 2
    try:
        report = run(args)
    except (UsageError, ValueError, AttentionUnavailable) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    n = sum(len(i["detections"]) for i in report["images"])
    print(f"{len(report['images'])} image(s), {n} detection(s) -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
