"""The "where the time goes" table: per-node profiles of two models in a deployed runtime (`kind=profile` records,
bench.profile), one row per side, each op class's ms per run with its interval, and for the first side its whole
time and its compute-only time over the second side's whole, paired per round (the floor of that ratio)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from bench.breakdown import CLASSES, FLOOR, WHOLE
from reports.cells import Cell, label, measured, p50_cell
from reports.results import Device, Record
from reports.tables import Table

COLUMNS = ["device", "runtime", "model", *(f"{c} ms" for c in CLASSES), "all ms", "/ B, whole",
           "/ B, compute only (floor)"]


def latest_profiles(device: Device) -> dict[tuple[str, str, str, str, str], Record]:
    """(pair_a, pair_b, mode, side, op_class) -> the latest ok profile record of `device` (file order)."""
    out = {}
    for rec in device.records:
        if rec.get("kind") == "profile" and rec.get("status") == "ok":
            out[(rec.get("pair_a"), rec.get("pair_b"), rec.get("mode"), side_label(rec), rec.get("op_class"))] = rec
    return out


def side_label(rec: Record) -> str:
    """The configuration a profile row times: its model, overrides and attention backend asked (when not the
    default)."""
    overrides, attn = rec.get("overrides"), rec.get("attn_asked")
    return rec.get("model") + (f":{overrides}" if overrides else "") + (f"@{attn}" if attn not in ("", "-", "auto")
                                                                         else "")


def _ratio(rec: Record | None) -> Cell:
    cell = measured(rec.num("ratio_p50"), rec, 3) if rec else Cell()
    lo, hi = (rec.num("ratio_ci_low"), rec.num("ratio_ci_high")) if rec else (None, None)
    if cell.source != "measured" or lo is None or hi is None:
        return cell
    return replace(cell, ci=(lo, hi), note=f"paired per round, {rec.get('rounds')} rounds")


def _rows(device: Device) -> list[list[Cell]]:
    found = latest_profiles(device)
    rows = []
    for a, b, mode in sorted({k[:3] for k in found}):
        models = sorted({k[3] for k in found if k[:3] == (a, b, mode)})
        for model in sorted(models, key=lambda m: (a, b, mode, m, WHOLE) not in found):  # side A (ratios) first
            is_a = (a, b, mode, model, WHOLE) in found
            row = [label(device.slug), label(mode), label(model + ("" if is_a else " (B)"))]
            row += [p50_cell(found[(a, b, mode, model, c)]) if (a, b, mode, model, c) in found else Cell()
                    for c in (*CLASSES, "all")]
            row += ([_ratio(found[(a, b, mode, model, WHOLE)]), _ratio(found.get((a, b, mode, model, FLOOR)))]
                    if is_a else [label("1 (reference)"), label("–")])
            rows.append(row)
    return rows


def profile_table(devices: Sequence[Device]) -> Table | None:
    """The table, or None when no device has profile records."""
    rows = [row for d in devices for row in _rows(d)]
    if not rows:
        return None
    context = ["`python -m bench.profile A B --mode onnxruntime|openvino` (and the cpu-ours preset): both exports "
               "in one process, interleaved rounds, the runtime's own per-node counters (ONNX Runtime's profiler, "
               "OpenVINO's PERF_COUNT) summed per op class; median over rounds of each class's ms per run, 95% "
               "bootstrap interval",
               "classes: convolution (with whatever the runtime fused into it), activation (left as its own "
               "node), attention (products, softmax, fused attention kernels), layout (reorders, transposes, "
               "concats, splits, reshapes), other (adds, upsampling, the head's decoding)"]
    notes = ["'/ B, compute only (floor)': A's convolutions, activations and attention alone over B's whole, per "
             "round: no change to A's layout or other nodes takes A/B below it; a target under it needs faster "
             "arithmetic (another precision) or fewer FLOPs.",
             "node counters leave out the gaps between nodes and include the profiler's overhead, alike for both "
             "sides: '/ B, whole' is close to, not the same as, the timed paired ratio."]
    return Table("profiles", "Where the time goes — per-node profiles in the deployed runtimes (ms per run)",
                 COLUMNS, rows, context, notes)
