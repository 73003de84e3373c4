"""`python -m reports build [--results DIR ...] [--out DIR]`: index.html, REPORT.md, figures/ and tables/*.csv
from every results folder found (one column per device)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

DEFAULT_RESULTS = Path(__file__).parent / "results"
DEFAULT_OUT = Path(__file__).parent


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m reports", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="build index.html, REPORT.md, figures and table CSVs")
    b.add_argument("--results", action="append", metavar="DIR",
                   help=f"a results root holding <device-slug>/ folders, or one device folder; repeatable "
                        f"(default: {DEFAULT_RESULTS})")
    b.add_argument("--out", metavar="DIR", default=str(DEFAULT_OUT),
                   help=f"where index.html, REPORT.md, figures/ and tables/ go (default: {DEFAULT_OUT})")
    return p


def _fail(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(2)


def _write(path: Path, text: str) -> None:
    """Write via a temporary file in the same folder, so a failure leaves no half-written output."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def build(results: list[str], out: Path) -> tuple[Path, Path]:
    """Build the report; returns (index.html, REPORT.md)."""
    os.environ.setdefault("MPLCONFIGDIR", tempfile.mkdtemp(prefix="mpl-"))
    from reports import html, markdown, tables
    from reports.model import build_report

    devices = tables.load_results(results)
    out.mkdir(parents=True, exist_ok=True)
    figures_dir = out / "figures"
    stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
    report = build_report(devices, results, figures_dir, out, stamp)
    csv_links = {}
    for t in report.tables:
        path = out / "tables" / f"{t.key}.csv"
        tables.write_csv(t, path)
        csv_links[t.key] = path.relative_to(out).as_posix()
    index, md = out / "index.html", out / "REPORT.md"
    _write(index, html.render(report, csv_links, "figures"))
    _write(md, markdown.render(report, csv_links, "figures"))
    return index, md


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    results = args.results or [str(DEFAULT_RESULTS)]
    for r in args.results or []:
        if not Path(r).is_dir():
            _fail(f"--results {r!r} is not a directory; give a folder holding <device-slug>/ result folders")
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        _fail(f"--out {args.out!r} is a file; give a directory")
    try:
        index, md = build(results, out)
    except OSError as e:
        _fail(f"cannot write the report under {args.out!r}: {e}")
    print(f"wrote {index} and {md}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
