"""Run one step as a child process: wall time and peak resident memory of that child alone."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class StepFailed(RuntimeError):
    """A measured child process exited with an error; the message carries its stderr."""


@dataclass(frozen=True)
class ChildRun:
    seconds: float
    cpu_seconds: float  # user + system of the child alone: steadier than wall time on a shared machine
    peak_rss_mb: float
    stdout: str


def run_child(args: list[str], env: dict[str, str] | None = None, log: Path | None = None) -> ChildRun:
    """`python ARGS` from the repository root, reaped with os.wait4 for its own ru_maxrss.

    Output goes to files, not pipes, so nothing but wait4 reaps the child.
    """
    full_env = {**os.environ, **(env or {})}
    with tempfile.TemporaryFile("w+", encoding="utf-8") as out, \
            tempfile.TemporaryFile("w+", encoding="utf-8") as err:
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, *args], cwd=ROOT, env=full_env, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if log is not None:
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(f"$ python {' '.join(args)}\n{stdout}\n--- stderr ---\n{stderr}", encoding="utf-8")
    if proc.returncode:
        raise StepFailed(f"python {' '.join(args)} exited {proc.returncode}:\n{stderr[-3000:]}")
    return ChildRun(seconds=seconds, cpu_seconds=usage.ru_utime + usage.ru_stime,
                    peak_rss_mb=usage.ru_maxrss / 1024, stdout=stdout)
