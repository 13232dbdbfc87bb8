"""P5, I3: a declarant creates an import order in the console and watches customs accept it."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from engine.demo import DEMO_PASSWORD

LINE = {"itemNo": "SKU-1", "itemName": "婴儿奶粉", "gmodel": "800克/罐", "unit": "122", "qty": "2",
        "price": "198.5", "totalPrice": "397", "country": "601"}
HEAD = {"orderNo": "WEB-0001", "goodsValue": "397", "freight": "10", "discount": "0", "taxTotal": "36.13",
        "acturalPaid": "443.13", "buyerRegNo": "buyer01", "buyerName": "李四", "buyerTelephone": "13900000000",
        "buyerIdNumber": "330102199001011234", "consignee": "李四", "consigneeTelephone": "13900000000",
        "consigneeAddress": "浙江省杭州市西湖区文三路2号"}


def log_in(page, server, username="ecom", next_url="/declarant/orders"):
    page.goto(f"{server.url}/login?next={next_url}")
    page.fill("input[name='username']", username)
    page.fill("input[name='password']", DEMO_PASSWORD)
    page.click("#login")


def fill_order(page, head, line):
    for name, value in head.items():
        page.fill(f"input[name='{name}']", value)
    for name, value in line.items():
        page.fill(f"input[name='orderList.1.{name}']", value)


def test_declarant_creates_an_order_and_sees_customs_accept_it(server, browser):
    page = browser.new_page()
    log_in(page, server, next_url="/declarant/orders/new")
    expect(page.locator("h1")).to_contain_text("新增订单")
    fill_order(page, HEAD, LINE)
    page.click("#submit")
    expect(page.locator("#status")).to_have_attribute("data-status", "120", timeout=30_000)
    expect(page.locator("#status")).to_have_text("海关入库")
    expect(page.locator("#receipts")).to_contain_text("申报中")
    expect(page.locator("#signed-xml")).to_contain_text("<ds:SignatureValue>")
    expect(page.locator("#timeline")).to_contain_text("已发送海关")  # #18: the history in the user's words
    page.goto(server.url + "/declarant/orders?q=WEB-0001")
    expect(page.locator("#documents tbody tr")).to_have_count(1)
    expect(page.locator("#documents")).to_contain_text("海关入库")


def test_a_wrong_total_is_refused_with_the_field_named_and_nothing_stored(server, browser):
    page = browser.new_page()
    log_in(page, server, next_url="/declarant/orders/new")
    fill_order(page, HEAD | {"orderNo": "WEB-BAD", "acturalPaid": "500"}, LINE)
    page.click("#submit")
    alert = page.locator(".errors")
    expect(alert).to_contain_text("acturalPaid")
    expect(alert).to_contain_text(re.compile("443.13"))
    expect(page.locator("input[name='orderNo']")).to_have_value("WEB-BAD")
    page.goto(server.url + "/declarant/orders?q=WEB-BAD")
    expect(page.locator(".empty")).to_be_visible()


def test_the_console_speaks_english_when_asked(server, browser):
    page = browser.new_page()
    log_in(page, server)
    page.goto(server.url + "/declarant/orders?lang=en")
    expect(page.locator("h1")).to_contain_text("Order")  # the one order console: the document list's heading
    expect(page.locator("h1")).to_contain_text("CEB311")
    expect(page.locator("h1")).not_to_contain_text("订单")
    page.goto(server.url + "/declarant/orders/new")
    expect(page.locator("h1")).to_contain_text("New order")
