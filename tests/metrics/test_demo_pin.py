"""The demo city's numbers, pinned: a change of code that moves any total, tier, rank or
indicator value of the demo city fails here. Behaviour changes that are meant to move
them update PINNED, and the commit says why."""

from __future__ import annotations

import hashlib
import json
from datetime import date

import pytest

from collectors.config import load_config
from collectors.scheduler import run_once
from data.db import make_engine
from data.demo import run
from data.migrate import upgrade
from metrics.snapshots import compute

pytestmark = pytest.mark.slow

END = date(2026, 10, 31)
# (period, as_of) judged explicitly, so the pin does not move with today's date
PERIODS = [("2026", date(2026, 11, 30)), ("2026-Q3", date(2026, 10, 15)), ("2026-09", date(2026, 10, 6))]
PINNED = {
    "2026": "0d03e47848200b80ff7a16a0b3d9c80c1ebedf9c982befa1201c2f202573ad05",
    "2026-Q3": "beaabd73c47ca7b93e078669bc12357e72b2b71af5cc7ca45e4bfffd0cf4219d",
    "2026-09": "1c388b215259739418bee463ba80f76f118047a6969126e69517b5a8727feb50",
}


@pytest.fixture(scope="module")
def demo_engine(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("pin")
    assert run(seed=2026, end=END, calls=20_000, out=tmp / "demo", files_only=True) == 0
    engine = make_engine(f"sqlite:///{tmp / 'paoban.db'}")
    upgrade(engine)
    summaries, _ = run_once(engine, load_config(tmp / "demo" / "sources.toml"), refresh=False)
    assert all(s.status == "ok" for s in summaries), [(s.source, s.status, s.error) for s in summaries]
    yield engine
    engine.dispose()


def ranking_digest(assessment) -> str:
    """sha256 of every department's total, tier and rank and every indicator's value,
    score and effective weight, rounded to 6 decimals."""

    def num(x):
        return None if x is None or x != x else round(float(x), 6)

    depts = sorted(
        (r.name, num(r.total), r.tier, None if r.rank is None or r.rank != r.rank else int(r.rank))
        for r in assessment.departments.itertuples()
    )
    inds = sorted(
        (int(r.dept_id), r.key, num(r.value), num(r.score), num(r.weight), r.status)
        for r in assessment.indicators.itertuples()
    )
    return hashlib.sha256(json.dumps([depts, inds], ensure_ascii=False).encode()).hexdigest()


@pytest.mark.parametrize("period,as_of", PERIODS, ids=[p for p, _ in PERIODS])
def test_demo_city_numbers_are_pinned(demo_engine, period, as_of):
    assert ranking_digest(compute(demo_engine, period, as_of)) == PINNED[period]
