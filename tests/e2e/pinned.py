"""Any product command with data.clock pinned: `python -m tests.e2e.pinned WHEN MODULE [args]`
(`dashboard [flags]`, `collectors once …`, `metrics refresh`) runs `python -m MODULE args` as if
WHEN were now, and time moves on from it, so a browser test's appeal window, deadlines and
alert days do not drift with the real date, nor cross midnight between two steps. WHEN is an
instant (2026-12-03T10:00+08:00) or @FILE holding one: the clock then follows the file, so a
test moves a running server and its commands to a later day by rewriting it. Test harness
only; the product has no such setting."""

from __future__ import annotations

import runpy
import sys
from datetime import UTC, datetime
from pathlib import Path

import data.clock


def pin(at: datetime) -> None:
    """From now on data.clock reads `at` plus the real time elapsed since this call."""
    offset = at - datetime.now(UTC)
    data.clock.wall_clock = lambda: datetime.now(UTC) + offset


def follow(path: Path) -> None:
    """From now on data.clock reads the instant in `path` plus the real time elapsed since the
    file was last written."""
    seen: dict = {}

    def clock() -> datetime:
        written = path.stat().st_mtime
        if seen.get("written") != written:
            at = datetime.fromisoformat(path.read_text(encoding="utf-8").strip())
            seen.update(written=written, offset=at - datetime.fromtimestamp(written, UTC))
        return datetime.now(UTC) + seen["offset"]

    data.clock.wall_clock = clock


def set_day(path: Path, at: str) -> None:
    """Move every process following `path` to the instant `at`."""
    path.write_text(at, encoding="utf-8")


if __name__ == "__main__":
    when, module, *args = sys.argv[1:]
    if when.startswith("@"):
        follow(Path(when[1:]))
    else:
        pin(datetime.fromisoformat(when))
    sys.argv = [module, *args]
    runpy.run_module(module, run_name="__main__", alter_sys=True)
