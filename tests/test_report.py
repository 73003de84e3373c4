"""`python -m reports build` on fixture results: HTML and Markdown carry the same numbers, Markdown tables are
well-formed, every cited record and image exists, and the page renders in headless Chromium."""

from __future__ import annotations

import csv
import html.parser
import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from reports import claims
from reports.__main__ import build, main

FIXTURES = Path(__file__).parent / "fixtures" / "results"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    index, md = build([str(FIXTURES)], out)
    return out, index.read_text(), md.read_text()


class _Tables(html.parser.HTMLParser):
    """Body rows of every <table>, cell text without the record links, and every <img src>."""

    def __init__(self):
        super().__init__()
        self.tables, self.imgs, self.links = [], [], []
        self._row = self._cell = None
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self._row = []
        elif tag == "td":
            self._cell = ""
        elif tag == "a" and a.get("class") == "ref":
            self._skip += 1
        elif tag == "img":
            self.imgs.append(a["src"])
        if tag == "a" and a.get("href") and not a["href"].startswith("#"):
            self.links.append(a["href"])

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            self._row.append(self._cell.strip())
            self._cell = None
        elif tag == "tr" and self._row:
            self.tables[-1].append(self._row)
            self._row = None
        elif tag == "a" and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if self._cell is not None and not self._skip:
            self._cell += data


def parse_html(text: str) -> _Tables:
    p = _Tables()
    p.feed(text)
    return p


def md_tables(text: str) -> list[list[list[str]]]:
    """Pipe tables of a Markdown text, each a list of rows (header first) of raw cell strings."""
    tables, current = [], None
    for line in text.splitlines():
        if line.startswith("|"):
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
            if current is None:
                current = []
                tables.append(current)
            current.append(cells)
        else:
            current = None
    return tables


def md_cell_text(cell: str) -> str:
    """A Markdown cell's text without its record links, and a source link unwrapped to its text."""
    text = re.sub(r"( \[r\d+\]\(#r\d+\))+$", "", cell)
    return re.sub(r"^\[(.*)\]\((?:https?://[^)]*|#claims)\)$", r"\1", text).replace("\\|", "|")


def test_outputs_exist(report):
    out, _, _ = report
    for name in ("index.html", "REPORT.md", "tables/table1.csv", "tables/table3.csv", "tables/table4.csv",
                 "tables/table5.csv", "tables/claims.csv", "tables/verdicts.csv"):
        assert (out / name).is_file(), name
    assert list((out / "figures").glob("tradeoff-*.png")) and list((out / "figures").glob("tradeoff-*.svg"))
    assert not list(out.rglob("*.tmp"))


def test_markdown_tables_well_formed(report):
    _, _, md = report
    tables = md_tables(md)
    assert len(tables) >= 6
    for t in tables:
        width = len(t[0])
        assert all(len(row) == width for row in t), t[0]
        assert all(re.fullmatch(r"-{3,}", c) for c in t[1])


def test_markdown_and_html_show_the_same_numbers(report):
    _, page, md = report
    html_rows = [t for t in parse_html(page).tables]
    md_rows = [[[md_cell_text(c) for c in row] for row in t[2:]] for t in md_tables(md)]
    assert len(html_rows) == len(md_rows)
    for h, m in zip(html_rows, md_rows, strict=True):
        assert h == m


def test_every_citation_and_image_resolves(report):
    out, page, md = report
    parsed = parse_html(page)
    for src in parsed.imgs:
        assert (out / src).is_file(), src
    for href in parsed.links:
        if href.startswith(("https://", "http://")):
            continue  # a published number's source
        assert (out / href).exists(), href
    cited = set(re.findall(r'href="#r(\d+)"', page))
    listed = set(re.findall(r'<li id="r(\d+)"', page))
    assert cited and cited <= listed
    assert set(re.findall(r"\(#r(\d+)\)", md)) <= set(re.findall(r'<a id="r(\d+)"></a>', md))


def test_context_and_missing_device_cells(report):
    _, page, md = report
    for text in (page, md):
        assert "timed region: forward" in text and "NMS excluded" in text and "batch 1" in text
        assert "torch=2.11.0+cu128" in text
        assert "not measured" in text and "does not hold" in text


def test_cli_errors_exit_2(tmp_path, capsys):
    assert main(["build", "--results", str(tmp_path / "absent"), "--out", str(tmp_path / "o")]) == 2
    assert "--results" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_build_without_results(tmp_path):
    (tmp_path / "results").mkdir()
    index, md = build([str(tmp_path / "results")], tmp_path / "out")
    assert "No results found" in index.read_text() and "No results found" in md.read_text()


def test_verdicts_csv_one_row_per_claim_and_device(report):
    out, _, _ = report
    with (out / "tables" / "verdicts.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["claim", "category", "device", "verdict", "measured", "ci_low", "ci_high", "bound",
                             "same_hardware", "records"]
    ids = [c.id for c in claims.all_claims()]
    devices = ["cpu-fixture-epyc-2t", "cuda-fixture-h100"]
    assert sorted((r["claim"], r["device"]) for r in rows) == sorted((i, d) for i in ids for d in devices)
    assert {r["verdict"] for r in rows} <= set(claims.VERDICTS)
    assert {r["category"] for r in rows} == set(claims.CATEGORIES)
    assert {r["same_hardware"] for r in rows} == {"yes", "no"}
    area = next(r for r in rows if r["claim"] == "area-n-cpu" and r["device"] == devices[0])
    assert (area["verdict"], float(area["measured"]), float(area["ci_low"]), float(area["ci_high"])) == \
        ("does not hold", 0.85, 0.81, 0.9)
    assert area["records"].startswith("cpu-fixture-epyc-2t/paired.csv#") and "<=" in area["bound"]
    both = {r["claim"]: r["verdict"] for r in rows if r["device"] == devices[0]}
    assert (both["s-vs-r18-flops"], both["s-vs-r18-flops-total"]) == ("holds", "does not hold")


def test_headline_counts_per_category(report):
    _, page, md = report
    for text in (page, md):
        assert "Claims per category" in text
        assert re.search(r"count: \d+ holds", text) and "; speed: " in text and "; accuracy: " in text
        assert "inconclusive" in text


def test_rows_left_out_are_named_by_file_line_and_column(tmp_path, capsys):
    dev = tmp_path / "results" / "cpu-bad"
    shutil.copytree(FIXTURES / "cpu-fixture-epyc-2t", dev)
    lines = (dev / "latency.csv").read_text().splitlines(keepends=True)
    header = lines[0].rstrip("\r\n").split(",")
    fields = next(csv.reader([lines[3]]))
    fields[header.index("latency_p50_ms")] = "fast"
    buf = io.StringIO()
    csv.writer(buf).writerow(fields)
    lines[3] = buf.getvalue()
    (dev / "latency.csv").write_text("".join(lines))
    (dev / "notes.csv").write_text("run,epoch\n1,2\n")  # not a records file: left out whole
    assert main(["build", "--results", str(tmp_path / "results"), "--out", str(tmp_path / "out")]) == 0
    err = capsys.readouterr().err
    assert err.count("warning:") == 2 and "latency.csv: 1 row(s) left out" in err
    assert "notes.csv: whole file left out" in err and "column 'run'" in err
    where = "latency.csv:4: column 'latency_p50_ms': 'fast' is not a number"
    for name in ("index.html", "REPORT.md"):
        text = (tmp_path / "out" / name).read_text()
        assert "Data left out" in text and "1 row(s) and 1 whole file(s)" in text
        assert where in text.replace("&#39;", "'")
        assert text.index("Data left out") < text.index("Devices")  # near the top


def test_clean_results_say_nothing_was_left_out(report):
    _, page, md = report
    assert "Data left out" not in page and "Data left out" not in md


def _chromium(url: str, *extra: str, tmp: Path) -> subprocess.CompletedProcess:
    profile = tmp / f"profile-{len(list(tmp.glob('profile-*')))}"
    args = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={profile}", *extra, url]
    return subprocess.run(args, capture_output=True, text=True, timeout=180)


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (apt-get install chromium)")
def test_renders_in_headless_chromium(report, tmp_path):
    out, _, _ = report
    url = (out / "index.html").resolve().as_uri()
    shot = tmp_path / "shot.png"
    _chromium(url, f"--screenshot={shot}", "--window-size=1400,3000", tmp=tmp_path)
    assert shot.is_file() and shot.stat().st_size > 10_000
    import matplotlib.image

    img = matplotlib.image.imread(str(shot))
    assert img.shape[0] >= 2000 and img.shape[1] >= 1000
    assert img[..., :3].std() > 0.05  # not a blank page
    assert (img[..., :3].mean(axis=2) < 0.5).mean() > 0.005  # some dark text pixels

    dom = _chromium(url, "--dump-dom", tmp=tmp_path).stdout
    for key in ("claims", "table1", "table3", "table4", "table5"):
        assert f'id="table-{key}"' in dom
    imgs = re.findall(r'<img src="([^"]+)"', dom)
    assert imgs and all((out / s).is_file() for s in imgs)
