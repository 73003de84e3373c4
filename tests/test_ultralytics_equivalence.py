"""Same weights in, same outputs out: our YOLOv12 against Ultralytics' YOLO12 (8.4.190), for all five scales."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

import yolov12
from yolov12.postprocess import NmsConfig, nms

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
    gen = torch.Generator().manual_seed(1)
    xs = [torch.rand(2, 3, 160, 160, generator=gen), torch.rand(2, 3, 128, 224, generator=gen)]
    torch.save(xs, tmp / "inputs.pt")
    script = Path(__file__).with_name("ultralytics_reference.py")
    subprocess.run([sys.executable, str(script), str(tmp), str(tmp / "inputs.pt"), *SCALES],
                   check=True, env=offline_env(tmp), timeout=900)
    return tmp, xs


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
        for mine, their in zip(ours, theirs["nms"]):  # NMS on the same tensor gives the same detections
            ref = nms(mine, NmsConfig.val())
            for a, b in zip(ref, their):
                assert a.shape == b.shape and a.shape[0] > 0
                assert torch.allclose(a, b, rtol=RTOL, atol=1e-3)
        model.fuse()
        for x, their in zip(xs, theirs["fused"]):
            assert rel_err(model(x), their) < RTOL


@pytest.mark.slow
def test_nms_identical_on_identical_tensor(reference):
    """Post-processing alone, fed Ultralytics' own output tensor."""
    tmp, xs = reference
    theirs = torch.load(tmp / "yolo12n.outputs.pt")
    for pred, their in zip(theirs["unfused"], theirs["nms"]):
        for a, b in zip(nms(pred, NmsConfig.val()), their):
            assert torch.equal(a, b)
