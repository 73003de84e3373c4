"""bench.upgrade brings an older-schema records CSV up to this one (values kept byte for byte, new columns empty), so
a preset can append to it again; a file with problems is refused and left as it is."""

from __future__ import annotations

import csv

from bench import upgrade
from bench.records import COLUMNS, HEADER_LINE, RecordWriter, check_results_file

OLD = ["kind", "model", "latency_p50_ms", "status", "detail"]  # an older schema: a subsequence of this one


def _old_file(path, rows):
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(OLD)
        w.writerows(rows)


def test_an_older_file_is_upgraded_and_can_be_appended_to(tmp_path, capsys):
    path = tmp_path / "latency.csv"
    _old_file(path, [["latency", "yolo12-n", "83.93", "ok", "a, detail\nover two lines"]])
    assert upgrade.main([str(path)]) == 0
    assert path.read_text().splitlines()[0] == HEADER_LINE
    (row,) = list(csv.DictReader(path.open(newline="")))
    assert (row["model"], row["latency_p50_ms"], row["detail"]) == ("yolo12-n", "83.93", "a, detail\nover two lines")
    assert set(row) == set(COLUMNS) and row["export_max_diff"] == ""
    check_results_file(path)  # the writer accepts it now
    with RecordWriter(path, command="test") as w:
        w.write({"kind": "latency", "model": "yolo11-n", "status": "ok"})
    assert [r["model"] for r in csv.DictReader(path.open(newline=""))] == ["yolo12-n", "yolo11-n"]
    assert upgrade.main([str(path)]) == 0 and "already in this schema" in capsys.readouterr().out


def test_a_file_with_problems_is_refused_and_untouched(tmp_path, capsys):
    good, bad = tmp_path / "a.csv", tmp_path / "b.csv"
    _old_file(good, [["latency", "yolo12-n", "1.0", "ok", ""]])
    _old_file(bad, [["latency", "yolo12-n", "not-a-number", "ok", ""]])
    before = good.read_bytes(), bad.read_bytes()
    assert upgrade.main([str(good), str(bad)]) == 2
    assert "not upgraded" in capsys.readouterr().err
    assert (good.read_bytes(), bad.read_bytes()) == before  # every file is checked before any is replaced
