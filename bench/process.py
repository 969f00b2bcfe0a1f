"""Run one step as a child process: wall time and peak resident memory of that child alone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
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
    """`python ARGS` from the repository root, through bench.reap, which forks it and
    reports its own time and ru_maxrss (see there why not straight from here).

    Output goes to files, not pipes, so a chatty child never blocks on a full pipe.
    """
    full_env = {**os.environ, **(env or {})}
    with (
        tempfile.TemporaryFile("w+", encoding="utf-8") as out,
        tempfile.TemporaryFile("w+", encoding="utf-8") as err,
        tempfile.TemporaryDirectory() as tmp,
    ):
        usage_json = Path(tmp) / "usage.json"
        code = subprocess.call(
            [sys.executable, "-m", "bench.reap", str(usage_json), *args], cwd=ROOT, env=full_env, stdout=out, stderr=err
        )
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
        usage = json.loads(usage_json.read_text(encoding="utf-8")) if usage_json.exists() else None
    if log is not None:
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(f"$ python {' '.join(args)}\n{stdout}\n--- stderr ---\n{stderr}", encoding="utf-8")
    if code or usage is None:
        raise StepFailed(f"python {' '.join(args)} exited {code}:\n{stderr[-3000:]}")
    return ChildRun(stdout=stdout, **usage)
