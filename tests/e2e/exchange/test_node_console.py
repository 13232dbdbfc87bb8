"""X5 in a real browser: the operator sees the link's health, is told which field is wrong, configures the node
(every change in the history), and follows a message to the raw receipt customs sent."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.customs.test_declarant_console import log_in


def test_the_operator_configures_the_node_link_and_reads_a_raw_receipt(server, browser):
    page = browser.new_page()
    log_in(page, server, "admin", "/admin/node")
    expect(page.locator("#health-out")).to_contain_text("filebox")
    expect(page.locator("#health-out .last")).to_contain_text(re.compile(r"CEB\d{3}"), timeout=20_000)  # demo data out
    expect(page.locator("#health-out")).to_contain_text("正常")
    expect(page.locator("#history")).to_contain_text("尚无修改")

    form = page.locator("#node-form")
    form.locator("input[name='sender_dxp_id']").fill("DXP-BAD")
    form.locator("#reason").fill("接入新节点")
    form.locator("#save").click()
    expect(page.locator("#errors li[data-field='sender_dxp_id']")).to_be_visible()
    expect(page.locator("#history")).to_contain_text("尚无修改")  # nothing saved

    form = page.locator("#node-form")
    form.locator("input[name='sender_dxp_id']").fill("DXPENT0000000001")
    form.locator("input[name='stale_after_minutes']").fill("15")
    form.locator("input[name='dxp_envelope']").check()
    form.locator("#reason").fill("接入新节点")
    form.locator("#save").click()
    expect(page.locator("#saved")).to_have_text("配置已保存，立即生效")
    history = page.locator("#history tbody tr").first
    expect(history).to_contain_text("admin")
    expect(history).to_contain_text("接入新节点")
    expect(history).to_contain_text("DXPENT0000000001")

    page.locator("#health-out .last a").click()
    for _ in range(40):  # the simulator answers within seconds; the page shows what was recorded when it loaded
        if page.locator("a.raw-receipt").count():
            break
        page.wait_for_timeout(500)
        page.reload()
    page.locator("a.raw-receipt").last.click()
    expect(page.locator("#raw")).to_contain_text(re.compile(r"CEB\d{3}Message"))
