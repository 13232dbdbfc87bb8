"""B4, B1: an auditor opens the dashboards (数据统计) and the auditor console in a real browser."""

from __future__ import annotations

import re
import time

from playwright.sync_api import expect

from engine.demo import DEMO_ORDERS, DEMO_PURCHASES, DEMO_SHIPMENTS
from tests.e2e.customs.test_declarant_console import log_in


def test_the_dashboard_draws_declarations_per_day_as_svg_bars(server, browser):
    page = browser.new_page()
    log_in(page, server, "auditor", "/dashboards")
    bar = page.locator("svg#chart-per-day rect.bar[data-series^='120']")
    # at 120 once customs answered: the demo orders, the purchases' payments and waybills (their inventories go on to
    # 800) and every document of the export parcels (they wait for a bag)
    n = str(DEMO_ORDERS + 2 * len(DEMO_PURCHASES) + 4 * len(DEMO_SHIPMENTS))
    total = str(DEMO_ORDERS + 3 * len(DEMO_PURCHASES) + 4 * len(DEMO_SHIPMENTS))
    deadline = time.time() + 30
    while time.time() < deadline and (bar.count() == 0 or bar.get_attribute("data-value") != n):
        time.sleep(0.5)  # the demo orders are still with customs
        page.reload()
    expect(page.locator("h1")).to_have_text("数据统计")
    expect(bar).to_have_attribute("data-value", n)
    expect(bar).to_have_attribute("aria-label", re.compile(rf"^\d{{4}}-\d\d-\d\d · 120 海关入库: {n}$"))
    expect(page.locator("#kpi-total")).to_have_text(total)
    expect(page.locator("svg#chart-goods rect.bar")).to_have_count(2)  # two item names in the demo orders
    expect(page.locator("svg#chart-latency rect.bar[data-label^='CEB312']").first).to_be_visible()
    page.goto(server.url + "/dashboards?lang=en")
    expect(page.locator("h1")).to_have_text("Dashboards")
    expect(page.locator("svg#chart-per-day rect.bar[data-series^='120']")).to_have_attribute(
        "aria-label", re.compile(rf"120 Accepted by customs: {n}$"))


def test_the_auditor_finds_an_order_and_reads_its_history(server, browser):
    page = browser.new_page()
    log_in(page, server, "auditor", "/audit")
    expect(page.locator("#chain-head")).to_be_visible()
    page.fill("input[name='q']", "DEMO00000000000001")
    page.press("input[name='q']", "Enter")
    expect(page.locator("#history tr[data-version='1']")).to_contain_text("Declared")
    expect(page.locator("#history tr[data-version='1']")).to_contain_text("demo")
    expect(page.locator("#state td[data-field='order_no']")).to_have_text("DEMO00000000000001")
