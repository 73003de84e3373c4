"""The evaluation protocols against Ultralytics' validator (installed ultralytics, run in child processes; this
process never imports it): a YOLO12-n trained a few epochs on the synthetic set, evaluated on photographs of mixed
aspect ratios (synthetic images resized to other shapes, small ones upscaled, and Ultralytics' bus.jpg and
zidane.jpg), at batch 1 and 5, with `rect` against `model.val()`'s default and `square` against rect=False: the same
COCO JSON detection for detection, and our pycocotools mAP equal to pycocotools on the validator's JSON."""

from __future__ import annotations

import collections
import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from baselines.child import child_env
from bench import accuracy
from bench.records import read_records
from yolov12 import evaluate as coco_eval
from yolov12.data import load_dataset
from yolov12.data.synth import SynthConfig, generate
from yolov12.protocol import Protocol, place, plan, prepare, resize_long_side, to_original

CHILD = Path(__file__).with_name("ultralytics_validator.py")
IMGSZ = 192  # differs from the images' sizes: every image is resized (down or up) before it is placed
EPOCHS = 12
RESIZED = {1: (320, 180), 2: (180, 320), 3: (300, 300), 4: (97, 61), 5: (400, 150), 6: (150, 355), 7: (256, 171)}


# ---- the geometry, by hand ------------------------------------------------------------------------------------------

def test_rect_canvases_round_up_to_the_stride_plus_half_a_stride():
    sizes = [(480, 640), (480, 640), (640, 480), (500, 500), (360, 640), (720, 1280)]
    paths = [f"/d/{i}.jpg" for i in range(len(sizes))]
    batches = plan(sizes, paths, Protocol("rect", 640, 2))
    # sorted by h/w: 0.5625 (4, 5), 0.75 (0, 1), 1.0 (3), 1.33 (2)
    assert [sorted(idx) for idx, _ in batches] == [[4, 5], [0, 1], [2, 3]]
    assert [canvas for _, canvas in batches] == [(384, 672), (512, 672), (672, 672)]
    assert plan(sizes, paths, Protocol("square", 640, 4)) == [([0, 1, 2, 3], (640, 640)), ([4, 5], (640, 640))]
    portrait = plan([(640, 480), (800, 400)], ["a", "b"], Protocol("rect", 640, 2))
    assert portrait == [([0, 1], (672, 512))]  # (1, 1 / min h/w) = (1, 0.75) -> ceil(20.5) * 32, ceil(15.5) * 32


def test_order_is_by_path_then_aspect_ratio():
    sizes = [(100, 100)] * 3 + [(50, 100)]
    batches = plan(sizes, ["c", "a", "b", "z"], Protocol("square", 64, 2))
    assert [idx for idx, _ in batches] == [[1, 2], [0, 3]]
    assert [idx for idx, _ in plan(sizes, ["c", "a", "b", "z"], Protocol("rect", 64, 2))][0][0] == 3


def test_resize_ceils_and_placement_maps_back():
    img = np.zeros((333, 1000, 3), np.uint8)
    assert resize_long_side(img, 640).shape == (214, 640, 3)  # 333 * 0.64 = 213.12 -> 214 (not 213)
    canvas, p = prepare(img, (256, 672), 640)
    assert canvas.shape == (256, 672, 3) and p.pad == (16, 21) and p.shape == (333, 1000)
    assert p.gain == pytest.approx((214 / 333, 0.64))
    corners = torch.tensor([[16.0, 21.0, 656.0, 235.0], [-5.0, 0.0, 700.0, 300.0]])
    back = to_original(corners, p)
    assert torch.allclose(back, torch.tensor([[0.0, 0, 1000, 333]] * 2), atol=1e-3)
    small, q = place(np.zeros((40, 30, 3), np.uint8), (64, 64), (40, 30))  # never upscaled when placed
    assert small.shape == (64, 64, 3) and q.gain == (1.0, 1.0) and q.pad == (17, 12)


def test_protocol_names_and_letterbox_text():
    assert Protocol("rect").letterbox == "rect stride 32 pad 0.5"
    assert Protocol("square", 640).letterbox == "square 640"
    with pytest.raises(ValueError, match="accepted: rect, square"):
        Protocol("letterbox")


# ---- against Ultralytics' validator ----------------------------------------------------------------------------------

def child(args: list[str], root: Path) -> dict:
    proc = subprocess.run([sys.executable, str(CHILD), *args], env=child_env(root / "cache"), cwd=root,
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def parity_set(root: Path) -> Path:
    """The synthetic set, its val split made mixed in aspect ratio (labels are normalised, so resizing a whole image
    keeps them right) plus Ultralytics' two photographs (no objects of these classes: false positives only)."""
    yaml = generate(root, 96, 10, seed=11, cfg=SynthConfig(imgsz=320))
    val = root / "images" / "val"
    for stem, (w, h) in RESIZED.items():
        f = val / f"{stem:06d}.jpg"
        cv2.imwrite(str(f), cv2.resize(cv2.imread(str(f)), (w, h), interpolation=cv2.INTER_AREA))
    assets = Path(importlib.util.find_spec("ultralytics").origin).parent / "assets"
    shutil.copyfile(assets / "bus.jpg", val / "000901.jpg")  # 810 x 1080
    shutil.copyfile(assets / "zidane.jpg", val / "000902.jpg")  # 1280 x 720
    shutil.rmtree(root / "annotations")  # the COCO copy no longer matches the resized images
    return yaml


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> tuple[Path, Path, Path]:
    root = tmp_path_factory.mktemp("parity")
    yaml = parity_set(root / "data")
    weights = Path(child(["train", str(yaml), str(root), str(EPOCHS), "160"], root)["weights"])
    return root, yaml, weights


def pair_up(ours: list[dict], theirs: list[dict]) -> tuple[float, float]:
    """Largest box and score differences over a one-to-one pairing of the two lists (each image and category's
    detections sorted by score, then box); the lists must hold the same (image, category) counts."""
    def groups(dets):
        out = collections.defaultdict(list)
        for d in dets:
            out[d["image_id"], d["category_id"]].append([d["score"], *d["bbox"]])
        return {k: np.array(sorted(v, key=lambda r: (-r[0], *r[1:]))) for k, v in out.items()}

    a, b = groups(ours), groups(theirs)
    assert {k: len(v) for k, v in a.items()} == {k: len(v) for k, v in b.items()}
    box = max(float(np.abs(a[k][:, 1:] - b[k][:, 1:]).max()) for k in a)
    score = max(float(np.abs(a[k][:, 0] - b[k][:, 0]).max()) for k in a)
    return box, score


@pytest.mark.slow
def test_same_json_and_map_as_ultralytics_validator(trained, capsys):
    root, yaml, weights = trained
    gt = load_dataset(yaml).coco_gt
    configs = [(1, "rect"), (5, "rect"), (1, "square"), (5, "square")]
    specs = [f"{batch}:{int(name == 'rect')}" for batch, name in configs]
    validator = child(["val", str(weights), str(yaml), str(root), str(IMGSZ), *specs], root)
    results = {}
    for (batch, name), spec in zip(configs, specs, strict=True):
        theirs = validator[spec]
        their_dets = [{k: v for k, v in d.items() if k != "file_name"} for d in json.loads(Path(theirs["json"])
                                                                                        .read_text())]
        out = root / f"ours-{name}-{batch}"
        argv = ["--model", "yolov12-n", "--weights", str(weights), "--data", str(yaml), "--imgsz", str(IMGSZ),
                "--batch", str(batch), "--protocol", name, "--workers", "0", "--device", "cpu",
                "--out", str(out / "r.csv"), "--save-json", str(out / "d.json")]
        assert accuracy.main(argv) == 0
        ours = json.loads((out / "d.json").read_text())
        (rec,) = read_records(out / "r.csv")
        assert (rec["protocol"], rec["batch"], rec["imgsz"]) == (name, str(batch), str(IMGSZ))
        assert len(ours) == len(theirs_list := their_dets) > 500
        box, score = pair_up(ours, theirs_list)
        # both writers round scores to 1e-5: float32 differences between the two networks' arithmetic can put a score
        # one rounding step apart, never more
        assert box <= 0.01 and score <= 1e-5 + 1e-9, (name, batch, box, score)
        ref = coco_eval.evaluate(gt, their_dets)
        assert float(rec["map50_95"]) == pytest.approx(ref["map50_95"], abs=1e-6)
        assert float(rec["map50"]) == pytest.approx(ref["map50"], abs=1e-6)
        assert ref["map50_95"] > 0.02 and ref["map50"] > 0.04  # the model detects something
        results[name, batch] = float(rec["map50_95"])
        with capsys.disabled():
            print(f"\n{name} batch {batch}: ours mAP50-95 {float(rec['map50_95']):.4f} mAP50 {float(rec['map50']):.4f}"
                  f" | pycocotools on the validator's JSON {ref['map50_95']:.4f} / {ref['map50']:.4f} | the "
                  f"validator's own metric {theirs['map50_95']:.4f} / {theirs['map50']:.4f} | {len(ours)} detections,"
                  f" max box diff {box:.4f} px, max score diff {score:.1e}")
    with capsys.disabled():
        print(f"\nrect - square mAP50-95: batch 1 {results['rect', 1] - results['square', 1]:+.4f}, batch 5 "
              f"{results['rect', 5] - results['square', 5]:+.4f}")
    baseline_path_and_ultralytics_metric(root, yaml, weights, validator["5:1"], capsys)


def baseline_path_and_ultralytics_metric(root: Path, yaml: Path, weights: Path, theirs: dict, capsys) -> None:
    """The same weights as an Ultralytics baseline (`yolo12-n`, run in the worker child) give the validator's JSON
    too, and --also-ultralytics-metric gives the validator's own figure up to its canvas-pixel matching."""
    out = root / "baseline"
    argv = ["--model", "yolo12-n", "--weights", str(weights), "--data", str(yaml), "--imgsz", str(IMGSZ), "--batch",
            "5", "--workers", "0", "--device", "cpu", "--out", str(out / "r.csv"), "--save-json", str(out / "d.json"),
            "--also-ultralytics-metric"]
    assert accuracy.main(argv) == 0
    (rec,) = read_records(out / "r.csv")
    assert rec["impl"].startswith("ultralytics-") and rec["protocol"] == "rect"
    their_dets = [{k: v for k, v in d.items() if k != "file_name"}
                  for d in json.loads(Path(theirs["json"]).read_text())]
    box, score = pair_up(json.loads((out / "d.json").read_text()), their_dets)
    assert box <= 0.01 and score <= 1e-5 + 1e-9
    ul50_95, ul50 = float(rec["map50_95_ultralytics"]), float(rec["map50_ultralytics"])
    with capsys.disabled():
        print(f"\nbaseline path rect batch 5: pycocotools {float(rec['map50_95']):.4f}; Ultralytics' metric on the "
              f"JSON {ul50_95:.4f} / {ul50:.4f}; the validator's own {theirs['map50_95']:.4f} / {theirs['map50']:.4f}")
    assert ul50_95 == pytest.approx(theirs["map50_95"], abs=5e-4) and ul50 == pytest.approx(theirs["map50"], abs=5e-4)
