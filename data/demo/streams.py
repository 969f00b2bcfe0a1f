"""Named random streams: each part of the city draws from its own numpy Generator
keyed by (seed, stream[, extra]), so `--calls` changes only the calls and the same seed
and end date always give the same draws."""

from __future__ import annotations

import numpy as np

STREAMS = {
    "departments": 1,
    "catalog": 2,
    "updates": 3,
    "requests": 4,
    "objections": 5,
    "complaints": 6,
    "kpis": 7,
    "pairs": 8,
    "call_days": 9,
    "calls": 10,
    "spelling": 11,
}


def rng_for(seed: int, stream: str, *extra: int) -> np.random.Generator:
    return np.random.default_rng([seed, STREAMS[stream], *extra])
