import math

from metrics.latency import p95_bound, p95_text


def test_p95_is_the_bound_of_the_bucket_the_95th_percentile_falls_in():
    # Buckets ≤10, ≤20, ≤50, ≤100, ≤200 ms: cumulative 50, 80, 90, 95, 100 of 100 → the 95th is in ≤100.
    assert p95_bound([50, 30, 10, 5, 5] + [0] * 7) == 100
    # 94 of 100 within 10 ms: the 95th lies in the next non-empty bucket (≤ 500 ms).
    assert p95_bound([94, 0, 0, 0, 0, 6] + [0] * 6) == 500
    assert p95_text(500.0) == "≤ 500"


def test_p95_in_the_open_bucket_and_without_durations():
    slow = [0] * 11 + [3]  # every call over 30 s
    assert math.isinf(p95_bound(slow)) and p95_text(p95_bound(slow)) == "> 30,000"
    assert p95_bound([0] * 12) is None and p95_text(None) is None
