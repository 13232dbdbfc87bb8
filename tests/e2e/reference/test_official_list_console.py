"""#18 in a real browser on a real `cbec serve`: the administrator sees which code lists are incomplete (the full HS
list is shipped, but without the codes created since 2018), imports customs' official declaring-unit list marked
complete, and the console then says codes outside it are refused, with the import's file and time."""

from __future__ import annotations

from playwright.sync_api import expect

from engine.demo import DEMO_PASSWORD


def test_the_administrator_imports_the_official_list_and_the_console_says_it_is_complete(server, browser):
    page = browser.new_page()
    page.goto(f"{server.url}/login?next=/admin/reference")
    page.fill("input[name='username']", "admin")
    page.fill("input[name='password']", DEMO_PASSWORD)
    page.click("#login")
    hs = page.locator("#lists tr[data-list='hs_codes']")
    expect(hs).to_contain_text("11827")
    expect(hs.locator(".completeness")).to_contain_text("不完整")
    units = page.locator("#lists tr[data-list='declaring_units']")
    expect(units.locator(".completeness")).to_contain_text("不完整")

    units.locator("a", has_text="导入").click()
    page.set_input_files("input[name='file']", files=[{
        "name": "declaring-units-2026.csv", "mimeType": "text/csv",
        "buffer": "code,name_zh\n3301960001,杭州示范跨境电商有限公司\n3122460001,上海实报跨境电商有限公司\n".encode()}])
    page.fill("input[name='reason']", "海关发布的申报单位表")
    page.check("input[name='complete']")
    page.click("#import-form button[type='submit']")
    expect(page.locator("#now-complete")).to_be_visible()
    expect(page.locator("#added")).to_have_text("1")

    page.goto(f"{server.url}/admin/reference")
    row = page.locator("#lists tr[data-list='declaring_units']")
    expect(row.locator(".completeness")).to_contain_text("完整（表外代码拒绝）")
    expect(row.locator(".last-import")).to_contain_text("declaring-units-2026.csv")
    expect(row.locator(".last-import")).to_contain_text("+08:00")
    expect(row).to_contain_text("2")
