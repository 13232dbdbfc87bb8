"""#18 in Chromium, the fix-and-resend journeys on a real `cbec serve`: a declarant declares an order with a mistake
(the simulator's reject-order=MISTAKE fault refuses documents whose note says MISTAKE), sees customs refuse it on
its page, clicks 修改重报, fixes the note, gives the reason, sends it again and sees it accepted with both versions
in its history; an agent that sees an order, its payment and its waybill clicks 生成清单 on the order page and gets
the inventory form prefilled from the three."""

from __future__ import annotations

import uuid
from pathlib import Path

from playwright.sync_api import expect

from domain.customs.import_rules import id_check_digit
from engine import bootstrap
from engine.customs import examples
from engine.customs.api_json import plain
from engine.demo import ensure_demo
from engine.settings import Settings
from tests.e2e.conftest import Server
from tests.e2e.customs.test_declarant_console import log_in

AGENT_PASSWORD = "Proxy-Declarer-2026"


def buyer_id() -> str:
    first17 = f"33010219900101{uuid.uuid4().int % 1000:03d}"
    return first17 + id_check_digit(first17)


def declare_with_a_mistake(page, server) -> dict:
    """An order whose note says MISTAKE, declared through the API with the page's session."""
    order = plain(examples.import_order(f"FIX{uuid.uuid4().hex[:8].upper()}")) | {"note": "MISTAKE"}
    token = page.locator("meta[name='csrf-token']").get_attribute("content")
    answer = page.request.post(f"{server.url}/api/import/orders", data=order, headers={"X-CSRF-Token": token})
    assert answer.status < 300, answer.text()
    return order


def test_a_declarant_fixes_a_refused_order_and_sends_it_again(browser, tmp_path):
    server = Server(tmp_path / "data", args=["--faults", "reject-order=MISTAKE"]).start()
    try:
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        log_in(page, server, next_url="/declarant")
        order = declare_with_a_mistake(page, server)
        for _ in range(60):  # the order's page once the platform has it
            page.goto(f"{server.url}/declarant/orders/{order['orderNo']}?ebpCode={order['ebpCode']}")
            if page.locator("#status").count():
                break
            page.wait_for_timeout(500)
        expect(page.locator("#status")).to_have_attribute("data-status", "100", timeout=30_000)
        expect(page.locator("#return-info")).to_contain_text("模拟退单")
        page.click("#action-modify")
        expect(page.locator("#form-title")).to_contain_text(f"修改重报 订单 {order['orderNo']}")
        expect(page.locator("input[name='orderNo']")).to_have_attribute("readonly", "")
        expect(page.locator("input[name='note']")).to_have_value("MISTAKE")
        page.fill("input[name='note']", "备注已更正")
        page.fill("#amend-reason", "备注填错，更正后重报")
        page.click("#submit")
        expect(page.locator("#modified")).to_be_visible()
        expect(page.locator("#status")).to_have_attribute("data-status", "120", timeout=30_000)
        expect(page.locator("#status")).to_have_text("海关入库")
        versions = page.locator("#versions tbody tr")
        expect(versions).to_have_count(2)
        expect(versions.nth(0)).to_have_attribute("data-version", "2")
        expect(versions.nth(0).locator(".version-reason")).to_have_text("备注填错，更正后重报")
        expect(versions.nth(1).locator(".version-status")).to_contain_text("100")
        expect(versions.nth(1).locator(".version-status")).to_contain_text("模拟退单")
        expect(page.locator("#action-modify")).to_have_count(0)  # accepted: nothing to fix any more
        expect(page.locator("dd[data-field='note']")).to_have_text("备注已更正")
    finally:
        server.stop()


def agent_with_three_documents(data: Path) -> dict:
    """The platform `cbec serve` will open: an agent organisation acting for the demo e-commerce and logistics
    enterprises (it sees an order, its payment and its waybill), and one purchase's three documents declared."""
    platform = bootstrap.build(Settings.from_env(data, env={"CBEC_SIM_ACCEPT_DELAY": "0"}), with_simulator=True)
    try:
        platform.identity.enterprises.ensure_demo()
        ensure_demo(platform.identity, platform.identity.enterprises, platform.reference)
        platform.identity.register_organisation("E2E-AGENT", "代理申报企业", by="test")
        for code in ("3301960001", "3301980001"):
            platform.identity.assign_enterprise("E2E-AGENT", code, by="test")
        platform.identity.register_user("agent", "代理申报员", "E2E-AGENT", ["declarant_ecommerce"],
                                        AGENT_PASSWORD, by="test")
        bought = examples.purchase(f"BLD{uuid.uuid4().hex[:8].upper()}", buyer_id=buyer_id())
        for role, message in (("order", "CEB311"), ("payment", "CEB411"), ("waybill", "CEB511")):
            platform.customs.declarations[message].declare(bought[role], declared_by="test")
        platform.runner.run_until_idle()
        return bought
    finally:
        platform.close()


def test_an_agent_builds_the_inventory_from_the_order_page(browser, tmp_path):
    bought = agent_with_three_documents(tmp_path / "data")
    server = Server(tmp_path / "data").start()
    try:
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        order = bought["order"]
        page.goto(f"{server.url}/login?next=/declarant/orders/{order['orderNo']}?ebpCode={order['ebpCode']}")
        page.fill("input[name='username']", "agent")
        page.fill("input[name='password']", AGENT_PASSWORD)
        page.click("#login")
        expect(page.locator("#status")).to_have_attribute("data-status", "120", timeout=30_000)
        page.click("#action-make_inventories")
        expect(page.locator("#form-title")).to_contain_text("新增清单")
        expect(page.locator("#prefilled")).to_contain_text("订单")
        expect(page.locator("#prefilled")).to_contain_text("支付单")
        expect(page.locator("#prefilled")).to_contain_text("运单")
        expect(page.locator("input[name='orderNo']")).to_have_value(order["orderNo"])
        expect(page.locator("input[name='logisticsNo']")).to_have_value(bought["waybill"]["logisticsNo"])
        expect(page.locator("input[name='logisticsCode']")).to_have_value(bought["waybill"]["logisticsCode"])
        expect(page.locator("input[name='buyerName']")).to_have_value(order["buyerName"])
        lines = page.locator("#doc-lines tbody tr.line")
        expect(lines).to_have_count(len(order["orderList"]))
        for n, line in enumerate(order["orderList"], start=1):
            expect(page.locator(f"input[name='inventoryList.{n}.gname']")).to_have_value(line["itemName"])
            expect(page.locator(f"input[name='inventoryList.{n}.qty']")).to_have_value(str(line["qty"]))
    finally:
        server.stop()
