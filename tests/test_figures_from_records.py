"""Every figure is built from records: each number a figure plots is found again in the record, training log or
published table its `values` name (no figure plots a value that is not in the results or marked as published)."""

from __future__ import annotations

import csv
import statistics
from pathlib import Path

import pytest

from bench.stats import median_ci
from reports import claims, paper, plots
from reports.query import percent, side_round_p50s
from reports.results import load_results
from reports.summary import published_table

ROOT = Path(__file__).resolve().parents[1]
ROOTS = {"committed": ROOT / "results", "fixtures": ROOT / "tests" / "fixtures" / "results"}
CI_COLUMNS = {"ci_low": "latency_p50_ci_low_ms", "ci_high": "latency_p50_ci_high_ms"}


def _record(devices, ref: str):
    file, row = ref.rsplit("#", 1)
    return next(r for d in devices for r in d.records if r.ref.file == file and r.ref.row == int(row))


def expected(source: str, devices, verdicts) -> set[float]:
    """The values `source` can stand for (a paired side may be either side)."""
    kind, _, rest = source.partition(":")
    if kind == "record":
        ref, col, *ci = rest.split(":")
        value = _record(devices, ref).num(CI_COLUMNS[ci[0]] if ci else col)
        return {value, percent(value)} if col.startswith("map") else {value}  # mAP is plotted in percent
    if kind == "paired-side":
        ref, *ci = rest.split(":")
        rec = _record(devices, ref)
        sides = [side_round_p50s(rec, s) for s in ("a", "b")]
        if not ci:
            return {float(statistics.median(x)) for x in sides}
        return {median_ci(x)[0 if ci[0] == "ci_low" else 1] for x in sides}
    if kind == "published":
        name, what = rest.split(":")
        if what == "claim":
            return {c.paper for c in claims.all_claims() if c.id == name}
        ref = paper.paper_reference(name)
        return {ref[2]} if ref else {published_table()[name].map50_95}
    if kind == "verdict":
        cid, slug = rest.split(":")
        v = next(v for v in verdicts if v.claim.id == cid and v.device == slug)
        recs = [_record(devices, str(ref)) for ref in v.evidence]
        if recs[0].get("kind") == "paired":
            return {recs[0].num("ratio_p50"), 1 / recs[0].num("ratio_p50")}
        a, b = (r.num("latency_p50_ms") for r in recs)  # two separate runs (shown, never deciding)
        return {a / b}
    if kind == "training":
        path, col = rest.rsplit(":", 1)
        file, row = path.rsplit("#", 1)
        with open(file, newline="") as f:
            return {float(list(csv.DictReader(f))[int(row) - 1][col])}
    raise AssertionError(f"unknown source {source!r}")


@pytest.mark.parametrize("root", sorted(ROOTS))
def test_every_plotted_number_is_in_the_records_or_published(root, tmp_path):
    devices = load_results([ROOTS[root]])
    verdicts = [v for per in claims.ledger(devices) for v in per]
    figures = plots.all_figures(devices, verdicts, tmp_path)
    drawn = [f for f in figures if f.stem]
    assert drawn
    for fig in drawn:
        assert fig.values, f"{fig.stem} lists none of the numbers it plots"
        for value, source in fig.values:
            assert any(v is not None and value == pytest.approx(v, rel=1e-9) for v in
                       expected(source, devices, verdicts)), (fig.stem, value, source)


def test_a_value_from_nowhere_is_caught():
    devices = load_results([ROOTS["committed"]])
    rec = next(r for r in devices[0].records if r.get("kind") == "latency")
    assert rec.num("latency_p50_ms") + 1 not in expected(f"record:{rec.ref}:latency_p50_ms", devices, [])
