"""The child process that runs jobs for the harness: `python -m baselines.worker`.

Protocol: one JSON object per line on stdin (a job with an "op"), one JSON object per line back on the process's
original stdout ({"ok": result} or {"error": message, "type": name, "oom": bool}); everything else the child prints
(ultralytics' logging included) goes to stderr. Ops:
  flops   {name, imgsz}                      -> params, params_fused, gflops_* fields of a baseline
  params  {name}                             -> {params, params_fused}
  latency {case}                             -> the fields bench.measure returns, plus params and weights
  predict {name, weights, images, imgsz, conf, iou, max_det, device}
                                             -> per image [[x1, y1, x2, y2, score, cls], ...] in original pixels
  prepare {key, case} / round {key, iters, min_time_s} / release {key}
                                             -> hold a configuration and time it round by round (paired mode)
  ping, exit
"""

from __future__ import annotations

import json
import os
import signal
import sys


def serve(inp, out) -> None:
    from baselines import jobs

    state: dict = {}
    for line in inp:
        if not line.strip():
            continue
        job = json.loads(line)
        if job.get("op") == "exit":
            break
        try:
            reply = {"ok": jobs.run(job, state)}
        except BaseException as err:  # report every failure to the parent; the worker stays alive
            from bench.measure import is_oom

            reply = {"error": f"{type(err).__name__}: {err}"[:2000], "type": type(err).__name__, "oom": is_oom(err)}
        out.write(json.dumps(reply, default=str) + "\n")
        out.flush()


def main() -> int:
    # Keep the protocol channel private: the real stdout becomes fd `proto`, and fd 1 points at stderr.
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent owns Ctrl-C and ends this process
    proto = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    serve(sys.stdin, proto)
    return 0


if __name__ == "__main__":
    sys.exit(main())
