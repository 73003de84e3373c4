"""Run tox on a machine that has only python3: `python3 scripts/tox.py -e lint,py` (any tox arguments).

The first call creates a virtual environment in the user's cache holding the tox that constraints.txt pins, then
every call runs that tox from the repository root with its work dir in the same cache, keyed on constraints.txt,
pyproject.toml and tox.ini (a clone that ran once reuses the installed environments). CI (.ci/run) runs the
README's test command through this script. Standard library only: it runs before anything is installed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KEYED = ("constraints.txt", "pyproject.toml", "tox.ini")


def pinned_tox() -> str:
    """'tox==X.Y.Z' as constraints.txt pins it."""
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line.lower().startswith("tox=="):
            return line.strip()
    raise SystemExit("error: constraints.txt pins no tox (a line 'tox==X.Y.Z'); accepted: that pin")


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "yolov12-bench"


def work_key() -> str:
    digest = hashlib.sha256(b"".join((ROOT / name).read_bytes() for name in KEYED))
    return digest.hexdigest()[:16]


def ensure_tox(boot: Path, pin: str) -> Path:
    """The tox executable of the bootstrap environment, created (with `pin`) when missing or another version."""
    tox, stamp = boot / "bin" / "tox", boot / "pinned.txt"
    if tox.exists() and stamp.exists() and stamp.read_text().strip() == pin:
        return tox
    print(f"scripts/tox.py: installing {pin} into {boot} (once)", file=sys.stderr, flush=True)
    venv.EnvBuilder(with_pip=True, clear=True).create(boot)
    subprocess.run([str(boot / "bin" / "python"), "-m", "pip", "install", "-q", pin], check=True)
    stamp.write_text(pin + "\n")
    return tox


def main(argv: list[str]) -> int:
    cache = cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    tox = ensure_tox(cache / "boot", pinned_tox())
    cmd = [str(tox), "--workdir", str(cache / f"tox-{work_key()}"), *argv]
    return subprocess.run(cmd, cwd=ROOT).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
