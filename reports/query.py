"""Finding the record a cell wants: by configuration (canonical overrides from bench.config, for both the current
`overrides` column and the older `variant` spelling), precision, region, mode, size and attention kernel.

Conventions: latency cells use `latency_p50_ms` of `kind=latency`, `status=ok`, `mode=eager`, `imgsz=640`,
`batch=1`, `timed_region=forward`, TF32 off, not channels-last when a choice exists; the latest timestamp wins ties.
FlashAttention on = `attn_observed` names `sdpa-flash` or `flash-attn`; off = it names neither (the paper's
"without FlashAttention" is the `reference` backend, preferred). Paired records (`kind=paired`): `pair_a`/`pair_b`
are configurations `<model>[:<overrides>][@<backend>]` with `ratio_p50` = latency(a) / latency(b) and its interval.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from bench.config import parse, show
from bench.options import native_channels_last
from reports import paper
from reports.results import Device, Record
from yolov12.cli import UserError
from yolov12.model import list_models

FLASH = frozenset({"sdpa-flash", "flash-attn", "flash"})
ATTN_PREFERENCE = ("auto", "sdpa", "flash-attn", "sdpa-flash", "sdpa-efficient", "sdpa-cudnn", "sdpa-math",
                   "reference")


# ------------------------------------------------------------------------------------------------- configurations
def canonical(model: str, overrides: str | dict | None) -> tuple | None:
    """The canonical overrides (bench.config) of `model` with `overrides` (text `area=1,proj=linear-ln` or a dict);
    () for the default graph and for baselines, None when they do not parse."""
    if not overrides or model not in list_models():
        return ()
    text = _override_text(overrides) if isinstance(overrides, str) else \
        ",".join(f"{k}={show(v)}" for k, v in overrides.items())
    try:
        return parse(f"{model}:{text}").overrides
    except UserError:
        return None


def _override_text(text: str) -> str:
    """`area=(1, 1),mlp_ratio=2` -> `area=1,mlp_ratio=2`: tuple values (which hold commas) in bench.config's
    spelling, so that every way of writing a value parses to the same configuration."""
    items, depth, start = [], 0, 0
    for i, ch in enumerate(text + ","):
        depth += ch in "(["
        depth -= ch in ")]"
        if ch == "," and depth == 0:
            items.append(text[start:i])
            start = i + 1
    out = []
    for item in filter(str.strip, items):
        key, eq, value = item.partition("=")
        value = value.strip()
        if value.startswith(("(", "[")):
            try:
                value = show(tuple(ast.literal_eval(value)))
            except (ValueError, SyntaxError, TypeError):
                pass
        out.append(f"{key.strip()}{eq}{value}")
    return ",".join(out)


def record_overrides(rec: Record) -> tuple | None:
    """A record's canonical overrides: its `overrides` column, or (files written before that column existed) the
    `+key=value` tail of its `variant`."""
    text = rec.get("overrides")
    if not text and "+" in rec.get("variant"):
        text = ",".join(rec.get("variant").split("+")[1:])
    return canonical(rec.get("model"), text)


def attn_kernels(record: Record) -> set[str]:
    return {k for k in re.split(r"[;,|\s]+", record.get("attn_observed").lower()) if k}


def attn_ok(record: Record, attn: str) -> bool:
    """attn: 'any', 'flash' (FA kernel observed), 'no-flash' (none observed), or an exact backend name."""
    if attn == "any":
        return True
    kernels = attn_kernels(record)
    if attn == "flash":
        return bool(kernels & FLASH)
    if attn == "no-flash":
        return not kernels & FLASH
    return record.get("attn_asked") == attn or attn in kernels


# --------------------------------------------------------------------------------------------------------- queries
@dataclass(frozen=True)
class Latency:
    """Which latency record a cell wants."""

    model: str
    overrides: tuple = ()  # sorted (key, value) pairs; () = the default graph
    precision: str = "fp32"
    attn: str = "any"
    batch: int = 1
    imgsz: int = 640
    timed: str = "forward"
    mode: str = "eager"

    @staticmethod
    def of(model: str, overrides: dict | None = None, **kw) -> Latency:
        return Latency(model, tuple(sorted((overrides or {}).items())), **kw)


def _is_true(text: str) -> bool:
    return text.strip().lower() in ("1", "true", "yes", "on")


def _latency_rank(rec: Record, attn: str) -> tuple:
    asked = rec.get("attn_asked")
    pref = ATTN_PREFERENCE[::-1] if attn == "no-flash" else ATTN_PREFERENCE
    attn_rank = pref.index(asked) if asked in pref else len(pref)
    if not asked:
        attn_rank = 0
    return rec.get("status") != "ok", _is_true(rec.get("tf32")), attn_rank, _neg_time(rec.get("timestamp_utc"))


def _neg_time(ts: str) -> tuple:
    return tuple(-ord(c) for c in ts)


def find_latency(device: Device, q: Latency) -> Record | None:
    """The best record for q (ok first); a record whose status is oom/error/skipped is returned if nothing ran."""
    want = canonical(q.model, dict(q.overrides))
    cands = []
    for rec in device.records:
        if rec.get("kind") != "latency" or rec.get("model") != q.model:
            continue
        if (rec.get("precision") != q.precision or rec.get("timed_region") != q.timed
                or rec.get("mode") != q.mode or rec.num("batch") != q.batch or rec.num("imgsz") != q.imgsz):
            continue
        if want is None or record_overrides(rec) != want:
            continue
        if rec.get("status") == "ok" and not attn_ok(rec, q.attn):
            continue
        cands.append(rec)
    return min(cands, key=lambda r: _latency_rank(r, q.attn)) if cands else None


def find_kind(devices: Sequence[Device], kind: str, model: str, overrides: dict | None = None) -> Record | None:
    """The latest ok record of a device-independent kind (flops, accuracy) for a model, from any device."""
    want = canonical(model, overrides)
    cands = [r for d in devices for r in d.records
             if r.get("kind") == kind and r.get("model") == model and r.get("status") == "ok"
             and want is not None and record_overrides(r) == want]
    flops_640 = [r for r in cands if r.num("imgsz") in (None, 640)]
    cands = flops_640 or cands
    return min(cands, key=lambda r: _neg_time(r.get("timestamp_utc"))) if cands else None


PAPER_NETWORK_TOL = 0.05  # a baseline more than 5 % off its paper row (params or FLOPs) is another network


def not_paper_network(devices: Sequence[Device], model: str) -> str:
    """'' when `model` is ours, has no paper Table 1 row or no flops record, or matches its row within 5 %; else
    "not the paper's network (params X vs Y M)" (or GFLOPs) from its flops record. Our own models are judged by
    the count claims instead."""
    if model.startswith("yolov12-"):
        return ""
    row = paper.table1_row(model)
    rec = find_kind(devices, "flops", model) if row is not None else None
    if rec is None:
        return ""
    params = millions(rec.num("params_fused") or rec.num("params"))
    gflops = rec.num("gflops_paper")
    if params is not None and abs(params / row.params_m - 1) > PAPER_NETWORK_TOL:
        return f"not the paper's network (params {params:.1f} vs {row.params_m:g} M)"
    if gflops is not None and abs(gflops / row.gflops - 1) > PAPER_NETWORK_TOL:
        return f"not the paper's network (GFLOPs {gflops:.1f} vs {row.gflops:g} G)"
    return ""


def millions(value: float | None) -> float | None:
    if value is None:
        return None
    return value / 1e6 if value > 1000 else value


def percent(value: float | None) -> float | None:
    if value is None:
        return None
    return value * 100 if value <= 1.0 else value



def native_layout(rec: Record) -> bool:
    """Did each side of a paired record run in its implementation's own layout (`bench --layout native`: ours
    channels_last on the CPU in eager and compile, Ultralytics' NCHW)? What users deploy is what the report judges;
    a like-for-like run with both sides in one layout is context, not the verdict. Files from before the layout
    column (no `b_channels_last`) pass."""
    if rec.get("b_channels_last") == "":
        return True
    mode, device = rec.get("mode") or "eager", rec.get("device") or "cpu"
    return all(_is_true(rec.get(col)) == native_channels_last(rec.get(impl) == "ours", mode, device)
               for col, impl in (("channels_last", "impl"), ("b_channels_last", "b_impl")))


def _paired_like(device: Device, q: Latency) -> Iterator[Record]:
    """The device's ok paired records in each side's native layout, latest first, taken in q's precision, mode,
    batch, size and region (older files without a column match any value of it)."""
    for rec in sorted(device.records, key=lambda r: _neg_time(r.get("timestamp_utc"))):
        if rec.get("kind") != "paired" or rec.get("status") != "ok" or rec.get("precision") != q.precision \
                or not native_layout(rec):
            continue
        if rec.get("mode") in ("", q.mode) and rec.num("batch") in (None, q.batch) \
                and rec.num("imgsz") in (None, q.imgsz) and rec.get("timed_region") in ("", q.timed):
            yield rec


def find_paired(device: Device, a: Latency, b: Latency) -> tuple[Record, bool] | None:
    """A paired record comparing a with b (or b with a: then the bool is True and the ratio must be inverted)."""
    for rec in _paired_like(device, a):
        seen = (rec.get("attn_observed").split("|") + ["", ""])[:2]  # bench.paired writes 'a-kernels|b-kernels'
        la, lb = parse_pair_label(rec.get("pair_a")), parse_pair_label(rec.get("pair_b"))
        if _label_matches(la, a, seen[0]) and _label_matches(lb, b, seen[1]):
            return rec, False
        if _label_matches(la, b, seen[0]) and _label_matches(lb, a, seen[1]):
            return rec, True
    return None


def parse_pair_label(text: str) -> tuple[str, tuple | None, str]:
    """'yolov12-n:area=1@reference' (or, in files from before bench.config, 'yolov12-n:paper+area=1@reference')
    -> ('yolov12-n', (('area', (1, 1)),), 'reference')."""
    rest, _, attn = text.strip().partition("@")
    model, _, tail = rest.partition(":")
    tail = ",".join(p for p in tail.split("+") if "=" in p)
    return model, canonical(model, tail), attn


def _label_matches(lab: tuple[str, tuple | None, str], q: Latency, observed: str = "") -> bool:
    """Does one side of a pair measure q? The kernels it observed decide FA on/off when they are recorded."""
    model, overrides, attn = lab
    if model != q.model or overrides is None or overrides != canonical(q.model, dict(q.overrides)):
        return False
    if q.attn == "any":
        return True
    kernels = {k for k in re.split(r"[;,\s]+", observed.lower()) if k} or ({attn} if attn else set())
    if not kernels:
        return False  # nothing says which kernel ran: not evidence for an FA-specific query
    flash = bool(kernels & FLASH)
    return {"flash": flash, "no-flash": not flash}.get(q.attn, attn == q.attn)




def find_paired_side(device: Device, q: Latency) -> tuple[Record, str] | None:
    """The latest ok paired record one of whose sides ('a' or 'b') measured q (same precision, mode, region, size)."""
    for rec in _paired_like(device, q):
        seen = (rec.get("attn_observed").split("|") + ["", ""])[:2]
        detail_b = re.search(r"b_attn_observed=([^;]*)", rec.get("detail"))
        if detail_b and not seen[1]:
            seen = [seen[0], detail_b.group(1)]
        for side, col, kernels in (("a", "pair_a", seen[0]), ("b", "pair_b", seen[1])):
            if _label_matches(parse_pair_label(rec.get(col)), q, kernels if kernels != "none" else ""):
                return rec, side
    return None


def side_round_p50s(rec: Record, side: str) -> list[float]:
    """One side's per-round p50s (ms) from a paired record's `samples_ms` ('a/b a/b ...')."""
    out = []
    for pair in rec.get("samples_ms").split():
        parts = pair.split("/")
        try:
            out.append(float(parts[0 if side == "a" else 1]))
        except (ValueError, IndexError):
            continue
    return out
