"""Every setting of data/settings.py: its default, its environment variable, its effect,
and its line in the README's Settings table.

The lockout settings' effect is tested in tests/data/test_users.py, the demo mode's there
too, the idle timeout's in tests/dashboard/test_access.py and tests/data/test_web_sessions.py
(which also tests PAOBAN_SESSION_KEY).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from data import settings as settings_module
from data.db import get_engine
from data.settings import ROOT, get_settings

ENV = re.findall(r'"((?:PAOBAN_[A-Z_]+)|DATABASE_URL)"', Path(settings_module.__file__).read_text(encoding="utf-8"))


@pytest.fixture
def clean_env(monkeypatch):
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_defaults(clean_env):
    s = get_settings()
    assert s.database_url == f"sqlite:///{ROOT / 'var' / 'paoban.db'}"
    assert s.demo_dir == ROOT / "var" / "demo"
    assert s.sources_file == ROOT / "var" / "demo" / "sources.toml"
    assert s.scheme_dir == ROOT / "metrics" / "schemes"
    assert (s.login_max_failures, s.login_lock_minutes, s.session_idle_minutes) == (5, 15, 30)
    assert s.demo_mode is False
    assert s.fault_codes_file == ROOT / "data" / "fault_codes.toml"
    assert s.issuer == ""
    assert (s.db_pool_size, s.db_max_overflow) == (5, 5)
    assert s.alert_rules_file == ROOT / "data" / "alert_rules.toml"
    assert (s.smtp_url, s.webhook_url) == ("", "")
    assert (s.session_key, s.cookie_secure) == ("", False)
    assert s.pdf_font == ""  # the 一页纸's effect: tests/dashboard/test_one_pager.py


def test_environment_overrides(clean_env, tmp_path):
    clean_env.setenv("PAOBAN_VAR_DIR", str(tmp_path))
    clean_env.setenv("PAOBAN_LOGIN_MAX_FAILURES", "3")
    clean_env.setenv("PAOBAN_LOGIN_LOCK_MINUTES", "1")
    clean_env.setenv("PAOBAN_SESSION_IDLE_MINUTES", "7")
    clean_env.setenv("PAOBAN_DEMO_MODE", "1")
    clean_env.setenv("PAOBAN_SCHEME_DIR", str(tmp_path / "schemes"))
    clean_env.setenv("PAOBAN_PDF_FONT", " /fonts/simhei.ttf ")
    s = get_settings()
    assert s.pdf_font == "/fonts/simhei.ttf"
    assert s.database_url == f"sqlite:///{tmp_path / 'paoban.db'}"
    assert s.demo_dir == tmp_path / "demo"
    assert s.sources_file == tmp_path / "demo" / "sources.toml"
    assert s.scheme_dir == tmp_path / "schemes"
    assert (s.login_max_failures, s.login_lock_minutes, s.session_idle_minutes) == (3, 1, 7)
    assert s.demo_mode is True
    clean_env.setenv("PAOBAN_DEMO_DIR", str(tmp_path / "d"))
    clean_env.setenv("PAOBAN_SOURCES", str(tmp_path / "s.toml"))
    clean_env.setenv("DATABASE_URL", "postgresql://u@h/db")
    s = get_settings()
    assert (s.demo_dir, s.sources_file, s.database_url) == (
        tmp_path / "d",
        Path(tmp_path / "s.toml"),
        "postgresql://u@h/db",
    )


def test_bad_integer_is_explained(clean_env):
    clean_env.setenv("PAOBAN_LOGIN_MAX_FAILURES", "五")
    with pytest.raises(SystemExit, match="PAOBAN_LOGIN_MAX_FAILURES 应为整数"):
        get_settings()


def test_launcher_passes_streamlit_config_as_flags():
    from dashboard.__main__ import config_flags

    flags = config_flags()
    assert "--server.address=127.0.0.1" in flags
    assert "--server.headless=true" in flags
    assert "--browser.gatherUsageStats=false" in flags
    assert "--runner.postScriptGC=false" in flags  # a full collection after every run held the GIL (issue 21)


def test_every_setting_is_in_the_readme_table():
    assert len(ENV) == 19
    table = {m for m in re.findall(r"^\| `([A-Z_]+)` \|", (ROOT / "README.md").read_text(encoding="utf-8"), re.M)}
    assert set(ENV) <= table, f"README 的 Settings 表缺少：{sorted(set(ENV) - table)}"


def test_database_url_and_var_dir_choose_the_store(clean_env, tmp_path):
    clean_env.setenv("PAOBAN_VAR_DIR", str(tmp_path))
    assert get_engine().url.database == str(tmp_path / "paoban.db")
    clean_env.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'other.db'}")
    assert get_engine().url.database == str(tmp_path / "other.db")
    assert get_engine() is get_engine(f"sqlite:///{tmp_path / 'other.db'}")  # one pool per store


def test_scheme_dir_chooses_the_schemes(clean_env, tmp_path, sqlite_engine):
    """Every reader of the scheme folder follows PAOBAN_SCHEME_DIR: metrics, data's
    supervision settings, and the CLI in a process of its own (pages: tests/dashboard/
    test_scheme_editor.py)."""
    from data.supervision_settings import adjustment_caps, settings_for
    from metrics.scheme import available_years, load_scheme, scheme_path, scheme_versions, versions_dir
    from tests.dashboard.score_fixture import load

    text = scheme_path(2026).read_text(encoding="utf-8").replace('version = "2026.1"', 'version = "2030.9"')
    text = text.replace("remind_before_workdays = 2", "remind_before_workdays = 4").replace(
        "bonus_cap = 5", "bonus_cap = 3"
    )
    (tmp_path / "2030.toml").write_text(text.replace("year = 2026", "year = 2030"), encoding="utf-8")
    clean_env.setenv("PAOBAN_SCHEME_DIR", str(tmp_path))
    assert available_years() == [2030]
    assert load_scheme(2031).version == "2030.9"
    assert list(scheme_versions()) == ["2030.9"] and versions_dir() == tmp_path / "versions"
    assert settings_for(2031).remind_before_workdays == 4
    assert adjustment_caps(2031) == (3.0, 10.0)
    load(sqlite_engine)
    env = {**os.environ, "PAOBAN_SCHEME_DIR": str(tmp_path), "DATABASE_URL": str(sqlite_engine.url)}
    out = subprocess.run(
        [sys.executable, "-m", "metrics", "whatif", "--period", "2026-10"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert "现行方案 2030.9 对比草案" in out.stdout


def test_demo_dir_and_sources_are_where_the_demo_writes_and_the_collectors_read(clean_env, tmp_path, capsys):
    from collectors.__main__ import main as collectors_main
    from data.demo import run as demo_run

    clean_env.setenv("PAOBAN_DEMO_DIR", str(tmp_path / "demo"))
    assert demo_run(calls=2000, files_only=True) == 0
    assert (tmp_path / "demo" / "sources.toml").is_file()
    (tmp_path / "empty").mkdir()
    config = tmp_path / "mine.toml"
    config.write_text(
        f'[[source]]\nname = "from-the-setting"\nkind = "complaint"\nreader = "files"\npath = "{tmp_path / "empty"}"\n',
        encoding="utf-8",
    )
    clean_env.setenv("PAOBAN_SOURCES", str(config))
    clean_env.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'store.db'}")
    assert collectors_main(["once", "--no-refresh"]) == 0
    assert "from-the-setting" in capsys.readouterr().out


def test_fault_codes_file_chooses_the_fault_labels(clean_env, tmp_path):
    from dashboard.format import fault_labels
    from data.vocabulary import fault_label

    assert fault_label("TIMEOUT", fault_labels()) == "调用超时（TIMEOUT）"
    (tmp_path / "codes.toml").write_text('[fault_codes]\nE503 = "对方服务暂停"\n', encoding="utf-8")
    clean_env.setenv("PAOBAN_FAULT_CODES", str(tmp_path / "codes.toml"))
    assert fault_labels() == {"E503": "对方服务暂停"}
    assert fault_label("E503", fault_labels()) == "对方服务暂停（E503）"
    assert fault_label("TIMEOUT", fault_labels()) == "TIMEOUT"
    clean_env.setenv("PAOBAN_FAULT_CODES", str(tmp_path / "missing.toml"))
    assert fault_labels() == {}


def test_alert_rules_file_chooses_the_thresholds(clean_env, tmp_path):
    from metrics.alerts import load_rules

    text = (ROOT / "data" / "alert_rules.toml").read_text(encoding="utf-8")
    (tmp_path / "rules.toml").write_text(text.replace("min_services = 2", "min_services = 7"), encoding="utf-8")
    clean_env.setenv("PAOBAN_ALERT_RULES", str(tmp_path / "rules.toml"))
    assert get_settings().alert_rules_file == tmp_path / "rules.toml"
    assert load_rules().provider_outage.min_services == 7


def test_smtp_and_webhook_urls_choose_the_alert_channels(clean_env):
    from collectors.delivery import SmtpConfig, outbox_channels

    assert outbox_channels() == ()
    clean_env.setenv(
        "PAOBAN_SMTP_URL", "smtp://paoban:p%40ss@mail.example.gov.cn:587?from=paoban@example.gov.cn&starttls=1"
    )
    assert outbox_channels() == ("email",)
    assert SmtpConfig.from_url(get_settings().smtp_url) == SmtpConfig(
        "mail.example.gov.cn", 587, "paoban@example.gov.cn", starttls=True, username="paoban", password="p@ss"
    )
    clean_env.setenv("PAOBAN_WEBHOOK_URL", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k")
    assert outbox_channels() == ("email", "webhook")


def test_pool_settings_size_every_postgresql_engine(clean_env):
    from data.db import make_engine

    clean_env.setenv("PAOBAN_DB_POOL_SIZE", "3")
    clean_env.setenv("PAOBAN_DB_MAX_OVERFLOW", "2")
    engine = make_engine("postgresql://paoban@127.0.0.1:1/none")  # creating the pool connects nowhere
    assert (engine.pool.size(), engine.pool._max_overflow) == (3, 2)


def test_cookie_secure_marks_the_session_cookie_secure(clean_env, tmp_path):
    from tests.dashboard.test_session_cookie import cookie_client, handoff

    clean_env.setenv("PAOBAN_VAR_DIR", str(tmp_path))
    client = cookie_client(tmp_path, clean_env)
    for secure in ("0", "1"):
        clean_env.setenv("PAOBAN_COOKIE_SECURE", secure)
        answer = client.post("/paoban-session", content=handoff(), headers={"Origin": "https://dash.example"})
        assert answer.status_code == 204
        assert ("; secure" in answer.headers["set-cookie"].lower()) is (secure == "1")
