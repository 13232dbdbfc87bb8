"""#18 in Chromium: the document forms add up the goods lines as they are typed (ui/static/totals.js) and set the
computed goods value and payable beside the declared ones, saying whether they agree."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.customs.test_declarant_console import log_in


def test_the_order_form_totals_two_typed_lines_and_checks_the_declared_amounts(server, browser):
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    log_in(page, server, next_url="/declarant/orders/new")
    page.fill("input[name='orderList.1.totalPrice']", "397")
    expect(page.locator("#lines-total")).to_have_text("397")
    page.click("#add-line")
    page.fill("input[name='orderList.2.totalPrice']", "12.35")
    expect(page.locator("#lines-total")).to_have_text("409.35")
    expect(page.locator("#computed-goodsValue")).to_have_text("409.35")
    page.fill("input[name='goodsValue']", "400")
    expect(page.locator("#declared-goodsValue")).to_have_text("400")
    expect(page.locator("#check-goodsValue")).to_have_text("不一致")
    page.fill("input[name='goodsValue']", "409.35")
    expect(page.locator("#check-goodsValue")).to_have_text("一致")
    for name, value in (("freight", "10"), ("taxTotal", "36.13"), ("discount", "5")):
        page.fill(f"input[name='{name}']", value)
    expect(page.locator("#computed-acturalPaid")).to_have_text("450.48")
    page.fill("input[name='acturalPaid']", "450.48")
    expect(page.locator("#check-acturalPaid")).to_have_text("一致")


def test_the_inventory_form_totals_two_typed_lines(server, browser):
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    log_in(page, server, next_url="/declarant/inventories/new")
    page.fill("input[name='inventoryList.1.totalPrice']", "198.5")
    page.click("#add-doc-line")
    page.fill("input[name='inventoryList.2.totalPrice']", "0.25")
    expect(page.locator("#lines-total")).to_have_text("198.75")
    page.locator("#doc-lines tr.line").nth(0).locator(".remove-line").click()
    expect(page.locator("#lines-total")).to_have_text("0.25")
