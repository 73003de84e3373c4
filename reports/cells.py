"""A table cell: a measured value (with the records it rests on), a paper value, a value derived from those, or
"not measured" -- never a zero standing in for a missing result."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, replace

from bench.stats import median_ci
from reports.query import Latency, find_latency, find_paired, find_paired_side, side_round_p50s
from reports.results import Device, Record, Ref

MISSING = "not measured"


# ----------------------------------------------------------------------------------------------------------- cells
@dataclass(frozen=True)
class Cell:
    """One table cell. source: measured | paper | derived | label | status | missing."""

    value: float | str | None = None
    source: str = "missing"
    refs: tuple[Ref, ...] = ()
    digits: int = 2
    mark: bool = False  # show the source beside the value (columns mixing paper and measured numbers)
    signed: bool = False
    suffix: str = ""
    note: str = ""
    ci: tuple[float, float] | None = None  # the value's 95 % interval, shown as ' [low, high]'
    url: str = ""  # where a published value comes from (a measured value links its records instead)

    def text(self) -> str:
        if self.source == "missing" or self.value is None:
            return MISSING if self.source == "missing" else "–"
        if isinstance(self.value, str):
            return self.value
        sign = "+" if self.signed else ""
        body = f"{self.value:{sign}.{self.digits}f}{self.suffix}{self.interval_text()}"
        return f"{body} (paper)" if self.mark and self.source == "paper" else body

    def interval_text(self) -> str:
        if self.ci is None:
            return ""
        return f" [{self.ci[0]:.{self.digits}f}, {self.ci[1]:.{self.digits}f}]"

    @property
    def linked(self) -> bool:
        """Does the cell show a number that must cite where it came from?"""
        return self.source in ("measured", "derived", "status") and self.value is not None


def label(text: str) -> Cell:
    return Cell(text, "label")


def paper_cell(value: float | None, digits: int = 2, mark: bool = False, note: str = "") -> Cell:
    return Cell(value, "paper", digits=digits, mark=mark, note=note) if value is not None else Cell("–", "label")


def measured(value: float | None, rec: Record | None, digits: int = 2) -> Cell:
    """A record's value; '!' after it when the record carries validity flags (high spread, throttling...)."""
    if rec is None:
        return Cell()
    if rec.get("status") != "ok":
        return Cell(rec.get("status"), "status", (rec.ref,), note=rec.get("detail"))
    if value is None:
        return Cell()
    flags = rec.get("validity")
    flagged = flags not in ("", "ok") and rec.get("kind") == "latency"
    return Cell(value, "measured", (rec.ref,), digits, suffix="!" if flagged else "",
                note=f"validity: {flags}" if flagged else "")


def latency_cell(device: Device, q: Latency) -> Cell:
    """A latency's p50 with its interval; when no latency record exists, one side of a paired record that measured
    the same configuration (the median of that side's per-round p50s, interval by bootstrap over rounds)."""
    rec = find_latency(device, q)
    return paired_side_cell(device, q) if rec is None else p50_cell(rec)


def p50_cell(rec: Record) -> Cell:
    """A record's `latency_p50_ms` with its interval (when recorded)."""
    cell = measured(rec.num("latency_p50_ms"), rec)
    lo, hi = rec.num("latency_p50_ci_low_ms"), rec.num("latency_p50_ci_high_ms")
    if cell.source == "measured" and lo is not None and hi is not None:
        cell = replace(cell, ci=(lo, hi))
    return cell


def paired_side_cell(device: Device, q: Latency) -> Cell:
    found = find_paired_side(device, q)
    return Cell() if found is None else side_cell(*found)


def pair_side_cells(device: Device, a: Latency, b: Latency) -> tuple[Cell, Cell] | None:
    """Both sides' absolute times from the paired record comparing a with b (one run, so they compare)."""
    found = find_paired(device, a, b)
    if found is None:
        return None
    rec, inverted = found
    sides = ("b", "a") if inverted else ("a", "b")
    return side_cell(rec, sides[0]), side_cell(rec, sides[1])


def side_cell(rec: Record, side: str) -> Cell:
    p50s = side_round_p50s(rec, side)
    if len(p50s) < 3:
        return Cell()
    lo, hi = median_ci(p50s)
    return Cell(float(statistics.median(p50s)), "measured", (rec.ref,), ci=(lo, hi),
                note=f"from a paired run (side {side}): median of {len(p50s)} per-round p50s, interval by bootstrap "
                     "over rounds")


def delta(m: Cell, p: float | None, digits: int = 2, relative: bool = False) -> Cell:
    """m - p (or (m - p) / p in percent); missing when either side is."""
    if m.source != "measured" or p is None or not isinstance(m.value, float):
        return Cell("–", "label") if m.source == "measured" else Cell()
    if relative:
        return Cell(100 * (m.value - p) / p, "derived", m.refs, 0, signed=True, suffix="%")
    return Cell(m.value - p, "derived", m.refs, digits, signed=True)


def ratio(a: Cell, b: Cell, digits: int = 3) -> Cell:
    """a / b of two separate measurements; its interval is the ratio's range over the two intervals (conservative:
    the runs were not paired)."""
    if a.source != "measured" or b.source != "measured" or not b.value or not isinstance(a.value, float):
        return Cell()
    ci = (a.ci[0] / b.ci[1], a.ci[1] / b.ci[0]) if a.ci and b.ci and b.ci[0] > 0 else None
    return Cell(a.value / b.value, "derived", a.refs + b.refs, digits, ci=ci,
                note="ratio of two separate runs; interval = range over both intervals")



def paired_cell(device: Device, a: Latency, b: Latency) -> Cell:
    """ratio_p50 of a/b from a paired record, with its min-max spread in the note."""
    found = find_paired(device, a, b)
    if found is None:
        return Cell()
    rec, inverted = found
    r, lo, hi = (rec.num(c) for c in ("ratio_p50", "ratio_ci_low", "ratio_ci_high"))
    if r is None:
        return Cell()
    if inverted:
        r, lo, hi = 1 / r, (1 / hi if hi else None), (1 / lo if lo else None)
    ci = (lo, hi) if lo is not None and hi is not None else None
    return Cell(r, "measured", (rec.ref,), 3, ci=ci, note=f"paired, {rec.get('rounds') or '?'} rounds"
                + ("" if ci else ", no interval recorded"))


