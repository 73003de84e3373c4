"""Hostile input to every CLI (issue #9): each case must fail validation with one short line on stderr (no
traceback), exit status 2, and write nothing: the tmp folder is snapshotted before and after (a foreign CSV stays
byte-identical) and payload-style inputs (a pickle or a YAML tag that would run code) leave no marker file.

Nothing here builds a big model or measures anything: every hostile case must be refused during validation, and the
base arguments keep the work tiny (imgsz 64, one iteration) should a case be wrongly accepted."""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
MAIN = {
    "predict": "yolov12.predict", "train": "yolov12.train", "synth": "yolov12.data.synth", "flops": "bench.flops",
    "latency": "bench.latency", "paired": "bench.paired", "accuracy": "bench.accuracy", "presets": "bench.presets",
    "reports": "reports.__main__",
}
MARKER = "PWNED"


class _Payload:
    """Pickles to a call that creates the marker file: loading it must never run that."""

    def __init__(self, path: Path):
        self.path = str(path)

    def __reduce__(self):
        return (os.system, (f"touch {self.path}",))


def make_inputs(root: Path) -> dict[str, str]:
    """Tiny inputs, valid and hostile, under `root`; returns the placeholders used in the cases."""
    root.mkdir()
    img = np.full((48, 64, 3), 90, np.uint8)
    cv2.rectangle(img, (10, 10), (40, 30), (0, 200, 255), -1)
    cv2.imwrite(str(root / "img.png"), img)
    # a COCO dataset of one image, and a YOLO one over the same image
    (root / "coco" / "images" / "val").mkdir(parents=True)
    cv2.imwrite(str(root / "coco" / "images" / "val" / "000001.jpg"), img)
    (root / "coco" / "annotations").mkdir()
    (root / "coco" / "annotations" / "instances_val.json").write_text(json.dumps({
        "images": [{"id": 1, "file_name": "000001.jpg", "height": 48, "width": 64}],
        "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [10, 10, 30, 20], "area": 600,
                         "iscrowd": 0}],
        "categories": [{"id": 1, "name": "thing"}]}))
    (root / "yolo" / "images" / "val").mkdir(parents=True)
    (root / "yolo" / "labels" / "val").mkdir(parents=True)
    cv2.imwrite(str(root / "yolo" / "images" / "val" / "000001.jpg"), img)
    (root / "yolo" / "labels" / "val" / "000001.txt").write_text("0 0.39 0.42 0.47 0.42\n")
    (root / "yolo" / "data.yaml").write_text(f"path: {root / 'yolo'}\ntrain: images/val\nval: images/val\n"
                                             "names:\n  0: thing\n")
    (root / "dets.json").write_text("[]")
    # hostile datasets
    (root / "empty").mkdir()
    (root / "malformed.yaml").write_text("names: [a, b\nval: : :\n\t- x")
    (root / "payload.yaml").write_text(f"!!python/object/apply:os.system [\"touch {root / MARKER}\"]\n")
    (root / "noval.yaml").write_text(f"path: {root / 'yolo'}\nnames: [thing]\n")
    (root / "garbage.json").write_text('{"images": 7, "annotations": "x", "categories": [{}]}')
    (root / "badcoco").mkdir()
    (root / "badcoco" / "annotations").mkdir()
    (root / "badcoco" / "annotations" / "instances_val.json").write_bytes(b"\x00\xff{{{not json")
    # hostile weights
    (root / "random.pt").write_bytes(np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    (root / "text.pt").write_text("these are not weights\n")
    (root / "wdir.pt").mkdir()
    with open(root / "payload.pt", "wb") as f:
        pickle.dump({"model": _Payload(root / MARKER)}, f)
    # hostile images: a truncated JPEG (half its bytes) and garbage with an image suffix
    big = cv2.resize(img, (256, 192))
    ok, buf = cv2.imencode(".jpg", big, [cv2.IMWRITE_JPEG_QUALITY, 95])
    assert ok
    (root / "trunc").mkdir()
    (root / "trunc" / "cut.jpg").write_bytes(buf.tobytes()[: len(buf) // 2])
    (root / "garbage").mkdir()
    (root / "garbage" / "x.jpg").write_bytes(b"not an image at all")
    return {"img": str(root / "img.png"), "coco": str(root / "coco"), "yolo": str(root / "yolo" / "data.yaml"),
            "dets": str(root / "dets.json"), "in": str(root)}


def make_outputs(tmp: Path) -> dict[str, str]:
    """Existing things a hostile --out can point at."""
    (tmp / "afile").write_text("I am a file\n")
    (tmp / "adir").mkdir()
    (tmp / "foreign.csv").write_bytes(b"name,score\nalice,3\nbob,4\n")
    (tmp / "binary.csv").write_bytes(bytes(range(256)) * 4)
    return {"file": str(tmp / "afile"), "dir": str(tmp / "adir"), "foreign": str(tmp / "foreign.csv"),
            "binary": str(tmp / "binary.csv")}


def snapshot(root: Path) -> dict[str, str]:
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for d in dirnames:
            out[os.path.relpath(os.path.join(dirpath, d), root)] = "dir"
        for f in filenames:
            p = os.path.join(dirpath, f)
            out[os.path.relpath(p, root)] = hashlib.sha256(Path(p).read_bytes()).hexdigest()
    return out


def _fill(argv: list[str], places: dict[str, str]) -> list[str]:
    return [a.format(**places) for a in argv]


# Per-CLI base arguments: valid and tiny, so the hostile part is the only thing wrong.
PREDICT = ["--model", "yolov12-n", "--source", "{img}", "--out", "{tmp}/pout", "--imgsz", "64"]
TRAIN = ["--model", "yolov12-n", "--data", "{yolo}", "--out", "{tmp}/run", "--epochs", "1", "--batch", "2",
         "--imgsz", "64", "--workers", "0", "--device", "cpu"]
SYNTH = ["--out", "{tmp}/synth", "--train", "0", "--val", "1", "--imgsz", "96"]
FLOPS = ["--out", "{tmp}/flops.csv"]
TIMING = ["--device", "cpu", "--imgsz", "64", "--warmup", "0", "--min-iters", "1", "--min-time", "0"]
LATENCY = [*TIMING, "--out", "{tmp}/lat.csv"]
PAIRED = [*TIMING, "--rounds", "4", "--round-iters", "1", "--out", "{tmp}/pair.csv"]
ACC_DET = ["--detections", "{dets}", "--data", "{coco}", "--device", "cpu", "--out", "{tmp}/acc.csv"]
ACC_MODEL = ["--model", "yolov12-n", "--data", "{coco}", "--device", "cpu", "--imgsz", "64", "--batch", "1",
             "--workers", "0", "--out", "{tmp}/acc.csv"]


_BASES = sorted([PREDICT, PREDICT[2:], TRAIN, SYNTH, FLOPS, LATENCY, PAIRED, ACC_DET, ACC_MODEL, TIMING], key=len,
                reverse=True)


def _hostile_part(argv: list[str]) -> list[str]:
    """`argv` less the base arguments it was built from (for the test id)."""
    for base in _BASES:
        for k in range(len(argv) - len(base) + 1):
            if argv[k:k + len(base)] == base:
                return argv[:k] + argv[k + len(base):]
    return argv


def case(cls: str, cli: str, argv: list[str], says: str = "", *marks):
    """One hostile case; `says` must appear in the error line (case-insensitive). Its id shows what is not base."""
    name = f"{cls}-{cli}-" + " ".join(_hostile_part(argv)).replace("{", "").replace("}", "")
    return pytest.param(cli, argv, says, id=name, marks=marks)


ROOT_USER = pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0,
                               reason="root writes into read-only folders")

CASES = [
    # ---- bad override values ---------------------------------------------------------------------------------------
    case("override", "flops", ["--models", "yolov12-n:area=abc", *FLOPS], "area"),
    case("override", "flops", ["--models", "yolov12-n:area=0", *FLOPS], "area"),
    case("override", "flops", ["--models", "yolov12-n:area=3", "--imgsz", "640", *FLOPS], "area"),
    case("override", "flops", ["--models", "yolov12-n:pe_kernel=4", *FLOPS], "pe_kernel"),
    case("override", "flops", ["--models", "yolov12-n:mlp_ratio=-1", *FLOPS], "mlp_ratio"),
    case("override", "flops", ["--models", "yolov12-n:proj=bogus", *FLOPS], "proj"),
    case("override", "flops", ["--models", "yolov12-n:bogus=1", *FLOPS], "bogus"),
    case("override", "flops", ["--models", "yolo11-n:area=1", *FLOPS], "yolo11-n"),
    case("override", "flops", ["--models", "yolov12-n:area=", *FLOPS], "area"),
    case("override", "latency", ["--models", "yolov12-n:area=abc", *LATENCY], "area"),
    case("override", "latency", ["--models", "yolov12-n:pe_kernel=4", *LATENCY], "pe_kernel"),
    case("override", "latency", ["--models", "yolov12-n:area=3", *TIMING, "--imgsz", "640", "--out",
                                 "{tmp}/lat.csv"], "area"),
    case("override", "latency", ["--models", "yolov12-n@bogus", *LATENCY], "bogus"),
    case("override", "paired", ["yolov12-n:area=0", "yolov12-n", *PAIRED], "area"),
    case("override", "paired", ["yolov12-n", "yolo11-n:area=2", *PAIRED], "yolo11-n"),
    case("override", "predict", [*PREDICT, "--model", "yolov12-n:area=abc"], "yolov12-n:area=abc"),
    # ---- sizes -----------------------------------------------------------------------------------------------------
    case("size", "predict", [*PREDICT, "--imgsz", "100000"], "--imgsz"),
    case("size", "predict", [*PREDICT, "--imgsz", "0"], "--imgsz"),
    case("size", "predict", [*PREDICT, "--imgsz", "33"], "--imgsz"),
    case("size", "predict", [*PREDICT, "--imgsz", "-32"], "--imgsz"),
    case("size", "flops", ["--models", "yolov12-n", "--imgsz", "100000", *FLOPS], "--imgsz"),
    case("size", "flops", ["--models", "yolov12-n", "--imgsz", "33", *FLOPS], "--imgsz"),
    case("size", "latency", ["--models", "yolov12-n", *LATENCY, "--imgsz", "0"], "--imgsz"),
    case("size", "latency", ["--models", "yolov12-n", *LATENCY, "--imgsz", "-32"], "--imgsz"),
    case("size", "latency", ["--models", "yolov12-n", *LATENCY, "--imgsz", "100000"], "--imgsz"),
    case("size", "paired", ["yolov12-n", "yolov12-s", *PAIRED, "--imgsz", "33"], "--imgsz"),
    case("size", "accuracy", [*ACC_DET, "--imgsz", "100000"], "--imgsz"),
    case("size", "train", [*TRAIN, "--imgsz", "100000"], "imgsz"),
    case("size", "train", [*TRAIN, "--imgsz", "33"], "imgsz"),
    case("size", "synth", [*SYNTH, "--imgsz", "100000"], "--imgsz"),
    case("size", "synth", [*SYNTH, "--imgsz", "0"], "--imgsz"),
    case("size", "synth", [*SYNTH, "--imgsz", "-64"], "--imgsz"),
    # ---- ranges ----------------------------------------------------------------------------------------------------
    case("range", "predict", [*PREDICT, "--conf", "2"], "--conf"),
    case("range", "predict", [*PREDICT, "--iou", "-1"], "--iou"),
    case("range", "predict", [*PREDICT, "--max-det", "-5"], "--max-det"),
    case("range", "predict", [*PREDICT, "--max-det", "0"], "--max-det"),
    case("range", "predict", [*PREDICT, "--conf", "nan"], "--conf"),
    case("range", "latency", ["--models", "yolov12-n", *LATENCY, "--conf", "2"], "--conf"),
    case("range", "latency", ["--models", "yolov12-n", *LATENCY, "--batch", "0"], "--batch"),
    case("range", "latency", ["--models", "yolov12-n", *LATENCY, "--threads", "-1"], "--threads"),
    case("range", "latency", ["--models", "yolov12-n", *LATENCY, "--min-iters", "0"], "--min-iters"),
    case("range", "paired", ["yolov12-n", "yolov12-s", *PAIRED, "--rounds", "1"], "--rounds"),
    case("range", "paired", ["yolov12-n", "yolov12-s", *PAIRED, "--round-iters", "0"], "--round-iters"),
    case("range", "accuracy", [*ACC_DET, "--batch", "0"], "--batch"),
    case("range", "accuracy", [*ACC_DET, "--workers", "-1"], "--workers"),
    case("range", "accuracy", [*ACC_DET, "--max-det", "0"], "--max-det"),
    case("range", "train", [*TRAIN, "--batch", "0"], "batch"),
    case("range", "train", [*TRAIN, "--epochs", "0"], "epochs"),
    case("range", "train", [*TRAIN, "--workers", "-1"], "workers"),
    case("range", "train", [*TRAIN, "--set", "lr0=abc"], "lr0"),
    case("range", "train", [*TRAIN, "--set", "noequals"], "noequals"),
    case("range", "synth", [*SYNTH, "--train", "-1"], "--train"),
    case("range", "synth", [*SYNTH, "--val", "0"], "--val"),
    case("range", "synth", [*SYNTH, "--seed", "-1"], "--seed"),
    case("range", "presets", ["cpu", "--threads", "-1", "--dry-run", "--out", "{tmp}/res"], "--threads"),
    case("range", "presets", ["cpu", "--threads", "-1", "--out", "{tmp}/res"], "--threads"),
    # ---- unknown flags and abbreviations ---------------------------------------------------------------------------
    case("flag", "accuracy", [*ACC_DET, "--mode", "openvino"], "--mode"),
    case("mode", "accuracy", [*ACC_MODEL, "--weights", "{in}/random.pt", "--mode", "warp"], "warp"),
    case("flag", "accuracy", [*ACC_DET, "--mod", "yolov12-n"], "--mod"),
    case("flag", "latency", ["--models", "yolov12-n", *LATENCY, "--mod", "eager"], "--mod"),
    case("flag", "predict", ["--mod", "yolov12-n", *PREDICT[2:]], "--mod"),
    case("flag", "predict", [*PREDICT, "--bogus"], "--bogus"),
    case("flag", "train", [*TRAIN, "--epoch", "3"], "--epoch"),
    case("flag", "synth", [*SYNTH, "--tra", "3"], "--tra"),
    case("flag", "flops", ["--model", "yolov12-n", *FLOPS], "--model"),
    case("flag", "paired", ["yolov12-n", "yolov12-s", *PAIRED, "--round", "5"], "--round"),
    case("flag", "presets", ["cpu", "--dry", "--out", "{tmp}/res"], "--dry"),
    case("flag", "presets", ["tpu", "--dry-run", "--out", "{tmp}/res"], "tpu"),
    case("flag", "reports", ["build", "--res", "{tmp}/adir", "--out", "{tmp}/rep"], "--res"),
    case("flag", "reports", ["frobnicate"], "frobnicate"),
    # ---- devices ---------------------------------------------------------------------------------------------------
    case("device", "predict", [*PREDICT, "--device", "cuda:7"], "cuda:7"),
    case("device", "predict", [*PREDICT, "--device", "tpu"], "tpu"),
    case("device", "predict", [*PREDICT, "--device", "cuda:x"], "cuda:x"),
    case("device", "latency", ["--models", "yolov12-n", *LATENCY, "--device", "cuda:7"], "cuda:7"),
    case("device", "latency", ["--models", "yolov12-n", *LATENCY, "--device", "tpu"], "tpu"),
    case("device", "paired", ["yolov12-n", "yolov12-s", *PAIRED, "--device", "cuda:x"], "cuda:x"),
    case("device", "accuracy", [*ACC_DET, "--device", "tpu"], "tpu"),
    case("device", "train", [*TRAIN, "--device", "tpu"], "tpu"),
    case("device", "train", [*TRAIN, "--device", "cuda:x"], "cuda:x"),
    case("device", "train", [*TRAIN, "--device", "0,x"], "0,x"),
    case("device", "train", [*TRAIN, "--device", "cuda:7"], "cuda:7"),
    case("device", "presets", ["gpu", "--device", "tpu", "--dry-run", "--out", "{tmp}/res"], "tpu"),
    # ---- precisions ------------------------------------------------------------------------------------------------
    case("precision", "latency", ["--models", "yolov12-n", *LATENCY, "--precision", "tf32"], "tf32"),
    case("precision", "latency", ["--models", "yolov12-n", *LATENCY, "--precision", "fp8"], "fp8"),
    case("precision", "latency", ["--models", "yolov12-n", *LATENCY, "--precision", ","], "precision"),
    case("precision", "paired", ["yolov12-n", "yolov12-s", *PAIRED, "--precision", "fp8"], "fp8"),
    case("precision", "accuracy", [*ACC_MODEL, "--weights", "{in}/random.pt", "--half"], "half"),
    # ---- impossible modes ------------------------------------------------------------------------------------------
    case("mode", "latency", ["--models", "yolov12-n", *LATENCY, "--mode", "cudagraph"], "cudagraph"),
    case("mode", "paired", ["yolov12-n", "yolov12-s", *PAIRED, "--mode", "cudagraph"], "cudagraph"),
    case("mode", "latency", ["--models", "yolov12-n", *LATENCY, "--mode", "warp"], "warp"),
    case("mode", "paired", ["yolov12-n", "yolov12-s", *PAIRED, "--mode", "onnxruntime", "--precision", "bf16"],
         "fp32"),
    case("mode", "latency", ["--models", "yolov12-n", *LATENCY, "--mode", "openvino", "--device", "cuda"], "cuda"),
    # ---- bad --out -------------------------------------------------------------------------------------------------
    case("out", "predict", [*PREDICT, "--out", "{file}"], "--out"),
    case("out", "predict", [*PREDICT, "--out", "{file}/sub"], "--out"),
    case("out", "predict", [*PREDICT, "--out", "{ro}/sub"], "--out", ROOT_USER),
    case("out", "flops", ["--models", "yolov12-n", "--out", "{dir}"], "--out"),
    case("out", "flops", ["--models", "yolov12-n", "--out", "{file}/x.csv"], "--out"),
    case("out", "flops", ["--models", "yolov12-n", "--out", "{foreign}"], "foreign.csv"),
    case("out", "flops", ["--models", "yolov12-n", "--out", "{binary}"], "binary.csv"),
    case("out", "latency", ["--models", "yolov12-n", *TIMING, "--out", "{foreign}"], "foreign.csv"),
    case("out", "latency", ["--models", "yolov12-n", *TIMING, "--out", "{dir}"], "--out"),
    case("out", "paired", ["yolov12-n", "yolov12-s", *TIMING, "--out", "{binary}"], "binary.csv"),
    case("out", "accuracy", [*ACC_DET, "--out", "{foreign}"], "foreign.csv"),
    case("out", "accuracy", [*ACC_DET, "--save-json", "{dir}"], "--save-json"),
    case("out", "train", [*TRAIN, "--out", "{file}"], "--out"),
    case("out", "train", [*TRAIN, "--out", "{file}/run"], "--out"),
    case("out", "synth", [*SYNTH, "--out", "{file}"], "--out"),
    case("out", "synth", [*SYNTH, "--out", "{file}/sub"], "--out"),
    case("out", "presets", ["cpu", "--out", "{file}"], "--out"),
    case("out", "reports", ["build", "--results", "{dir}", "--out", "{file}"], "--out"),
    case("out", "reports", ["build", "--results", "{tmp}/missing", "--out", "{tmp}/rep"], "--results"),
    # ---- weights ---------------------------------------------------------------------------------------------------
    case("weights", "predict", [*PREDICT[2:], "--weights", "{in}/missing.pt"], "not found"),
    case("weights", "predict", [*PREDICT[2:], "--weights", "{in}/wdir.pt"], "directory"),
    case("weights", "predict", [*PREDICT[2:], "--weights", "{in}/random.pt"], "random.pt"),
    case("weights", "predict", [*PREDICT[2:], "--weights", "{in}/text.pt"], "text.pt"),
    case("weights", "predict", [*PREDICT[2:], "--weights", "{in}/payload.pt"], "payload.pt"),
    case("weights", "latency", ["--models", "yolov12-n", *LATENCY, "--weights", "{in}/wdir.pt"], "directory"),
    case("weights", "latency", ["--models", "yolov12-n", *LATENCY, "--weights", "{in}/missing.pt"], "missing.pt"),
    case("weights", "latency", ["--models", "yolov12-n", *LATENCY, "--weights", "{in}/random.pt"], "random.pt"),
    case("weights", "accuracy", [*ACC_MODEL, "--weights", "{in}/wdir.pt"], "directory"),
    case("weights", "accuracy", [*ACC_MODEL, "--weights", "{in}/random.pt"], "random.pt"),
    case("weights", "accuracy", [*ACC_MODEL, "--weights", "{in}/payload.pt"], "payload.pt"),
    case("weights", "train", ["--resume", "{in}/wdir.pt", "--device", "cpu"], "directory"),
    case("weights", "train", ["--resume", "{in}/random.pt", "--device", "cpu"], "random.pt"),
    case("weights", "train", ["--resume", "{in}/text.pt", "--device", "cpu"], "text.pt"),
    case("weights", "train", ["--resume", "{in}/payload.pt", "--device", "cpu"], "payload.pt"),
    # ---- datasets and sources --------------------------------------------------------------------------------------
    case("data", "accuracy", [*ACC_DET, "--data", "{in}/missing"], "missing"),
    case("data", "accuracy", [*ACC_DET, "--data", "{in}/empty"], "empty"),
    case("data", "accuracy", [*ACC_DET, "--data", "{in}/malformed.yaml"], "malformed.yaml"),
    case("data", "accuracy", [*ACC_DET, "--data", "{in}/payload.yaml"], "payload.yaml"),
    case("data", "accuracy", [*ACC_DET, "--data", "{in}/garbage.json"], "garbage.json"),
    case("data", "accuracy", [*ACC_DET, "--data", "{in}/badcoco"], "instances_val.json"),
    case("data", "train", [*TRAIN, "--data", "{in}/missing.yaml"], "missing.yaml"),
    case("data", "train", [*TRAIN, "--data", "{in}/empty"], "empty"),
    case("data", "train", [*TRAIN, "--data", "{in}/malformed.yaml"], "malformed.yaml"),
    case("data", "train", [*TRAIN, "--data", "{in}/payload.yaml"], "payload.yaml"),
    case("data", "train", [*TRAIN, "--data", "{in}/noval.yaml"], "noval.yaml"),
    case("data", "predict", [*PREDICT, "--source", "{in}/missing.jpg"], "missing.jpg"),
    case("data", "predict", [*PREDICT, "--source", "{in}/empty"], "empty"),
    case("data", "predict", [*PREDICT, "--source", "{in}/garbage"], "x.jpg"),
    case("data", "predict", [*PREDICT, "--source", "{in}/trunc"], "cut.jpg"),
]


@pytest.fixture
def places(tmp_path, monkeypatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)  # relative default outputs land where the snapshot sees them
    ro = tmp_path / "readonly"
    ro.mkdir()
    places = {"tmp": str(tmp_path), "ro": str(ro), **make_inputs(tmp_path / "in"), **make_outputs(tmp_path)}
    ro.chmod(0o555)
    yield places
    ro.chmod(0o755)


def check_refused(code, err: str, says: str, before: dict, after: dict, root: Path) -> None:
    lines = err.strip().splitlines()
    assert code == 2, f"exit status {code}, stderr:\n{err[-3000:]}"
    assert "Traceback" not in err, err[-3000:]
    assert 1 <= len(lines) <= 3, f"{len(lines)} lines on stderr:\n{err[-3000:]}"
    assert any(says.lower() in line.lower() for line in lines), f"{says!r} not in {lines}"
    assert after == before, f"written: {sorted(set(after.items()) ^ set(before.items()))}"
    assert not (root / "in" / MARKER).exists(), "a payload ran"


@pytest.mark.parametrize("cli, argv, says", CASES)
def test_hostile_input_is_refused(cli, argv, says, places, tmp_path, capsys):
    main = importlib.import_module(MAIN[cli]).main
    argv = _fill(argv, places)
    before = snapshot(tmp_path)
    try:
        code = main(argv)
    except SystemExit as e:  # a CLI that exits instead of returning its status
        code = e.code
    err = capsys.readouterr().err
    check_refused(code, err, says, before, snapshot(tmp_path), tmp_path)


# ---- across the process boundary ----------------------------------------------------------------------------------

def _run(module: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True, timeout=120,
                          cwd=ROOT, env=env)


@pytest.mark.parametrize("module, argv, says", [
    pytest.param("bench.latency", ["--models", "yolov12-n", *LATENCY, "--mode", "cudagraph"], "cudagraph",
                 id="mode-latency-cudagraph-subprocess"),
    pytest.param("bench.paired", ["yolov12-n", "yolov12-s", *PAIRED, "--mode", "cudagraph"], "cudagraph",
                 id="mode-paired-cudagraph-subprocess"),
    pytest.param("yolov12.predict", [*PREDICT[2:], "--weights", "{in}/wdir.pt"], "directory",
                 id="weights-predict-directory-subprocess"),
    pytest.param("bench.accuracy", [*ACC_DET, "--mode", "openvino"], "--mode", id="flag-accuracy-mode-subprocess"),
])
def test_hostile_input_is_refused_by_the_process(module, argv, says, places, tmp_path):
    if "cudagraph" in argv and _cuda():
        pytest.skip("cudagraph is a valid mode on a CUDA machine")
    before = snapshot(tmp_path)
    run = _run(module, *_fill(argv, places))
    check_refused(run.returncode, run.stderr, says, before, snapshot(tmp_path), tmp_path)


def _cuda() -> bool:
    import torch

    return torch.cuda.is_available()


# ---- what must work ----------------------------------------------------------------------------------------------

def test_synth_small_size_inside_its_documented_range(tmp_path):
    """`--imgsz 64` is the smallest size the synth CLI documents: it must produce a dataset."""
    from yolov12.data.synth import main

    assert main(["--out", str(tmp_path / "s"), "--train", "0", "--val", "2", "--imgsz", "64", "--seed", "3"]) == 0
    assert (tmp_path / "s" / "data.yaml").is_file() and len(list((tmp_path / "s" / "images" / "val").iterdir())) == 2


def test_reports_build_names_and_leaves_out_a_binary_csv(tmp_path, capsys):
    """A binary file posing as a results CSV must not crash the report: it is named and left out."""
    from reports.__main__ import main

    dev = tmp_path / "results" / "cpu-test"
    dev.mkdir(parents=True)
    (dev / "latency.csv").write_bytes(bytes(range(256)) * 8)
    code = main(["build", "--results", str(tmp_path / "results"), "--out", str(tmp_path / "rep")])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert code in (0, 2), err
    assert "latency.csv" in err, err
    if code == 2:
        assert len(err.strip().splitlines()) == 1 and not (tmp_path / "rep").exists()


def test_help_still_exits_0(capsys):
    from yolov12.predict import main

    with pytest.raises(SystemExit) as e:
        main(["--help"])
    assert e.value.code == 0 and "--max-det" in capsys.readouterr().out


def test_truncated_image_found_by_accuracy_is_one_line(places, tmp_path, capsys):
    """A truncated image inside a dataset (found only when read) stops bench.accuracy with one line, nothing written."""
    import yolov12
    from bench.accuracy import main

    weights = yolov12.save_model(yolov12.create_model("yolov12-n", nc=1).eval(), tmp_path / "in" / "n1.pt")
    image = Path(places["coco"]) / "images" / "val" / "000001.jpg"
    data = image.read_bytes()
    image.write_bytes(data[: len(data) // 2])
    before = snapshot(tmp_path)
    code = main(_fill([*ACC_MODEL, "--weights", str(weights)], places))
    check_refused(code, capsys.readouterr().err, "000001.jpg", before, snapshot(tmp_path), tmp_path)


def test_truncated_image_is_refused_by_the_eval_loader(tmp_path):
    from yolov12.data import DatasetError, ImageEntry
    from yolov12.data.loader import read_bgr

    img = np.full((120, 160, 3), 80, np.uint8)
    ok, buf = cv2.imencode(".jpg", img)
    path = tmp_path / "cut.jpg"
    path.write_bytes(buf.tobytes()[: len(buf) * 2 // 3])
    with pytest.raises(DatasetError, match="cut.jpg"):
        read_bgr(ImageEntry(1, path, 120, 160))
    (tmp_path / "whole.jpg").write_bytes(buf.tobytes())
    assert read_bgr(ImageEntry(2, tmp_path / "whole.jpg", 120, 160)).shape == (120, 160, 3)


def test_yaml_error_names_file_line_and_column(tmp_path):
    from yolov12.data import DatasetError
    from yolov12.data.yolo_format import read_data_yaml

    (tmp_path / "bad.yaml").write_text("names: [a, b\nval: : :\n")
    with pytest.raises(DatasetError) as e:
        read_data_yaml(tmp_path / "bad.yaml")
    message = str(e.value)
    assert f"{tmp_path / 'bad.yaml'}:2:" in message and "\n" not in message


def test_interrupted_predict_keeps_what_it_finished(places, tmp_path, monkeypatch, capsys):
    """Ctrl-C during the second of three images: the first is kept, with a detections.json saying so; status 130."""
    import yolov12.predict as predict

    folder = tmp_path / "three"
    folder.mkdir()
    for name in ("a", "b", "c"):
        (folder / f"{name}.png").write_bytes(Path(places["img"]).read_bytes())
    real, calls = predict.predict_image, []

    def interrupted_on_second(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(predict, "predict_image", interrupted_on_second)
    out = tmp_path / "pout"
    assert predict.main(["--model", "yolov12-n", "--source", str(folder), "--out", str(out), "--imgsz", "64"]) == 130
    report = json.loads((out / "detections.json").read_text())
    assert [Path(i["file"]).name for i in report["images"]] == ["a.png"] and "1 of 3" in report["interrupted"]
    assert sorted(p.name for p in out.iterdir()) == ["a.jpg", "detections.json"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp folder left
    assert "interrupted" in capsys.readouterr().err
