"""Shared fixtures: an offline ultralytics config dir for child processes, and one baseline worker per session."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(scope="session")
def offline_env(tmp_path_factory) -> dict[str, str]:
    """Environment variables that keep ultralytics offline with a fresh config dir and font (set for children)."""
    from yolov12.offline import prepare

    env = prepare(tmp_path_factory.mktemp("offline"))
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    yield env
    for k, v in old.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture(scope="session")
def worker(offline_env, tmp_path_factory):
    """A persistent `python -m bench.worker` child (ultralytics is imported there, never in the test process)."""
    from baselines.child import Worker

    w = Worker("bench.worker", config_root=tmp_path_factory.mktemp("worker"))
    yield w
    w.close()
