"""A measured child's peak memory is its own, whatever the benchmark process holds."""

from __future__ import annotations

import numpy as np
import pytest

from bench.process import StepFailed, run_child


def test_peak_rss_is_the_childs_not_the_benchmarks():
    held = np.ones(50_000_000)  # 400 MB the benchmark process holds while it measures
    bare = run_child(["-c", "pass"])
    big = run_child(["-c", "import numpy as np; a = np.ones(25_000_000); a += 1"])
    assert held.sum() == 50_000_000
    assert bare.peak_rss_mb < 100
    assert 200 < big.peak_rss_mb < 350


def test_a_failing_child_raises_with_its_stderr():
    with pytest.raises(StepFailed, match="坏了"):
        run_child(["-c", "import sys; sys.exit('坏了')"])
