"""Parent side of the child-process protocol: a persistent `python -m baselines.worker` and one-shot jobs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from baselines.offline import prepare

ROOT = Path(__file__).resolve().parent.parent


class WorkerError(RuntimeError):
    """A job failed in the child; `oom` says whether it ran out of memory."""

    def __init__(self, message: str, kind: str = "", oom: bool = False):
        super().__init__(message)
        self.kind, self.oom = kind, oom


class Worker:
    """A child process that imports ultralytics (never this one). `call(job) -> result`; `close()` ends it."""

    def __init__(self, config_root: str | os.PathLike | None = None, env: dict[str, str] | None = None):
        root = Path(config_root) if config_root else ROOT / ".cache" / "worker"
        child_env = {**os.environ, **prepare(root), **(env or {})}
        child_env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), child_env.get("PYTHONPATH", "")]))
        self.proc = subprocess.Popen([sys.executable, "-m", "baselines.worker"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, env=child_env, cwd=str(ROOT))

    def call(self, job: dict) -> object:
        if self.proc.poll() is not None:
            raise WorkerError(f"worker exited with status {self.proc.returncode}")
        self.proc.stdin.write(json.dumps(job) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise WorkerError(f"worker died during {job.get('op')} (status {self.proc.wait()})")
        reply = json.loads(line)
        if "error" in reply:
            raise WorkerError(reply["error"], reply.get("type", ""), bool(reply.get("oom")))
        return reply["ok"]

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write('{"op": "exit"}\n')
                self.proc.stdin.flush()
                self.proc.wait(timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()

    def __enter__(self) -> Worker:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def run_job(job: dict, **kwargs) -> object:
    """Run one job in a fresh child process and return its result."""
    with Worker(**kwargs) as worker:
        return worker.call(job)
