"""bench.launch: a preset's steps as submitit jobs (one per group of cases that must share a process), each rebuilt
on its node and resumable; killed jobs are listed and a rerun completes the sweep with the same records as an
in-process run, without duplicates."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench import launch, presets
from bench.records import read_checked

ROOT = Path(__file__).resolve().parents[1]
SMOKE = ["cpu", "--smoke", "--quick"]
KEY = ("kind", "model", "overrides", "pair_a", "pair_b", "device", "precision", "attn_asked", "mode", "imgsz",
       "batch", "timed_region", "threads", "status")


def test_jobs_group_what_must_share_a_process():
    plan = presets.smoke(presets.cpu_plan(2, quick=True))
    jobs = launch.jobs_for(plan, SMOKE, "results")
    assert [j.csv for j in jobs] == (["flops.csv"] * 2 + ["latency.csv"] * 2 + ["paired.csv"] * 2
                                     + ["paired-runtime.csv"])
    assert all(len(j.items) == 1 and Path(j.out).is_absolute() for j in jobs)
    case = presets._case("yolov12-n", "cuda:0", 0, precision="fp16")
    batches = [dataclasses.replace(case, batch=b) for b in (1, 2, 4)] + [dataclasses.replace(case, imgsz=320)]
    assert [len(g) for g in launch.groups("latency", batches)] == [3, 1]  # an OOM batch must skip the larger ones
    other = dataclasses.replace(case, threads=8, device="cuda:1")  # the node's threads and device are its own
    assert launch.item_key(other) == launch.item_key(case)


def test_gpu_jobs_are_planned_without_a_gpu(tmp_path, capsys):
    assert presets.main(["gpu", "--dry-run", "--launcher", "submitit", "--partition", "a100", "--out",
                         str(tmp_path)]) == 0
    assert " job(s) through submitit, at most 64 at a time" in capsys.readouterr().out


@pytest.mark.parametrize("argv, says", [
    (["cpu", "--partition", "a100"], "--partition applies to --launcher submitit (Slurm) only"),
    (["cpu", "--max-parallel", "2"], "--max-parallel applies to --launcher submitit"),
    (["cpu", "--launcher", "submitit-local", "--gpus-per-job", "1"], "--gpus-per-job does not apply to the cpu"),
    (["gpu", "--launcher", "submitit-local", "--gpus-per-job", "0", "--dry-run"], "--gpus-per-job"),
])
def test_cluster_flags_that_would_be_ignored_are_refused(tmp_path, capsys, argv, says):
    assert presets.main([*argv, "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and says in err[0] and not (tmp_path / "r").exists()


def test_missing_submitit_is_a_one_line_error_naming_the_extra(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "submitit", None)
    assert presets.main(SMOKE + ["--launcher", "submitit-local", "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "pip install 'yolov12-bench[cluster]'" in err[0]


@pytest.mark.skipif(shutil.which("sbatch") is not None and shutil.which("srun") is not None,
                    reason="this machine has Slurm")
def test_slurm_without_slurm_is_a_one_line_error(tmp_path, capsys):
    assert presets.main(SMOKE + ["--launcher", "submitit", "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "sbatch or srun not found" in err[0] and "submitit-local" in err[0]


@pytest.mark.parametrize("gpus", [0, 1])
def test_slurm_jobs_hold_their_device(tmp_path, monkeypatch, gpus):
    """The sbatch script submitit writes: a CPU job takes a whole node, a GPU job its GPUs and CPUs; both run in
    the batch step (an srun step would get one CPU)."""
    for tool in ("srun", "sbatch"):  # submitit's Slurm executor insists that srun exists; nothing is submitted
        (tmp_path / tool).write_text("#!/bin/sh\nexit 1\n")
        (tmp_path / tool).chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    options = launch.Options("submitit", tmp_path / "logs", 4, 90, "a100", gpus, 6 if gpus else 0)
    text = launch.executor(options)._executor._make_submission_file_text("python -m x", "uid")
    lines = set(text.splitlines())
    assert {"#SBATCH --partition=a100", "#SBATCH --time=90"} <= lines and "srun" not in text
    if gpus:
        assert {"#SBATCH --gpus-per-node=1", "#SBATCH --cpus-per-task=6"} <= lines and "--exclusive" not in text
    else:
        assert "#SBATCH --exclusive" in lines and "gpus" not in text


def test_a_job_leaves_items_its_node_does_not_plan(tmp_path, capsys):
    job = launch.Job(tuple(SMOKE), str(tmp_path), "latency.csv", ("yolov12-n@flash-attn fp16 b1 64 forward eager",))
    assert presets.run_job(job) == 0
    assert "not in this device's plan (left): yolov12-n@flash-attn" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


def _children(pid: int) -> list[int]:
    try:
        return [int(x) for x in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _job_mid_measurement(root: int) -> tuple[int, list[int]] | None:
    """(pid of a submitit job's process, its children) when one of them is a measuring worker, else None."""
    stack = [root]
    while stack:
        pid = stack.pop()
        kids = _children(pid)
        if "submitit.core._submit" in _cmdline(pid) and any("bench.worker" in _cmdline(k) for k in kids):
            return pid, kids
        stack += kids
    return None


def _keys(out: Path) -> list[tuple]:
    rows = []
    for csv_path in sorted(out.rglob("*.csv")):
        found, problems = read_checked(csv_path)
        assert problems == [], problems
        rows += [(str(csv_path.relative_to(out)), *(r[k] for k in KEY)) for r in found]
    return sorted(rows)


def _kill_a_job_mid_measurement(launcher: subprocess.Popen) -> bool:
    """SIGKILL the process of the first submitit job seen with a measuring worker (and that worker)."""
    deadline = time.time() + 300
    while launcher.poll() is None and time.time() < deadline:
        victim = _job_mid_measurement(launcher.pid)
        if victim is None:
            time.sleep(0.2)
            continue
        try:
            os.kill(victim[0], signal.SIGKILL)
        except ProcessLookupError:  # it had just finished: wait for another
            continue
        for pid in victim[1]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        return True
    return False


def _stop(proc: subprocess.Popen) -> None:
    """Ctrl-C a run this test started, if it is still going (the launcher then cancels its jobs)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="finds the job's process through /proc")
def test_a_killed_job_is_listed_and_a_rerun_gives_the_in_process_records(tmp_path, offline_env):
    env = {**os.environ, **offline_env}
    python = [sys.executable, "-m", "bench.presets", *SMOKE]
    launched = [*python, "--out", str(tmp_path / "b"), "--launcher", "submitit-local", "--max-parallel", "2",
                "--logs", str(tmp_path / "logs")]
    in_process = subprocess.Popen([*python, "--out", str(tmp_path / "a")], cwd=ROOT, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    first = subprocess.Popen(launched, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert _kill_a_job_mid_measurement(first), "no job was seen measuring"
        _, err = first.communicate(timeout=600)
        assert in_process.wait(timeout=600) == 0
    finally:
        _stop(first)
        _stop(in_process)
    assert first.returncode == 1, err
    assert "1 of 7 job(s) failed" in err and "no result: the job ended unfinished" in err and "_log.err" in err
    expected = _keys(tmp_path / "a")
    partial = _keys(tmp_path / "b")
    assert len(set(partial)) == len(partial) and set(partial) < set(expected)

    again = subprocess.run(launched, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    assert "all 7 job(s) finished" in again.stderr
    assert _keys(tmp_path / "b") == expected  # the same records, none twice
