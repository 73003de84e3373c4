"""Paired mode: ratio statistics, a tiny interleaved run, resume, and its user errors."""

from __future__ import annotations

import pytest

from bench.paired import main, ratio_stats
from bench.records import read_records


def test_ratio_stats():
    s = ratio_stats([2.0, 4.0, 3.0, 6.0], [1.0, 2.0, 2.0, 2.0])
    assert s == {"rounds": 4, "ratio_p50": 2.0, "ratio_min": 1.5, "ratio_max": 3.0, "ratio_iqr": 0.375}


def test_paired_area_on_off_and_resume(tmp_path, offline_env):
    out = tmp_path / "paired.csv"
    argv = ["yolov12-n", "yolov12-n:area=1", "--imgsz", "64", "--rounds", "2", "--round-iters", "1",
            "--threads", "1", "--out", str(out)]
    assert main(argv) == 0
    (row,) = read_records(out)
    assert row["kind"] == "paired" and row["status"] == "ok", row["detail"]
    assert row["pair_b"] == "yolov12-n:area=1" and row["rounds"] == "2" and float(row["ratio_p50"]) > 0
    assert float(row["ratio_min"]) <= float(row["ratio_p50"]) <= float(row["ratio_max"])
    assert main(argv) == 0 and len(read_records(out)) == 1


@pytest.mark.parametrize("argv, message", [
    (["yolo12-n@sdpa", "yolov12-n"], "applies to our models only"),
    (["yolov12-n"], "exactly two configurations"),
    (["yolov12-n", "yolov12-n@sdpa-efficient"], "cannot run on cpu"),
    (["yolov12-n", "yolo12-n", "--rounds", "1"], "--rounds must be >= 2"),
])
def test_paired_user_errors(tmp_path, capsys, argv, message):
    out = tmp_path / "p.csv"
    assert main([*argv, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]
    assert not out.exists()
