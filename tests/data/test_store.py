"""The store on both engines: migrations, natural keys, bulk loading, the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date

import pytest
from sqlalchemy import func, select, text

from data.departments import add_departments, name_index
from data.load import insert_ignore, upsert
from data.migrate import HEAD, current_revision, head_revision, upgrade
from data.models import Department, ExchangeDaily, ExchangeServiceMonth
from tests.conftest import REPO


def test_migrations_reach_head_and_rerun_changes_nothing(engine):
    # HEAD spares every CLI start the Alembic import; a new revision must move it too.
    assert head_revision(engine) == HEAD
    assert current_revision(engine) == HEAD
    assert upgrade(engine) is False


def test_departments_aliases_and_duplicates(engine):
    with engine.begin() as conn:
        assert add_departments(
            conn,
            [
                {"name": "市公安局", "category": "市直部门", "aliases": ["公安局"]},
                {"name": "示例市甲区", "category": "区县"},
            ],
        ) == (2, 1)
        assert add_departments(
            conn, [{"name": "市公安局", "category": "市直部门", "aliases": ["公安局", "市公安"]}]
        ) == (0, 1)
        index = name_index(conn)
    assert index["公安局"] == index["市公安局"] == index["市公安"]
    assert len({index["市公安局"], index["示例市甲区"]}) == 2


def test_insert_ignore_counts_only_new_rows(engine):
    rows = [{"name": f"部门{i}", "category": "city_dept"} for i in range(2500)]
    with engine.begin() as conn:
        assert insert_ignore(conn, Department, rows[:1000], ["name"]) == 1000
        # 2,500 rows take the COPY path on PostgreSQL; 1,000 of them are already there.
        assert insert_ignore(conn, Department, rows, ["name"]) == 1500
        assert conn.execute(select(func.count()).select_from(Department)).scalar_one() == 2500


def test_upsert_adds_rollup_counters(engine):
    with engine.begin() as conn:
        add_departments(conn, [{"name": "甲", "category": "city_dept"}, {"name": "乙", "category": "city_dept"}])
        ids = name_index(conn)
        key = {
            "day": date(2026, 3, 5),
            "provider_dept_id": ids["甲"],
            "consumer_dept_id": ids["乙"],
            "service_code": "svc",
        }
        upsert(
            conn,
            ExchangeDaily,
            [{**key, "calls": 3, "failures": 1, "duration_count": 3}],
            keys=list(key),
            add=["calls", "failures", "duration_count"],
        )
        upsert(
            conn,
            ExchangeDaily,
            [{**key, "calls": 4, "failures": 0, "duration_count": 4}],
            keys=list(key),
            add=["calls", "failures", "duration_count"],
        )
        row = conn.execute(select(ExchangeDaily.calls, ExchangeDaily.failures, ExchangeDaily.duration_count)).one()
    assert tuple(row) == (7, 1, 7)


def _cli(*args, url):
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "data", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.slow
def test_cli_init_is_idempotent_and_stats_counts(db_url):
    first = _cli("init", url=db_url)
    assert first.returncode == 0, first.stderr
    assert "无需变更" in first.stdout
    add = _cli("dept", "add", "市民政局", "--category", "市直部门", "--alias", "民政局", url=db_url)
    assert add.returncode == 0, add.stderr
    stats = _cli("stats", url=db_url)
    assert stats.returncode == 0, stats.stderr
    line = next(row for row in stats.stdout.splitlines() if row.startswith("department "))
    assert line.split()[-1] == "1"


@pytest.mark.slow
def test_cli_explains_bad_database_url(tmp_path):
    bad = _cli("stats", url="mysql://x/y")
    assert bad.returncode == 2 and "只支持 sqlite 与 postgresql" in bad.stderr
    down = _cli("stats", url="postgresql://nobody@127.0.0.1:1/none")
    assert down.returncode == 2 and "无法连接数据库" in down.stderr


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_month_row_is_rewritten_on_its_own_page(engine):
    """Every collection adds to each month row of the current month. With half of each page
    free, PostgreSQL writes the new version beside the old one (a HOT update: no new index
    entry); on full pages each update would move the row and index it again."""
    months = ("exchange_service_month", "exchange_partner_month", "exchange_fault_month")
    with engine.connect() as conn:
        options = dict(
            conn.execute(
                text("SELECT relname, reloptions FROM pg_class WHERE relname = ANY(:t)"), {"t": list(months)}
            ).all()
        )
    assert options == {t: ["fillfactor=50"] for t in months}
    keys = [
        {"month": date(2026, 11, 1), "provider_dept_id": p, "service_code": f"S{s:03d}"}
        for p in range(1, 31)
        for s in range(100)
    ]
    for calls in (1, 2):
        with engine.begin() as conn:
            upsert(conn, ExchangeServiceMonth, [{**k, "calls": calls} for k in keys], keys=list(keys[0]), add=["calls"])
            updated, hot = conn.execute(
                text(
                    "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables"
                    " WHERE relname = 'exchange_service_month'"
                )
            ).one()
    assert (updated, hot) == (3000, 3000), f"{hot} of {updated} month rows updated in place"
    with engine.connect() as conn:
        assert conn.execute(select(func.sum(ExchangeServiceMonth.calls))).scalar_one() == 9000


def test_the_migrations_build_exactly_the_models(engine):
    """A table or column added to data/models.py without a migration fails here."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []
