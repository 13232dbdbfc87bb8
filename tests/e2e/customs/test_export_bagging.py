"""E7: in the browser, a logistics declarant bags 20 parcels customs accepted (declared as export waybills
beforehand), sees their count and weight, declares one 清单总分单 under one bag number and watches customs answer it
on the bag's page."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from engine import bootstrap
from engine.demo import ensure_demo
from engine.settings import Settings
from tests.e2e.conftest import Server
from tests.e2e.customs.test_declarant_console import log_in
from tests.integration.customs.test_export_consoles import BAG_FIELDS, accepted_waybills

PARCELS = 20
PREFIX = "E2EBAG"


def accepted_parcels(data: Path) -> list[str]:
    """The platform `cbec serve` will open, with 20 export waybills sent and accepted by customs (120)."""
    platform = bootstrap.build(Settings.from_env(data, env={"CBEC_SIM_ACCEPT_DELAY": "0"}), with_simulator=True)
    try:
        platform.identity.enterprises.ensure_demo()
        ensure_demo(platform.identity, platform.identity.enterprises, platform.reference)
        return [w["logisticsNo"] for w in accepted_waybills(platform, PREFIX, PARCELS)]
    finally:
        platform.close()


def test_a_logistics_declarant_bags_20_parcels_and_watches_the_bag_accepted(browser, tmp_path):
    parcels = accepted_parcels(tmp_path / "data")
    server = Server(tmp_path / "data").start()
    try:
        page = browser.new_page()
        log_in(page, server, username="logistics", next_url=f"/declarant/bags/new-from-parcels?q={PREFIX}")
        expect(page.locator("#parcels tbody tr")).to_have_count(PARCELS)
        expect(page.locator("#parcel-summary")).to_have_attribute("data-weight", "18.0")
        page.check("#select-all-parcels")
        expect(page.locator("#ticked-count")).to_have_text(str(PARCELS))
        expect(page.locator("#ticked-weight")).to_have_text("18")
        for name in ("customsCode", "billNo", "trafMode", "trafName", "voyageNo", "totalPackageNo"):
            page.fill(f"#bag-form input[name='{name}']", BAG_FIELDS[name])
        expect(page.locator("#bag-form input[name='agentCode']")).to_have_value(BAG_FIELDS["agentCode"])
        page.click("#declare-bag")
        expect(page.locator("#created")).to_be_visible()
        expect(page.locator("#lines-shown tbody tr")).to_have_count(PARCELS)
        expect(page.locator("#lines-shown")).to_contain_text(parcels[-1])
        expect(page.locator("#fields dd[data-field='grossWeight']")).to_have_text("18.0")
        expect(page.locator("#status")).to_have_attribute("data-status", "120", timeout=30_000)
        expect(page.locator("#make-departures")).to_be_visible()
        page.goto(f"{server.url}/declarant/bags/new-from-parcels?q={PREFIX}")
        expect(page.locator("#no-parcels")).to_be_visible()
    finally:
        server.stop()
