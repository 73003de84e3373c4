"""Run as a child process (importing ultralytics patches torch process-wide): build Ultralytics' yolo12n.yaml offline
with random weights made to respond to the photographs, save it with Ultralytics' own checkpoint code, run
Ultralytics' `predict` on bus.jpg and zidane.jpg with the given thresholds, and write what its users get: boxes in
image pixels, scores, classes. Also letterbox the images of shapes.npz with Ultralytics' predict LetterBox
(auto=True, stride 32) and map fixed canvas boxes back to each image with its `ops.scale_boxes`.

    python tests/ultralytics_predict.py OUT_DIR CONF IOU IMGSZ
"""

import json
import sys
from pathlib import Path

import cv2
import numpy as np
import torch


def _respond_to_photos(model: torch.nn.Module, photos: list[torch.Tensor]) -> None:
    """Random weights give near-constant deep features, hence hundreds of tied scores: recalibrate every BatchNorm on
    the photos (and their mirror images), then draw small class weights, so scores spread out and rarely tie."""
    bns = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    for bn in bns:
        bn.reset_running_stats()
        bn.momentum = None  # cumulative average over the calibration passes
    model.train()
    with torch.no_grad():
        for x in photos:
            model(x)
            model(x.flip(-1))
    model.eval()
    for bn in bns:
        bn.momentum = 0.03
    gen = torch.Generator().manual_seed(0)
    for seq in model.model[-1].cv3:
        seq[-1].weight.data.copy_(torch.randn(seq[-1].weight.shape, generator=gen) * 0.05)
        seq[-1].bias.data.fill_(-3.0)


def main(out: Path, conf: float, iou: float, imgsz: int) -> None:
    from ultralytics import YOLO
    from ultralytics.data.augment import LetterBox
    from ultralytics.utils import ASSETS, ops

    from yolov12.preprocess import letterbox_rect, to_tensor

    torch.manual_seed(0)
    built = YOLO("yolo12n.yaml", verbose=False)
    photos = [to_tensor([letterbox_rect(cv2.imread(str(ASSETS / n)), imgsz)[0]]) for n in ("bus.jpg", "zidane.jpg")]
    _respond_to_photos(built.model, photos)
    built.save(str(out / "yolo12n.pt"))
    model = YOLO(str(out / "yolo12n.pt"), verbose=False)
    result = {}
    for name in ("bus.jpg", "zidane.jpg"):
        (r,) = model.predict(str(ASSETS / name), conf=conf, iou=iou, imgsz=imgsz, device="cpu", verbose=False)
        result[name] = {"xyxy": r.boxes.xyxy.tolist(), "conf": r.boxes.conf.tolist(), "cls": r.boxes.cls.tolist(),
                        "orig_shape": list(r.orig_shape)}
    (out / "predict.json").write_text(json.dumps(result))
    images = np.load(out / "shapes.npz")
    box = LetterBox(imgsz, auto=True, stride=32)
    canvases = {k: box(image=images[k]) for k in images.files}
    np.savez(out / "canvases.npz", **canvases)
    boxes = torch.tensor([[0.0, 0.0, 640.0, 640.0], [13.3, 7.7, 101.9, 350.2], [200.5, 100.25, 479.0, 383.0]])
    mapped = {k: ops.scale_boxes(c.shape[:2], boxes.clone(), images[k].shape[:2]).numpy() for k, c in canvases.items()}
    np.savez(out / "mapped.npz", boxes=boxes.numpy(), **mapped)


if __name__ == "__main__":
    main(Path(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]))
