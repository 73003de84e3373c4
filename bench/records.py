"""The record schema shared by every runner (latency, params/FLOPs, accuracy, paired ratios), and an append-only
CSV writer that flushes row by row, so an interrupted sweep keeps what it finished and a rerun can skip it."""

from __future__ import annotations

import csv
import os
import uuid
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path

IDENTITY = [
    "kind",  # latency | flops | accuracy | paired
    "run_id", "timestamp_utc", "suite_git_sha", "command",
    "model", "family", "scale", "variant", "impl", "weights", "weights_sha256",
]
CONFIG = [
    "device", "device_name", "precision", "tf32", "attn_asked", "attn_observed", "mode", "channels_last", "fused",
    "imgsz", "batch", "timed_region", "conf", "iou", "max_det", "threads",
]
LATENCY = [
    "iterations", "duration_s", "warmup_iters", "latency_mean_ms", "latency_p50_ms", "latency_p90_ms",
    "latency_p99_ms", "latency_min_ms", "latency_iqr_ms", "throughput_img_s", "peak_mem_mb", "samples_ms",
]
ACCOUNTING = ["params", "params_fused", "gflops_paper", "gflops_total", "flops_counters", "flops_uncounted"]
ACCURACY = [
    "map50_95", "map50", "map75", "map_small", "map_medium", "map_large", "ar1", "ar10", "ar100",
    "eval_tool", "eval_crosscheck", "dataset", "images",
]
PAIRED = ["pair_a", "pair_b", "rounds", "ratio_p50", "ratio_min", "ratio_max", "ratio_iqr"]
OUTCOME = ["status", "detail", "validity"]  # status: ok | oom | error | skipped; validity: ok or ';'-joined flags

COLUMNS = IDENTITY + CONFIG + LATENCY + ACCOUNTING + ACCURACY + PAIRED + OUTCOME
STATUSES = ("ok", "oom", "error", "skipped")


def new_run_id() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ-") + uuid.uuid4().hex[:6]


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def complete(record: dict) -> dict:
    """`record` with every schema column present (missing ones empty); unknown keys are a programming error."""
    unknown = set(record) - set(COLUMNS)
    if unknown:
        raise KeyError(f"record has columns outside the schema: {sorted(unknown)}")
    if record.get("status") not in STATUSES:
        raise ValueError(f"record status must be one of {STATUSES}, got {record.get('status')!r}")
    return {c: record.get(c, "") for c in COLUMNS}


class RecordWriter:
    """Appends records to a CSV, header first if the file is new, flushed and fsynced row by row."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fresh = not self.path.exists() or self.path.stat().st_size == 0
        self._file = self.path.open("a", newline="")
        self._csv = csv.DictWriter(self._file, fieldnames=COLUMNS)
        if fresh:
            self._csv.writeheader()
            self._sync()

    def write(self, record: dict) -> None:
        self._csv.writerow(complete(record))
        self._sync()

    def _sync(self) -> None:
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> RecordWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def read_records(path: str | os.PathLike) -> list[dict]:
    """Rows of a records CSV as dicts of strings; a torn last line (killed mid-write) is dropped."""
    path = Path(path)
    if not path.exists():
        return []
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    return [r for r in rows if r.get("status") in STATUSES]


def done_keys(path: str | os.PathLike, fields: Iterable[str]) -> set[tuple]:
    """Keys (the given fields, as strings) of rows already finished with a final status (not 'error')."""
    fields = list(fields)
    return {tuple(r[f] for f in fields) for r in read_records(path) if r["status"] in ("ok", "oom", "skipped")}
