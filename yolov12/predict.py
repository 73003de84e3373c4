"""`python -m yolov12.predict`: letterbox, forward, NMS, boxes in original image coordinates; writes annotated
images and a JSON of detections.

    python -m yolov12.predict --model yolov12-n --weights yolo12n.pt --source bus.jpg --out runs/predict

The letterbox is by default the minimal rectangle of Ultralytics' predict (`--rect`): what users of an Ultralytics
checkpoint get from `YOLO(...).predict`, so the same checkpoint and photograph give the same boxes here and there.
`--no-rect` pads to a square --imgsz canvas instead (the canvas of evaluation and timing in this suite); the two
give somewhat different boxes and scores because the network sees different padding.
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

from yolov12.attention import BACKENDS, AttentionUnavailable
from yolov12.cli import ArgumentParser, UserError, add_nms_flags, check_imgsz, check_nms_flags, cli, parse_device
from yolov12.data.detset import DatasetError
from yolov12.data.images import IMAGE_SUFFIXES, check_image_file, read_image
from yolov12.files import check_out_dir, show
from yolov12.model import YOLOv12, create_model, inference_layout, list_models
from yolov12.postprocess import NmsConfig, nms
from yolov12.preprocess import letterbox, letterbox_rect, to_tensor, unletterbox
from yolov12.safe_pickle import UnsafeCheckpointError
from yolov12.weights import CheckpointError, load_model

ATTN_CHOICES = ("auto", *BACKENDS)
log = logging.getLogger("yolov12.predict")


def find_images(source: Path) -> list[Path]:
    """The images of `--source` (a file, or a folder's image files), each checked to be a complete image file."""
    if source.is_file():
        images = [source]
    elif source.is_dir():
        images = sorted(p for p in source.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
        if not images:
            raise UserError(f"--source {show(source)}: no images ({', '.join(IMAGE_SUFFIXES)}) in this folder")
    else:
        raise UserError(f"--source {show(source)}: source not found; accepted: an image file or a folder of images")
    for path in images:
        try:
            check_image_file(path)
        except DatasetError as err:
            raise UserError(f"--source: {err}") from None
    return images


def check_weights(weights: Path) -> None:
    """The --weights path names a file (what is in it is judged by the loader)."""
    if weights.is_dir():
        raise UserError(f"--weights {show(weights)} is a directory, not a checkpoint file; accepted: a .pt or "
                        ".safetensors checkpoint file")
    if not weights.exists():
        raise UserError(f"--weights {show(weights)}: checkpoint not found; accepted: a .pt or .safetensors "
                        "checkpoint file")


def load(model_name: str | None, weights: Path | None, attn: str) -> tuple[YOLOv12, str]:
    """The model, and a description of its weights ('random' or the file with its sha256)."""

    try:
        if weights is None:
            return create_model(model_name, attn=attn).eval(), "random"
        model = load_model(weights, attn=attn)
    except FileNotFoundError as err:
        raise UserError(f"--weights {show(weights)}: checkpoint not found ({err})") from None
    except (CheckpointError, UnsafeCheckpointError) as err:
        raise UserError(f"--weights: {_one_line(err)}") from None
    except AttentionUnavailable as err:
        raise UserError(f"--attn {attn} cannot run here: {_one_line(err)}") from None
    except OSError as err:
        raise UserError(f"--weights {show(weights)}: cannot read ({err.strerror or err})") from None
    if model_name and model_name != model.name:
        raise UserError(f"--model {model_name} does not match the weights, which hold {model.name}")
    return model, f"{weights} (sha256 {model.meta.get('source_sha256') or 'ours'})"


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split())


def draw(image: np.ndarray, dets: torch.Tensor, names: dict[int, str]) -> np.ndarray:
    out = image.copy()
    for x1, y1, x2, y2, score, cls in dets.tolist():
        color = tuple(int(c) for c in np.random.default_rng(int(cls)).integers(64, 256, 3))
        cv2.rectangle(out, (round(x1), round(y1)), (round(x2), round(y2)), color, 2)
        label = f"{names.get(int(cls), int(cls))} {score:.2f}"
        cv2.putText(out, label, (round(x1), max(round(y1) - 4, 10)), cv2.FONT_HERSHEY_SIMPLEX, 0.5, color, 1)
    return out


LETTERBOXES = {True: "minimal rectangle (Ultralytics' predict)", False: "square"}


@torch.no_grad()
def predict_image(model: YOLOv12, image: np.ndarray, imgsz: int, cfg: NmsConfig, device: torch.device,
                  rect: bool = True):
    """BGR uint8 image -> (n, 6) detections [x1, y1, x2, y2, score, class] in the image's own pixels. `rect`: the
    minimal-rectangle letterbox of Ultralytics' predict; otherwise a square imgsz canvas."""
    stride = int(max(model.model[-1].strides))  # 32: the canvas sides must be multiples of the largest stride
    canvas, placement = letterbox_rect(image, imgsz, stride) if rect else letterbox(image, imgsz)
    pred = model(to_tensor([canvas]).to(device))
    dets = nms(pred.float(), cfg)[0].cpu()
    dets[:, :4] = unletterbox(dets[:, :4], placement)
    return dets


def check_request(args: argparse.Namespace) -> list[Path]:
    """Validate the whole request before any model is built or file written; returns the images.
    Normalises args.device to a torch device string."""
    if args.model is None and args.weights is None:
        raise UserError("give --model NAME (random weights) or --weights PATH (a checkpoint)")
    if args.model is not None and args.model not in list_models():
        raise UserError(f"unknown model {args.model!r}; accepted: {', '.join(list_models())}")
    if args.attn not in ATTN_CHOICES:
        raise UserError(f"unknown attention backend {args.attn!r}; accepted: {', '.join(ATTN_CHOICES)}")
    check_imgsz("--imgsz", args.imgsz)
    check_nms_flags(args)
    args.device = parse_device(args.device)
    if args.weights is not None:
        check_weights(args.weights)
    check_out_dir(args.out)
    return find_images(args.source)


def run(args: argparse.Namespace, images: list[Path] | None = None) -> dict:
    if images is None:
        images = check_request(args)
    device = torch.device(args.device)
    model, weights = load(args.model, args.weights, args.attn)
    model.fuse().to(device, memory_format=inference_layout(device))
    if weights == "random":
        log.warning("no --weights given: %s has RANDOM weights, detections are meaningless", model.name)
    cfg = NmsConfig(conf=args.conf, iou=args.iou, max_det=args.max_det)
    report = {"model": model.name, "weights": weights, "imgsz": args.imgsz, "letterbox": LETTERBOXES[args.rect],
              "conf": cfg.conf, "iou": cfg.iou,
              "max_det": cfg.max_det, "attention": model.attention_backend, "images": []}
    # everything is made in a hidden temp folder beside the nearest existing ancestor of --out and moved in at the
    # end: an error leaves nothing behind; an interrupt (Ctrl-C) keeps the images finished so far
    with tempfile.TemporaryDirectory(dir=_existing_ancestor(args.out), prefix=f".{args.out.name}.") as tmp:
        try:
            for path in images:
                try:
                    image = read_image(path)
                except DatasetError as err:
                    raise UserError(f"--source: {err}") from None
                dets = predict_image(model, image, args.imgsz, cfg, device, rect=args.rect)
                cv2.imwrite(str(Path(tmp) / f"{path.stem}.jpg"), draw(image, dets, model.names))
                report["images"].append({
                    "file": str(path), "height": image.shape[0], "width": image.shape[1],
                    "detections": [{"box_xyxy": [round(v, 2) for v in d[:4]], "score": round(d[4], 5),
                                    "class_id": int(d[5]),
                                    "class_name": model.names.get(int(d[5]), str(int(d[5])))}
                                   for d in dets.tolist()],
                })
        except KeyboardInterrupt:
            report["interrupted"] = f"after {len(report['images'])} of {len(images)} image(s)"
            for produced in Path(tmp).iterdir():  # an image written for a row not in the report is dropped
                if produced.stem not in {Path(i["file"]).stem for i in report["images"]}:
                    produced.unlink()
        (Path(tmp) / "detections.json").write_text(json.dumps(report, indent=1))
        args.out.mkdir(parents=True, exist_ok=True)
        for produced in Path(tmp).iterdir():
            shutil.move(str(produced), args.out / produced.name)
    return report


def _existing_ancestor(path: Path) -> Path:
    """The nearest existing folder above `path` (check_out_dir has made sure it is a writable folder)."""
    path = path.absolute().parent
    while not path.exists():
        path = path.parent
    return path


def parser() -> argparse.ArgumentParser:
    p = ArgumentParser(prog="python -m yolov12.predict", description=__doc__.splitlines()[0])
    p.add_argument("--model", help=f"model name ({', '.join(list_models())}); optional with --weights")
    p.add_argument("--weights", type=Path, help="checkpoint (Ultralytics, official v1.0/turbo, or ours); "
                                                "omit for random weights")
    p.add_argument("--source", type=Path, required=True, help="an image file or a directory of images")
    p.add_argument("--out", type=Path, required=True, help="output directory (annotated images, detections.json)")
    add_nms_flags(p)
    p.add_argument("--imgsz", type=int, default=640, help="letterbox size, a multiple of 32 from 32 to 4096: the "
                                                          "longer side (--rect) or the square's side (default 640)")
    p.add_argument("--rect", action=argparse.BooleanOptionalAction, default=True,
                   help="--rect (default): the minimal rectangle of Ultralytics' predict (longer side --imgsz, the "
                        "other padded to the next multiple of 32), so an Ultralytics checkpoint gives the boxes its "
                        "users get from Ultralytics; --no-rect: a square --imgsz canvas, as evaluation and timing "
                        "here use")
    p.add_argument("--device", default="cpu", help="cpu, cuda, cuda:N or N (default cpu)")
    p.add_argument("--attn", default="auto", help=f"attention backend: {', '.join(ATTN_CHOICES)} (default auto = "
                                                  "sdpa)")
    return p


@cli
def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    images = check_request(args)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    report = run(args, images)
    n = sum(len(i["detections"]) for i in report["images"])
    if "interrupted" in report:
        print(f"interrupted {report['interrupted']}; the finished ones are in {args.out}", file=sys.stderr)
        return 130
    print(f"{len(report['images'])} image(s), {n} detection(s) -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
