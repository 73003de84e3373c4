"""bench.records: the one writer refuses foreign and older files untouched, repairs a torn tail, fsyncs per row,
stamps provenance; the strict reader names file, line and column; the lenient one feeds resume."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bench import records
from bench.records import COLUMNS, HEADER_LINE, Problem, RecordWriter, ResultsFileError
from yolov12.cli import UserError

OLD_COLUMNS = [c for c in COLUMNS if c not in (
    "versions", "overrides", "latency_p50_ci_low_ms", "latency_p50_ci_high_ms", "b_model", "b_overrides",
    "b_attn_asked", "b_impl", "design", "rounds_remeasured", "ratio_ci_low", "ratio_ci_high")]


def _rec(**kw) -> dict:
    return {"kind": "latency", "model": "yolov12-n", "status": "ok", "latency_p50_ms": 1.5, **kw}


def _write(path, *recs, **kw) -> list[str]:
    said: list[str] = []
    with RecordWriter(path, command="python -m bench.latency --out x", warn=said.append, **kw) as w:
        for r in recs:
            w.write(r)
    return said


def _line(values: dict, header=COLUMNS) -> str:
    return ",".join(str(values.get(c, "")) for c in header) + "\r\n"


def test_refuses_a_foreign_csv_and_leaves_it_byte_identical(tmp_path):
    path = tmp_path / "other.csv"
    path.write_bytes(b"name,score\nalice,3\n")
    with pytest.raises(ResultsFileError) as err:
        _write(path, _rec())
    assert str(err.value) == (f"--out {path}: its header is not the records schema (found 2 columns starting "
                              "'name,score'); give a new file or one written by this suite")
    assert path.read_bytes() == b"name,score\nalice,3\n"


def test_refuses_a_binary_file(tmp_path):
    path = tmp_path / "model.csv"
    path.write_bytes(b"\x80\x04\x95PK\x00\x01\nzz")
    with pytest.raises(ResultsFileError, match="not a records CSV"):
        records.check_results_file(path, flag="--csv")
    assert path.read_bytes() == b"\x80\x04\x95PK\x00\x01\nzz"


def test_new_file_gets_the_header_and_parent_folders(tmp_path):
    path = tmp_path / "a" / "b" / "latency.csv"
    assert _write(path, _rec()) == []
    lines = path.read_text().splitlines()
    assert lines[0] == HEADER_LINE and len(lines) == 2
    _write(path, _rec(model="yolov12-s"))  # appending does not repeat the header
    assert path.read_text().count("kind,run_id") == 1


def test_torn_tail_is_cut_back_before_appending(tmp_path):
    path = tmp_path / "latency.csv"
    _write(path, _rec())
    whole = path.read_bytes()
    torn = b"latency,2025,oops-killed-her"
    path.write_bytes(whole + torn)
    said = _write(path, _rec(model="yolov12-s"))
    assert said == [f"repaired {path}: dropped a torn last line ({len(torn)} bytes) left by an interrupted run"]
    assert path.read_bytes().startswith(whole) and b"oops" not in path.read_bytes()
    assert [r["model"] for r in records.read_records(path)] == ["yolov12-n", "yolov12-s"]
    assert records.read_checked(path)[1] == []


def test_torn_inside_a_multiline_value_is_cut_back_to_the_record(tmp_path):
    path = tmp_path / "latency.csv"
    _write(path, _rec())
    whole = path.read_bytes()
    path.write_bytes(whole + b'latency,r,t,s,c,v,m,,,,,,,,,,,,,,,,,,,,,,,,,,,,,"Traceback\nline 2\n')  # ends in \n
    said = _write(path, _rec(model="yolov12-s"))
    assert len(said) == 1 and path.read_bytes().startswith(whole) and b"Traceback" not in path.read_bytes()
    assert len(records.read_records(path)) == 2


def test_provenance_is_stamped_on_every_row(tmp_path):
    path = tmp_path / "latency.csv"
    _write(path, _rec(), _rec(model="yolov12-s", run_id="given", command="kept"))
    a, b = records.read_records(path)
    assert a["run_id"] and a["run_id"] != "given" and b["run_id"] == "given"
    assert a["timestamp_utc"].endswith("+00:00") and b["timestamp_utc"]
    sha = records.git_sha()
    assert a["suite_git_sha"] == sha and (sha == "" or len(sha.removesuffix("-dirty")) == 12)
    assert a["command"] == "python -m bench.latency --out x" and b["command"] == "kept"
    assert "torch=" in a["versions"] and a["versions"] == b["versions"]
    _write(path, _rec(), run_id="second")
    assert records.read_records(path)[2]["run_id"] == "second"


def test_fsync_per_row_with_one_write_each(tmp_path, monkeypatch):
    path = tmp_path / "latency.csv"
    with RecordWriter(path, command="c") as w:
        synced, writes, real_write = [], [], os.write
        monkeypatch.setattr(os, "fsync", synced.append)
        monkeypatch.setattr(os, "write", lambda fd, data: writes.append(bytes(data)) or real_write(fd, data))
        for i in range(3):
            w.write(_rec(detail=f"row {i}\nsecond line"))
            assert len(synced) == i + 1 and len(writes) == i + 1
    assert all(chunk.endswith(b"\r\n") for chunk in writes)


def test_awkward_values_round_trip(tmp_path):
    path = tmp_path / "latency.csv"
    detail = 'line 1\nline 2, with "quotes"\r\nand a comma, é, \x00 and a tab\t'
    _write(path, _rec(detail=detail), _rec(detail="plain"))
    rows, problems = records.read_checked(path)
    assert problems == []
    assert [r["detail"] for r in rows] == [detail, "plain"]
    assert [r["detail"] for r in records.read_records(path)] == [detail, "plain"]


def _problem_file(tmp_path, *row_lines: str):
    path = tmp_path / "bad.csv"
    path.write_text(HEADER_LINE + "\r\n" + "".join(row_lines), newline="")
    return path


def test_read_checked_names_file_line_and_column(tmp_path):
    good = _line({"kind": "latency", "status": "ok", "latency_p50_ms": "1.5"})
    multi = _line({"kind": "latency", "status": "ok", "detail": '"two\nlines"'})
    path = _problem_file(
        tmp_path, good,
        _line({"kind": "latency", "status": "ok", "latency_p50_ms": "fast"}),  # line 3
        multi,  # lines 4-5
        ",".join(["latency"] * 10) + "\r\n",  # line 6: too few fields
        _line({"kind": "latency", "status": "done"}),  # line 7
        _line({"kind": "latency", "status": "ok"}).rstrip("\r\n") + ",extra,more\r\n",  # line 8
        good)
    rows, problems = records.read_checked(path)
    assert len(rows) == 3
    assert [str(p) for p in problems] == [
        f"{path}:3: column 'latency_p50_ms': 'fast' is not a number",
        f"{path}:6: column '{COLUMNS[10]}': missing: the row has 10 fields, the header {len(COLUMNS)}",
        f"{path}:7: column 'status': 'done' is not a status; accepted: ok, oom, error, skipped",
        f"{path}:8: column '#{len(COLUMNS) + 1}': beyond the header: the row has {len(COLUMNS) + 2} fields, "
        f"the header {len(COLUMNS)}",
    ]
    assert all(isinstance(p, Problem) and p.file == str(path) for p in problems)


def test_read_checked_undecodable_bytes_and_torn_tail(tmp_path):
    path = tmp_path / "bad.csv"
    row = _line({"kind": "latency", "status": "ok", "model": "XX"}).encode()
    path.write_bytes((HEADER_LINE + "\r\n").encode() + row.replace(b"XX", b"\xff\xfe") + row + b"latency,torn")
    rows, problems = records.read_checked(path)
    assert len(rows) == 1
    assert [(p.line, p.column) for p in problems] == [(2, "model"), (4, None)]
    assert "undecodable" in problems[0].message and "torn last line (12 bytes)" in problems[1].message


def test_read_checked_foreign_header_gives_no_rows(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("kind,name,status\nlatency,x,ok\n")
    rows, problems = records.read_checked(path)
    assert rows == [] and len(problems) == 1
    assert str(problems[0]).startswith(f"{path}:1: column 'name': not a column of the records schema")


def test_old_schema_is_readable_but_not_appendable(tmp_path):
    path = tmp_path / "old.csv"
    content = ",".join(OLD_COLUMNS) + "\r\n" + _line({"kind": "flops", "status": "ok", "params": "2.6e6"},
                                                     OLD_COLUMNS)
    path.write_text(content, newline="")
    rows, problems = records.read_checked(path)
    assert problems == [] and len(rows) == 1
    assert rows[0]["params"] == "2.6e6" and rows[0]["versions"] == "" and set(rows[0]) == set(COLUMNS)
    assert len(records.read_records(path)) == 1
    with pytest.raises(ResultsFileError, match="older records schema.*start a new file"):
        _write(path, _rec())
    assert path.read_bytes() == content.encode()


def test_old_schema_missing_status_column_is_a_problem(tmp_path):
    path = tmp_path / "old.csv"
    path.write_text("kind,model\nlatency,x\n")
    rows, problems = records.read_checked(path)
    assert rows == [] and [str(p) for p in problems] == [
        f"{path}:1: column 'status': the header has no such column; the file cannot be read as records"]


def test_done_keys_ignores_error_rows(tmp_path):
    path = tmp_path / "latency.csv"
    _write(path, _rec(model="a"), _rec(model="b", status="error"), _rec(model="c", status="oom"),
           _rec(model="d", status="skipped"))
    assert records.done_keys(path, ["model"]) == {("a",), ("c",), ("d",)}
    assert records.done_keys(tmp_path / "missing.csv", ["model"]) == set()


def test_write_rejects_unknown_columns_and_statuses(tmp_path):
    with RecordWriter(tmp_path / "x.csv", command="c") as w:
        with pytest.raises(KeyError):
            w.write(_rec(latency_ms=3))
        with pytest.raises(ValueError):
            w.write(_rec(status="fine"))
    assert (tmp_path / "x.csv").read_text().splitlines() == [HEADER_LINE]


def test_check_results_file_writes_nothing(tmp_path):
    target = tmp_path / "new" / "latency.csv"
    assert records.check_results_file(target) == target
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "dir.csv").mkdir()
    with pytest.raises(UserError, match="is a folder"):
        records.check_results_file(tmp_path / "dir.csv")


def test_read_records_is_lenient_for_resume(tmp_path):
    good = _line({"kind": "latency", "status": "ok", "model": "a"})
    path = _problem_file(tmp_path, good, _line({"kind": "latency", "status": "half"}), "latency,x\r\n",
                         _line({"kind": "latency", "status": "ok", "model": "c"}).rstrip("\r\n") + ",extra\r\n",
                         _line({"kind": "latency", "status": "error", "model": "b", "latency_p50_ms": "n/a"}),
                         "latency,torn,ok")
    assert [(r["model"], r["status"]) for r in records.read_records(path)] == [("a", "ok"), ("b", "error")]
    assert records.read_records(tmp_path / "missing.csv") == []


def test_a_torn_header_is_repaired_but_a_foreign_prefix_is_not(tmp_path):
    path = tmp_path / "latency.csv"
    path.write_text(HEADER_LINE[:20])
    assert len(_write(path, _rec())) == 1
    assert path.read_text().splitlines()[0] == HEADER_LINE and len(records.read_records(path)) == 1
    other = tmp_path / "other.csv"
    other.write_text("kind,nonsense")
    with pytest.raises(ResultsFileError):
        _write(other, _rec())
    assert other.read_text() == "kind,nonsense"


def _append_rows(path: str, tag: str, n: int) -> None:
    """One writer process: `n` rows with a long multi-line detail (several KiB each)."""
    with RecordWriter(path, command=f"writer {tag}") as w:
        for i in range(n):
            w.write(_rec(model=f"{tag}-{i}", detail=f"{tag}\n" * 2000))


def test_concurrent_writers_append_whole_rows(tmp_path):
    import multiprocessing

    path = tmp_path / "latency.csv"
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_append_rows, args=(str(path), f"w{k}", 25)) for k in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    rows, problems = records.read_checked(path)
    assert problems == [] and len(rows) == 100
    assert path.read_text().count("kind,run_id") == 1
    for r in rows:
        tag = r["model"].split("-")[0]
        assert r["detail"] == f"{tag}\n" * 2000 and r["command"] == f"writer {tag}"
    assert sorted(r["model"] for r in rows) == sorted(f"w{k}-{i}" for k in range(4) for i in range(25))


def test_a_writer_waits_for_the_lock_and_repairs_a_row_torn_by_another(tmp_path):
    import fcntl
    import threading

    path = tmp_path / "latency.csv"
    said: list[str] = []
    with RecordWriter(path, command="a", warn=said.append) as w:
        w.write(_rec())
        with open(path, "ab") as other:  # another writer holds the lock and is killed mid-row
            fcntl.flock(other, fcntl.LOCK_EX)
            other.write(b'latency,r,t,s,c,v,m,,,,"half a detail\n')
            other.flush()
            done = threading.Event()
            t = threading.Thread(target=lambda: (w.write(_rec(model="yolov12-s")), done.set()))
            t.start()
            assert not done.wait(0.5)  # blocked on the lock, not appending after a half row
        t.join(10)  # the killed writer's lock is gone with its file
        assert done.is_set()
    assert [r["model"] for r in records.read_records(path)] == ["yolov12-n", "yolov12-s"]
    assert records.read_checked(path)[1] == [] and len(said) == 1 and "torn last line" in said[0]


def _merge_runs(folder: str, tag: str, n: int) -> None:
    from bench.system import write_system_json

    for i in range(n):
        write_system_json(Path(folder) / "latency.csv", f"{tag}-{i}", {"who": tag})


def test_concurrent_jobs_keep_every_run_in_system_json(tmp_path):
    import json
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_merge_runs, args=(str(tmp_path), f"j{k}", 20)) for k in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0, 0]
    runs = json.loads((tmp_path / "system.json").read_text())["runs"]
    assert sorted(runs) == sorted(f"j{k}-{i}" for k in range(3) for i in range(20))
