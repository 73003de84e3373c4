"""Synthetic set determinism and layout agreement, the YOLO and COCO readers, letterboxed evaluation batches, and
clear errors for missing or malformed datasets."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from yolov12.data import DatasetError, eval_loader, load_dataset
from yolov12.data.synth import CLASSES, SynthConfig, generate, main
from yolov12.protocol import Protocol, to_original


@pytest.fixture(scope="module")
def synth(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    generate(out, 3, 5, seed=7, cfg=SynthConfig(imgsz=160))
    return out


def _digest(root: Path) -> dict[str, str]:
    out = {}
    for f in sorted(p for p in root.rglob("*") if p.is_file()):
        data = f.read_bytes().replace(str(root.resolve()).encode(), b"<root>")
        out[str(f.relative_to(root))] = hashlib.sha256(data).hexdigest()
    return out


def test_synth_same_seed_same_bytes(synth, tmp_path):
    assert main(["--out", str(tmp_path / "again"), "--train", "3", "--val", "5", "--seed", "7", "--imgsz", "160"]) == 0
    first, second = _digest(synth), _digest(tmp_path / "again")
    assert len(first) == 3 + 5 + 3 + 5 + 2 + 2  # images, labels, data.yaml, synth.json, two COCO files
    assert first == second
    generate(tmp_path / "other", 3, 5, seed=8, cfg=SynthConfig(imgsz=160))
    other = _digest(tmp_path / "other")
    assert other["images/val/000001.jpg"] != first["images/val/000001.jpg"]


def test_synth_layouts_agree(synth):
    yolo = load_dataset(synth / "data.yaml")
    coco = load_dataset(synth / "annotations" / "instances_val.json")
    assert yolo.names == coco.names == CLASSES
    assert yolo.category_ids == coco.category_ids == tuple(range(1, len(CLASSES) + 1))
    assert [(e.id, e.path, e.height, e.width) for e in yolo.images] == \
        [(e.id, e.path, e.height, e.width) for e in coco.images]
    ya, ca = yolo.coco_gt["annotations"], coco.coco_gt["annotations"]
    assert len(ya) == len(ca) >= 2 * len(yolo)
    for a, b in zip(ya, ca, strict=True):
        assert (a["image_id"], a["category_id"]) == (b["image_id"], b["category_id"])
        np.testing.assert_allclose(a["bbox"], b["bbox"], atol=2e-3)
    for a in ca:  # objects inside their image, not tiny (min side 12 px at 320 -> 6 px at 160)
        im = coco.images[a["image_id"] - 1]
        x, y, w, h = a["bbox"]
        assert 0 <= x and 0 <= y and x + w <= im.width and y + h <= im.height
        assert min(w, h) >= 5
    assert max(e.width for e in yolo.images) == 160 and min(min(e.width, e.height) for e in yolo.images) >= 112


def test_synth_train_split_and_manifest(synth):
    train = load_dataset(synth / "data.yaml", split="train")
    assert len(train) == 3 and train.images[0].path.parent.name == "train"
    manifest = json.loads((synth / "synth.json").read_text())
    assert manifest["seed"] == 7 and manifest["backgrounds"] and manifest["splits"]["val"]["images"] == 5


def test_dataset_folder_and_loader(synth):
    data = load_dataset(synth)  # folder: annotations/instances_val.json + images/val
    batches = list(eval_loader(data, Protocol("square", 160, 2)))
    assert [len(ids) for _, _, ids in batches] == [2, 2, 1]
    x, placements, ids = batches[0]
    assert x.shape == (2, 3, 160, 160) and x.dtype == torch.float32 and 0 <= x.min() and x.max() <= 1
    assert ids == [1, 2]
    p = placements[0]
    assert p.shape == (data.images[0].height, data.images[0].width) and p.gain == (1.0, 1.0)
    corners = torch.tensor([[p.pad[0], p.pad[1], p.pad[0] + p.shape[1], p.pad[1] + p.shape[0]]], dtype=torch.float)
    assert to_original(corners, p).tolist() == [[0, 0, p.shape[1], p.shape[0]]]
    rect = list(eval_loader(data, Protocol("rect", 160, 2)))  # canvases per batch: 160 + 16 on the long side
    assert sorted(i for _, _, ids in rect for i in ids) == [e.id for e in data.images]
    assert all(160 < max(x.shape[2:]) <= 192 and x.shape[2] % 32 == x.shape[3] % 32 == 0 for x, _, _ in rect)


def test_yolo_polygon_labels_and_missing_label(tmp_path, synth):
    root = tmp_path / "ds"
    shutil.copytree(synth / "images", root / "images")
    (root / "labels" / "val").mkdir(parents=True)
    (root / "labels" / "val" / "000001.txt").write_text("2 0.1 0.2 0.5 0.2 0.3 0.6\n")
    (root / "d.yaml").write_text("path: .\nval: images/val\nnames: [a, b, c]\n")
    data = load_dataset(root / "d.yaml")
    ann = data.coco_gt["annotations"]
    assert len(ann) == 1 and ann[0]["category_id"] == 3
    w, h = data.images[0].width, data.images[0].height
    np.testing.assert_allclose(ann[0]["bbox"], [0.1 * w, 0.2 * h, 0.4 * w, 0.4 * h], rtol=1e-9)


@pytest.mark.parametrize("case, expect", [
    ("missing", "no dataset at"),
    ("no_names", "needs `names`"),
    ("bad_row", ":1: expected `cls cx cy w h`"),
    ("bad_class", "class 9 outside 0..2"),
    ("no_split", "no `val` entry"),
    ("bad_json", "not a readable JSON"),
    ("json_keys", "needs `images`, `annotations` and `categories`"),
    ("json_missing_image", "1 of 1 images missing"),
    ("empty_folder", "no annotations/instances_*.json"),
    ("suffix", "unrecognised dataset"),
])
def test_dataset_errors(tmp_path, synth, case, expect):
    labels = tmp_path / "labels" / "val"
    labels.mkdir(parents=True)
    shutil.copytree(synth / "images", tmp_path / "images")
    yaml = tmp_path / "d.yaml"
    yaml.write_text(f"path: {tmp_path}\nval: images/val\nnames: [a, b, c]\n")
    spec: Path = yaml
    if case == "missing":
        spec = tmp_path / "nope.yaml"
    elif case == "no_names":
        yaml.write_text("val: images/val\n")
    elif case == "bad_row":
        (labels / "000001.txt").write_text("1 0.5 0.5 0.2\n")
    elif case == "bad_class":
        (labels / "000001.txt").write_text("9 0.5 0.5 0.2 0.2\n")
    elif case == "no_split":
        yaml.write_text("train: images/val\nnames: [a]\n")
    elif case == "bad_json":
        spec = tmp_path / "instances_val.json"
        spec.write_text("{not json")
    elif case == "json_keys":
        spec = tmp_path / "instances_val.json"
        spec.write_text('{"images": []}')
    elif case == "json_missing_image":
        spec = tmp_path / "annotations" / "instances_val.json"
        spec.parent.mkdir()
        spec.write_text(json.dumps({"images": [{"id": 1, "file_name": "gone.jpg", "height": 4, "width": 4}],
                                    "annotations": [], "categories": [{"id": 1, "name": "a"}]}))
    elif case == "empty_folder":
        spec = tmp_path / "labels"
    elif case == "suffix":
        spec = tmp_path / "images" / "val" / "000001.jpg"
    with pytest.raises(DatasetError, match=re.escape(expect)):
        load_dataset(spec)


def test_synth_cli_rejects_bad_arguments(tmp_path, capsys):
    assert main(["--out", str(tmp_path), "--imgsz", "10"]) == 2
    err = capsys.readouterr().err
    assert "--imgsz 10" in err and "64" in err and len(err.strip().splitlines()) == 1
