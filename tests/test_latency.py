"""bench.latency: full-schema records, resume, interrupted runs, user errors, and the timing loop."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from bench.accel import Cpu
from bench.latency import main
from bench.records import COLUMNS, read_records
from bench.timing import summarize, time_loop

ROOT = Path(__file__).resolve().parent.parent
FAST = ["--imgsz", "64", "--warmup", "1", "--min-iters", "2", "--min-time", "0", "--threads", "1"]


def test_time_loop_reaches_both_minimums():
    calls = []
    samples = time_loop(lambda: calls.append(1), Cpu(), warmup=3, min_iters=7, min_time_s=0.0)
    assert len(samples) == 7 and len(calls) == 10
    samples = time_loop(lambda: time.sleep(0.01), Cpu(), warmup=0, min_iters=1, min_time_s=0.1)
    assert len(samples) >= 5  # the time floor, not the count, ended this loop


def test_summarize_statistics():
    stats = summarize([1.0, 2.0, 3.0, 4.0, 100.0], batch=2)
    assert stats["latency_p50_ms"] == 3.0 and stats["latency_min_ms"] == 1.0 and stats["latency_iqr_ms"] == 2.0
    assert stats["throughput_img_s"] == pytest.approx(2 * 5 / 0.110)
    assert [float(s) for s in stats["samples_ms"].split()] == [1, 2, 3, 4, 100]


def test_record_schema_observed_kernel_and_resume(tmp_path):
    out = tmp_path / "lat.csv"
    argv = ["--models", "yolov12-n", "--attn", "reference,sdpa", "--timed", "forward,pipeline", *FAST,
            "--out", str(out)]
    assert main(argv) == 0
    assert out.read_text().splitlines()[0].split(",") == COLUMNS
    rows = read_records(out)
    assert len(rows) == 4 and {r["status"] for r in rows} == {"ok"}
    for r in rows:
        assert r["kind"] == "latency" and r["impl"] == "ours" and r["tf32"] == "off" and r["threads"] == "1"
        assert r["attn_observed"] == ("reference" if r["attn_asked"] == "reference" else "sdpa-flash")  # CPU
        assert float(r["latency_p50_ms"]) > 0 and len(r["samples_ms"].split()) == int(r["iterations"]) >= 2
    assert {r["conf"] for r in rows if r["timed_region"] == "pipeline"} == {"0.25"}
    assert json.loads((tmp_path / "system.json").read_text())["runs"]
    assert main(argv) == 0  # rerun: every row already finished
    assert len(read_records(out)) == 4


def test_baseline_runs_in_child(tmp_path, offline_env):
    out = tmp_path / "lat.csv"
    assert main(["--models", "yolov10-n", "--timed", "forward+post", *FAST, "--out", str(out)]) == 0
    (row,) = read_records(out)
    assert row["status"] == "ok", row["detail"]
    assert row["impl"] == "ultralytics-8.4.190" and row["attn_asked"] == "-" and row["params_fused"] == "2299264"
    assert "ultralytics" not in sys.modules


def _one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


@pytest.mark.parametrize("argv, message", [
    (["--models", "yolov99-n"], "unknown model 'yolov99-n'"),
    (["--models", "yolov12-n", "--precision", "fp8"], "unknown precision 'fp8'"),
    (["--models", "yolov12-n", "--batch", "0"], "--batch 0: accepted an integer >= 1"),
    (["--models", "yolov12-n", "--imgsz", "100"], "multiples of 32 from 32 to 4096"),
    (["--models", "yolov12-n", "--attn", "sdpa-efficient"], "--attn sdpa-efficient cannot run on cpu"),
    (["--models", "yolov12-n", "--attn", "magic"], "unknown attention backend 'magic'"),
    (["--models", "yolov12-n", "--mode", "turbo"], "unknown mode 'turbo'"),
    (["--models", "yolov12-n", "--timed", "all"], "unknown timed region 'all'"),
    (["--models", "yolov12-n", "--weights", "/no/such.pt"], "no such file"),
    (["--models", "yolov12-n", "--precision", "tf32"], "precision 'tf32' is a CUDA"),
])
def test_user_errors_exit_2_and_write_nothing(tmp_path, capsys, argv, message):
    out = tmp_path / "lat.csv"
    assert main([*argv, "--out", str(out)]) == 2
    assert message in _one_line_error(capsys)
    assert not out.exists() and not (tmp_path / "system.json").exists()


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the no-GPU message")
def test_cuda_without_gpu(tmp_path, capsys):
    assert main(["--models", "yolov12-n", "--device", "cuda:0", "--out", str(tmp_path / "x.csv")]) == 2
    assert "CUDA is not available" in _one_line_error(capsys)


def test_flash_attn_missing(tmp_path, capsys):
    if __import__("importlib").util.find_spec("flash_attn") is not None:
        pytest.skip("flash-attn is installed")
    assert main(["--models", "yolov12-n", "--attn", "flash-attn", "--out", str(tmp_path / "x.csv")]) == 2
    assert "flash-attn" in _one_line_error(capsys)


def test_out_is_a_directory(tmp_path, capsys):
    assert main(["--models", "yolov12-n", "--out", str(tmp_path)]) == 2
    assert "is a folder; accepted: a file path" in _one_line_error(capsys)


def test_killed_sweep_leaves_valid_csv(tmp_path):
    """SIGKILL mid-sweep (no chance to clean up): the rows written so far parse; a rerun finishes the rest."""
    out = tmp_path / "lat.csv"
    argv = [sys.executable, "-m", "bench.latency", "--models", "yolov12-n", "--batch", "1,2,3,4,5,6",
            "--imgsz", "64", "--warmup", "1", "--min-iters", "3", "--min-time", "0.5", "--threads", "1",
            "--out", str(out)]
    proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while time.time() < deadline and len(read_records(out)) < 2 and proc.poll() is None:
        time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = read_records(out)
    assert 2 <= len(done) <= 6 and all(r["status"] == "ok" for r in done)
    assert main(argv[3:]) == 0
    rows = read_records(out)
    assert sorted(int(r["batch"]) for r in rows) == [1, 2, 3, 4, 5, 6]


def test_ctrl_c_keeps_finished_rows(tmp_path):
    out = tmp_path / "lat.csv"
    argv = [sys.executable, "-m", "bench.latency", "--models", "yolov12-n", "--batch", "1,2,3,4,5,6",
            "--imgsz", "64", "--warmup", "1", "--min-iters", "3", "--min-time", "0.5", "--threads", "1",
            "--out", str(out)]
    # Ctrl-C's default disposition in the child, whatever this process inherited (an ignored SIGINT is inherited
    # across exec, and Python then never raises KeyboardInterrupt)
    proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.time() + 300
    while time.time() < deadline and len(read_records(out)) < 1 and proc.poll() is None:
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130 and "finished rows" in err
    assert len(read_records(out)) >= 1


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_fp32_has_tf32_off(tmp_path):
    out = tmp_path / "lat.csv"
    assert main(["--models", "yolov12-n", "--device", "cuda:0", "--precision", "fp32,tf32,fp16", *FAST[:6],
                 "--out", str(out)]) == 0
    rows = {r["precision"]: r for r in read_records(out)}
    assert rows["fp32"]["tf32"] == "off" and rows["tf32"]["tf32"] == "on" and float(rows["fp16"]["peak_mem_mb"]) > 0
    assert not torch.backends.cuda.matmul.allow_tf32 or os.environ.get("TORCH_ALLOW_TF32_CUBLAS_OVERRIDE")
