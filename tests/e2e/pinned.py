"""A product command with data.clock pinned: `python -m tests.e2e.pinned
2026-12-03T10:00+08:00 dashboard [flags]` (or `collectors once …`) runs it as if that instant
were now (and time moves on from it), so a browser test's appeal window, deadlines and alert
days do not drift with the real date, nor cross midnight between two steps. Test harness
only; the product has no such setting."""

from __future__ import annotations

import runpy
import sys
from datetime import UTC, datetime

import data.clock


def pin(at: datetime) -> None:
    """From now on data.clock reads `at` plus the real time elapsed since this call."""
    offset = at - datetime.now(UTC)
    data.clock.wall_clock = lambda: datetime.now(UTC) + offset


if __name__ == "__main__":
    instant, package, *rest = sys.argv[1:]
    pin(datetime.fromisoformat(instant))
    sys.argv = [package, *rest]
    runpy.run_module(package, run_name="__main__", alter_sys=True)
