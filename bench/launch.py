"""Run a preset's steps as jobs through submitit: Slurm on a cluster (`--launcher submitit`), separate local processes
with the same job mechanics elsewhere (`--launcher submitit-local`); the default launcher runs in-process.

One job per group of items that must share a process: a paired design (both sides in one worker, its rounds split
over fresh processes inside the job), the batches of one latency configuration (an out-of-memory batch skips the
larger ones), one FLOPs configuration. Each job rebuilds the preset on its node, so it writes to the folder of the
node's device (`<out>/<device-slug>/<step>.csv`) through the one records writer (rows of concurrent jobs never
interleave) and skips the rows already finished there: rerunning the command resumes a partial sweep. At most
`max_parallel` jobs are in flight; each has its device to itself (a GPU through Slurm's GRES, a CPU preset's job a
whole node). Failed jobs are listed at the end with their stdout/stderr logs.
"""

from __future__ import annotations

import dataclasses
import shutil
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from bench.case import Case
from bench.config import Config
from bench.paired import Pair
from yolov12.cli import UserError

LAUNCHERS = ("in-process", "submitit", "submitit-local")
INSTALL = "pip install 'yolov12-bench[cluster]'"


@dataclass(frozen=True)
class Job:
    """What one submitit job runs: the preset request, one step of it, and the keys of the items to run there."""

    argv: tuple[str, ...]  # the preset's command-line arguments, as given
    out: str  # results root, absolute (a job's working directory may differ from the submitter's)
    csv: str
    items: tuple[str, ...]  # item_key() of each item

    @property
    def name(self) -> str:
        more = f" (+{len(self.items) - 1})" if len(self.items) > 1 else ""
        return f"{self.csv}: {self.items[0]}{more}"


@dataclass(frozen=True)
class Options:
    launcher: str  # submitit | submitit-local
    logs: Path  # submitit's folder: pickled jobs, results, stdout/stderr logs
    max_parallel: int
    timeout_min: int
    partition: str | None = None
    gpus_per_job: int = 0  # 0: a CPU preset (each job gets a whole node on Slurm)
    cpus_per_job: int = 0  # a GPU job's CPUs on Slurm (a CPU preset's job has the whole node)


def item_key(item: Config | Case | Pair) -> str:
    """An item's identity independent of the machine (threads and device are the node's): how a job finds its items
    in the plan rebuilt on the node."""
    if isinstance(item, Config):
        return str(item)
    if isinstance(item, Case):
        return (f"{item.config()} {item.precision} b{item.batch} {item.imgsz} {item.timed} {item.mode} "
                f"cl={item.channels_last} fused={item.fused}")
    return f"{item_key(item.a)} vs {item_key(item.b)} x{item.rounds}/{item.processes}p/{item.iters}i"


def groups(kind: str, items: Iterable) -> list[list]:
    """Items that must share a process, in plan order: latency cases differing only in batch; anything else alone."""
    if kind != "latency":
        return [[item] for item in items]
    out: dict[tuple, list] = {}
    for case in items:
        out.setdefault(dataclasses.replace(case, batch=0), []).append(case)
    return list(out.values())


def jobs_for(plan: list, argv: list[str], out: str | Path) -> list[Job]:
    """One Job per group of each step of `plan` (steps: .csv, .kind, .items)."""
    root = str(Path(out).resolve())
    return [Job(tuple(argv), root, step.csv, tuple(item_key(i) for i in group))
            for step in plan for group in groups(step.kind, step.items)]


# ---- submitting and waiting ---------------------------------------------------------------------------------------

def _submitit():
    try:
        import submitit
    except ImportError:
        raise UserError(f"--launcher submitit needs the submitit package; install it with: {INSTALL}") from None
    return submitit


def check(options: Options) -> None:
    """UserError when this machine cannot launch as asked (before anything is submitted)."""
    _submitit()
    if options.launcher == "submitit" and not (shutil.which("sbatch") and shutil.which("srun")):
        raise UserError("--launcher submitit: no Slurm here (sbatch or srun not found); accepted on a machine without "
                        "Slurm: --launcher submitit-local")


def executor(options: Options):
    """submitit's own executor: its Slurm executor, or its local one (each job a separate process tree)."""
    submitit = _submitit()
    cluster = "slurm" if options.launcher == "submitit" else "local"
    ex = submitit.AutoExecutor(folder=options.logs, cluster=cluster)
    params = dict(name="yolov12-bench", timeout_min=options.timeout_min, tasks_per_node=1, nodes=1,
                  gpus_per_node=options.gpus_per_job)  # local: CUDA_VISIBLE_DEVICES lists this many (none for cpu)
    if cluster == "slurm":
        # the job runs in the batch step, which holds the whole allocation (an srun step would get one CPU)
        params.update(slurm_partition=options.partition, slurm_use_srun=False)
        if options.gpus_per_job:
            params.update(cpus_per_task=options.cpus_per_job)
        else:
            params.update(gpus_per_node=None, slurm_exclusive=True)  # a CPU measurement shares its node with nothing
    ex.update_parameters(**params)
    return ex


def _failure(sjob) -> str:
    """'' when the job finished with status 0, else why: it left no result (killed, cancelled, past its time), it
    raised (the exception's last line), or it returned a non-zero status (1: error rows, 2: a user error)."""
    submitit = _submitit()
    try:
        status = sjob.result()
    except submitit.core.utils.UncompletedJobError:
        return (f"no result: the job ended unfinished (killed, cancelled or past --timeout-min; submitit state "
                f"{sjob.state})")
    except submitit.core.utils.FailedJobError as err:
        trace = str(err).split("-" * 22)
        lines = [x for x in (trace[1] if len(trace) > 2 else str(err)).splitlines() if x.strip()]
        return "raised " + (lines[-1][:200] if lines else type(err).__name__)
    return "" if status == 0 else f"exit status {status}" + (" (error rows)" if status == 1 else "")


def _submit(ex, fn: Callable[[Job], int], job: Job, first: bool):
    """Submit one job; a refusal of the first (no such partition, no account...) is a user error."""
    try:
        return ex.submit(fn, job)
    except Exception as err:
        if not first:
            raise
        raise UserError(f"submitting the first job failed: {str(err).strip().splitlines()[-1][:300]}") from None


def launch(jobs: list[Job], fn: Callable[[Job], int], options: Options, poll_s: float = 1.0) -> int:
    """Submit `fn(job)` for every job, at most `options.max_parallel` in flight; wait with a progress bar; list the
    failed jobs with their logs. 0 when every job finished with status 0, 1 otherwise, 130 on Ctrl-C (the jobs in
    flight are cancelled; a rerun resumes)."""
    ex = executor(options)
    pending, running, failed = list(jobs), [], []
    print(f"[launch] {len(jobs)} job(s) through {options.launcher}, at most {options.max_parallel} at a time; "
          f"logs in {options.logs}", file=sys.stderr)
    try:
        with tqdm(total=len(jobs), desc="jobs", unit="job") as bar:
            while pending or running:
                while pending and len(running) < options.max_parallel:
                    job = pending.pop(0)
                    running.append((job, _submit(ex, fn, job, first=len(pending) + 1 == len(jobs))))
                time.sleep(poll_s)
                for job, sjob in [r for r in running if r[1].done()]:
                    running.remove((job, sjob))
                    bar.update()
                    why = _failure(sjob)
                    if why:
                        failed.append((job, sjob, why))
                        tqdm.write(f"job {sjob.job_id} failed: {job.name}: {why}", file=sys.stderr)
    except KeyboardInterrupt:
        for _, sjob in running:
            sjob.cancel(check=False)
        print(f"interrupted: {len(running)} job(s) in flight cancelled, {len(pending)} not submitted; finished rows "
              "are kept and rerunning the command resumes", file=sys.stderr)
        return 130
    report(failed, len(jobs))
    return 1 if failed else 0


def report(failed: list, total: int) -> None:
    if not failed:
        print(f"[launch] all {total} job(s) finished", file=sys.stderr)
        return
    print(f"[launch] {len(failed)} of {total} job(s) failed (rerun the command to retry them; finished rows are "
          "skipped):", file=sys.stderr)
    for job, sjob, why in failed:
        print(f"  job {sjob.job_id}: {job.name}: {why}\n    stdout: {sjob.paths.stdout}\n    stderr: "
              f"{sjob.paths.stderr}", file=sys.stderr)
