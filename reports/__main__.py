"""`python -m reports build [--results DIR ...] [--out DIR]`: index.html, REPORT.md, figures/, tables/*.csv and
tables/verdicts.csv (one row per claim and device) from every results folder found (one column per device). Rows
the readers cannot use are left out, listed in the report and warned about on stderr (one line per file).
`python -m reports ledger [--results DIR ...] [--match REGEX]`: the claims' verdicts, measured values and intervals
printed as text (e.g. `--match '^target-'`: our implementation's speed targets against Ultralytics' YOLO12)."""

from __future__ import annotations

import csv
import io
import logging
import os
import re
import sys
import tempfile
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

from bench.records import Problem
from reports import claims, html, markdown, readme, tables
from reports.model import build_report
from reports.results import load_results
from yolov12.cli import ArgumentParser, UserError, cli
from yolov12.files import check_out_dir, write_atomic

DEFAULT_RESULTS = "results"  # relative to the working directory: measurements, committed per device
DEFAULT_OUT = "report"  # generated files, kept apart from the package's code


def _parser() -> ArgumentParser:
    p = ArgumentParser(prog="python -m reports", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="build index.html, REPORT.md, figures and table CSVs")
    b.add_argument("--results", action="append", metavar="DIR",
                   help=f"a results root holding <device-slug>/ folders, or one device folder; repeatable "
                        f"(default: {DEFAULT_RESULTS})")
    b.add_argument("--out", metavar="DIR", default=str(DEFAULT_OUT),
                   help=f"where index.html, REPORT.md, figures/ and tables/ go (default: {DEFAULT_OUT})")
    b.add_argument("--readme", metavar="FILE", help="also rewrite the headline block of this Markdown file (between "
                   f"{readme.START} and {readme.END}) from the report's summary")
    led = sub.add_parser("ledger", help="print the claims' verdicts with their intervals (nothing written)")
    led.add_argument("--results", action="append", metavar="DIR", help=f"as for build (default: {DEFAULT_RESULTS})")
    led.add_argument("--match", default="", metavar="REGEX", help="only claims whose id matches (re.search)")
    return p


def ledger_text(devices, pattern: str) -> str:
    """One line per (claim, device) whose claim id matches `pattern`: verdict, measured [interval], bound."""
    chosen = [c for c in claims.all_claims() if re.search(pattern, c.id)]
    lines = []
    for row in claims.ledger(devices, chosen):
        for v in row:
            value = "-" if v.measured is None else f"{v.measured:.3f}"
            if v.ci_low is not None and v.ci_high is not None and v.measured is not None:
                value += f" [{v.ci_low:.3f}, {v.ci_high:.3f}]"
            lines.append(f"{v.device:<24} {v.claim.id:<26} {value:<24} {v.bound:<14} {v.verdict}")
    return "\n".join(lines) or f"no claim id matches {pattern!r}"


def verdicts_csv(verdicts: Sequence[claims.Verdict]) -> str:
    """verdicts.csv's text: a header (claims.VERDICT_COLUMNS) and one row per (claim, device)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(claims.VERDICT_COLUMNS)
    w.writerows(claims.verdict_rows(verdicts))
    return buf.getvalue()


def warn_problems(problems: Sequence[Problem]) -> None:
    """One stderr line per file with rows left out: how many, and the first problem."""
    by_file: dict[str, list[Problem]] = {}
    for p in problems:
        by_file.setdefault(p.file, []).append(p)
    for file, found in by_file.items():
        rows = len({p.line for p in found if p.line > 1})
        what = "whole file left out" if any(p.line <= 1 for p in found) else f"{rows} row(s) left out"
        print(f"warning: {file}: {what} of the report (first: {found[0]})", file=sys.stderr, flush=True)


def build(results: list[str], out: Path, readme_path: Path | None = None) -> tuple[Path, Path]:
    """Build the report (and the README's headline block when readme_path is given); returns (index.html,
    REPORT.md)."""
    os.environ.setdefault("MPLCONFIGDIR", tempfile.mkdtemp(prefix="mpl-"))
    devices = load_results(results)
    out.mkdir(parents=True, exist_ok=True)
    figures_dir = out / "figures"
    stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
    report = build_report(devices, results, figures_dir, out, stamp)
    warn_problems(report.problems)
    csv_links = {}
    for t in report.tables:
        path = out / "tables" / f"{t.key}.csv"
        tables.write_csv(t, path)
        csv_links[t.key] = path.relative_to(out).as_posix()
    write_atomic(out / "tables" / "verdicts.csv", verdicts_csv(report.verdicts))
    index, md = out / "index.html", out / "REPORT.md"
    write_atomic(index, html.render(report, csv_links, "figures"))
    write_atomic(md, markdown.render(report, csv_links, "figures"))
    if readme_path is not None:
        readme.write_readme(readme_path, report, out)
    return index, md


@cli
def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    results = args.results or [DEFAULT_RESULTS]
    for r in results:
        if not Path(r).is_dir():
            raise UserError(f"--results {r!r} is not a directory; accepted: a folder holding <device-slug>/ result "
                            "folders")
    if args.command == "ledger":
        try:
            re.compile(args.match)
        except re.error as e:
            raise UserError(f"--match {args.match!r} is not a regular expression ({e})") from None
        print(ledger_text(load_results(results), args.match))
        return 0
    out = check_out_dir(args.out)
    readme_path = Path(args.readme) if args.readme else None
    if readme_path is not None:  # checked before anything is written
        readme.replace_block(readme_path.read_text() if readme_path.is_file() else "", "")
    try:
        index, md = build(results, out, readme_path)
    except OSError as e:
        raise UserError(f"cannot write the report under {args.out!r}: {e.strerror or e}") from None
    print(f"wrote {index} and {md}" + (f"; headline in {readme_path}" if readme_path else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
