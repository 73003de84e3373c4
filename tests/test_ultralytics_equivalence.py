"""Same weights in, same outputs out: our YOLOv12 against Ultralytics' YOLO12 (8.4.190), for all five scales."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import cv2
import pytest
import torch

import yolov12
from yolov12.preprocess import letterbox, to_tensor

SCALES = ["n", "s", "m", "l", "x"]
RTOL = 1e-4  # fp32, relative to the output's magnitude


def offline_env(tmp: Path) -> dict[str, str]:
    font = Path(__import__("matplotlib").get_data_path()) / "fonts/ttf/DejaVuSans.ttf"
    cfg = tmp / "ultralytics"
    (cfg / "Ultralytics").mkdir(parents=True, exist_ok=True)
    for name in ("Arial.ttf", "Arial.Unicode.ttf"):
        (cfg / "Ultralytics" / name).write_bytes(font.read_bytes())
    return {**os.environ, "YOLO_OFFLINE": "1", "YOLO_AUTOINSTALL": "0", "YOLO_VERBOSE": "0",
            "YOLO_CONFIG_DIR": str(cfg), "MPLCONFIGDIR": str(tmp / "mpl")}


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ultra")
    xs = [photos((160, 160)), photos((128, 224))]  # real images: noise gives near-constant features and tied scores
    torch.save(xs, tmp / "inputs.pt")
    script = Path(__file__).with_name("ultralytics_reference.py")
    env = {**offline_env(tmp), "PYTHONPATH": str(script.parent.parent)}
    subprocess.run([sys.executable, str(script), str(tmp), str(tmp / "inputs.pt"), *SCALES], check=True, env=env,
                   timeout=900)
    return tmp, xs


def photos(size: tuple[int, int]) -> torch.Tensor:
    """bus.jpg and zidane.jpg (shipped with ultralytics), letterboxed to (h, w), as a batch of 2."""
    assets = Path(importlib.util.find_spec("ultralytics").origin).parent / "assets"
    canvases = [letterbox(cv2.imread(str(assets / name)), size)[0] for name in ("bus.jpg", "zidane.jpg")]
    return to_tensor(canvases)


def rel_err(a: torch.Tensor, b: torch.Tensor) -> float:
    return ((a - b).abs().max() / b.abs().max()).item()


@pytest.mark.slow
@pytest.mark.parametrize("scale", SCALES)
def test_same_outputs_as_ultralytics(reference, scale):
    tmp, xs = reference
    theirs = torch.load(tmp / f"yolo12{scale}.outputs.pt")
    model = yolov12.load_model(tmp / f"yolo12{scale}.pt", attn="reference")
    assert model.name == f"yolov12-{scale}" and model.meta["source"] == "ultralytics"
    with torch.no_grad():
        ours = [model(x) for x in xs]
        for mine, their in zip(ours, theirs["unfused"]):
            assert mine.shape == their.shape
            assert rel_err(mine[:, :4], their[:, :4]) < RTOL  # boxes, pixels
            assert (mine[:, 4:] - their[:, 4:]).abs().max() < RTOL  # class probabilities
        model.fuse()
        for x, their in zip(xs, theirs["fused"]):
            assert rel_err(model(x), their) < RTOL


@pytest.mark.slow
@pytest.mark.parametrize("scale", SCALES)
def test_nms_identical_on_identical_tensor(reference, scale):
    """Post-processing alone: our NMS and Ultralytics' on the same output tensor, in the same process (the order
    of exactly tied scores, frequent with random weights, may differ between processes)."""
    tmp, _ = reference
    for theirs, ours in torch.load(tmp / f"yolo12{scale}.outputs.pt")["nms"]:
        for a, b in zip(ours, theirs):
            assert a.shape[0] > 0 and torch.equal(a, b)
