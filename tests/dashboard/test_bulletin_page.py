"""The ranking page's 通报落款: PAOBAN_ISSUER fills 发文机关, the date defaults to today."""

from __future__ import annotations

from data.clock import local_today
from tests.dashboard.conftest import login
from tests.dashboard.test_pages import open_page, page_text


def test_issuer_setting_fills_the_signature_and_the_date_is_today(app, dashboard_store, monkeypatch):
    monkeypatch.setenv("PAOBAN_ISSUER", "示例市最多跑一次改革办公室")
    at = open_page(login(app, "leader"), "ranking.py")
    assert at.text_input(key="bulletin_issuer").value == "示例市最多跑一次改革办公室"
    assert at.date_input(key="bulletin_date").value == local_today()
    assert "未填写发文机关" not in page_text(at)


def test_without_the_setting_the_page_says_how_to_set_it(app, dashboard_store, monkeypatch):
    monkeypatch.delenv("PAOBAN_ISSUER", raising=False)
    at = open_page(login(app, "leader"), "ranking.py")
    assert at.text_input(key="bulletin_issuer").value == ""
    assert "PAOBAN_ISSUER" in page_text(at)
