"""index.html from a `Report` (Jinja2 template, inline CSS, no JavaScript, images and records linked relatively)."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from reports.cells import Cell
from reports.claims import VERDICTS
from reports.model import Report

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
    return Markup('<td class="{}"{}>{}{}</td>').format(cls, title, body, Markup(" ") + refs if cell.refs else "")


def environment() -> Environment:
    return Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html", "j2"]),
                       trim_blocks=True, lstrip_blocks=True)


def render(report: Report, csv_links: dict[str, str], figures_rel: str) -> str:
    env = environment()
    return env.get_template("report.html.j2").render(
        r=report, cell=lambda c: cell_html(c, report), csv_links=csv_links, figures_rel=figures_rel, esc=escape)
