"""The summary's paragraph of plain findings, generated from its numbers and the ledger's verdicts: latency per scale
with intervals (fastest first), every measured speed ratio with its interval and verdict, and what the counts and
mAP rest on. Sentences are lists of text and `Cell`s, so each number keeps its record link when rendered."""

from __future__ import annotations

from collections.abc import Sequence

from reports.cells import Cell
from reports.claims import Verdict
from reports.results import Device
from reports.verdict import HOLDS

Sentence = list  # of str and Cell

MODEL, E2E, FORWARD, MAP = 1, 3, 4, 9  # column positions in summary rows (reports.summary.COLUMNS)


def _join(items: Sequence[Sentence], sep: str = ", ") -> Sentence:
    out: Sentence = []
    for i, item in enumerate(items):
        out += ([sep] if i else []) + item
    return out


def latency_sentences(slug: str, precision: str, rows: Sequence[Sequence[Cell]]) -> list[Sentence]:
    """Per scale: the models' latencies, fastest first, in one region (end-to-end when every model has it)."""
    out, forward_only = [], []
    for scale in dict.fromkeys(str(r[0].value) for r in rows):
        group = [r for r in rows if r[0].value == scale]
        col, region = (E2E, "end-to-end") if all(r[E2E].source == "measured" for r in group) else (FORWARD, "forward")
        timed = sorted((r for r in group if r[col].source == "measured"), key=lambda r: r[col].value)
        if not timed:
            continue
        forward_only += [scale] if col == FORWARD else []
        parts = [[f"{str(r[MODEL].value).rstrip(' †')} ", r[col]] for r in timed]
        out.append([f"At scale {scale}, {region} p50 in ms ({precision}, batch 1, eager), fastest first: "]
                   + _join(parts) + ["."])
    if forward_only:
        out.append([f"End-to-end latency (decoding and NMS included) is not measured for every model at scale(s) "
                    f"{', '.join(forward_only)} on {slug}: those numbers leave NMS out."])
    return out


def ratio_sentences(slug: str, verdicts: Sequence[Verdict]) -> list[Sentence]:
    """Every measured speed ratio with its interval, the claim's bound and the verdict."""
    speed = [v for v in verdicts if v.device == slug and v.claim.category == "speed" and v.measured is not None]
    parts = []
    for v in speed:
        c = v.claim
        ci = (v.ci_low, v.ci_high) if v.ci_low is not None and v.ci_high is not None else None
        cell = Cell(v.measured, "measured", v.evidence, 3, ci=ci, note=v.detail)
        name = f"{c.num.describe().removeprefix('latency ')} / {c.den.describe().removeprefix('latency ')}" \
            if c.den is not None else c.num.describe()
        parts.append([f"{name} = ", cell, f" ({c.bound_text()}: {v.verdict})"])
    if not parts:
        return [[f"No paired speed ratio was measured on {slug}."]]
    return [[f"Paired latency ratios on {slug} (median of per-round ratios, 95% interval): "] + _join(parts, "; ")
            + ["."]]


def count_sentence(slug: str, verdicts: Sequence[Verdict], rows: Sequence[Sequence[Cell]]) -> Sentence:
    mine = [v for v in verdicts if v.device == slug]
    counts = [v for v in mine if v.claim.category == "count" and v.verdict != "n/a"]
    held = sum(1 for v in counts if v.verdict == HOLDS)
    acc = [v for v in mine if v.claim.category == "accuracy"]
    acc_measured = sum(1 for v in acc if v.measured is not None)
    maps = sum(1 for r in rows if r[MAP].source == "measured")
    return [f"{held} of {len(counts)} parameter and FLOPs claims hold as exact counts; {acc_measured} of {len(acc)} "
            f"accuracy claims have a measured mAP, and {maps} of the {len(rows)} models above have a measured mAP "
            "(the others show the published figure, marked so)."]


def findings(device: Device, summary, verdicts: Sequence[Verdict]) -> list[Sentence]:
    """The paragraph for one device's summary (a reports.summary.DeviceSummary)."""
    return (latency_sentences(device.slug, device.default_precision(), summary.rows)
            + ratio_sentences(device.slug, verdicts) + [count_sentence(device.slug, verdicts, summary.rows)])
