"""E3: in the browser, the declarant opens last month's summary proposals, sees the reminder (banner and nav),
declares the two proposed summary applications (one per destination country) and sees them listed with their status,
then customs' answer: a sumNo and the customs declaration of each (CEB792 entryId). Nothing is left to propose.

Last month's parcels are shipped before `cbec serve` starts, through the simulator with its clock set back into
last month, so they departed (899 结关) then; the simulator the server runs knows them from its ledger."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest
from playwright.sync_api import expect

from adapters.customs_node import simulator
from domain.customs import summary
from engine import bootstrap, clock
from engine.demo import ensure_demo
from engine.settings import Settings
from tests.e2e.conftest import Server
from tests.e2e.customs.test_declarant_console import log_in
from tests.integration.customs.test_export_summaries import through_customs

SUM_NO, ENTRY_ID = re.compile(r"S\d{17}"), re.compile(r"\d{18}")


def departed_last_month(data: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, list[str]]:
    """The platform `cbec serve` will open, with two parcels (to the US and Japan) that left last month."""
    today = clock.now()
    month = summary.previous_month(today.date())
    shift = today - datetime.strptime(f"{month}-15 12:00", "%Y-%m-%d %H:%M").replace(tzinfo=clock.SHANGHAI)

    class LastMonth(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime.now(tz) - shift

    monkeypatch.setattr(simulator, "datetime", LastMonth)
    platform = bootstrap.build(Settings.from_env(data, env={"CBEC_SIM_ACCEPT_DELAY": "0"}), with_simulator=True)
    try:
        platform.identity.enterprises.ensure_demo()
        ensure_demo(platform.identity, platform.identity.enterprises, platform.reference)
        return month, through_customs(platform, "E2ESUM")
    finally:
        platform.close()
        monkeypatch.undo()


def test_the_declarant_declares_last_months_summary_and_sees_customs_answer(browser, tmp_path, monkeypatch):
    month, (usa, japan) = departed_last_month(tmp_path / "data", monkeypatch)
    server = Server(tmp_path / "data").start()
    try:
        page = browser.new_page()
        log_in(page, server, next_url="/declarant/orders")
        page.click("#nav-summary-due")
        expect(page.locator("h1")).to_contain_text("出口汇总申报")
        expect(page.locator("#month")).to_have_value(month)
        expect(page.locator(f".reminder[data-month='{month}']")).to_contain_text("2 票")
        expect(page.locator("fieldset.proposal")).to_have_count(2)
        expect(page.locator("fieldset.proposal").nth(0)).to_contain_text(japan)
        expect(page.locator("fieldset.proposal").nth(1)).to_contain_text(usa)

        page.click("#declare")

        expect(page.locator("#declared-now")).to_contain_text("2")
        rows = page.locator("#applications tbody tr")
        expect(rows).to_have_count(2)
        expect(rows.nth(0).locator(".invt-nos")).to_have_text(japan)
        expect(rows.nth(1).locator(".invt-nos")).to_have_text(usa)
        for i in range(2):  # the page follows customs' answers by itself
            expect(rows.nth(i).locator(".status")).to_have_attribute("data-status", "399", timeout=20_000)
            expect(rows.nth(i).locator(".sum-no")).to_have_text(SUM_NO, timeout=20_000)
        expect(page.locator("section.results .entry-id")).to_have_count(2, timeout=20_000)
        for i in range(2):
            expect(page.locator("section.results .entry-id").nth(i)).to_have_text(ENTRY_ID, timeout=20_000)

        page.click("#to-proposals")
        expect(page.locator("#no-proposals")).to_be_visible()
        expect(page.locator("#nav-summary-due")).to_have_count(0)
    finally:
        server.stop()
