"""The dashboard launcher with data.clock pinned: `python -m tests.e2e.pinned_dashboard
2026-12-03T10:00+08:00 [streamlit flags]` runs the server as if that instant were now (and
time moves on from it), so a browser test's appeal window and deadlines do not drift with the
real date. Test harness only; the product has no such setting."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import data.clock
from dashboard.__main__ import main


def pin(at: datetime) -> None:
    """From now on data.clock reads `at` plus the real time elapsed since this call."""
    offset = at - datetime.now(UTC)
    data.clock.wall_clock = lambda: datetime.now(UTC) + offset


if __name__ == "__main__":
    pin(datetime.fromisoformat(sys.argv[1]))
    sys.exit(main(sys.argv[2:]))
