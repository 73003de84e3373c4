"""The paper's Tables 1, 3, 4 and 5 rebuilt from result records and `bench.paper`, one column (or row group) per
device found under a results root. Nothing here measures; a cell is either a record's value (with its file and row),
a paper value, a value derived from those, or "not measured" — never a zero standing in for a missing result.

Conventions this module relies on (what the runners must emit):

- Results live in `<root>/<device-slug>/*.csv` (any depth below the slug); a `system.json` beside the CSV (or
  `<csv stem>.system.json`) describes the machine. The slug's prefix `cpu`/`cuda` says the device kind (else the
  records' `device` column does).
- `model` is the base name (`yolov12-n`, `yolov12-turbo-s`, `yolo11-n`, `rtdetr-r18`, `yolo12-n`, ...).
- `variant` is `<base>` or `<base>+<key>=<value>[+...]` with the model's override names: `paper`, `turbo`,
  `paper+area=1` (area attention off = one global area), `paper+proj=linear-ln`, `paper+pe_kernel=3`,
  `paper+mlp_ratio=4`. Baselines leave it empty (or any value without `+`). A record without `+` in its variant is
  the model's default graph, and so is one whose overrides all equal the model's own values
  (`paper+pe_kernel=7` on N). Values compare numerically where they parse (`4` == `4.0`, `1x1` == `(1, 1)` == `1`).
- FlashAttention on = `attn_observed` names `sdpa-flash` or `flash-attn` (several kernels may be joined by `;` or
  `,`); off = it names neither (the paper's "without FlashAttention" is the `reference` backend, preferred).
- Latency cells use `latency_p50_ms` of `kind=latency`, `status=ok`, `mode=eager`, `imgsz=640`, `batch=1`,
  `timed_region=forward`, TF32 off, not channels-last when a choice exists; the latest timestamp wins ties.
  Precision: fp32 on CPU; fp16 on CUDA for Table 1 and 5 (the paper's T4 protocol), both for Tables 3 and 4.
- `params`/`params_fused` are counts (values above 1000 are divided by 1e6); `gflops_*` are G.
- `map50_95` etc. may be fractions (pycocotools) or percent; values <= 1 are read as fractions.
- Paired records (`kind=paired`): `pair_a`/`pair_b` are labels `<model>[:<overrides>][@<attn backend>]`, where
  overrides are bench.catalog's spec tail (`yolov12-n:area=1`) or a variant (`yolov12-n:paper+area=1`), with
  `ratio_p50` = latency(a) / latency(b) and `precision`/`device`/`mode`/`imgsz`/`batch` valid for both sides;
  `attn_observed` = `<kernels of a>|<kernels of b>` decides whether a side ran FlashAttention (else its `@attn`).
  Table 3 and the area-attention claims want sides without FlashAttention (e.g. `yolov12-n@reference` vs
  `yolov12-n:area=1@reference`); the FlashAttention claims want `yolov12-n@sdpa-flash` vs `yolov12-n@reference`.
"""

from __future__ import annotations

import csv
import json
import math
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench import paper
from bench.records import STATUSES

FLASH = frozenset({"sdpa-flash", "flash-attn", "flash"})
ATTN_PREFERENCE = ("auto", "sdpa", "flash-attn", "sdpa-flash", "sdpa-efficient", "sdpa-cudnn", "sdpa-math",
                   "reference")
MISSING = "not measured"


# ---------------------------------------------------------------------------------------------------------- records
@dataclass(frozen=True)
class Ref:
    """Where a number came from: a CSV path relative to the results root and its 1-based data row."""

    file: str
    row: int
    path: str = field(default="", compare=False)  # the CSV on disk, for links

    def __str__(self) -> str:
        return f"{self.file}#{self.row}"


@dataclass(frozen=True)
class Record:
    data: dict
    ref: Ref

    def get(self, col: str) -> str:
        return (self.data.get(col) or "").strip()

    def num(self, col: str) -> float | None:
        try:
            value = float(self.get(col))
        except ValueError:
            return None
        return value if math.isfinite(value) else None


@dataclass
class Device:
    """One results folder: its records and the machine it ran on."""

    slug: str
    records: list[Record] = field(default_factory=list)
    systems: dict[str, dict] = field(default_factory=dict)  # relative json path -> content

    @property
    def kind(self) -> str:
        if self.slug.startswith(("cpu", "cuda")):
            return "cpu" if self.slug.startswith("cpu") else "cuda"
        devs = {r.get("device").split(":")[0] for r in self.records if r.get("device")}
        return "cuda" if "cuda" in devs else "cpu"

    def default_precision(self) -> str:
        return "fp16" if self.kind == "cuda" else "fp32"

    def stack(self) -> str:
        """One line: machine and software versions, from system.json (first found)."""
        for system in self.systems.values():
            return stack_summary(system)
        return "no system.json"


_STACK_KEYS = ("cpu", "cpu_model", "gpu_name", "gpu_torch_name", "device_name", "driver", "threads", "python", "torch",
               "cuda", "torch_cuda", "cudnn", "flash_attn", "onnxruntime", "ultralytics")


def _flatten(obj, prefix: str = "") -> Iterable[tuple[str, object]]:
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _flatten(v, f"{prefix}{k}.")
    elif isinstance(obj, list) and obj and isinstance(obj[0], dict):
        yield from _flatten(obj[0], prefix)
    else:
        yield prefix.rstrip("."), obj


def stack_summary(system: dict) -> str:
    """The machine and versions named in a system.json, whatever its nesting: 'cpu=...; torch=...; ...'.
    bench.system's layout {"runs": {run_id: info}, "latest": run_id} is read at its latest run."""
    runs = system.get("runs")
    if isinstance(runs, dict) and runs:
        system = runs.get(system.get("latest"), next(reversed(runs.values())))
    flat = [(name.lower().replace("-", "_").split("."), value) for name, value in _flatten(system)]
    parts = []
    for key in _STACK_KEYS:
        for segs, value in flat:
            names = {segs[-1], "_".join(segs[-2:]), "_".join(segs[-3:])}
            if names & {key, f"{key}_version"} and value not in (None, "", [], {}) and not isinstance(value, dict):
                parts.append(f"{key}={value}")
                break
    return "; ".join(parts) or "system.json without known keys"


def _read_csv(path: Path, rel: str) -> list[Record]:
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    return [Record(r, Ref(rel, i, str(path))) for i, r in enumerate(rows, 1) if r.get("status") in STATUSES]


def load_results(roots: Sequence[str | os.PathLike]) -> list[Device]:
    """Every device folder under the given roots (a root may itself be one device folder holding CSVs)."""
    devices: dict[str, Device] = {}
    for root in map(Path, roots):
        if not root.is_dir():
            continue
        folders = [root] if any(root.glob("*.csv")) else sorted(p for p in root.iterdir() if p.is_dir())
        for folder in folders:
            dev = devices.setdefault(folder.name, Device(folder.name))
            for csv_path in sorted(folder.rglob("*.csv")):
                rel = csv_path.relative_to(folder.parent).as_posix()
                dev.records.extend(_read_csv(csv_path, rel))
            for js in sorted(folder.rglob("*.json")):
                if js.name == "system.json" or js.name.endswith(".system.json"):
                    try:
                        dev.systems[js.relative_to(folder.parent).as_posix()] = json.loads(js.read_text())
                    except (OSError, ValueError):
                        dev.systems[js.relative_to(folder.parent).as_posix()] = {"error": "unreadable system.json"}
    return sorted(devices.values(), key=lambda d: (d.kind != "cpu", d.slug))


# -------------------------------------------------------------------------------------------------------- variants
def _norm_value(value: str) -> str:
    """'4' / '4.0' -> '4.0'; '(1, 1)' / '1x1' -> '1.0'; '4x1' / '4,1' -> '4.0,1.0'; text lower-cased."""
    v = value.strip().strip("()[]").replace(" ", "").lower()
    parts = re.split(r"[x,]", v)
    try:
        nums = [repr(float(p)) for p in parts]
    except ValueError:
        return v
    return nums[0] if len(set(nums)) == 1 else ",".join(nums)


def parse_variant(variant: str) -> dict[str, str]:
    """'paper+area=1+proj=linear-ln' (a record's variant) or 'area=1,proj=linear-ln' (a spec label's tail) ->
    {'area': '1.0', 'proj': 'linear-ln'} (normalised override values)."""
    chunks = (variant or "").split("+")
    if "=" not in chunks[0]:
        chunks = chunks[1:]
    out = {}
    for item in (i for chunk in chunks for i in chunk.split(",")):
        key, eq, value = item.partition("=")
        if eq:
            out[key.strip()] = _norm_value(value)
    return out


def norm_overrides(overrides: dict | None) -> dict[str, str]:
    return {k: _norm_value(str(v)) for k, v in (overrides or {}).items()}


def effective(model: str, overrides: dict[str, str]) -> dict[str, str]:
    """Normalised overrides minus those equal to the model's own value (`yolov12-n:pe_kernel=7` is the default
    graph); models outside the scales table keep theirs."""
    if not overrides or not model.startswith("yolov12"):
        return overrides
    from yolov12.scales import lookup

    try:
        row = lookup(model)
    except ValueError:
        return overrides
    own = {k: _norm_value(_show(getattr(row, k))) for k in overrides if hasattr(row, k)}
    return {k: v for k, v in overrides.items() if own.get(k) != v}


def _show(value) -> str:
    if isinstance(value, tuple):
        return ",".join(map(str, value))
    return str(getattr(value, "value", value))


def variant_label(model: str, overrides: dict | None) -> str:
    """The variant string a record of these overrides carries (the convention above)."""
    base = "turbo" if model.startswith("yolov12-turbo") else "paper" if model.startswith("yolov12") else ""
    extra = "".join(f"+{k}={v}" for k, v in sorted((overrides or {}).items()))
    return (base or model) + extra if extra else base


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
    return (rec.get("status") != "ok", _is_true(rec.get("tf32")), _is_true(rec.get("channels_last")), attn_rank,
            _neg_time(rec.get("timestamp_utc")))


def _neg_time(ts: str) -> tuple:
    return tuple(-ord(c) for c in ts)


def find_latency(device: Device, q: Latency) -> Record | None:
    """The best record for q (ok first); a record whose status is oom/error/skipped is returned if nothing ran."""
    want = effective(q.model, norm_overrides(dict(q.overrides)))
    cands = []
    for rec in device.records:
        if rec.get("kind") != "latency" or rec.get("model") != q.model:
            continue
        if (rec.get("precision") != q.precision or rec.get("timed_region") != q.timed
                or rec.get("mode") != q.mode or rec.num("batch") != q.batch or rec.num("imgsz") != q.imgsz):
            continue
        if effective(q.model, parse_variant(rec.get("variant"))) != want:
            continue
        if rec.get("status") == "ok" and not attn_ok(rec, q.attn):
            continue
        cands.append(rec)
    return min(cands, key=lambda r: _latency_rank(r, q.attn)) if cands else None


def find_kind(devices: Sequence[Device], kind: str, model: str, overrides: dict | None = None) -> Record | None:
    """The latest ok record of a device-independent kind (flops, accuracy) for a model, from any device."""
    want = effective(model, norm_overrides(overrides))
    cands = [r for d in devices for r in d.records
             if r.get("kind") == kind and r.get("model") == model and r.get("status") == "ok"
             and effective(model, parse_variant(r.get("variant"))) == want]
    flops_640 = [r for r in cands if r.num("imgsz") in (None, 640)]
    cands = flops_640 or cands
    return min(cands, key=lambda r: _neg_time(r.get("timestamp_utc"))) if cands else None


def millions(value: float | None) -> float | None:
    if value is None:
        return None
    return value / 1e6 if value > 1000 else value


def percent(value: float | None) -> float | None:
    if value is None:
        return None
    return value * 100 if value <= 1.0 else value


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


# ---------------------------------------------------------------------------------------------------------- tables
@dataclass
class Table:
    key: str
    title: str
    columns: list[str]
    rows: list[list[Cell]]
    context: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def column(self, name: str) -> list[Cell]:
        i = self.columns.index(name)
        return [row[i] for row in self.rows]


def _context(devices: Sequence[Device], protocol: str) -> list[str]:
    lines = [protocol, "a '!' after a latency = the record carries validity flags (high spread, few samples, "
                       "throttling): see the record"]
    lines += [f"device {d.slug} ({d.kind}): {d.stack()}" for d in devices]
    if not devices:
        lines.append("no results folder found: every measured cell reads 'not measured'")
    return lines


def _t1_models(devices: Sequence[Device]) -> list[tuple[str, str]]:
    """(model, size group) for every paper row, our turbo and Ultralytics' YOLO12, then measured extras."""
    out = []
    for r in paper.TABLE1:
        out.append((r.model, r.scale))
        if r.model.startswith("yolov12-"):
            out += [(f"yolo12-{r.scale}", r.scale), (f"yolov12-turbo-{r.scale}", r.scale)]
    known = {m for m, _ in out}
    extra = sorted({r.get("model") for d in devices for r in d.records if r.get("model")} - known)
    return out + [(m, m.rsplit("-", 1)[-1]) for m in extra]


def table1(devices: Sequence[Device]) -> Table:
    cols = ["model", "impl", "size", "params M (paper)", "params M fused (measured)", "Δ params M",
            "GFLOPs (paper)", "GFLOPs paper-conv. (measured)", "Δ GFLOPs", "GFLOPs total (measured)",
            "mAP50-95", "Δ mAP", "T4 latency ms (paper)"]
    for d in devices:
        cols += [f"{d.slug} {d.default_precision()} ms", f"{d.slug} vs T4"]
    rows = []
    for model, size in _t1_models(devices):
        ref = paper.paper_reference(model)
        p_params, p_flops, p_ap, p_ms, src = ref if ref else (None, None, None, None, "")
        flops = find_kind(devices, "flops", model)
        acc = find_kind(devices, "accuracy", model)
        params = measured(millions(flops.num("params_fused")) if flops else None, flops)
        gp = measured(flops.num("gflops_paper") if flops else None, flops)
        ap = measured(percent(acc.num("map50_95")) if acc else None, acc, 1)
        ap_cell = ap if ap.source == "measured" else paper_cell(p_ap, 1, mark=True)
        impl = (flops.get("impl") if flops else "") or ("ours" if model.startswith("yolov12") else "ultralytics")
        name = model + (" †" if model in paper.TABLE1_FLAGS else "") + (" (README)" if src == "readme" else "")
        row = [label(name), label(impl), label(size.upper()), paper_cell(p_params, 1), params, delta(params, p_params),
               paper_cell(p_flops, 1), gp, delta(gp, p_flops),
               measured(flops.num("gflops_total") if flops else None, flops), ap_cell, delta(ap, p_ap, 1),
               paper_cell(p_ms)]
        for d in devices:
            lat = latency_cell(d, Latency.of(model, precision=d.default_precision()))
            row += [lat, delta(lat, p_ms, relative=True)]
        rows.append(row)
    notes = [f"{k}: {v}" for k, v in paper.TABLE1_FLAGS.items()] + paper.NOTES["table1"]
    notes.append("mAP marked '(paper)' is the paper's (or README's) figure: no accuracy record for that model.")
    notes.append("'vs T4' is (measured - paper) / paper on different hardware and runtime: read the claims ledger's "
                 "ratios, not this column, to judge speed claims.")
    protocol = ("timed region: forward (model call on a ready device tensor, synchronised), NMS excluded; batch 1; "
                "imgsz 640; eager PyTorch; precision fp32 on CPU, fp16 on CUDA; paper: T4 + TensorRT FP16, batch "
                "and NMS unstated. Params/FLOPs: fused model at 640 (any device's flops record).")
    return Table("table1", "Table 1 — real-time detectors on COCO: params, FLOPs, mAP, latency", cols, rows,
                 _context(devices, protocol), notes)


_T3_PAPER = {"cpu": "cpu-i7-10700k", "fp32": "rtx3080-fp32", "fp16": "rtx3080-fp16"}


def find_paired(device: Device, a: Latency, b: Latency) -> tuple[Record, bool] | None:
    """A paired record comparing a with b (or b with a: then the bool is True and the ratio must be inverted)."""
    for rec in sorted(device.records, key=lambda r: _neg_time(r.get("timestamp_utc"))):
        if rec.get("kind") != "paired" or rec.get("status") != "ok" or rec.get("precision") != a.precision:
            continue
        if rec.get("mode") not in ("", a.mode) or rec.num("batch") not in (None, a.batch) \
                or rec.num("imgsz") not in (None, a.imgsz) or rec.get("timed_region") not in ("", a.timed):
            continue
        seen = (rec.get("attn_observed").split("|") + ["", ""])[:2]  # bench.paired writes 'a-kernels|b-kernels'
        la, lb = parse_pair_label(rec.get("pair_a")), parse_pair_label(rec.get("pair_b"))
        if _label_matches(la, a, seen[0]) and _label_matches(lb, b, seen[1]):
            return rec, False
        if _label_matches(la, b, seen[0]) and _label_matches(lb, a, seen[1]):
            return rec, True
    return None


def parse_pair_label(text: str) -> tuple[str, dict[str, str], str]:
    """'yolov12-n:area=1@reference' or 'yolov12-n:paper+area=1@reference' -> ('yolov12-n', {'area': '1.0'},
    'reference')."""
    rest, _, attn = text.strip().partition("@")
    model, _, variant = rest.partition(":")
    return model, parse_variant(variant), attn


def _label_matches(lab: tuple[str, dict[str, str], str], q: Latency, observed: str = "") -> bool:
    """Does one side of a pair measure q? The kernels it observed decide FA on/off when they are recorded."""
    model, overrides, attn = lab
    if model != q.model or effective(model, overrides) != effective(q.model, norm_overrides(dict(q.overrides))):
        return False
    if q.attn == "any":
        return True
    kernels = {k for k in re.split(r"[;,\s]+", observed.lower()) if k} or ({attn} if attn else set())
    if not kernels:
        return False  # nothing says which kernel ran: not evidence for an FA-specific query
    flash = bool(kernels & FLASH)
    return {"flash": flash, "no-flash": not flash}.get(q.attn, attn == q.attn)


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


def _t3_settings(d: Device) -> list[str]:
    return ["cpu"] if d.kind == "cpu" else ["fp32", "fp16"]


def table3(devices: Sequence[Device]) -> Table:
    cols = ["model", "where", "area off ms", "area on ms", "on/off (p50s)", "on/off (paired)", "paired range",
            "paper on/off", "paper setting"]
    rows = []
    for model in ("yolov12-n", "yolov12-s", "yolov12-x"):
        for setting in paper.TABLE3_SETTINGS:
            off, on = paper.table3(model, False, setting), paper.table3(model, True, setting)
            rows.append([label(model), label(f"paper {setting}"), paper_cell(off, 1), paper_cell(on, 1),
                         Cell(on / off, "paper", digits=3), label("–"), label("–"), paper_cell(on / off, 3),
                         label(setting)])
        for d in devices:
            for s in _t3_settings(d):
                prec = "fp32" if s == "cpu" else s
                q_on = Latency.of(model, precision=prec, attn="no-flash")
                q_off = Latency.of(model, {"area": 1}, precision=prec, attn="no-flash")
                c_off, c_on = latency_cell(d, q_off), latency_cell(d, q_on)
                pair = paired_cell(d, q_on, q_off)
                pset = _T3_PAPER[s]
                p = paper.table3(model, True, pset) / paper.table3(model, False, pset)
                rows.append([label(model), label(f"{d.slug} {prec}"), c_off, c_on, ratio(c_on, c_off), pair,
                             label(pair.note.rsplit("range ", 1)[-1]) if pair.note else Cell(),
                             paper_cell(p, 3), label(pset)])
    protocol = ("timed region: forward, NMS excluded, batch 1, imgsz 640, eager; no FlashAttention (reference backend "
                "preferred); area off = variant paper+area=1. Paper: RTX 3080 / A5000 FP32 and FP16, i7-10700K CPU, "
                "runtime and batch unstated. Compare ratios: absolute times come from different machines.")
    return Table("table3", "Table 3 — area attention on/off", cols, rows, _context(devices, protocol),
                 paper.NOTES["table3"] + ["'paired' = both configurations interleaved in one run (ratio of p50s "
                                          "per round, median over rounds); preferred over the ratio of two p50s."])


def table4(devices: Sequence[Device]) -> Table:
    cols = ["model", "GFLOPs (paper)"]
    cols += [f"{g} {p} (paper)" for g in paper.TABLE4_GPUS for p in ("FP32", "FP16")]
    cols += [f"{d.slug} {p}" for d in devices for p in ("FP32", "FP16")]
    rows = []
    for model, (flops, gpus) in paper.TABLE4.items():
        row = [label(model), paper_cell(flops, 1)]
        for g in paper.TABLE4_GPUS:
            for i, p in enumerate(("fp32", "fp16")):
                note = paper.TABLE4_SUSPECT.get((model, g, p), "")
                row.append(Cell(gpus[g][i], "paper", digits=1, note=note, suffix=" *" if note else ""))
        for d in devices:
            row += [latency_cell(d, Latency.of(model, precision="fp32")),
                    latency_cell(d, Latency.of(model, precision="fp16"))]
        rows.append(row)
    protocol = ("timed region: forward, NMS excluded, batch 1, imgsz 640, eager PyTorch, FP32 with TF32 off / FP16; "
                "paper: 'same hardware', runtime, batch and NMS unstated.")
    notes = paper.NOTES["table4"] + ["* marks a cell the paper probably misprinted."]
    return Table("table4", "Table 4 — FP32 / FP16 latency by scale (ms)", cols, rows,
                 _context(devices, protocol), notes)


def _t5_default(row: paper.Table5Row) -> paper.Table5Row:
    return next(r for r in paper.TABLE5 if r.sub == row.sub and r.model == row.model and r.default)


def _t5_query(row: paper.Table5Row, precision: str) -> Latency:
    return Latency.of(row.model, row.overrides, precision=precision, attn=row.attn or "any")


def table5(devices: Sequence[Device]) -> Table:
    cols = ["sub", "setting", "model", "variant", "mAP (paper)", "mAP (measured)", "latency ms (paper)",
            "paper vs default"]
    for d in devices:
        cols += [f"{d.slug} {d.default_precision()} ms", f"{d.slug} vs default"]
    rows = []
    for r in paper.TABLE5:
        base = _t5_default(r)
        buildable = r.overrides is not None
        variant = variant_label(r.model, r.overrides) if buildable else "not buildable by overrides"
        acc = find_kind(devices, "accuracy", r.model, r.overrides) if buildable and r.overrides else None
        p_ratio = r.latency_ms / base.latency_ms if r.latency_ms and base.latency_ms else None
        row = [label(r.sub), label(r.setting), label(r.model), label(variant + (f" @{r.attn}" if r.attn else "")),
               paper_cell(r.ap, 1), measured(percent(acc.num("map50_95")) if acc else None, acc, 1),
               paper_cell(r.latency_ms), paper_cell(p_ratio, 3)]
        for d in devices:
            if not buildable:
                row += [label("n/a"), label("n/a")]
                continue
            prec = d.default_precision()
            lat = latency_cell(d, _t5_query(r, prec))
            row += [lat, ratio(lat, latency_cell(d, _t5_query(base, prec)))]
        rows.append(row)
    protocol = ("timed region: forward, NMS excluded, batch 1, imgsz 640, eager; fp32 on CPU, fp16 on CUDA; "
                "'@flash' rows need a FlashAttention kernel (sdpa-flash or flash-attn), '@no-flash' rows the "
                "reference backend. Paper: 600-epoch models, latency protocol as Table 1 (unconfirmed).")
    notes = paper.NOTES["table5"] + paper.NOTES["table5h"] + [
        "'vs default' = latency / latency of the sub-table's default row on the same device: compare it with "
        "'paper vs default'. mAP (measured) only where a trained variant's accuracy record exists."]
    return Table("table5", "Table 5 — diagnostics: latency of every variant buildable without training", cols, rows,
                 _context(devices, protocol), notes)


def build_all(devices: Sequence[Device]) -> list[Table]:
    return [table1(devices), table3(devices), table4(devices), table5(devices)]


def write_csv(table: Table, path: str | os.PathLike) -> None:
    """The table as displayed (missing cells read 'not measured'), plus one column listing each row's records."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow([*table.columns, "records"])
        for row in table.rows:
            refs = sorted({str(ref) for c in row for ref in c.refs})
            w.writerow([c.text() for c in row] + [" ".join(refs)])
    tmp.replace(path)
