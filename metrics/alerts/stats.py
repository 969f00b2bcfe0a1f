"""Tail probabilities for the detectors' tests, vectorised, without scipy.

P(X ≥ k) for X ~ Poisson(λ) is exact (a sum of the first k terms) for k ≤ EXACT_UP_TO and
the Wilson–Hilferty approximation of the equivalent gamma probability beyond, where it is
accurate to a few per cent of the probability. The binomial tail of a failure count uses the
Poisson tail with λ = n·p: exact enough for the small failure rates of services, and
conservative (a larger p-value) when p is large."""

from __future__ import annotations

import math

import numpy as np

EXACT_UP_TO = 200
CHUNK = 20_000  # rows per exact step: a chunk's term matrix stays at 32 MB
_LOG_FACT = np.array([math.lgamma(i + 1) for i in range(EXACT_UP_TO + 1)])
_erfc = np.frompyfunc(math.erfc, 1, 1)


def poisson_upper(k, lam) -> np.ndarray:
    """P(X ≥ k) for X ~ Poisson(lam), elementwise (k ≤ 0 → 1; lam ≤ 0 and k > 0 → 0)."""
    k, lam = np.broadcast_arrays(np.asarray(k, dtype=np.int64), np.asarray(lam, dtype="float64"))
    out = np.ones(k.shape, dtype="float64")
    pos = k > 0
    out[pos & (lam <= 0)] = 0.0
    live = pos & (lam > 0)
    exact = live & (k <= EXACT_UP_TO)
    where = np.flatnonzero(exact)
    for chunk in np.array_split(where, max(1, len(where) // CHUNK)):
        if len(chunk):
            out.flat[chunk] = _exact_upper(k.flat[chunk], lam.flat[chunk])
    big = live & (k > EXACT_UP_TO)
    if big.any():
        kk, ll = k[big].astype("float64"), lam[big]
        z = ((ll / kk) ** (1 / 3) - (1 - 1 / (9 * kk))) / np.sqrt(1 / (9 * kk))
        out[big] = 0.5 * _erfc(-z / math.sqrt(2)).astype("float64")
    return out


def _exact_upper(k: np.ndarray, lam: np.ndarray) -> np.ndarray:
    i = np.arange(EXACT_UP_TO)
    terms = np.exp(i[None, :] * np.log(lam)[:, None] - lam[:, None] - _LOG_FACT[:EXACT_UP_TO][None, :])
    lower = np.where(i[None, :] < k[:, None], terms, 0.0).sum(axis=1)
    return np.clip(1.0 - lower, 0.0, 1.0)


def binomial_upper(k, n, p) -> np.ndarray:
    """P(X ≥ k) for X ~ Binomial(n, p), by its Poisson approximation."""
    return poisson_upper(k, np.asarray(n, dtype="float64") * np.asarray(p, dtype="float64"))
