"""Run sources now (`once`) or on their intervals (`run`), and while committed batches owe a
score refresh (data/refresh_requests.py: a run that loaded rows, or one that died before
refreshing) ask metrics to refresh the current score snapshots and check the alerts; a daily
job sends the 预警日报."""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

from collectors.config import CollectorConfig, SourceConfig
from collectors.runner import RunSummary, run_source
from data.clock import ZONE, local_today
from data.refresh_requests import clear_requests, pending_requests
from data.settings import get_settings

if TYPE_CHECKING:
    from apscheduler.schedulers.blocking import BlockingScheduler

log = logging.getLogger(__name__)
DIGEST_JOB = "alert_digest"  # every morning at 08:30 local time
REMINDER_JOB = "supervision_reminders"  # 催办 / 逾期 / 逾期督办, every morning at 08:30 local time
# the scheduler runs sources in threads: one alert check at a time in this process (the unique
# open key guards checks of other processes)
CHECKING = threading.Lock()
REPLAY_JOB = "replay_requests"  # replays asked for on 数据源状态, every minute
OUTBOX_JOB = "outbox"  # e-mail and group robot, every minute, when PAOBAN_SMTP_URL / PAOBAN_WEBHOOK_URL are set


def refresh_scores(engine: Engine) -> str | None:
    """Refresh score snapshots and clear the requests seen before it started; returns why it
    failed (the collected rows stay stored, the requests stay for the next run)."""
    with engine.connect() as conn:
        owed = pending_requests(conn)
    try:
        from metrics.snapshots import refresh_current

        refresh_current(engine)
    except Exception as exc:  # scores can be refreshed later; never lose the run over it
        log.exception("score refresh failed")
        return f"评分刷新失败：{type(exc).__name__}: {exc}"
    with engine.begin() as conn:
        clear_requests(conn, owed)
    return None


def check_alerts_after_load(engine: Engine) -> str | None:
    """Check alerts over the days since the last check; returns why it failed (the collected
    rows stay stored, and the next run checks the same days again)."""
    try:
        from collectors.alert_check import check_alerts
        from collectors.delivery import outbox_channels

        with CHECKING:
            check_alerts(engine, channels=outbox_channels())
    except Exception as exc:  # alerts can be checked later; never lose the run over it
        log.exception("alert check failed")
        return f"预警检查失败：{type(exc).__name__}: {exc}"
    return None


def after_load(engine: Engine) -> str | None:
    """Refresh scores, then check alerts on the rollups the run wrote; each failure is told and
    neither loses the run."""
    return "；".join(e for e in (refresh_scores(engine), check_alerts_after_load(engine)) if e) or None


def after_runs(engine: Engine) -> str | None:
    """after_load when a committed batch still owes its refresh, whoever committed it."""
    with engine.connect() as conn:
        owed = pending_requests(conn)
    return after_load(engine) if owed else None


def send_digest(engine: Engine) -> None:
    from collectors.alert_delivery import queue_digest
    from collectors.delivery import outbox_channels

    queue_digest(engine, local_today(), outbox_channels())


def send_reminders(engine: Engine) -> None:
    """Today's 督办 reminders into the inbox and outbox (each once: notify dedupes by item and deadline)."""
    from collectors.delivery import outbox_channels, queue_reminders

    queue_reminders(engine, local_today(), outbox_channels())


def send_outbox(engine: Engine) -> None:
    from collectors.delivery import deliver_outbox

    deliver_outbox(engine)


def register_first(sources: list[SourceConfig]) -> list[SourceConfig]:
    """Department sources ahead of the others (each group in its listed order), so a
    department the register gains in this run resolves the other sources' rows."""
    return sorted(sources, key=lambda s: s.kind != "department")


def run_once(
    engine: Engine, config: CollectorConfig, source: str | None = None, refresh: bool = True, progress: bool = False
) -> tuple[list[RunSummary], str | None]:
    """Run one named source, or every enabled one (department sources first), then the
    replays asked for on 数据源状态; refresh scores once at the end if anything owes it."""
    from collectors.replay_queue import run_requested_replays

    sources = [config.source(source)] if source else register_first([s for s in config.sources if s.enabled])
    summaries = [run_source(engine, s, progress=progress) for s in sources]
    summaries += run_requested_replays(engine, config)
    return summaries, after_runs(engine) if refresh else None


def scheduled_run(engine: Engine, cfg: SourceConfig, refresh: bool) -> RunSummary:
    summary = run_source(engine, cfg)
    c = summary.counts
    log.info(
        "source %s: %s read=%d loaded=%d duplicate=%d quarantined=%d in %.1fs%s",
        cfg.name,
        summary.status,
        c.rows_read,
        c.rows_loaded,
        c.rows_duplicate,
        c.rows_quarantined,
        summary.seconds,
        f" error={summary.error}" if summary.error else "",
    )
    if refresh:
        after_runs(engine)
    return summary


def replay_requested(engine: Engine, config: CollectorConfig, refresh: bool) -> None:
    from collectors.replay_queue import run_requested_replays

    for summary in run_requested_replays(engine, config):
        log.info("replay of %s: %s loaded=%d", summary.source, summary.status, summary.counts.rows_loaded)
    if refresh:
        after_runs(engine)


def build_scheduler(engine: Engine, config: CollectorConfig, refresh: bool = True) -> BlockingScheduler:
    """One interval job per enabled source: one instance at a time, missed runs coalesced
    into one, and a misfire grace of a whole interval (a busy machine still runs it)."""
    from apscheduler.schedulers.blocking import BlockingScheduler  # only `run` needs it: `once` starts quicker

    scheduler = BlockingScheduler(timezone=ZONE)
    for cfg in register_first([s for s in config.sources if s.enabled]):
        scheduler.add_job(
            scheduled_run,
            "interval",
            args=[engine, cfg, refresh],
            id=cfg.name,
            name=cfg.name,
            minutes=cfg.interval_minutes,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=max(300, int(cfg.interval_minutes * 60)),
            next_run_time=datetime.now(ZONE),
        )
    scheduler.add_job(
        replay_requested,
        "interval",
        args=[engine, config, refresh],
        id=REPLAY_JOB,
        name="重放申请",
        minutes=1,
        max_instances=1,
        coalesce=True,
    )
    scheduler.add_job(
        send_digest, "cron", args=[engine], id=DIGEST_JOB, name="预警日报", hour=8, minute=30, coalesce=True
    )
    scheduler.add_job(
        send_reminders, "cron", args=[engine], id=REMINDER_JOB, name="督办催办", hour=8, minute=30, coalesce=True
    )
    settings = get_settings()
    if settings.smtp_url or settings.webhook_url:
        from collectors.delivery import SmtpConfig

        if settings.smtp_url:
            SmtpConfig.from_url(settings.smtp_url)  # a wrong URL stops the start, not every minute's send
        scheduler.add_job(
            send_outbox,
            "interval",
            args=[engine],
            id=OUTBOX_JOB,
            name="消息外发",
            minutes=1,
            max_instances=1,
            coalesce=True,
        )
    return scheduler
