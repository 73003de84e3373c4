"""REPORT.md from a `Report`: the same tables and cell texts as the HTML, GitHub-flavoured pipe tables."""

from __future__ import annotations

from jinja2 import Environment, FileSystemLoader

from reports.cells import Cell
from reports.html import TEMPLATES
from reports.model import Report
from reports.summary import COLUMNS
from reports.tables import Table
from reports.verdict import VERDICTS


def _esc(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def cell_md(cell: Cell, report: Report | None) -> str:
    """The cell's text and its record links (none when `report` is None: text outside the report, e.g. README)."""
    refs = " ".join(f"[r{report.ref_id(r)}](#r{report.ref_id(r)})" for r in cell.refs) if report else ""
    text = f"[{_esc(cell.text())}]({cell.url})" if cell.url and report else _esc(cell.text())
    return text + (f" {refs}" if refs else "")


def inline_md(part, report: Report | None) -> str:
    return part if isinstance(part, str) else cell_md(part, report)


def rows_md(columns, rows, report: Report | None) -> str:
    lines = ["| " + " | ".join(_esc(c) for c in columns) + " |", "| " + " | ".join("---" for _ in columns) + " |"]
    return "\n".join(lines + ["| " + " | ".join(cell_md(c, report) for c in row) + " |" for row in rows])


def table_md(table: Table, report: Report) -> str:
    return rows_md(table.columns, table.rows, report)


def render(report: Report, csv_links: dict[str, str], figures_rel: str) -> str:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=False, trim_blocks=True,
                      lstrip_blocks=True, keep_trailing_newline=True)
    return env.get_template("report.md.j2").render(r=report, table_md=lambda t: table_md(t, report),
                                                   rows_md=lambda cols, rows: rows_md(cols, rows, report),
                                                   inline=lambda p: inline_md(p, report), columns=COLUMNS,
                                                   verdicts=VERDICTS,
                                                   csv_links=csv_links, figures_rel=figures_rel)
