"""The summary as a reader sees it, in headless Chromium at 1400 px: it is the first section, every number in it
links to its record (or, for a published mAP, its source; for a claim count, the ledger), intervals are shown, and
it fits the window without horizontal scrolling. Built from the committed results."""

from __future__ import annotations

import html.parser
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from reports.__main__ import build

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
INTERVAL = re.compile(r"\d+\.\d+!? \[\d+\.\d+, \d+\.\d+\]")
PROBE = """<script>
const s = document.querySelector("section#summary");
const wraps = [...s.querySelectorAll(".wrap")];
document.body.setAttribute("data-probe", JSON.stringify({
  first: document.body.firstElementChild.tagName + "#" + document.body.firstElementChild.id,
  page: document.documentElement.scrollWidth, window: window.innerWidth, summary: s.getBoundingClientRect().right,
  scrolled: wraps.map(w => w.scrollWidth > w.clientWidth),
  table1: (w => ({scrolls: w.scrollWidth > w.clientWidth, sticky: getComputedStyle(w.querySelector("td")).position}))
          (document.querySelector("#table-table1").parentElement)}));
</script>
</body>"""

pytestmark = [pytest.mark.slow, pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed")]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("browser")
    index, _ = build([str(ROOT / "results")], out)
    probe = out / "probe.html"
    probe.write_text(index.read_text().replace("</body>", PROBE))
    return out, probe


def chromium(url: str, *extra: str, tmp: Path) -> str:
    args = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync",
            "--disable-background-networking", "--disable-component-update", f"--user-data-dir={tmp / 'profile'}",
            "--window-size=1400,900", *extra, url]
    return subprocess.run(args, capture_output=True, text=True, timeout=180, check=True).stdout


class SummaryCells(html.parser.HTMLParser):
    """Inside section#summary: each <td> and findings <span class="num"> as (text, hrefs of its links, class)."""

    def __init__(self):
        super().__init__()
        self.depth, self.items, self._cur = 0, [], None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "section" and a.get("id") == "summary":
            self.depth = 1
        elif self.depth and tag == "section":
            self.depth += 1
        if not self.depth:
            return
        if tag == "td" or (tag == "span" and a.get("class") == "num"):
            self._cur = [tag, "", [], a.get("class", "")]
        elif tag == "a" and self._cur is not None:
            self._cur[2].append(a.get("href", ""))

    def handle_endtag(self, tag):
        if self.depth and tag == "section":
            self.depth -= 1
        if self._cur is not None and tag == self._cur[0]:
            self.items.append((self._cur[1].strip(), self._cur[2], self._cur[3]))
            self._cur = None

    def handle_data(self, data):
        if self._cur is not None:
            self._cur[1] += data


def test_summary_first_linked_with_intervals_and_fits_1400px(built, tmp_path):
    out, probe = built
    dom = chromium(probe.resolve().as_uri(), "--dump-dom", tmp=tmp_path)
    found = json.loads(html.unescape(re.search(r'data-probe="([^"]+)"', dom).group(1)))
    assert found["first"] == "SECTION#summary"
    assert found["page"] <= found["window"] and found["summary"] <= 1400, found  # no horizontal scrolling
    assert not any(found["scrolled"]), found  # the summary's tables fit their box too
    assert dom.index('id="summary"') < dom.index('id="table-claims"')  # the ledger follows
    assert found["table1"] == {"scrolls": True, "sticky": "sticky"}  # a wide table scrolls in its box, model fixed
    parser = SummaryCells()
    parser.feed(dom)
    # a number: a findings number, a measured or published cell, or a claim count (label cells name things)
    numbers = [(text, hrefs) for text, hrefs, cls in parser.items
               if re.search(r"\d", text) and (cls != "label" or re.fullmatch(r"\d+", text))]
    assert len(numbers) > 50
    unlinked = [text for text, hrefs in numbers if not hrefs]
    assert not unlinked, unlinked[:5]
    for text, hrefs in numbers:
        if "published" in text:
            assert any(h.startswith("https://") for h in hrefs), text
        elif re.fullmatch(r"\d+", text):
            assert "#claims" in hrefs, text  # a claim count links to the ledger
        else:
            assert any(re.fullmatch(r"#r\d+", h) for h in hrefs), text
    intervals = [t for t, _ in numbers if INTERVAL.search(t)]
    assert len(intervals) > 10
    latencies = [t for t, _, cls in parser.items if cls == "measured" and "." in t and "[" in t]
    assert latencies and all(INTERVAL.search(t) for t in latencies)


def test_summary_screenshot(built, tmp_path):
    out, _ = built
    shot = out / "summary-1400.png"
    chromium((out / "index.html").resolve().as_uri(), f"--screenshot={shot}", tmp=tmp_path)
    import matplotlib.image

    img = matplotlib.image.imread(str(shot))
    assert img.shape[1] == 1400 and img[..., :3].std() > 0.05
