"""#18 in Chromium: a declarant lands on the home page, finds the inventory customs refused (-621002) among the to-dos,
opens it and prints it (Chinese labels, its receipts); an auditor (read-only) sees no 新增; the forms fit 1366 px."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect

from domain.customs.import_rules import id_check_digit
from engine.customs import examples
from engine.customs.api_json import plain
from tests.e2e.customs.test_declarant_console import log_in


def declare_alone(page, server) -> str:
    """An inventory without its order, payment and waybill, through the API with the page's session: -621002."""
    first17 = f"33010219900101{uuid.uuid4().int % 1000:03d}"
    inventory = examples.purchase(f"E2E{uuid.uuid4().hex[:8].upper()}",
                                  buyer_id=first17 + id_check_digit(first17))["inventory"]
    token = page.locator("meta[name='csrf-token']").get_attribute("content")
    answer = page.request.post(f"{server.url}/api/import/inventories", data=plain(inventory),
                               headers={"X-CSRF-Token": token})
    assert answer.status < 300, answer.text()
    return inventory["copNo"]


def test_a_declarant_finds_a_refused_inventory_on_the_home_page_and_prints_it(server, browser):
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    log_in(page, server, next_url="/")
    expect(page).to_have_url(re.compile(r"/declarant$"))
    cop_no = declare_alone(page, server)
    refused = page.locator("#refused-documents tr", has_text=cop_no)
    for _ in range(60):  # customs answers within seconds
        page.goto(f"{server.url}/declarant")
        if refused.count():
            break
        page.wait_for_timeout(500)
    expect(refused).to_contain_text("海关处理失败 -621002")
    expect(page.locator("#todo-refused strong")).not_to_have_text("0")
    refused.locator("a").first.click()
    expect(page.locator("#status")).to_have_attribute("data-status", "-621002")
    with page.expect_popup() as popup:
        page.click("#print")
    printed = popup.value
    expect(printed.locator("h1")).to_contain_text("清单")
    expect(printed.locator("#print-fields")).to_contain_text("币制")
    expect(printed.locator("#print-fields")).to_contain_text("人民币")
    expect(printed.locator("#print-receipts")).to_contain_text("-621002")
    expect(printed.locator("#print-receipts")).to_contain_text("清单回执")
    expect(printed.locator("#print-now")).to_be_visible()
    printed.emulate_media(media="print")
    expect(printed.locator("#print-now")).to_be_hidden()


def test_the_main_forms_fit_a_1366_pixel_window(server, browser):
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    log_in(page, server, next_url="/declarant")
    for url in ["/declarant", "/declarant/inventories/new", "/declarant/orders/new", "/declarant/inventories"]:
        page.goto(server.url + url)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, (url, overflow)


def test_a_read_only_auditor_sees_no_new_button(server, browser):
    page = browser.new_page()
    log_in(page, server, "auditor", "/declarant/inventories")
    expect(page.locator("h1")).to_contain_text("清单")
    expect(page.locator("#new")).to_have_count(0)
    expect(page.locator("#import")).to_have_count(0)
    expect(page.get_by_text("新增")).to_have_count(0)
