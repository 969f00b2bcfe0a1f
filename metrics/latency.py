"""A service's response time from the duration histogram the collector keeps per month
(data.models.DURATION_BUCKETS_MS): the mean from the exact sums, the P95 as the bound of
the bucket it falls in (a histogram that adds up across batches cannot say more)."""

from __future__ import annotations

import math

import numpy as np

from data.models import DURATION_BUCKETS_MS


def p95_bound(counts) -> float | None:
    """Upper bound (ms) of the bucket holding the 95th percentile; inf for the open last
    bucket; None without any duration."""
    cumulative = np.cumsum(np.asarray(counts, dtype=np.int64))
    if not len(cumulative) or cumulative[-1] == 0:
        return None
    i = int(np.searchsorted(cumulative, 0.95 * cumulative[-1], side="left"))
    return float(DURATION_BUCKETS_MS[i]) if i < len(DURATION_BUCKETS_MS) else math.inf


def p95_text(bound: float | None) -> str | None:
    """'≤ 200' or '> 30,000' (milliseconds), as evidence shows it."""
    if bound is None:
        return None
    return f"> {DURATION_BUCKETS_MS[-1]:,}" if math.isinf(bound) else f"≤ {int(bound):,}"
