"""The summary's cells: end-to-end never stands in for forward, the fastest runtime is named, a published mAP names
its source (reports.published, when that module exists, for newer families)."""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass

from reports import summary
from reports.results import Device, Record, Ref


def _lat(i: int, mode: str, p50: float, region: str = "forward", model: str = "yolo26-n") -> Record:
    return Record({"kind": "latency", "model": model, "precision": "fp32", "mode": mode, "imgsz": "640",
                   "batch": "1", "timed_region": region, "status": "ok", "timestamp_utc": "2026",
                   "latency_p50_ms": str(p50), "latency_p50_ci_low_ms": str(p50 - 1),
                   "latency_p50_ci_high_ms": str(p50 + 1), "validity": "ok"}, Ref("cpu-x/latency.csv", i))


def test_forward_only_is_not_end_to_end_and_fastest_runtime_is_named():
    dev = Device("cpu-x", [_lat(1, "eager", 50.0), _lat(2, "openvino", 20.0), _lat(3, "onnxruntime", 30.0)])
    row = summary.model_row([dev], dev, "n", "yolo26-n")
    assert row[3].text() == "not measured"  # end-to-end: only forward rows exist
    assert row[4].text() == "50.0 [49.0, 51.0]"
    assert row[5].text() == "openvino: 20.0 [19.0, 21.0] (forward)" and row[5].refs == (Ref("cpu-x/latency.csv", 2),)


def test_end_to_end_rows_decide_the_fastest_runtime():
    dev = Device("cpu-x", [_lat(1, "eager", 50.0), _lat(2, "openvino", 20.0), _lat(3, "eager", 60.0, "forward+post"),
                           _lat(4, "onnxruntime", 40.0, "forward+post")])
    row = summary.model_row([dev], dev, "n", "yolo26-n")
    assert row[3].text() == "60.0 [59.0, 61.0]" and row[5].text().startswith("onnxruntime: 40.0")


def test_each_runtime_by_its_latest_record_not_the_best_of_several_runs():
    old_fast = Record({**_lat(2, "openvino", 20.0).data, "timestamp_utc": "2026-01"}, Ref("cpu-x/old/latency.csv", 2))
    new = Record({**_lat(3, "openvino", 25.0).data, "timestamp_utc": "2026-02"}, Ref("cpu-x/latency.csv", 3))
    dev = Device("cpu-x", [_lat(1, "eager", 50.0), old_fast, new])
    row = summary.model_row([dev], dev, "n", "yolo26-n")
    assert row[5].text() == "openvino: 25.0 [24.0, 26.0] (forward)" and row[5].refs == (new.ref,)


def test_published_map_from_the_optional_module(monkeypatch):
    @dataclass(frozen=True)
    class Published:
        model: str
        map50_95: float | None
        source: str
        note: str

    fake = types.ModuleType("reports.published")
    fake.PUBLISHED = {"yolo26-n": Published("yolo26-n", 40.9, "https://example.org/yolo26", "vendor docs")}
    monkeypatch.setitem(sys.modules, "reports.published", fake)
    monkeypatch.setattr(summary.Path, "is_file", lambda self: True)
    cell = summary.published_map("yolo26-n")
    assert cell.text() == "40.9 published" and cell.url == "https://example.org/yolo26"
    assert summary.published_map("yolo12-n").url.startswith("https://arxiv.org/")
    monkeypatch.setattr(summary.Path, "is_file", lambda self: False)  # the module not there yet
    assert summary.published_map("yolo26-n").text() == "not published"
