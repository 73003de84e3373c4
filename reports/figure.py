"""A figure as the report shows it (file stem, title, caption, and every number it plots with where that number
came from), and the two matplotlib helpers every plotting module uses (Agg backend, PNG + SVG)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Figure:
    stem: str  # file stem under the figures dir ('' = nothing to draw)
    title: str
    caption: str
    values: tuple[tuple[float, str], ...] = ()  # every plotted number and where it is from (see `source`)


def source(cell) -> str:
    """Where a plotted latency comes from: 'record:<file>#<row>:latency_p50_ms', or 'paired-side:<file>#<row>' (the
    median of one side's per-round p50s, reports.cells.paired_side_cell)."""
    ref = cell.refs[0]
    return f"paired-side:{ref}" if cell.note.startswith("from a paired run") else f"record:{ref}:latency_p50_ms"


def pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save(fig, out: Path, stem: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for ext in ("png", "svg"):
        fig.savefig(out / f"{stem}.{ext}", dpi=110, bbox_inches="tight")
    pyplot().close(fig)
