"""Through the store on SQLite and PostgreSQL: compute, refresh, adjust, CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date

import pytest
from sqlalchemy import func, insert, select

from data.models import AuditLog, ResourceUpdate, ScoreAdjustment, ScoreSnapshot
from metrics import snapshots
from tests.metrics.builders import local
from tests.metrics.store import seed

TODAY = date(2026, 11, 20)


@pytest.fixture
def city(engine):
    seed(engine)
    return engine


def test_compute_reads_the_store(city):
    a = snapshots.compute(city, "2026", TODAY)
    ind = a.indicators.set_index(["dept_id", "key"])
    # 市数据局: monthly R1 updated on the 3rd of Jan–Oct; Jan–Oct slots due (Oct due 11-05) → 10/10
    assert (ind.loc[(1, "update_on_time"), "numerator"], ind.loc[(1, "update_on_time"), "denominator"]) == (10, 10)
    # 10 days × 100 calls, 2 failures each → 980 / 1000
    assert ind.loc[(1, "call_success"), "value"] == pytest.approx(98.0)
    # Q1 submitted 02-10 (deadline 02-24 across Spring Festival), answered 02-24 16:00 → on time
    assert ind.loc[(1, "request_on_time"), "value"] == 100
    # 市人社局: quarterly R2 updated 01-05 only: Q1 on time, Q2 and Q3 missed, Q4 not due → 1/3
    assert (ind.loc[(2, "update_on_time"), "numerator"], ind.loc[(2, "update_on_time"), "denominator"]) == (1, 3)
    # Q2 submitted 04-01, deadline 04-09 (Qingming 04-04…06), never answered → 0/1
    assert ind.loc[(2, "request_on_time"), "value"] == 0
    # 甲区 (from 03-01): 6 complaints ÷ 8 months × 1000 cases × 10000 = 7.5; satisfied 3 of 6
    assert ind.loc[(3, "complaints_per_10k"), "value"] == pytest.approx(7.5)
    assert ind.loc[(3, "satisfaction"), "value"] == pytest.approx(50)
    assert ind.loc[(3, "dim:sharing"), "status"] == "ok"  # open_rate 0/1 (R3 not_shared)
    assert ind.loc[(3, "mount_rate"), "status"] == "na"
    exp = ind.loc[(2, "request_on_time"), "explanation"]
    assert exp["evidence_keys"] == ["Q2"] and exp["scheme_version"] == "2026.1" and exp["unit"] == "%"
    assert {"formula", "inputs", "numerator", "denominator", "value", "notes"} <= set(exp)


def test_failing_services_name_their_top_fault_code(city):
    a = snapshots.compute(city, "2026-05")
    ev = a.evidence[(a.evidence["indicator"] == "call_success")].iloc[0]
    # May: 10 days × 2 failures of S1; raw failed calls of the last 31 days: E503 twice, E404 once
    assert (ev["item_key"], ev["detail"]["失败次数"], ev["detail"]["主要错误码"]) == ("S1", 20, "E503")
    gain = a.gains[a.gains["item_key"] == "S1"].iloc[0]
    assert "主要错误码 E503" in gain["action"] and gain["points"] > 0


@pytest.mark.slow
def test_refresh_skips_unchanged_periods_and_supersedes(city):
    ids = snapshots.refresh_current(city, TODAY)
    # 2025 (earliest data: R2 registered 2025-01-01): 12 months + 4 quarters + year = 17;
    # 2026 up to 11-20: 11 months + 4 quarters + year = 16
    assert len(ids) == 33
    assert snapshots.refresh_current(city, TODAY) == []
    with city.begin() as conn:
        conn.execute(
            insert(ResourceUpdate.__table__).values(
                resource_code="R2", provider_dept_id=2, updated_at=local(2026, 11, 18)
            )
        )
    again = snapshots.refresh_current(city, TODAY)
    t = ScoreSnapshot.__table__
    with city.connect() as conn:
        keys = sorted(conn.execute(select(t.c.period_key).where(t.c.id.in_(again))).scalars())
        assert keys == ["2026", "2026-11", "2026-Q4"]
        statuses = dict(conn.execute(select(t.c.status, func.count()).group_by(t.c.status)).all())
        assert statuses == {"current": 33, "superseded": 3}


def test_adjustments_are_recorded_with_an_audit_row(city):
    adj_id = snapshots.add_adjustment(city, "数据局", "bonus", 2, "承担省级试点", "王五", "2026", today=TODAY)
    with pytest.raises(ValueError, match="否决事项"):
        snapshots.add_adjustment(city, "市数据局", "veto", 0, "表现不好", "王五", "2026")
    with pytest.raises(ValueError, match="未知部门"):
        snapshots.add_adjustment(city, "不存在局", "bonus", 1, "x", "王五", "2026")
    with city.connect() as conn:
        row = (
            conn.execute(select(ScoreAdjustment.__table__).where(ScoreAdjustment.__table__.c.id == adj_id))
            .mappings()
            .one()
        )
        assert (row["dept_id"], row["kind"], row["points"], row["author"], row["period_key"]) == (
            1,
            "bonus",
            2,
            "王五",
            None,
        )
        log = (
            conn.execute(select(AuditLog.__table__).where(AuditLog.__table__.c.target == f"score_adjustment:{adj_id}"))
            .mappings()
            .one()
        )
        assert log["actor"] == "王五" and json.loads(log["detail"])["reason"] == "承担省级试点"
    a = snapshots.compute(city, "2026", TODAY)
    d = a.departments.set_index("dept_id")
    assert d.loc[1, "bonus"] == 2 and d.loc[1, "total"] == pytest.approx(d.loc[1, "base_total"] + 2)


def run_cli(db_url, *args):
    env = {**os.environ, "DATABASE_URL": db_url}
    return subprocess.run(
        [sys.executable, "-m", "metrics", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))),
        timeout=300,
    )


@pytest.mark.slow
def test_cli(city, db_url):
    out = run_cli(db_url, "score", "--period", "2026-Q2", "--as-of", "2026-06-30", "--format", "json")
    assert out.returncode == 0, out.stderr
    body = json.loads(out.stdout)
    assert body["period"] == "2026-Q2" and [d["部门"] for d in body["departments"]] == ["市数据局", "市人社局", "甲区"]
    out = run_cli(db_url, "score", "--period", "2026", "--category", "区县", "--format", "csv")
    assert out.returncode == 0 and out.stdout.splitlines()[1].startswith("区县,1,1–1,甲区,")  # 排名, 排名区间, 部门
    out = run_cli(db_url, "explain", "--dept", "市人社局", "--period", "2026", "--as-of", "2026-11-20")
    assert out.returncode == 0 and "【提分清单】" in out.stdout and "答复共享申请 Q2" in out.stdout
    out = run_cli(
        db_url,
        "adjust",
        "--dept",
        "甲区",
        "--kind",
        "veto",
        "--reason",
        "发生数据安全事件",
        "--author",
        "赵六",
        "--period",
        "2026",
    )
    assert out.returncode == 0 and "一票否决" in out.stdout
    assert run_cli(db_url, "score", "--period", "2026-13").returncode == 2
    out = run_cli(db_url, "verify", "--year", "2026")
    assert out.returncode == 2 and "还没有公示或发布的版本" in out.stderr
    out = run_cli(
        db_url, "publish", "--year", "2026", "--by", "张三"
    )  # publishing is the versions' (test_publications)
    assert out.returncode == 2 and "没有公示中的版本" in out.stderr
