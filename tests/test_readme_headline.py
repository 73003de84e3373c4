"""The README's headline block is what the report build writes from the committed results, number for number, and
its figure is the committed report's; `--readme` on a file without the markers is a user error that writes nothing."""

from __future__ import annotations

from pathlib import Path

from reports import readme
from reports.__main__ import main
from reports.model import build_report
from reports.results import load_results

ROOT = Path(__file__).resolve().parents[1]


def test_readme_headline_is_the_builds(tmp_path):
    devices = load_results([ROOT / "results"])
    report = build_report(devices, [str(ROOT / "results")], tmp_path / "figures", tmp_path, "now")
    block = readme.headline_block(report, "report")
    text = (ROOT / "README.md").read_text()
    assert readme.current_block(text) == block.strip(), "run: python -m reports build --readme README.md"
    for line in block.splitlines():
        if line.startswith("!["):
            assert (ROOT / line.split("](", 1)[1].rstrip(")")).is_file(), line
    assert "[" in block and "published" in block  # intervals and marked published mAP


def test_readme_without_markers_is_refused(tmp_path, capsys):
    target = tmp_path / "README.md"
    target.write_text("# no markers\n")
    code = main(["build", "--results", str(ROOT / "results"), "--out", str(tmp_path / "out"), "--readme",
                 str(target)])
    assert code == 2 and "headline:start" in capsys.readouterr().err
    assert target.read_text() == "# no markers\n" and not (tmp_path / "out" / "index.html").exists()


def test_replace_block_keeps_the_rest():
    text = f"a\n{readme.START}\nold\n{readme.END}\nb\n"
    assert readme.replace_block(text, "new") == f"a\n{readme.START}\nnew\n{readme.END}\nb\n"
