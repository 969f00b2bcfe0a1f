"""Process-wide settings read from the environment, so every entry point agrees.

Every setting is documented in the README's "Settings" table and tested in
tests/data/test_settings.py.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    database_url: str
    var_dir: Path
    demo_dir: Path
    sources_file: Path
    scheme_dir: Path
    login_max_failures: int
    login_lock_minutes: int
    session_idle_minutes: int
    demo_mode: bool
    fault_codes_file: Path
    issuer: str
    db_pool_size: int
    db_max_overflow: int
    alert_rules_file: Path
    smtp_url: str
    webhook_url: str
    session_key: str
    cookie_secure: bool
    pdf_font: str  # font file for the PDF 一页纸 (issue 17); empty: the usual system CJK fonts


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise SystemExit(f"环境变量 {name} 应为整数，当前为 {raw!r}") from exc


def get_settings() -> Settings:
    var_dir = Path(os.environ.get("PAOBAN_VAR_DIR", ROOT / "var"))
    demo_dir = Path(os.environ.get("PAOBAN_DEMO_DIR", var_dir / "demo"))
    return Settings(
        database_url=os.environ.get("DATABASE_URL") or f"sqlite:///{var_dir / 'paoban.db'}",
        var_dir=var_dir,
        demo_dir=demo_dir,
        sources_file=Path(os.environ.get("PAOBAN_SOURCES", demo_dir / "sources.toml")),
        scheme_dir=Path(os.environ.get("PAOBAN_SCHEME_DIR", ROOT / "metrics" / "schemes")),
        login_max_failures=_int("PAOBAN_LOGIN_MAX_FAILURES", 5),
        login_lock_minutes=_int("PAOBAN_LOGIN_LOCK_MINUTES", 15),
        session_idle_minutes=_int("PAOBAN_SESSION_IDLE_MINUTES", 30),
        demo_mode=os.environ.get("PAOBAN_DEMO_MODE", "0") == "1",
        fault_codes_file=Path(os.environ.get("PAOBAN_FAULT_CODES", ROOT / "data" / "fault_codes.toml")),
        issuer=os.environ.get("PAOBAN_ISSUER", "").strip(),
        db_pool_size=_int("PAOBAN_DB_POOL_SIZE", 5),
        db_max_overflow=_int("PAOBAN_DB_MAX_OVERFLOW", 5),
        alert_rules_file=Path(os.environ.get("PAOBAN_ALERT_RULES", ROOT / "data" / "alert_rules.toml")),
        smtp_url=os.environ.get("PAOBAN_SMTP_URL", "").strip(),
        webhook_url=os.environ.get("PAOBAN_WEBHOOK_URL", "").strip(),
        session_key=os.environ.get("PAOBAN_SESSION_KEY", "").strip(),
        cookie_secure=os.environ.get("PAOBAN_COOKIE_SECURE", "0") == "1",
        pdf_font=os.environ.get("PAOBAN_PDF_FONT", "").strip(),
    )
