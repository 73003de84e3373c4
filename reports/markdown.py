"""REPORT.md from a `Report`: the same tables and cell texts as the HTML, GitHub-flavoured pipe tables."""

from __future__ import annotations

from jinja2 import Environment, FileSystemLoader

from reports.cells import Cell
from reports.html import TEMPLATES
from reports.model import Report
from reports.tables import Table


def _esc(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def cell_md(cell: Cell, report: Report) -> str:
    refs = " ".join(f"[r{report.ref_id(r)}](#r{report.ref_id(r)})" for r in cell.refs)
    return _esc(cell.text()) + (f" {refs}" if refs else "")


def table_md(table: Table, report: Report) -> str:
    lines = ["| " + " | ".join(_esc(c) for c in table.columns) + " |",
             "| " + " | ".join("---" for _ in table.columns) + " |"]
    lines += ["| " + " | ".join(cell_md(c, report) for c in row) + " |" for row in table.rows]
    return "\n".join(lines)


def render(report: Report, csv_links: dict[str, str], figures_rel: str) -> str:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=False, trim_blocks=True,
                      lstrip_blocks=True, keep_trailing_newline=True)
    return env.get_template("report.md.j2").render(r=report, table_md=lambda t: table_md(t, report),
                                                   csv_links=csv_links, figures_rel=figures_rel)
