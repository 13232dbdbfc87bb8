"""#18 A1-A6 in a real browser: the administrator disables a user who then cannot log in, resets a password that
the user must change at the next login, and the enterprise administrator's role picker never offers 平台管理员."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.customs.test_declarant_console import log_in


def log_in_as(page, server, username: str, password: str, next_url: str = "/") -> None:
    page.goto(f"{server.url}/login?next={next_url}")
    page.fill("input[name='username']", username)
    page.fill("input[name='password']", password)
    page.click("#login")


def manage(page, server, username: str) -> None:
    """From the console's user list to the user's page, as an administrator clicks it."""
    page.goto(f"{server.url}/admin")
    page.locator(f"tr[data-user='{username}'] a.button").click()
    expect(page.locator("h1")).to_contain_text(username)


def test_an_administrator_disables_a_user_who_then_cannot_log_in(server, browser):
    page = browser.new_page()
    log_in(page, server, "admin", "/admin")
    manage(page, server, "ecom")
    page.locator("#disable-form input[name='reason']").fill("离职")
    page.locator("#disable-form button").click()
    expect(page.locator("#user-status")).to_contain_text("已停用")
    expect(page.locator("#history")).to_contain_text("离职")
    page.click("#logout")

    log_in(page, server, "ecom")
    expect(page.locator("#login-error")).to_have_text("用户名或密码错误")


def test_a_reset_password_is_changed_at_the_next_login_before_anything_else(server, browser):
    page = browser.new_page()
    log_in(page, server, "admin", "/admin")
    manage(page, server, "logistics")
    page.locator("#reset-form input[name='reason']").fill("忘记密码")
    page.locator("#reset-form button").click()
    temporary = page.locator("#temporary-password").inner_text()
    assert re.fullmatch(r"\S{10,}", temporary)
    page.click("#logout")

    log_in_as(page, server, "logistics", temporary, "/declarant/waybills")
    expect(page).to_have_url(re.compile(r"/account$"))
    expect(page.locator("#must-change")).to_be_visible()
    response = page.goto(f"{server.url}/declarant/waybills")  # nothing else is reachable meanwhile
    assert response is not None and response.status == 403
    page.goto(f"{server.url}/account")
    page.fill("input[name='current']", temporary)
    page.fill("input[name='new']", "Waybill-Own-2026!")
    page.click("form.login button[type='submit']")
    expect(page.locator(".notice")).to_have_text("密码已修改")
    page.goto(f"{server.url}/declarant/waybills")
    expect(page.locator("#whoami")).to_have_text("logistics")
    expect(page.locator("h1")).not_to_have_text("无权操作")


def test_the_enterprise_administrators_role_picker_does_not_offer_platform_administrator(server, browser):
    page = browser.new_page()
    log_in(page, server, "ecomadmin", "/admin")
    options = page.locator("#user-form select[name='roles'] option")
    expect(options).not_to_have_count(0)
    assert "平台管理员" not in options.all_inner_texts()
    assert "电商企业申报员" in options.all_inner_texts()
    manage(page, server, "ecom")
    picker = page.locator("#roles-form select[name='roles'] option").all_inner_texts()
    assert "平台管理员" not in picker and "电商企业申报员" in picker
    response = page.goto(f"{server.url}/admin/users/admin")  # another organisation's user: a page, not JSON
    assert response is not None and response.status == 404
    expect(page.locator("#refused")).to_have_text("无权操作")
