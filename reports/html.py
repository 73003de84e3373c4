"""index.html from a `Report` (Jinja2 template, inline CSS, no JavaScript, images and records linked relatively)."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from reports.cells import Cell
from reports.claims import VERDICTS
from reports.model import Report
from reports.summary import COLUMNS

TEMPLATES = Path(__file__).parent / "templates"


def cell_html(cell: Cell, report: Report) -> Markup:
    """The cell's text, classed by source (or verdict), with links to the records it came from."""
    text = cell.text()
    cls = "v-" + text.replace(" ", "-").replace("/", "") if text in VERDICTS else cell.source
    refs = Markup(" ").join(
        Markup('<a class="ref" href="#r{0}" title="{1}">r{0}</a>').format(report.ref_id(r), str(r))
        for r in cell.refs)
    title = Markup(' title="{}"').format(cell.note) if cell.note else Markup("")
    body = Markup('<span class="v">{}</span>').format(text)
    if cell.url:
        body = Markup('<a class="src" href="{}">{}</a>').format(cell.url, body)
    return Markup('<td class="{}"{}>{}{}</td>').format(cls, title, body, Markup(" ") + refs if cell.refs else "")


def inline_html(part, report: Report) -> Markup:
    """A findings part: text as is, a cell as its text with its record links."""
    if isinstance(part, str):
        return escape(part)
    refs = Markup(" ").join(
        Markup('<a class="ref" href="#r{0}" title="{1}">r{0}</a>').format(report.ref_id(r), str(r))
        for r in part.refs)
    return Markup('<span class="num">{}{}</span>').format(part.text(), Markup(" ") + refs if part.refs else "")


def environment() -> Environment:
    return Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html", "j2"]),
                       trim_blocks=True, lstrip_blocks=True)


def render(report: Report, csv_links: dict[str, str], figures_rel: str) -> str:
    env = environment()
    return env.get_template("report.html.j2").render(
        r=report, columns=COLUMNS, verdicts=VERDICTS, cell=lambda c: cell_html(c, report),
        inline=lambda p: inline_html(p, report), csv_links=csv_links, figures_rel=figures_rel, esc=escape)
