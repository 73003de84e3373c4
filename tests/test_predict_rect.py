"""`yolov12.predict` with Ultralytics' settings returns Ultralytics' detections: same checkpoint (made and saved by
Ultralytics in a child process, read here by our safe loader), same photographs, Ultralytics' own `predict` in the
child. The minimal-rectangle letterbox is also checked pixel for pixel against Ultralytics' LetterBox."""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

import yolov12
from tests.test_predict import predict
from tests.test_ultralytics_equivalence import offline_env
from yolov12.postprocess import NmsConfig
from yolov12.predict import predict_image
from yolov12.preprocess import letterbox_rect, unletterbox

ASSETS = Path(importlib.util.find_spec("ultralytics").origin).parent / "assets"
PHOTOS = ("bus.jpg", "zidane.jpg")
CONF, IOU, IMGSZ = 0.25, 0.7, 640
SHAPES = [(1080, 810), (720, 1280), (333, 517), (100, 60), (17, 900), (1, 3000), (640, 640), (641, 320)]
# zidane.jpg: boxes within 0.01 px and scores within 1e-4 (measured: 0.0005 px, 6e-6). bus.jpg drives this random
# network into a regime where float32 rounding is amplified: Ultralytics' own fused and unfused copies of the model
# disagree there by 4.4e-4 in class probability, and its predict output by 3e-4 from its own fused forward on the
# identical tensor; ours is within 0.17 px and 2.1e-4. So bus gets tolerances at that noise floor.
TOLERANCE = {"zidane.jpg": (0.01, 1e-4), "bus.jpg": (0.25, 5e-4)}  # (box px, score)


@pytest.fixture(scope="module")
def ultra(tmp_path_factory):
    """Ultralytics' checkpoint, its predict output on the photos, and its LetterBox canvases for SHAPES."""
    tmp = tmp_path_factory.mktemp("ultra_predict")
    np.savez(tmp / "shapes.npz", **{f"{h}x{w}": _noise(h, w) for h, w in SHAPES})
    script = Path(__file__).with_name("ultralytics_predict.py")
    env = {**offline_env(tmp), "PYTHONPATH": str(script.parent.parent)}
    subprocess.run([sys.executable, str(script), str(tmp), str(CONF), str(IOU), str(IMGSZ)], check=True, env=env,
                   timeout=900)
    return tmp


def _noise(h: int, w: int) -> np.ndarray:
    return np.random.default_rng(h * 10007 + w).integers(0, 256, (h, w, 3), dtype=np.uint8)


def test_rect_canvas_is_ultralytics_letterbox(ultra):
    theirs = np.load(ultra / "canvases.npz")
    for h, w in SHAPES:
        mine, placement = letterbox_rect(_noise(h, w), IMGSZ)
        assert mine.shape == theirs[f"{h}x{w}"].shape and np.array_equal(mine, theirs[f"{h}x{w}"]), (h, w)
        assert mine.shape[0] % 32 == 0 and mine.shape[1] % 32 == 0 and max(mine.shape[:2]) == IMGSZ
    assert letterbox_rect(_noise(720, 1280), IMGSZ)[0].shape == (384, 640, 3)  # not 640 x 640


def test_rect_boxes_map_back_like_scale_boxes(ultra):
    """Canvas boxes -> image pixels: our inverse against Ultralytics' ops.scale_boxes, for every shape."""
    theirs = np.load(ultra / "mapped.npz")
    boxes = torch.from_numpy(theirs["boxes"])
    for h, w in SHAPES:
        _, placement = letterbox_rect(_noise(h, w), IMGSZ)
        got = unletterbox(boxes, placement)
        assert (got - torch.from_numpy(theirs[f"{h}x{w}"])).abs().max() < 1e-4, (h, w)


def _match(ours: torch.Tensor, xyxy: list, cls: list) -> torch.Tensor:
    """For each of our detections, the index of Ultralytics' detection of the same class with the nearest box
    (near-equal scores may be listed in another order)."""
    dist = (ours[:, None, :4] - torch.tensor(xyxy)[None, :, :]).abs().amax(-1)
    dist[ours[:, 5][:, None] != torch.tensor(cls)[None, :]] = float("inf")
    return dist.argmin(1)


def _ours(checkpoint: Path, rect: bool) -> dict[str, torch.Tensor]:
    model = yolov12.load_model(checkpoint, attn="reference")  # the restricted unpickler, no ultralytics import
    cfg = NmsConfig(conf=CONF, iou=IOU, max_det=300)
    return {n: predict_image(model, cv2.imread(str(ASSETS / n)), IMGSZ, cfg, torch.device("cpu"), rect=rect)
            for n in PHOTOS}


def test_predict_returns_ultralytics_detections(ultra):
    theirs = json.loads((ultra / "predict.json").read_text())
    ours = _ours(ultra / "yolo12n.pt", rect=True)
    for name in PHOTOS:
        t, o = theirs[name], ours[name]
        box_tol, score_tol = TOLERANCE[name]
        assert len(t["conf"]) >= 10, f"{name}: too few detections to compare"
        assert o.shape[0] == len(t["conf"]), name
        j = _match(o, t["xyxy"], t["cls"])
        assert sorted(j.tolist()) == list(range(len(j))), f"{name}: not the same detections"
        assert torch.equal(o[:, 5], torch.tensor(t["cls"])[j]), name
        assert (o[:, 4] - torch.tensor(t["conf"])[j]).abs().max() < score_tol, name
        assert (o[:, :4] - torch.tensor(t["xyxy"])[j]).abs().max() < box_tol, name
    assert "ultralytics" not in sys.modules


def test_square_letterbox_gives_other_boxes(ultra):
    """Why --rect is the default: the square canvas changes what the network sees, so the boxes move."""
    rect, square = _ours(ultra / "yolo12n.pt", rect=True), _ours(ultra / "yolo12n.pt", rect=False)
    a, b = rect["zidane.jpg"], square["zidane.jpg"]
    n = min(len(a), len(b))
    assert n and (len(a) != len(b) or (a[:n, :4] - b[:n, :4]).abs().max() > 0.1)


def test_cli_rect_flag(ultra, tmp_path):
    theirs = json.loads((ultra / "predict.json").read_text())["zidane.jpg"]
    common = ["--weights", str(ultra / "yolo12n.pt"), "--source", str(ASSETS / "zidane.jpg"), "--conf", str(CONF),
              "--iou", str(IOU), "--imgsz", str(IMGSZ), "--attn", "reference"]
    for flag in ([], ["--no-rect"]):
        out = tmp_path / ("square" if flag else "rect")
        run = predict(*common, *flag, "--out", str(out))
        assert run.returncode == 0, run.stderr
        report = json.loads((out / "detections.json").read_text())
        dets = report["images"][0]["detections"]
        if not flag:
            assert report["letterbox"].startswith("minimal rectangle")
            got = torch.tensor([d["box_xyxy"] for d in dets])
            j = _match(torch.cat((got, torch.tensor([[d["score"], d["class_id"]] for d in dets])), 1), theirs["xyxy"],
                       theirs["cls"])
            assert got.shape[0] == len(theirs["conf"]) and (got - torch.tensor(theirs["xyxy"])[j]).abs().max() < 0.01
        else:
            assert report["letterbox"] == "square"
