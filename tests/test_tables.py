"""Tables 1, 3, 4, 5 built from the fixture records: measured cells cite their record, missing ones say so."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from reports import paper, query, tables
from reports.cells import MISSING, latency_cell, paired_cell
from reports.query import Latency, canonical, find_latency
from reports.results import Device, Record, Ref, load_results

FIXTURES = Path(__file__).parent / "fixtures" / "results"
CPU, CUDA = "cpu-fixture-epyc-2t", "cuda-fixture-h100"


@pytest.fixture(scope="module")
def devices():
    return load_results([FIXTURES])


@pytest.fixture(scope="module")
def built(devices):
    return {t.key: t for t in tables.build_all(devices)}


def row_of(table, first: str, second: str | None = None):
    for row in table.rows:
        if row[0].text().split(" ")[0] == first and (second is None or row[1].text() == second):
            return dict(zip(table.columns, row, strict=True))
    raise AssertionError(f"no row {first} {second} in {table.key}")


def test_devices_found_with_kind_and_stack(devices):
    assert [d.slug for d in devices] == [CPU, CUDA]
    assert [d.kind for d in devices] == ["cpu", "cuda"]
    assert "torch=2.15.0+cu130" in devices[0].stack() and "cuda=12.8" in devices[1].stack()


def test_table1_measured_cells_cite_records_and_deltas(built):
    row = row_of(built["table1"], "yolov12-n")
    lat = row[f"{CPU} fp32 ms"]
    assert lat.source == "measured" and lat.value == 55.0  # 'auto' preferred over 'reference' (60.0)
    assert lat.refs[0].file == f"{CPU}/latency.csv" and lat.refs[0].row >= 1
    assert row["params M fused (measured)"].value == pytest.approx(2.59)
    assert row["Δ params M"].text() == "-0.01"
    assert row["mAP50-95"].source == "measured" and row["mAP50-95"].text() == "40.4"  # fraction read as percent
    assert row[f"{CUDA} fp16 ms"].value == pytest.approx(2.10)
    assert not any(c.endswith("vs T4") for c in built["table1"].columns)  # no cross-hardware percentage column


def test_missing_cells_read_not_measured_never_zero(built):
    row = row_of(built["table1"], "yolov8-n")
    assert row[f"{CUDA} fp16 ms"].text() == MISSING
    assert row["mAP50-95"].text() == "37.4 (paper)"
    for t in built.values():
        for r in t.rows:
            for c in r:
                if c.source == "missing":
                    assert c.text() == MISSING and not c.refs


def test_failed_runs_show_their_status(built):
    row = row_of(built["table1"], "yolov12-x")
    assert row[f"{CPU} fp32 ms"].text() == "error"
    assert row[f"{CPU} fp32 ms"].refs  # the error row is cited


def test_table3_ratio_paired_and_paper(built):
    row = row_of(built["table3"], "yolov12-n", f"{CPU} fp32")
    assert row["area off ms"].value == 71.0 and row["area on ms"].value == 60.0
    assert row["on/off (p50s)"].value == pytest.approx(60 / 71)
    assert row["on/off (paired)"].value == pytest.approx(0.85)
    assert row["paper on/off"].value == pytest.approx(31.4 / 62.9)
    gpu = row_of(built["table3"], "yolov12-n", f"{CUDA} fp16")
    assert gpu["area off ms"].text() == MISSING and gpu["on/off (p50s)"].text() == MISSING


def test_table4_every_paper_row_and_both_precisions(built):
    t = built["table4"]
    assert [r[0].text() for r in t.rows] == list(paper.TABLE4)
    row = row_of(t, "yolo11-n")
    assert row[f"{CUDA} FP32"].value == 2.4 and row[f"{CUDA} FP16"].value == 1.8
    assert f"{CPU} FP16" not in t.columns  # a CPU device has no FP16 column (not a column of 'not measured')
    assert row_of(t, "yolov12-m")["rtx3080 FP16 (paper)"].text() == "1.5 *"  # the suspicious cell is flagged


def test_table5_variants_ratios_and_unbuildable(built):
    t = built["table5"]
    pe9 = row_of(t, "5d", "PE 9x9")
    assert pe9["variant"].text() == "pe_kernel=9"
    assert pe9[f"{CPU} fp32 ms"].value == 57.0
    assert pe9[f"{CPU} vs default"].value == pytest.approx(57 / 55)
    assert pe9["paper vs default"].value == pytest.approx(1.79 / 1.64)
    assert row_of(t, "5b", "S1 (drop 1st stage)")[f"{CPU} fp32 ms"].text() == "n/a"
    fa_on = row_of(t, "5h", "N, FlashAttention on")
    assert fa_on[f"{CPU} fp32 ms"].text() == MISSING  # no FA kernel on CPU: not a silently different number
    assert fa_on[f"{CUDA} fp16 ms"].value == pytest.approx(2.10)
    assert row_of(t, "5h", "N, FlashAttention off")[f"{CUDA} fp16 ms"].value == pytest.approx(2.60)


def test_configurations_are_canonical():
    assert canonical("yolov12-n", "area=1") == canonical("yolov12-n", "area=1x1") \
        == canonical("yolov12-n", "area=(1, 1)") == canonical("yolov12-n", {"area": 1}) != ()
    assert canonical("yolov12-n", "area=1") != canonical("yolov12-n", "area=2")
    assert canonical("yolov12-n", "pe_kernel=7") == () == canonical("yolov12-n", "")  # N's default graph
    assert canonical("yolov12-n", "pe_kernel=9") != ()
    assert canonical("yolo11-n", "") == ()
    assert canonical("yolov12-n", "nonsense=3") is None
    assert query.parse_pair_label("yolov12-n:area=1@reference") == ("yolov12-n", canonical("yolov12-n", "area=1"),
                                                                    "reference")


def test_no_results_means_every_measured_cell_missing(tmp_path):
    empty = tables.build_all(load_results([tmp_path / "nothing"]))
    assert all(c.source != "measured" for t in empty for r in t.rows for c in r)
    assert any("no results folder" in line for line in empty[0].context)


def test_oom_is_not_a_latency(devices):
    cuda = devices[1]
    rec = find_latency(cuda, Latency.of("yolov12-x", precision="fp16", batch=64))
    assert rec is not None and rec.get("status") == "oom"
    assert latency_cell(cuda, Latency.of("yolov12-x", precision="fp16", batch=64)).text() == "oom"


def test_csv_matches_table(built, tmp_path):
    t = built["table1"]
    tables.write_csv(t, tmp_path / "t1.csv")
    with (tmp_path / "t1.csv").open(newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == [*t.columns, "records"]
    assert len(rows) == len(t.rows) + 1
    assert all(len(r) == len(t.columns) + 1 for r in rows)
    v12 = next(r for r in rows if r[0] == "yolov12-n")
    assert any(c.startswith("55.00") for c in v12) and f"{CPU}/latency.csv#" in v12[-1]
    assert "0" not in {c for r in rows[1:] for c in r[4:]}  # missing is never a bare zero


def _rec(i: int, **kw) -> Record:
    base = {"kind": "latency", "model": "yolov12-n", "variant": "paper", "precision": "fp16", "mode": "eager",
            "imgsz": "640", "batch": "1", "timed_region": "forward", "status": "ok", "timestamp_utc": "2026"}
    return Record({**base, **kw}, Ref("x/latency.csv", i))


def test_explicit_default_override_is_the_default_graph():
    old = Device("cuda-x", [_rec(1, variant="paper+pe_kernel=7", latency_p50_ms="2.0"),  # the old schema's spelling
                            _rec(2, model="yolov12-l", variant="paper+mlp_ratio=1.2", latency_p50_ms="7.0")])
    new = Device("cuda-x", [_rec(1, overrides="pe_kernel=7", latency_p50_ms="2.0"),
                            _rec(2, model="yolov12-l", overrides="mlp_ratio=1.2", latency_p50_ms="7.0")])
    for dev in (old, new):
        assert latency_cell(dev, Latency.of("yolov12-n", precision="fp16")).value == 2.0
        assert latency_cell(dev, Latency.of("yolov12-l", precision="fp16")).value == 7.0
        assert latency_cell(dev, Latency.of("yolov12-n", {"pe_kernel": 9}, precision="fp16")).source == "missing"
    dev = new
    assert latency_cell(dev, Latency.of("yolov12-n", precision="fp16")).value == 2.0
    assert latency_cell(dev, Latency.of("yolov12-l", precision="fp16")).value == 7.0
    assert latency_cell(dev, Latency.of("yolov12-n", {"pe_kernel": 9}, precision="fp16")).source == "missing"


def test_paired_side_with_flash_kernels_is_not_a_no_flash_measurement():
    pair = dict(kind="paired", pair_a="yolov12-n", pair_b="yolov12-n:area=1", ratio_p50="0.9", ratio_min="0.8",
                ratio_max="1.0", rounds="10")
    on, off = Latency.of("yolov12-n", precision="fp16", attn="no-flash"), \
        Latency.of("yolov12-n", {"area": 1}, precision="fp16", attn="no-flash")
    flash = Device("cuda-x", [_rec(1, **pair, attn_observed="sdpa-flash|sdpa-flash")])
    assert paired_cell(flash, on, off).source == "missing"
    plain = Device("cuda-x", [_rec(1, **pair, attn_observed="reference|reference")])
    assert paired_cell(plain, on, off).value == pytest.approx(0.9)
    assert paired_cell(plain, off, on).value == pytest.approx(1 / 0.9)  # the other way round: inverted


def test_baseline_that_is_not_the_papers_network_is_named_and_not_compared(built, devices, tmp_path):
    row = row_of(built["table1"], "yolov8-n")
    assert "not the paper's network (params 4.0 vs 3.2 M)" in row["model"].text()
    assert row["Δ params M"].text() == "not compared"
    assert row[f"{CPU} fp32 ms"].value == 40.0  # still measured and shown
    assert "not the paper's network" not in row_of(built["table1"], "yolo11-n")["model"].text()
    assert "not the paper's network" not in row_of(built["table1"], "yolov10-n")["model"].text()
    from reports import plots

    fig = plots.latency_by_scale(devices[0], tmp_path, devices)
    assert "yolov8-n: not the paper's network (params 4.0 vs 3.2 M)" in fig.caption
