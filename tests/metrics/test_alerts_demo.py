"""The demo city's stories, found by the detectors over the whole year without being told
where, and the alerts outside the stories counted and bounded (200,000 calls: enough for
the outage provider's services to be counted every day)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from collectors.config import load_config
from collectors.scheduler import run_once
from data.alert_inputs import load_alert_inputs
from data.db import make_engine
from data.demo import run
from data.migrate import upgrade
from metrics.alerts import detect, load_rules

pytestmark = pytest.mark.slow

END = date(2026, 10, 31)
DAYS = [date(2025, 11, 1) + timedelta(days=i) for i in range(365)]


@pytest.fixture(scope="module")
def year(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("alerts")
    assert run(seed=2026, end=END, calls=200_000, out=tmp / "demo", files_only=True) == 0
    engine = make_engine(f"sqlite:///{tmp / 'paoban.db'}")
    upgrade(engine)
    summaries, _ = run_once(engine, load_config(tmp / "demo" / "sources.toml"), refresh=False)
    assert all(s.status == "ok" for s in summaries)
    rules = load_rules()
    inputs = load_alert_inputs(engine, DAYS, rules)
    found = detect(inputs, DAYS, rules)
    ids = inputs.departments.set_index("name")["dept_id"]
    yield found, ids, inputs, engine
    engine.dispose()


def episodes(found, kind):
    """(subject, first day, last day) of each run of consecutive days of one kind."""
    out = []
    for subject, g in found[found["kind"] == kind].groupby("subject"):
        days = sorted(g["day"])
        start = prev = days[0]
        for d in days[1:]:
            if (d - prev).days > 1:
                out.append((subject, start, prev))
                start = d
            prev = d
        out.append((subject, start, prev))
    return out


def test_outage_start_and_end(year):
    """市住房和城乡建设局 failed on 2026-09-15 and 09-16: found on exactly those days, nothing else."""
    found, ids, _, _ = year
    assert episodes(found, "provider_outage") == [
        (f"dept:{ids['市住房和城乡建设局']}", date(2026, 9, 15), date(2026, 9, 16))
    ]


def test_first_missed_slot_of_the_stopped_monthly_updates(year):
    """市统计局's monthly resources get no update from 2026-07-01: the ones that had met their
    three slots before are alerted from the day after the June slot's grace (07-06) or the
    July slot's (08-06), and stay alerted to the end of the year."""
    found, ids, inputs, _ = year
    stat = ids["市统计局"]
    res = inputs.resources
    monthly = set(res[(res["provider_dept_id"] == stat) & (res["update_frequency"] == "monthly")]["resource_code"])
    missed = found[(found["kind"] == "update_missed") & found["subject"].str[9:].isin(monthly)]
    last_episode = {s: (a, b) for s, a, b in episodes(missed, "update_missed")}
    assert len(last_episode) >= 0.8 * len(monthly)  # 16 of 19 in this city; the others missed a slot before
    assert {a for a, _ in last_episode.values()} <= {date(2026, 6, 6), date(2026, 7, 6), date(2026, 8, 6)}
    assert {b for _, b in last_episode.values()} == {END}
    jump = episodes(found[found["subject"] == f"dept:{stat}"], "overdue_jump")
    assert jump[0][1] == date(2026, 7, 6)


def test_complaint_surge_week(year):
    """市交通运输局's complaints rise about 3.5-fold from 2026-08-01; from about 1.6 a week the
    week ending 2026-09-02 is the first to be significant (p < 0.001). Its satisfaction falls
    too (from 100 % to 73 % of the rated), seen from 08-28; its sharing is fine, so both are
    also a cross-signal from 08-28."""
    found, ids, _, _ = year
    mine = found[found["subject"] == f"dept:{ids['市交通运输局']}"]
    assert episodes(mine, "complaint_surge")[0][1] == date(2026, 9, 2)
    assert episodes(mine, "satisfaction_drop")[0][1] == date(2026, 8, 28)
    assert episodes(mine, "cross_signal")[0][1] == date(2026, 8, 28)


def test_false_alerts_are_counted_and_bounded(year):
    """Alerts outside the stories over the whole year and city (episodes of consecutive days).
    Missed update slots of other resources are real misses the generator draws by quality,
    counted apart."""
    found, ids, _, _ = year
    story = {
        f"dept:{ids['市住房和城乡建设局']}",
        f"dept:{ids['市统计局']}",
        f"dept:{ids['市交通运输局']}",
    }
    other = found[~found["subject"].isin(story) & ~found["subject"].str.startswith("resource:SL-023-")]
    misses = other[other["kind"] == "update_missed"]
    false = other[other["kind"] != "update_missed"]
    # 2 complaint surges, 4 satisfaction drops, 2 overdue jumps, 7 cross-signals in this city
    assert len({(k, s) for k, s in zip(false["kind"], false["subject"])}) <= 16, false.groupby("kind")[
        "subject"
    ].unique()
    assert set(false["kind"]) <= {"complaint_surge", "satisfaction_drop", "overdue_jump", "cross_signal"}
    # 209 of 919 resources: after a streak of on-time slots the generator skips about 1 slot in 10
    assert len(misses["subject"].unique()) <= 250


def test_a_day_checked_alone_finds_what_the_year_finds(year):
    """The check after a collector run looks at one day; the first check at a year. Both read
    the same baselines, so a day gives the same rows alone as within the year."""
    found, _, _, engine = year
    rules = load_rules()
    columns = ["kind", "subject", "severity", "value", "baseline", "message"]
    for day in (date(2026, 1, 14), date(2026, 7, 6), date(2026, 8, 28), date(2026, 9, 2), date(2026, 9, 15), END):
        alone = detect(load_alert_inputs(engine, [day], rules), [day], rules)
        within = found[found["day"] == day]
        assert alone[columns].reset_index(drop=True).equals(within[columns].reset_index(drop=True)), day
