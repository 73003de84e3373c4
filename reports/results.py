"""Result records as the reports read them: every `<root>/<device-slug>/**/*.csv` (read by bench.records'
checked reader, so a row it cannot use is named by file, line and column and left out, never silently dropped) and
the `system.json` beside it, grouped into one Device per slug. The slug's prefix `cpu`/`cuda` says the device kind
(else the records' `device` column does)."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.records import Problem, read_checked


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
    problems: list[Problem] = field(default_factory=list)  # rows left out, with file, line and column
    folders: list[str] = field(default_factory=list)  # the results folders read (training/ logs live there)

    @property
    def kind(self) -> str:
        if self.slug.startswith(("cpu", "cuda")):
            return "cpu" if self.slug.startswith("cpu") else "cuda"
        devs = {r.get("device").split(":")[0] for r in self.records if r.get("device")}
        return "cuda" if "cuda" in devs else "cpu"

    def default_precision(self) -> str:
        return "fp16" if self.kind == "cuda" else "fp32"

    def hardware(self) -> str:
        """Every name this device goes by: the slug, the records' device names and the machine in system.json."""
        names = {self.slug, *(r.get("device_name") for r in self.records if r.get("device_name"))}
        return "; ".join(sorted(names)) + "; " + "; ".join(stack_summary(s) for s in self.systems.values())

    def cpu_count(self) -> str:
        """The machine's logical CPU count from system.json ('' when not recorded)."""
        for system in self.systems.values():
            found = [v for k, v in _flatten(system) if k.split(".")[-1] == "cpu_count"]
            if found:
                return str(found[-1])
        return ""

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


def _read_csv(path: Path, rel: str) -> tuple[list[Record], list[Problem]]:
    """The usable rows of one CSV (numbered as data rows) and the problems of the others."""
    rows, problems = read_checked(path)
    return [Record(r, Ref(rel, i, str(path))) for i, r in enumerate(rows, 1)], problems


def load_results(roots: Sequence[str | os.PathLike]) -> list[Device]:
    """Every device folder under the given roots (a root may itself be one device folder holding CSVs)."""
    devices: dict[str, Device] = {}
    for root in map(Path, roots):
        if not root.is_dir():
            continue
        folders = [root] if any(root.glob("*.csv")) else sorted(p for p in root.iterdir() if p.is_dir())
        for folder in folders:
            dev = devices.setdefault(folder.name, Device(folder.name))
            dev.folders.append(str(folder))
            for csv_path in sorted(folder.rglob("*.csv")):
                if "training" in csv_path.relative_to(folder).parts[:-1]:
                    continue  # training logs (scripts/train_synth.py) are not records; the report links them
                rel = csv_path.relative_to(folder.parent).as_posix()
                records, problems = _read_csv(csv_path, rel)
                dev.records.extend(records)
                dev.problems.extend(problems)
            for js in sorted(folder.rglob("*.json")):
                if js.name == "system.json" or js.name.endswith(".system.json"):
                    try:
                        dev.systems[js.relative_to(folder.parent).as_posix()] = json.loads(js.read_text())
                    except (OSError, ValueError):
                        dev.systems[js.relative_to(folder.parent).as_posix()] = {"error": "unreadable system.json"}
    return sorted(devices.values(), key=lambda d: (d.kind != "cpu", d.slug))


