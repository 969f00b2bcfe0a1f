"""Measure scoring a full year for 150 departments with the daily rollup of 1 M and of 10 M calls.

    python -m tests.metrics.bench_scoring [--url sqlite:///tmp/bench.db] [--calls 1000000]

Rollup rows are generated directly (a fixed universe of provider × consumer × service
pairs, each day's calls spread over them), with 5,000 catalog resources, their update
events, requests, objections, complaints and office counters for the year.
"""
from __future__ import annotations

import argparse
import random
import time
from datetime import date, datetime, timedelta

import numpy as np
from sqlalchemy import delete, func, select

from data.db import make_engine
from data.frames import call_totals
from data.departments import add_departments
from data.load import insert_ignore
from data.migrate import upgrade
from data.models import (CatalogResource, Complaint, Department, ExchangeDaily, ExchangeServiceMonth, OfficeKpi,
                         ResourceUpdate, SharingRequest)
from metrics.snapshots import compute

YEAR = 2026
DEPTS, RESOURCES, PAIRS = 150, 5000, 3000
FREQS = ["daily"] * 2 + ["weekly"] * 3 + ["monthly"] * 8 + ["quarterly"] * 4 + ["yearly", "irregular",
                                                                                 "every_2_months"]
STEP = {"daily": 1, "weekly": 7, "monthly": 30, "quarterly": 91, "yearly": 365, "every_2_months": 61}


def seed_world(engine, rng: random.Random) -> None:
    with engine.begin() as conn:
        add_departments(conn, [{"name": f"部门{i:03d}", "category": "市直部门" if i < 110 else "区县"}
                               for i in range(DEPTS)])
        ids = list(conn.execute(select(Department.__table__.c.id).order_by(Department.__table__.c.id)).scalars())
        res, ups = [], []
        for r in range(RESOURCES):
            freq = rng.choice(FREQS)
            dept = ids[r % DEPTS]
            res.append({"resource_code": f"RES{r:05d}", "name": f"资源{r}", "provider_dept_id": dept,
                        "share_type": rng.choice(["unconditional", "conditional", "not_shared"]),
                        "update_frequency": freq, "mounted": rng.random() < 0.8, "service_code": f"SVC{r:05d}",
                        "registered_at": date(2024, 1, 1), "first_seen_at": datetime(2024, 1, 1),
                        "last_updated_at": datetime(YEAR, 12, 1)})
            if freq in STEP:
                day = date(YEAR, 1, 1)
                while day.year == YEAR:
                    if rng.random() < 0.9:
                        ups.append({"resource_code": f"RES{r:05d}", "provider_dept_id": dept,
                                    "updated_at": datetime.combine(day, datetime.min.time()) + timedelta(hours=2)})
                    day += timedelta(days=STEP[freq])
        insert_ignore(conn, CatalogResource, res, ["resource_code"])
        insert_ignore(conn, ResourceUpdate, ups, ["resource_code", "updated_at"])
        reqs = [{"request_id": f"Q{i}", "requester_dept_id": rng.choice(ids), "provider_dept_id": rng.choice(ids),
                 "submitted_at": datetime(YEAR, 1, 1) + timedelta(hours=rng.randrange(24 * 360)),
                 "answered_at": None} for i in range(5000)]
        for q in reqs:
            if rng.random() < 0.85:
                q["answered_at"] = q["submitted_at"] + timedelta(days=rng.randrange(1, 12))
        insert_ignore(conn, SharingRequest, reqs, ["request_id"])
        comps = [{"ticket_id": f"T{i}", "dept_id": rng.choice(ids),
                  "received_at": datetime(YEAR, 1, 1) + timedelta(hours=rng.randrange(24 * 360)),
                  "satisfaction": rng.choice(["satisfied", "basically_satisfied", "dissatisfied", "unrated"])}
                 for i in range(20000)]
        for c in comps:
            c["closed_at"] = c["received_at"] + timedelta(days=rng.randrange(1, 10))
        insert_ignore(conn, Complaint, comps, ["ticket_id"])
        insert_ignore(conn, OfficeKpi, [
            {"dept_id": d, "month": date(YEAR, m, 1), "cases_received": 1000, "cases_completed": 950,
             "cases_on_time": 900 + rng.randrange(50), "cases_online": 600, "reviews_good": 90, "reviews_bad": 3}
            for d in ids for m in range(1, 13)], ["dept_id", "month"])


def load_rollup(engine, total_calls: int, seed: int) -> int:
    """Replace exchange_daily and exchange_service_month with the rollups of `total_calls`
    calls over the year; returns the daily rows."""
    np_rng = np.random.default_rng(seed)
    with engine.begin() as conn:
        ids = list(conn.execute(select(Department.__table__.c.id).order_by(Department.__table__.c.id)).scalars())
        conn.execute(delete(ExchangeDaily.__table__))
        conn.execute(delete(ExchangeServiceMonth.__table__))
    pair_res = np_rng.integers(0, RESOURCES, PAIRS)
    pair_consumer = np_rng.integers(0, DEPTS, PAIRS)
    days = [date(YEAR, 1, 1) + timedelta(days=d) for d in range(365)]
    per_day = total_calls // 365
    rows_total = 0
    months: dict[tuple, list[int]] = {}
    for day_batch in range(0, 365, 30):
        rows = []
        for d in days[day_batch:day_batch + 30]:
            calls = np_rng.multinomial(per_day, np.full(PAIRS, 1 / PAIRS))
            for p in np.nonzero(calls)[0]:
                n = int(calls[p])
                rows.append({"day": d, "provider_dept_id": ids[int(pair_res[p]) % DEPTS],
                             "consumer_dept_id": ids[int(pair_consumer[p])], "service_code": f"SVC{int(pair_res[p]):05d}",
                             "calls": n, "failures": int(np_rng.binomial(n, 0.01)), "duration_sum_ms": 80 * n,
                             "duration_count": n})
        with engine.begin() as conn:
            insert_ignore(conn, ExchangeDaily, rows, ["day", "provider_dept_id", "consumer_dept_id", "service_code"])
        rows_total += len(rows)
        for r in rows:
            month = months.setdefault((r["day"].replace(day=1), r["provider_dept_id"], r["service_code"]), [0, 0])
            month[0] += r["calls"]
            month[1] += r["failures"]
    with engine.begin() as conn:
        insert_ignore(conn, ExchangeServiceMonth, [
            {"month": m, "provider_dept_id": p, "service_code": s, "calls": c, "failures": f}
            for (m, p, s), (c, f) in months.items()], ["month", "provider_dept_id", "service_code"])
    return rows_total


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", default="sqlite:////tmp/metrics_bench.db")
    ap.add_argument("--calls", type=int, nargs="+", default=[1_000_000, 10_000_000])
    args = ap.parse_args()
    engine = make_engine(args.url)
    upgrade(engine)
    with engine.connect() as conn:
        empty = conn.execute(select(func.count()).select_from(Department.__table__)).scalar() == 0
    if empty:
        seed_world(engine, random.Random(7))
    for total in args.calls:
        rows = load_rollup(engine, total, seed=total)
        with engine.connect() as conn:
            summed = conn.execute(select(func.sum(ExchangeDaily.__table__.c.calls))).scalar()
        best = float("inf")
        for _ in range(2):
            started = time.perf_counter()
            a = compute(engine, str(YEAR), date(YEAR, 12, 31))
            best = min(best, time.perf_counter() - started)
        with engine.connect() as conn:
            started = time.perf_counter()
            call_totals(conn, date(YEAR, 1, 1), date(YEAR, 12, 31))
            rollup_read = time.perf_counter() - started
        print(f"{engine.dialect.name}: {summed:,} calls in {rows:,} rollup rows → year {YEAR} for "
              f"{len(a.departments)} departments scored in {best:.2f} s (best of 2; of which the rollup "
              f"aggregate {rollup_read:.2f} s)", flush=True)


if __name__ == "__main__":
    main()
