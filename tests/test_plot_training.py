"""The training figure says plainly whether the two trainers ran at equal thread counts, and draws both curves."""

from __future__ import annotations

import csv
from pathlib import Path

from reports.plot_training import training
from reports.results import Device

OLD = ["run", "epoch", "wall_s", "map50", "map50_95", "imgsz", "batch", "train_images", "ours_img_s",
       "ultralytics_img_s", "throughput_ratio"]


def _device(tmp_path: Path, rows: list[dict], columns: list[str]) -> Device:
    folder = tmp_path / "cpu-x"
    (folder / "training").mkdir(parents=True)
    with open(folder / "training" / "train_synth.csv", "w", newline="") as f:
        w = csv.DictWriter(f, columns)
        w.writeheader()
        w.writerows(rows)
    return Device("cpu-x", systems={"system.json": {"cpu_count": 2}}, folders=[str(folder)])


def test_old_run_without_thread_columns_is_not_like_for_like(tmp_path):
    rows = [dict(run="r1", epoch=e, wall_s=60 * e, map50=0.1 * e, map50_95=0.05 * e, imgsz=256, batch=16,
                 train_images=800, ours_img_s=15.0, ultralytics_img_s=9.7, throughput_ratio=1.551) for e in (1, 2)]
    fig = training(_device(tmp_path, rows, OLD), tmp_path / "fig")
    assert fig.stem and "NOT like for like" in fig.caption
    assert "ours 2" in fig.caption and "Ultralytics 1" in fig.caption
    assert "not comparable" in fig.caption and "curve was not recorded" in fig.caption


def test_equal_threads_and_both_curves(tmp_path):
    cols = OLD + ["trainer", "ours_threads", "ultralytics_threads"]
    rows = [dict(run="r2", epoch=e, wall_s=60 * e, map50=0.1, map50_95=0.05, imgsz=256, batch=16, train_images=800,
                 ours_img_s=9.0, ultralytics_img_s=9.4, throughput_ratio=0.957, trainer=t, ours_threads=1,
                 ultralytics_threads=1) for t in ("ours", "ultralytics") for e in (1, 2)]
    fig = training(_device(tmp_path, rows, cols), tmp_path / "fig")
    assert "equal thread counts" in fig.caption and "NOT" not in fig.caption and "not comparable" not in fig.caption
    assert len(fig.values) == 8  # wall time and mAP of 2 epochs, both trainers
