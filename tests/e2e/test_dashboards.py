"""B4, B1: an auditor opens the dashboards (数据统计) and the auditor console in a real browser."""

from __future__ import annotations

import re
import time

from playwright.sync_api import expect

from tests.e2e.test_declarant_console import log_in


def test_the_dashboard_draws_declarations_per_day_as_svg_bars(server, browser):
    page = browser.new_page()
    log_in(page, server, "auditor", "/dashboards")
    bar = page.locator("svg#chart-per-day rect.bar[data-series^='120']")
    deadline = time.time() + 30
    while time.time() < deadline and bar.count() == 0:  # the three demo orders are still with customs
        time.sleep(0.5)
        page.reload()
    expect(page.locator("h1")).to_have_text("数据统计")
    expect(bar).to_have_attribute("data-value", "3")
    expect(bar).to_have_attribute("aria-label", re.compile(r"^\d{4}-\d\d-\d\d · 120 海关入库: 3$"))
    expect(page.locator("#kpi-total")).to_have_text("3")
    expect(page.locator("svg#chart-goods rect.bar")).to_have_count(2)  # two item names in the demo orders
    expect(page.locator("svg#chart-latency rect.bar").first).to_have_attribute("aria-label", re.compile("CEB312"))
    page.goto(server.url + "/dashboards?lang=en")
    expect(page.locator("h1")).to_have_text("Dashboards")
    expect(page.locator("svg#chart-per-day rect.bar[data-series^='120']")).to_have_attribute(
        "aria-label", re.compile(r"120 Accepted by customs: 3$"))


def test_the_auditor_finds_an_order_and_reads_its_history(server, browser):
    page = browser.new_page()
    log_in(page, server, "auditor", "/audit")
    expect(page.locator("#chain-head")).to_be_visible()
    page.fill("input[name='q']", "DEMO00000000000001")
    page.press("input[name='q']", "Enter")
    expect(page.locator("#history tr[data-version='1']")).to_contain_text("Declared")
    expect(page.locator("#history tr[data-version='1']")).to_contain_text("demo")
    expect(page.locator("#state td[data-field='order_no']")).to_have_text("DEMO00000000000001")
