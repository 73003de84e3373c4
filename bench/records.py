"""The record schema shared by every runner (latency, params/FLOPs, accuracy, paired ratios); the one writer of
records CSVs; a lenient reader for resuming and a strict one for reports.

The writer refuses a file whose header is not the schema's, cuts back a torn last line left by a killed run before
appending, writes each row with one `write` call and fsyncs it, and stamps provenance (run id, UTC time, suite git
SHA, command, package versions). Several processes may append to one file at once (jobs of a cluster launch): each
holds an exclusive advisory lock (flock) while it checks the tail and appends a row, so rows never interleave and no
writer cuts back a line another is still writing. The strict reader names the file, line and column of anything it
cannot use."""

from __future__ import annotations

import contextlib
import csv
import errno
import fcntl
import io
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from yolov12.cli import UserError
from yolov12.files import check_out_file, fsync_dir, show
from yolov12.provenance import git_sha, new_run_id, package_versions, utc_now, versions_text

__all__ = [
    "IDENTITY", "CONFIG", "LATENCY", "ACCOUNTING", "ACCURACY", "PAIRED", "PROFILE", "OUTCOME", "COLUMNS", "STATUSES",
    "NUMERIC", "HEADER_LINE", "Problem", "ResultsFileError", "RecordWriter", "check_results_file", "complete",
    "done_keys", "read_checked", "read_records", "new_run_id", "utc_now",
]

IDENTITY = [
    "kind",  # latency | flops | accuracy | paired | profile
    "run_id", "timestamp_utc", "suite_git_sha", "command", "versions",
    "model", "family", "scale", "variant", "impl", "weights", "weights_sha256",
]
CONFIG = [
    "overrides",  # the configuration's `key=value,...` part, canonical text
    "device", "device_name", "precision", "tf32", "attn_asked", "attn_observed", "mode", "channels_last", "fused",
    "imgsz", "batch", "timed_region", "conf", "iou", "max_det", "threads",
    "protocol", "letterbox",  # accuracy: rect | square (| external), and its canvas rule in short
]
LATENCY = [
    "iterations", "duration_s", "warmup_iters", "latency_mean_ms", "latency_p50_ms", "latency_p50_ci_low_ms",
    "latency_p50_ci_high_ms", "latency_p90_ms", "latency_p99_ms", "latency_min_ms", "latency_iqr_ms",
    "throughput_img_s", "peak_mem_mb", "samples_ms",
    "export_max_diff",  # a runtime's largest output difference from eager PyTorch (boxes px / scores) before timing
]
ACCOUNTING = ["params", "params_fused", "gflops_paper", "gflops_total", "flops_counters", "flops_uncounted"]
ACCURACY = [
    "map50_95", "map50", "map75", "map_small", "map_medium", "map_large", "ar1", "ar10", "ar100",
    "map50_95_ultralytics", "map50_ultralytics",  # Ultralytics' own metric, only with --also-ultralytics-metric
    "eval_tool", "eval_crosscheck", "dataset", "images",
]
PAIRED = [
    "pair_a", "pair_b", "b_model", "b_overrides", "b_attn_asked", "b_impl",  # b_*: the second side's configuration
    "b_channels_last",  # its layout (`channels_last` is the first side's; empty in files from before --layout)
    "design", "rounds", "rounds_remeasured", "ratio_p50", "ratio_ci_low", "ratio_ci_high", "ratio_min", "ratio_max",
    "ratio_iqr",
]
PROFILE = ["op_class"]  # kind=profile: an op class's time (bench.breakdown), or `ratio:<a classes>/<b classes>`
OUTCOME = ["status", "detail", "validity"]  # status: ok | oom | error | skipped; validity: ok or ';'-joined flags

COLUMNS = IDENTITY + CONFIG + LATENCY + ACCOUNTING + ACCURACY + PAIRED + PROFILE + OUTCOME
STATUSES = ("ok", "oom", "error", "skipped")
HEADER_LINE = ",".join(COLUMNS)
REQUIRED = ("kind", "status")  # an older schema's header must still have these to be readable


_NUMERIC_NAMES = ("throughput_img_s", "peak_mem_mb", "rounds", "rounds_remeasured", "iterations", "duration_s",
                  "imgsz", "batch", "threads", "warmup_iters", "conf", "iou", "max_det", "export_max_diff")


def _numeric(column: str) -> bool:
    """latency_*_ms, params*, gflops_*, map*, ar<N>, ratio_* and the counts and sizes above hold numbers."""
    return ((column.startswith("latency_") and column.endswith("_ms")) or column.startswith(("params", "gflops_",
            "map", "ratio_")) or re.fullmatch(r"ar\d+", column) is not None or column in _NUMERIC_NAMES)


NUMERIC = frozenset(c for c in COLUMNS if _numeric(c))
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|[+-]?(nan|inf|infinity)", re.IGNORECASE)
_QUOTE_OR_NEWLINE = re.compile(rb'["\n]')
_BOM = b"\xef\xbb\xbf"
_HEAD_LIMIT = 1 << 20  # a header line longer than this is not ours
_MAX_TORN = 16 << 20  # never cut back more than this when repairing (a longer "torn" tail means a damaged file)


class ResultsFileError(UserError):
    """A results file that the records writer must not append to."""


@dataclass(frozen=True)
class Problem:
    """Something a reader could not use: file, 1-based line (0: the whole file), column (None: the whole line)."""

    file: str
    line: int
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: " + (f"column '{self.column}': " if self.column is not None else "") + self.message


def complete(record: dict) -> dict:
    """`record` with every schema column present (missing ones empty); unknown keys are a programming error."""
    unknown = set(record) - set(COLUMNS)
    if unknown:
        raise KeyError(f"record has columns outside the schema: {sorted(unknown)}")
    if record.get("status") not in STATUSES:
        raise ValueError(f"record status must be one of {STATUSES}, got {record.get('status')!r}")
    return {c: record.get(c, "") for c in COLUMNS}


# ---- bytes on disk -------------------------------------------------------------------------------------------------

def _record_end(data: bytes) -> int:
    """Offset just past the last complete record: the last newline outside a quoted field."""
    inside, end = False, 0
    for m in _QUOTE_OR_NEWLINE.finditer(data):
        if m.group() == b'"':
            inside = not inside
        elif not inside:
            end = m.end()
    return end


def _is_subsequence(fields: list[str], columns: list[str]) -> bool:
    it = iter(columns)
    return all(f in it for f in fields)


def _excerpt(fields: list[str], n: int = 2, width: int = 60) -> str:
    text = ",".join(fields[:n])
    text = text if len(text) <= width else text[:width] + "..."
    return show(text)


def _header_error(flag: str, path: Path, problem: str) -> ResultsFileError:
    return ResultsFileError(f"{flag} {show(path)}: {problem}; give a new file or one written by this suite")


def check_results_file(path: str | os.PathLike, flag: str = "--out") -> Path:
    """Validate a records CSV to append to, before anything runs; writes nothing. Accepted: a new or empty file, or
    one whose header line is exactly this schema's (or a torn start of it). ResultsFileError (one line) otherwise."""
    p = check_out_file(path, flag)
    if not p.exists() or p.stat().st_size == 0:
        return p
    with p.open("rb") as f:
        head = f.read(_HEAD_LIMIT + 1).removeprefix(_BOM)
    nl = head.find(b"\n")
    line = head if nl < 0 else head[:nl]
    try:
        text = line.decode("utf-8").removesuffix("\r")
    except UnicodeDecodeError:
        raise _header_error(flag, p, "it is not a records CSV (its first line is not UTF-8 text)") from None
    if "\x00" in text or (nl < 0 and len(head) > _HEAD_LIMIT):
        raise _header_error(flag, p, "it is not a records CSV (binary data or no line ending in its first MiB)")
    if text == HEADER_LINE or (nl < 0 and HEADER_LINE.startswith(text)):  # the latter: a run killed mid-header
        return p
    fields = next(csv.reader([text]), [])
    if fields and _is_subsequence(fields, COLUMNS):
        raise ResultsFileError(f"{flag} {show(p)}: it was written by an older records schema ({len(fields)} of the "
                               f"{len(COLUMNS)} columns); bring it up to this one with `python -m bench.upgrade "
                               f"{show(p)}`, or start a new file")
    raise _header_error(flag, p, f"its header is not the records schema (found {len(fields)} columns starting "
                                 f"'{_excerpt(fields)}')")


def _to_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _csv_line(values: list) -> str:
    buf = io.StringIO()
    csv.writer(buf).writerow(values)  # quotes commas, quotes and newlines; ends with \r\n
    return buf.getvalue()


class RecordWriter:
    """The one writer of records CSVs: appends complete rows, one `write` call and one fsync each.

    Opening validates the file (check_results_file), cuts back a torn last line (said through `warn`) and writes
    the header to a new or empty file. `write` stamps run_id, timestamp_utc, suite_git_sha, command and versions
    where the record leaves them out or empty."""

    def __init__(self, path: str | os.PathLike, *, command: str, run_id: str | None = None,
                 warn: Callable[[str], object] = _to_stderr, flag: str = "--out"):
        self.path = check_results_file(path, flag)
        self.command = command
        self.run_id = run_id or new_run_id()
        self._warn = warn
        self._stamps = {"run_id": self.run_id, "suite_git_sha": git_sha(), "command": command,
                        "versions": versions_text(package_versions())}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        created = not self.path.exists()
        self._fd: int | None = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0),
                                       0o666)
        self._good = 0  # an offset known to end a complete record (or the header): the tail is checked from here
        try:
            with self._locked():
                self._repair()
                if os.fstat(self._fd).st_size == 0:
                    self._write_line(HEADER_LINE + "\r\n")
            if created:
                fsync_dir(self.path.parent)
        except BaseException:
            self.close()
            raise

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold the file's exclusive advisory lock (other writers of this file wait); released on exit or death."""
        if self._fd is None:
            raise ValueError(f"RecordWriter for {self.path} is closed")
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX)
        except OSError as err:
            if err.errno not in (errno.ENOLCK, errno.ENOSYS, errno.EOPNOTSUPP, errno.EINVAL):
                raise
            raise ResultsFileError(f"{show(self.path)}: cannot lock it ({err.strerror}), so concurrent writers could "
                                   "interleave rows; give a folder on a filesystem with file locks (local disk, NFS "
                                   "with lockd, Lustre mounted with -o flock)") from None
        try:
            yield
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def _repair(self) -> None:
        """Cut back a torn tail (a writer killed mid-row) after the last complete record; the lock is held. Only the
        bytes after `_good` are read: everything before it is complete records (the file is only ever appended to,
        and a repair never cuts before a record's end)."""
        with open(self._fd, "rb", closefd=False) as f:
            f.seek(self._good)
            data = f.read()
        end = _record_end(data)
        if end < len(data):
            if len(data) - end > _MAX_TORN:
                raise ResultsFileError(f"{show(self.path)}: its last {len(data) - end} bytes do not end a CSV record "
                                       "(damaged?); give a new file or one written by this suite")
            os.ftruncate(self._fd, self._good + end)
            os.fsync(self._fd)
            self._warn(f"repaired {show(self.path)}: dropped a torn last line ({len(data) - end} bytes) left by an "
                       "interrupted run")
        self._good += end

    def _write_line(self, line: str) -> None:
        if self._fd is None:
            raise ValueError(f"RecordWriter for {self.path} is closed")
        data = memoryview(line.encode("utf-8", "backslashreplace"))
        while data:  # one call for any ordinary row; the loop only covers a short write
            data = data[os.write(self._fd, data):]
        os.fsync(self._fd)
        self._good = os.fstat(self._fd).st_size

    def write(self, record: dict) -> dict:
        """Stamp, complete and append one record; returns the row as written."""
        record = dict(record)
        for key, value in {**self._stamps, "timestamp_utc": utc_now()}.items():
            if record.get(key) in (None, ""):
                record[key] = value
        row = complete(record)
        line = _csv_line([row[c] for c in COLUMNS])
        with self._locked():
            self._repair()  # another writer of this file may have been killed mid-row since our last append
            self._write_line(line)
        return row

    def close(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)

    def __enter__(self) -> RecordWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# ---- readers -------------------------------------------------------------------------------------------------------

def _csv_rows(text: str) -> Iterator[tuple[int, list[str] | None, str]]:
    """(first physical line, fields or None, csv error message) for each non-blank record of `text`."""
    reader = csv.reader(io.StringIO(text, newline=""))
    while True:
        start = reader.line_num + 1
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as err:
            yield start, None, str(err)
            if reader.line_num < start:
                return
            continue
        if fields:
            yield start, fields, ""


def _load(path: Path, errors: str) -> tuple[str, int, int]:
    """(text of the complete records, size of a torn tail in bytes, line of the torn tail)."""
    data = path.read_bytes().removeprefix(_BOM)
    end = _record_end(data)
    return data[:end].decode("utf-8", errors), len(data) - end, data.count(b"\n", 0, end) + 1


def read_records(path: str | os.PathLike) -> list[dict]:
    """Rows of a records CSV (this schema or an older one) as dicts over COLUMNS (missing ones empty), for resuming.
    Lenient: a torn last line (killed mid-write) and rows that do not fit the header are dropped silently."""
    path = Path(path)
    if not path.is_file():
        return []
    text, _, _ = _load(path, "replace")
    rows = _csv_rows(text)
    header = next((fields for _, fields, _ in rows), None) or []
    out = []
    for _, fields, _ in rows:
        if fields is None or len(fields) != len(header):
            continue
        row = dict(zip(header, fields))
        if row.get("status") in STATUSES:
            out.append({c: row.get(c, "") for c in COLUMNS})
    return out


def _header_problems(name: str, header: list[str]) -> list[Problem]:
    if header == COLUMNS:
        return []
    if _is_subsequence(header, COLUMNS):  # an older schema: readable if it can still be judged
        return [Problem(name, 1, c, "the header has no such column; the file cannot be read as records")
                for c in REQUIRED if c not in header]
    found = f"(found {len(header)} columns starting '{_excerpt(header)}')"
    bad = next((c for c in header if c not in COLUMNS), None)
    if bad is not None:
        return [Problem(name, 1, show(bad), f"not a column of the records schema {found}")]
    seen: list[str] = []
    for c in header:
        if c in seen or not _is_subsequence([*seen, c], COLUMNS):
            return [Problem(name, 1, c, f"repeated or out of the schema's order {found}")]
        seen.append(c)
    return [Problem(name, 1, None, f"the header is not the records schema {found}")]  # not reached


def _value_problem(column: str, value: str) -> str | None:
    if any("\udc80" <= ch <= "\udcff" for ch in value):
        return "undecodable bytes (not UTF-8 text)"
    if column == "status" and value not in STATUSES:
        return f"{show(value[:40])!r} is not a status; accepted: {', '.join(STATUSES)}"
    if column in NUMERIC and value and not _NUMBER.fullmatch(value):
        return f"{show(value[:40])!r} is not a number"
    return None


def _row_problems(name: str, line: int, header: list[str], fields: list[str]) -> list[Problem]:
    if len(fields) < len(header):
        return [Problem(name, line, header[len(fields)], f"missing: the row has {len(fields)} fields, the header "
                                                         f"{len(header)}")]
    if len(fields) > len(header):
        return [Problem(name, line, f"#{len(header) + 1}", f"beyond the header: the row has {len(fields)} fields, "
                                                           f"the header {len(header)}")]
    return [Problem(name, line, column, message) for column, value in zip(header, fields)
            if (message := _value_problem(column, value)) is not None]


def read_checked(path: str | os.PathLike) -> tuple[list[dict], list[Problem]]:
    """Rows of a records CSV (this schema or an older one: missing columns empty) for reports, and the problems
    found: a header that is not the schema's (then no rows), rows with the wrong number of fields, a status outside
    STATUSES, a non-number in a NUMERIC column, undecodable bytes, a torn last line. Rows with problems are left out."""
    path = Path(path)
    name = str(path)
    try:
        text, torn, torn_line = _load(path, "surrogateescape")
    except OSError as err:
        return [], [Problem(name, 0, None, f"cannot be read ({err.strerror or err})")]
    rows, problems = [], []
    records = _csv_rows(text)
    first = next(records, None)
    if first is not None:
        line, header, error = first
        problems += [Problem(name, line, None, f"not CSV ({error})")] if header is None else [
            Problem(name, line, p.column, p.message) for p in _header_problems(name, header)]
        if not problems:
            for line, fields, error in records:
                found = [Problem(name, line, None, f"not CSV ({error})")] if fields is None else \
                    _row_problems(name, line, header, fields)
                problems += found
                if not found:
                    row = dict(zip(header, fields))
                    rows.append({c: row.get(c, "") for c in COLUMNS})
    if torn:
        problems.append(Problem(name, torn_line, None, f"a torn last line ({torn} bytes) left by an interrupted run"))
    return rows, problems


def done_keys(path: str | os.PathLike, fields: Iterable[str]) -> set[tuple]:
    """Keys (the given fields, as strings) of rows already finished with a final status (not 'error')."""
    fields = list(fields)
    return {tuple(r[f] for f in fields) for r in read_records(path) if r["status"] in ("ok", "oom", "skipped")}
