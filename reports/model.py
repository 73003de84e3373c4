"""What both renderers show: the tables, the ledger, the figures and one numbering of the records they cite."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.records import Problem
from reports import claims, plots, profiles, tables
from reports.plots import Figure
from reports.results import Device, Ref
from reports.summary import DeviceSummary, summaries
from reports.tables import Table

PROBLEMS_SHOWN = 20  # the report lists the first problems; the build prints one warning per problem file


@dataclass
class Report:
    generated_utc: str
    roots: list[str]
    devices: list[Device]
    tables: list[Table]  # ledger first, then Tables 1, 3, 4, 5, then the profiles (when any)
    figures: list[Figure]
    summary: list[tuple[str, dict[str, int]]]  # (device slug, verdict -> count)
    refs: dict[Ref, int] = field(default_factory=dict)
    out_dir: str = "."
    verdicts: list[claims.Verdict] = field(default_factory=list)  # one per (claim, device)
    by_category: list[tuple[str, dict[str, dict[str, int]]]] = field(default_factory=list)  # slug, cat -> verdict -> n
    problems: list[Problem] = field(default_factory=list)  # rows and files left out, every device
    answers: list[DeviceSummary] = field(default_factory=list)  # the summary section, one per device

    def headlines(self) -> list[tuple[str, str]]:
        """(device slug, 'count: 20 holds, ...; speed: ...; accuracy: ...')."""
        return [(slug, claims.headline(counts)) for slug, counts in self.by_category]

    def rows_left_out(self) -> int:
        """How many data rows the readers left out (a file whose header they could not use counts in files)."""
        whole = {p.file for p in self.problems if p.line <= 1}
        return len({(p.file, p.line) for p in self.problems if p.line > 1 and p.file not in whole})

    def files_left_out(self) -> int:
        """How many files the readers could not use at all (unreadable, or a header that is not the schema's)."""
        return len({p.file for p in self.problems if p.line <= 1})

    def left_out_text(self) -> str:
        """'3 row(s) and 1 whole file(s)' — what the report is missing."""
        parts = [f"{self.rows_left_out()} row(s)"]
        if self.files_left_out():
            parts.append(f"{self.files_left_out()} whole file(s)")
        return " and ".join(parts)

    def problems_shown(self) -> list[str]:
        return [str(p) for p in self.problems[:PROBLEMS_SHOWN]]

    def ref_id(self, ref: Ref) -> int:
        return self.refs[ref]

    def ref_list(self) -> list[tuple[int, Ref]]:
        return sorted(((i, r) for r, i in self.refs.items()), key=lambda t: t[0])

    def link(self, path: str) -> str:
        """A path relative to the output folder (so the report opens from disk), with forward slashes."""
        return Path(os.path.relpath(path, self.out_dir)).as_posix() if path else ""


def number_refs(all_tables: Sequence[Table], answers: Sequence[DeviceSummary] = ()) -> dict[Ref, int]:
    """One number per cited record: the summary's first (it comes first), then the tables'."""
    cells = [c for a in answers for row in a.rows for c in row]
    cells += [p for a in answers for sentence in a.findings for p in sentence if not isinstance(p, str)]
    cells += [c for t in all_tables for row in t.rows for c in row]
    refs: dict[Ref, int] = {}
    for cell in cells:
        for r in cell.refs:
            refs.setdefault(r, len(refs) + 1)
    return refs


def build_report(devices: list[Device], roots: Sequence[str], figures_dir: Path, out_dir: Path,
                 generated_utc: str) -> Report:
    verdicts = claims.ledger(devices)
    ledger = claims.ledger_table(devices, verdicts)
    profile = profiles.profile_table(devices)
    all_tables = [ledger, *tables.build_all(devices), *([profile] if profile else [])]
    flat = [v for per in verdicts for v in per]
    figures = plots.all_figures(devices, flat, figures_dir)
    counts = [(d.slug, {k: sum(1 for v in flat if v.device == d.slug and v.verdict == k) for k in claims.VERDICTS})
              for d in devices]
    by_category = [(d.slug, claims.summarise(flat, d.slug)) for d in devices]
    problems = [p for d in devices for p in d.problems]
    answers = summaries(devices, flat)
    return Report(generated_utc, [str(r) for r in roots], devices, all_tables, figures, counts,
                  number_refs(all_tables, answers), str(out_dir), flat, by_category, problems, answers)
