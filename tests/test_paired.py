"""Paired designs: a tiny interleaved run with its interval and design, resume, re-measured rounds, user errors."""

from __future__ import annotations

import pytest

from bench import paired, stats
from bench.paired import main
from bench.records import read_records


def test_outcome_fields_from_rounds():
    result = stats.RoundsResult(pairs=((2.0, 1.0), (4.0, 2.0), (3.0, 2.0), (6.0, 2.0)), indices=(0, 1, 2, 3),
                                remeasured=1, disturbed_remaining=False)
    info = {"a": {"attn_observed": "reference"}, "b": {"attn_observed": "none"}}
    f = paired.outcome([result], info)
    assert f["rounds"] == 4 and f["rounds_remeasured"] == 1 and f["validity"] == "few-rounds"
    assert f["ratio_p50"] == 2.0 and f["ratio_min"] == 1.5 and f["ratio_max"] == 3.0
    assert f["ratio_ci_low"] <= f["ratio_p50"] <= f["ratio_ci_high"]
    assert "b_attn_observed=none" in f["detail"]


def test_rounds_from_several_processes_resample_processes():
    """Two processes that disagree (ratios 1.0 and 1.2, every round alike): the interval spans both; the rounds of
    one process alone would give a zero-width interval."""
    one = stats.RoundsResult(pairs=((1.0, 1.0),) * 4, indices=(0, 1, 2, 3), remeasured=0, disturbed_remaining=False)
    two = stats.RoundsResult(pairs=((1.2, 1.0),) * 4, indices=(0, 1, 2, 3), remeasured=0, disturbed_remaining=False)
    info = {"a": {"attn_observed": "x"}, "b": {"attn_observed": "y"}}
    f = paired.outcome([one, two], info)
    assert f["ratio_ci_low"] == 1.0 and f["ratio_ci_high"] == 1.2 and "ratio_p50_per_process=1,1.2" in f["detail"]
    assert paired.outcome([one], info)["ratio_ci_high"] == 1.0


def test_paired_area_on_off_and_resume(tmp_path, offline_env):
    out = tmp_path / "paired.csv"
    argv = ["yolov12-n", "yolov12-n:area=1", "--imgsz", "64", "--rounds", "4", "--round-iters", "1",
            "--processes", "2", "--threads", "1", "--out", str(out)]
    assert main(argv) == 0
    (row,) = read_records(out)
    assert row["kind"] == "paired" and row["status"] == "ok", row["detail"]
    assert row["pair_b"] == "yolov12-n:area=1" and row["b_overrides"] == "area=1" and row["b_model"] == "yolov12-n"
    assert int(row["rounds"]) == 4 and float(row["ratio_p50"]) > 0 and "2 fresh processes x 2 rounds" in row["design"]
    assert float(row["ratio_ci_low"]) <= float(row["ratio_p50"]) <= float(row["ratio_ci_high"])
    assert row["suite_git_sha"] != "" and "torch=" in row["versions"] and row["command"].startswith("python -m")
    assert main(argv) == 0 and len(read_records(out)) == 1


@pytest.mark.parametrize("layout, mode, expected", [
    ("native", "eager", (True, False)),  # ours channels_last on the CPU, Ultralytics' NCHW as its predictor runs
    ("nchw", "eager", (False, False)),
    ("channels-last", "compile", (True, True)),
    ("native", "onnxruntime", (False, False)),  # an exported runtime picks its own layout
])
def test_layout_of_each_side(tmp_path, layout, mode, expected):
    args = paired.parse_args(["yolov12-n", "yolo12-n", "--layout", layout, "--mode", mode, "--out",
                              str(tmp_path / "p.csv")])
    pair, _ = paired.plan(args)
    assert (pair.a.channels_last, pair.b.channels_last) == expected
    fields = paired.record_fields(pair, "cpu")
    assert (fields["channels_last"], fields["b_channels_last"]) == expected


@pytest.mark.parametrize("argv, message", [
    (["yolo12-n@sdpa", "yolov12-n"], "apply to our models only"),
    (["yolov12-n"], "the following arguments are required"),
    (["yolov12-n", "yolov12-n@sdpa-efficient"], "cannot run on cpu"),
    (["yolov12-n", "yolo12-n", "--rounds", "1"], "--rounds 1"),
    (["yolov12-n", "yolo12-n", "--mode", "cudagraph"], "cudagraph"),
    (["yolov12-n:area=abc", "yolo12-n"], "area"),
    (["yolov12-n", "yolo12-n", "--layout", "nhwc"], "--layout"),
])
def test_paired_user_errors(tmp_path, capsys, argv, message):
    out = tmp_path / "p.csv"
    assert main([*argv, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]
    assert not out.exists()
