"""Bring records CSVs written by an older schema up to this one, so runs can append to them again:

    python -m bench.upgrade results/cpu-intel-xeon-2t/*.csv

Every row keeps its values byte for byte; columns the older schema lacked are added empty. A file with any problem
the strict reader finds (a torn line, a bad value) is refused and left as it is; a file already in this schema is
left alone. Each file is replaced atomically."""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

from bench.records import COLUMNS, HEADER_LINE, read_checked
from yolov12.cli import ArgumentParser, UserError, cli
from yolov12.files import show, write_atomic


def upgraded_text(path: Path) -> str | None:
    """The file's text in this schema, or None when it is in this schema already; UserError when it has problems."""
    with path.open(newline="", encoding="utf-8", errors="surrogateescape") as f:
        header = next(csv.reader(f), [])
    if ",".join(header) == HEADER_LINE:
        return None
    rows, problems = read_checked(path)
    if problems:
        raise UserError(f"{show(path)}: not upgraded: {problems[0]}; accepted: a records CSV the reports read cleanly")
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(COLUMNS)
    writer.writerows([row[c] for c in COLUMNS] for row in rows)
    return buf.getvalue()


@cli
def main(argv: list[str] | None = None) -> int:
    p = ArgumentParser(prog="python -m bench.upgrade", description=__doc__.split("\n\n")[0])
    p.add_argument("files", nargs="+", metavar="CSV", help="records CSVs to bring up to this schema")
    args = p.parse_args(argv)
    paths = [Path(f) for f in args.files]
    for path in paths:
        if not path.is_file():
            raise UserError(f"{path}: not a file; accepted: records CSV files")
    texts = {path: upgraded_text(path) for path in paths}  # every file checked before any is replaced
    for path, text in texts.items():
        if text is None:
            print(f"{show(path)}: already in this schema")
            continue
        write_atomic(path, text)
        print(f"{show(path)}: upgraded ({len(text.splitlines()) - 1} rows, {len(COLUMNS)} columns)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
