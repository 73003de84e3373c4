"""A table cell: a measured value (with the records it rests on), a paper value, a value derived from those, or
"not measured" -- never a zero standing in for a missing result."""

from __future__ import annotations

from dataclasses import dataclass

from reports.query import Latency, find_latency, find_paired
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

    def text(self) -> str:
        if self.source == "missing" or self.value is None:
            return MISSING if self.source == "missing" else "–"
        if isinstance(self.value, str):
            return self.value
        sign = "+" if self.signed else ""
        body = f"{self.value:{sign}.{self.digits}f}{self.suffix}"
        return f"{body} (paper)" if self.mark and self.source == "paper" else body


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
    rec = find_latency(device, q)
    return measured(rec.num("latency_p50_ms") if rec else None, rec)


def delta(m: Cell, p: float | None, digits: int = 2, relative: bool = False) -> Cell:
    """m - p (or (m - p) / p in percent); missing when either side is."""
    if m.source != "measured" or p is None or not isinstance(m.value, float):
        return Cell("–", "label") if m.source == "measured" else Cell()
    if relative:
        return Cell(100 * (m.value - p) / p, "derived", m.refs, 0, signed=True, suffix="%")
    return Cell(m.value - p, "derived", m.refs, digits, signed=True)


def ratio(a: Cell, b: Cell, digits: int = 3) -> Cell:
    if a.source != "measured" or b.source != "measured" or not b.value:
        return Cell()
    return Cell(a.value / b.value, "derived", a.refs + b.refs, digits)



def paired_cell(device: Device, a: Latency, b: Latency) -> Cell:
    """ratio_p50 of a/b from a paired record, with its min-max spread in the note."""
    found = find_paired(device, a, b)
    if found is None:
        return Cell()
    rec, inverted = found
    r, lo, hi = (rec.num(c) for c in ("ratio_p50", "ratio_min", "ratio_max"))
    if r is None:
        return Cell()
    if inverted:
        r, lo, hi = 1 / r, (1 / hi if hi else None), (1 / lo if lo else None)
    spread = f"{lo:.3f}-{hi:.3f}" if lo is not None and hi is not None else "?"
    return Cell(r, "measured", (rec.ref,), 3, note=f"paired, {rec.get('rounds') or '?'} rounds, range {spread}")


