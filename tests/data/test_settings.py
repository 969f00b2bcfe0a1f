"""Every setting of data/settings.py: its default and its environment variable."""
from __future__ import annotations

from pathlib import Path

import pytest

from data.settings import ROOT, get_settings

ENV = ["DATABASE_URL", "PAOBAN_VAR_DIR", "PAOBAN_DEMO_DIR", "PAOBAN_SOURCES",
       "PAOBAN_SCHEME_DIR", "PAOBAN_LOGIN_MAX_FAILURES", "PAOBAN_LOGIN_LOCK_MINUTES",
       "PAOBAN_SESSION_IDLE_MINUTES", "PAOBAN_DEMO_MODE"]


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


def test_environment_overrides(clean_env, tmp_path):
    clean_env.setenv("PAOBAN_VAR_DIR", str(tmp_path))
    clean_env.setenv("PAOBAN_LOGIN_MAX_FAILURES", "3")
    clean_env.setenv("PAOBAN_LOGIN_LOCK_MINUTES", "1")
    clean_env.setenv("PAOBAN_SESSION_IDLE_MINUTES", "7")
    clean_env.setenv("PAOBAN_DEMO_MODE", "1")
    clean_env.setenv("PAOBAN_SCHEME_DIR", str(tmp_path / "schemes"))
    s = get_settings()
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
        tmp_path / "d", Path(tmp_path / "s.toml"), "postgresql://u@h/db")


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
