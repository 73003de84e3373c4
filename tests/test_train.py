"""The trainer: recipe defaults per scale, CLI errors, a two-process gloo DDP run, resume after SIGKILL reproducing
the uninterrupted run bit for bit (CPU, workers=0), and the non-finite-loss guard. Training runs are subprocesses
on a tiny generated YOLO set (64 px, a few iterations)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from yolov12.recipe import PER_SCALE, Recipe, default_recipe, with_overrides
from yolov12.scales import SCALES, model_name
from yolov12.train import main

ROOT = Path(__file__).resolve().parents[1]
TINY = ["--model", "yolov12-n", "--imgsz", "64", "--batch", "4", "--workers", "0", "--device", "cpu",
        "--set", "nbs=4", "--set", "close_mosaic=1", "--set", "val_batch=8"]


def make_tiny_set(root: Path, n_train: int = 8, n_val: int = 4, seed: int = 0) -> Path:
    """Coloured rectangles (2 classes) on dark noise, YOLO layout, and its data.yaml."""
    rng = np.random.default_rng(seed)
    for split, n in (("train", n_train), ("val", n_val)):
        (root / "images" / split).mkdir(parents=True)
        (root / "labels" / split).mkdir(parents=True)
        for i in range(n):
            w, h = 96, 80
            im = rng.integers(0, 60, (h, w, 3), dtype=np.uint8)
            lines = []
            for _ in range(int(rng.integers(1, 4))):
                c = int(rng.integers(0, 2))
                bw, bh = int(rng.integers(12, 40)), int(rng.integers(12, 36))
                x, y = int(rng.integers(0, w - bw)), int(rng.integers(0, h - bh))
                im[y:y + bh, x:x + bw] = (0, 0, 230) if c == 0 else (230, 80, 0)
                lines.append(f"{c} {(x + bw / 2) / w:.6f} {(y + bh / 2) / h:.6f} {bw / w:.6f} {bh / h:.6f}")
            cv2.imwrite(str(root / "images" / split / f"{i:03d}.png"), im)
            (root / "labels" / split / f"{i:03d}.txt").write_text("\n".join(lines) + "\n")
    yaml = root / "data.yaml"
    yaml.write_text(f"path: {root}\ntrain: images/train\nval: images/val\nnames:\n  0: red\n  1: blue\n")
    return yaml


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    return make_tiny_set(tmp_path_factory.mktemp("tiny"))


def _env(tmp: Path) -> dict:
    env = dict(os.environ, YOLO_OFFLINE="1", YOLO_AUTOINSTALL="0", YOLO_VERBOSE="0", OMP_NUM_THREADS="1",
               YOLO_CONFIG_DIR=str(tmp / "ycfg"), MPLCONFIGDIR=str(tmp / "mpl"), PYTHONPATH=str(ROOT))
    return env


def _train(tmp: Path, *args: str, launcher: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    cmd = [sys.executable, *(launcher or ("-m",)), "yolov12.train", *args]
    return subprocess.run(cmd, env=_env(tmp), cwd=tmp, capture_output=True, text=True, timeout=900)


def _weights(path: Path) -> dict[str, torch.Tensor]:
    ckpt = torch.load(path, map_location="cpu", weights_only=True)
    return {**{f"ema.{k}": v for k, v in ckpt["state_dict"].items()},
            **{f"train.{k}": v for k, v in ckpt["train_model"].items()}}


# ---- recipe ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("row", list(SCALES.values()), ids=model_name)
def test_recipe_defaults_per_scale(row):
    r = default_recipe(model_name(row))
    paper = {"n": (0.5, 0.0, 0.1), "s": (0.9, 0.05, 0.15), "m": (0.9, 0.15, 0.4), "l": (0.9, 0.15, 0.5),
             "x": (0.9, 0.2, 0.6)}[row.scale]
    assert (r.scale, r.mixup, r.copy_paste) == paper
    assert (r.optimizer, r.momentum, r.weight_decay, r.nbs) == ("SGD", 0.937, 5e-4, 64)
    assert (r.lr0, r.lrf, r.warmup_epochs, r.warmup_momentum, r.warmup_bias_lr) == (0.01, 0.01, 3.0, 0.8, 0.0)
    assert (r.mosaic, r.close_mosaic, r.epochs, r.imgsz) == (1.0, 10, 600, 640)
    assert (r.box, r.cls, r.dfl, r.hsv_h, r.hsv_s, r.hsv_v, r.translate, r.fliplr) == (
        7.5, 0.5, 1.5, 0.015, 0.7, 0.4, 0.1, 0.5)
    assert (r.ema_decay, r.ema_tau, r.amp) == (0.9999, 2000.0, True)


def test_recipe_overrides_typed():
    r = with_overrides(default_recipe("yolov12-s"), ["lr0=0.02", "amp=false", "epochs=3", "mosaic=0"])
    assert (r.lr0, r.amp, r.epochs, r.mosaic, r.scale) == (0.02, False, 3, 0.0, PER_SCALE["s"]["scale"])
    with pytest.raises(ValueError, match="unknown recipe key"):
        with_overrides(Recipe(), ["lr=1"])
    with pytest.raises(ValueError, match="expected int"):
        with_overrides(Recipe(), ["epochs=1.5"])


# ---- CLI errors -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("argv", [
    ["--model", "yolov12-q", "--data", "{data}"],
    ["--model", "yolov12-n", "--data", "/nonexistent/data.yaml"],
    ["--model", "yolov12-n", "--data", "{data}", "--set", "bogus=1"],
    ["--model", "yolov12-n", "--data", "{data}", "--set", "epochs=many"],
    ["--model", "yolov12-n", "--data", "{data}", "--imgsz", "100"],
    ["--model", "yolov12-n", "--data", "{data}", "--device", "gpu7"],
    ["--data", "{data}"],
    ["--resume", "/nonexistent/last.pt"],
])
def test_cli_errors_exit_2_with_one_line(argv, tiny, capsys, tmp_path):
    argv = [a.replace("{data}", str(tiny)) for a in argv] + ["--out", str(tmp_path / "run")]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error:"), err
    assert not (tmp_path / "run").exists()


# ---- training runs --------------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_ddp_two_processes_gloo(tiny, tmp_path):
    out = tmp_path / "ddp"
    run = _train(tmp_path, *TINY, "--data", str(tiny), "--epochs", "1", "--out", str(out),
                 launcher=("-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2", "-m"))
    assert run.returncode == 0, run.stderr[-3000:]
    assert "2 process(es)" in run.stderr
    import yolov12

    model = yolov12.load_model(out / "last.pt")
    assert model.names == {0: "red", 1: "blue"} and model.meta["epoch"] == 1
    rows = (out / "results.csv").read_text().splitlines()
    assert len(rows) == 2 and rows[0].startswith("epoch,")


@pytest.mark.slow
def test_resume_after_sigkill_reproduces_weights(tiny, tmp_path):
    args = [*TINY, "--data", str(tiny), "--epochs", "3"]
    full = _train(tmp_path, *args, "--out", str(tmp_path / "full"))
    assert full.returncode == 0, full.stderr[-3000:]

    out = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, "-m", "yolov12.train", *args, "--out", str(out)], env=_env(tmp_path),
                            cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 600
        while not (out / "last.pt").exists() and proc.poll() is None and time.time() < deadline:
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait()
    epoch_at_kill = torch.load(out / "last.pt", map_location="cpu", weights_only=True)["epoch"]
    assert epoch_at_kill < 3, "the run finished before it could be killed"
    resumed = _train(tmp_path, "--resume", str(out / "last.pt"), "--device", "cpu")
    assert resumed.returncode == 0, resumed.stderr[-3000:]

    a, b = _weights(tmp_path / "full" / "last.pt"), _weights(out / "last.pt")
    assert a.keys() == b.keys()
    differing = [k for k in a if not torch.equal(a[k], b[k])]
    assert not differing, f"{len(differing)} tensors differ, e.g. {differing[:3]}"
    rows = (out / "results.csv").read_text().splitlines()
    assert [r.split(",")[0] for r in rows[1:]] == ["1", "2", "3"]


@pytest.mark.slow
def test_nan_loss_stops_and_keeps_last_good_checkpoint(tiny, tmp_path):
    out = tmp_path / "nan"
    run = _train(tmp_path, *TINY, "--data", str(tiny), "--epochs", "3", "--out", str(out), "--debug-nan-at", "3")
    assert run.returncode == 1
    assert "non-finite loss at epoch 2" in run.stderr and "last good checkpoint" in run.stderr
    import yolov12

    model = yolov12.load_model(out / "last.pt")
    assert model.meta["epoch"] == 1
    assert all(torch.isfinite(v).all() for v in model.state_dict().values())
