"""A1, A3, A4: the administrator creates a user in the console; the user logs in and works; the system log
shows both."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.customs.test_declarant_console import log_in


def test_an_administrator_creates_a_declarant_who_then_logs_in(server, browser):
    page = browser.new_page()
    log_in(page, server, "admin", "/admin")
    expect(page.locator("h1")).to_have_text("管理员控制台")
    form = page.locator("#user-form")
    form.locator("input[name='username']").fill("newdeclarant")
    form.locator("input[name='display_name']").fill("新申报员")
    form.locator("select[name='organisation']").select_option("ECOM-DEMO")
    form.locator("select[name='roles']").select_option("declarant_ecommerce")
    form.locator("input[name='password']").fill("Fresh-Start-2026")
    form.locator("button[type='submit']").click()
    expect(page.locator("#notice")).to_contain_text("newdeclarant")
    expect(page.locator("#users")).to_contain_text("电商企业申报员")
    page.click("#logout")

    page.goto(f"{server.url}/login?next=/declarant/orders")
    page.fill("input[name='username']", "newdeclarant")
    page.fill("input[name='password']", "Fresh-Start-2026")
    page.click("#login")
    expect(page.locator("#whoami")).to_have_text("newdeclarant")
    expect(page.locator("#documents")).to_contain_text("DEMO00000000000001")  # the organisation's demo orders
    page.click("#logout")

    log_in(page, server, "admin", "/admin/log?q=newdeclarant")
    expect(page.locator("#log")).to_contain_text("login")


def test_a_wrong_password_is_answered_without_saying_whether_the_user_exists(server, browser):
    page = browser.new_page()
    page.goto(f"{server.url}/login")
    page.fill("input[name='username']", "ecom")
    page.fill("input[name='password']", "not-the-password")
    page.click("#login")
    expect(page.locator("#login-error")).to_have_text("用户名或密码错误")
