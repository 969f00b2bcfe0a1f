"""A clerk fixes a mistake and replays: the register loads first, quarantined rows are
re-validated against the current config and register and loaded exactly once."""
from __future__ import annotations

from pathlib import Path

from collectors.config import CollectorConfig
from collectors.scheduler import run_once
from tests.collectors.helpers import count, reasons, source

COMPLAINT_COLUMNS = {"工单号": "ticket_id", "承办单位": "dept", "受理时间": "received_at"}


def write(base: Path, folder: str, name: str, text: str) -> None:
    (base / folder).mkdir(exist_ok=True)
    (base / folder / name).write_text(text, encoding="utf-8")


def complaints(base: Path, **options):
    return source(base, name="complaints", kind="complaint", path="tickets", columns=COMPLAINT_COLUMNS, **options)


def register_source(base: Path):
    return source(base, name="register", kind="department", path="register",
                  columns={"部门名称": "name", "类别": "category"})


def test_department_sources_load_first_whatever_their_order(engine, tmp_path):
    write(tmp_path, "tickets", "t.csv", "工单号,承办单位,受理时间\nT1,市新设局,2026-03-05\n")
    write(tmp_path, "register", "d.csv", "部门名称,类别\n市新设局,市直部门\n")
    config = CollectorConfig(tmp_path / "sources.toml", (complaints(tmp_path), register_source(tmp_path)))
    summaries, _ = run_once(engine, config, refresh=False)
    assert [s.source for s in summaries] == ["register", "complaints"]
    assert [s.counts.rows_loaded for s in summaries] == [1, 1]
    assert count(engine, "complaint") == 1 and reasons(engine) == []
