"""Params and FLOPs: the paper's Table 1 reproduced exactly, and the two counters cross-checked."""

from __future__ import annotations

import pytest
import torch

from bench.flops import PAPER_OPS, accounting, count_torch, main
from bench.records import COLUMNS, read_records
from yolov12.model import create_model

# The paper's Table 1 (arXiv 2502.12524): GFLOPs and params (M) as printed, N..X.
TABLE1 = {"n": (6.5, 2.6), "s": (21.4, 9.3), "m": (67.5, 20.2), "l": (88.9, 26.4), "x": (199.0, 59.1)}


@pytest.mark.parametrize("scale", list(TABLE1))
def test_table1_params_and_gflops(scale):
    """gflops_paper (fused, convs + linears + nearest upsampling, attention products excluded) and fused params."""
    with torch.device("meta"):  # shapes only: counts need no arithmetic
        model = create_model(f"yolov12-{scale}", attn="reference").eval().fuse()
        counts = count_torch(model, torch.zeros(1, 3, 640, 640))
    gflops = sum(v for k, v in counts["by_op"].items() if k in PAPER_OPS) / 1e9
    params = sum(p.numel() for p in model.parameters()) / 1e6
    assert (round(gflops, 1), round(params, 1)) == TABLE1[scale]


def test_counters_agree_and_report_uncounted():
    model = create_model("yolov12-n", attn="reference").eval().fuse()
    rec = accounting(model, torch.zeros(1, 3, 128, 128))
    assert "agree:conv=yes,linear+matmul=yes,upsample=yes" in rec["flops_counters"]
    assert rec["gflops_total"] > rec["gflops_paper"] > 0  # attention products are in total only
    torch_part, fvcore_part = rec["flops_uncounted"].split(";")
    assert "softmax" in torch_part and "softmax" in fvcore_part


def test_attention_products_are_the_difference():
    """total - paper = the attention matmuls: 2 * (2 * B*heads*N^2*32) per attention layer, exactly."""
    model = create_model("yolov12-n", attn="reference").eval().fuse()
    counts = count_torch(model, torch.zeros(1, 3, 128, 128))
    assert counts["by_op"]["upsample_nearest"] == 2 * (256 * 8 * 8 + 128 * 16 * 16)  # N: P5 and layer-11 maps
    expected = 0
    for m in model.attention_modules():
        c = m.heads * 32
        size = 128 // (16 if c == 64 else 32)  # layer 6 at stride 16 (64 ch in N), layer 8 at stride 32
        n = size * size // m.area
        expected += 2 * 2 * m.area * m.heads * n * n * 32
    assert counts["by_op"]["bmm"] == expected


def test_cli_writes_full_schema_and_resumes(tmp_path):
    out = tmp_path / "flops.csv"
    assert main(["--models", "yolov12-n", "--imgsz", "64", "--out", str(out)]) == 0
    assert out.read_text().splitlines()[0].split(",") == COLUMNS
    rows = read_records(out)
    assert len(rows) == 1 and rows[0]["status"] == "ok" and rows[0]["params_fused"] == "2590824"
    assert main(["--models", "yolov12-n", "--imgsz", "64", "--out", str(out)]) == 0
    assert len(read_records(out)) == 1


def test_cli_unknown_model_exits_2(tmp_path, capsys):
    out = tmp_path / "f.csv"
    assert main(["--models", "yolov99-n", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "unknown model 'yolov99-n'" in err[0]
    assert not out.exists()
