"""The one way to start a process that may import ultralytics: a persistent child running a JSON-lines worker module
(the harness's is `python -m bench.worker`), started with ultralytics' offline set-up, answering `call(job)`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from yolov12.offline import prepare

ROOT = Path(__file__).resolve().parent.parent


class WorkerError(RuntimeError):
    """A job failed in the child; `oom` says whether it ran out of memory."""

    def __init__(self, message: str, kind: str = "", oom: bool = False):
        super().__init__(message)
        self.kind, self.oom = kind, oom


def child_env(config_root: str | os.PathLike | None = None, env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of an ultralytics child: ours, plus the offline set-up, plus `env`, with the suite on the path.
    This process's own environment is never changed."""
    root = Path(config_root) if config_root else ROOT / ".cache" / "worker"
    out = {**os.environ, **prepare(root), **(env or {})}
    out["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), out.get("PYTHONPATH", "")]))
    return out


class Worker:
    """A child process `python -m <module>` that may import ultralytics (never this one). `call(job) -> result`;
    `close()` ends it. The module reads one JSON job per line and answers {"ok": ...} or {"error": ...}."""

    def __init__(self, module: str, config_root: str | os.PathLike | None = None, env: dict[str, str] | None = None):
        self.proc = subprocess.Popen([sys.executable, "-m", module], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, env=child_env(config_root, env), cwd=str(ROOT))

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

