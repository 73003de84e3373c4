"""reports.published: the baselines' published numbers are well-formed data with a source each."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

from baselines.names import BASELINES
from reports import paper
from reports.published import PUBLISHED, Published

NUMBERS = ("map50_95", "cpu_onnx_ms", "t4_trt10_ms", "params_m", "flops_g")


def test_every_row_is_a_known_baseline_with_an_https_source():
    assert PUBLISHED and all(isinstance(p, Published) for p in PUBLISHED.values())
    for key, p in PUBLISHED.items():
        assert key == p.model and p.model in BASELINES, key
        assert p.source.startswith("https://") and " " not in p.source, key
        assert "{" not in p.note, key  # every note template was filled
        for field in NUMBERS:
            value = getattr(p, field)
            assert value is None or (isinstance(value, float) and value > 0), (key, field)


def test_shape_other_modules_read():
    assert [f.name for f in dataclasses.fields(Published)] == ["model", *NUMBERS, "source", "note"]
    assert {f"yolo26-{s}" for s in "nsmlx"} <= set(PUBLISHED)


def test_values_are_plausible_per_family():
    for family in ("yolo26", "yolo11", "yolov8"):
        rows = [PUBLISHED[f"{family}-{s}"] for s in "nsmlx"]
        for field in ("map50_95", "cpu_onnx_ms", "params_m", "flops_g"):
            values = [getattr(r, field) for r in rows]
            assert values == sorted(values), (family, field)  # every column grows from n to x
        assert all(20 < r.map50_95 < 70 for r in rows)
    assert PUBLISHED["yolo26-n"].map50_95 == 40.1 and "40.9" in PUBLISHED["yolo26-n"].note


def test_no_duplicate_of_the_papers_table1():
    """YOLO12's published row is the paper's; it stays in reports.paper only."""
    assert not any(m.startswith("yolo12-") for m in PUBLISHED)
    assert paper.table1_row("yolo26-n") is None


def test_pure_data_module():
    tree = ast.parse(Path(__file__).resolve().parent.parent.joinpath("reports", "published.py").read_text())
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert imported <= {"__future__", "dataclasses"}
