"""I1, I2 in a real browser on a real `cbec serve`: an administrator searches a code list and edits an entry with a
reason; a declarant's order form offers codes as they type; the command line validates codes."""

from __future__ import annotations

import os
import subprocess
import sys

from playwright.sync_api import expect

from engine.demo import DEMO_PASSWORD


def log_in(page, server, username: str, next_url: str) -> None:
    page.goto(f"{server.url}/login?next={next_url}")
    page.fill("input[name='username']", username)
    page.fill("input[name='password']", DEMO_PASSWORD)
    page.click("#login")


def test_an_administrator_searches_and_edits_an_entry_with_a_reason(server, browser):
    page = browser.new_page()
    log_in(page, server, "admin", "/admin/reference")
    expect(page.locator("#lists tr[data-list='countries']")).to_contain_text("国别(地区)")
    page.click("#lists a[href='/admin/reference/countries']")
    page.fill("#q", "日")
    page.click("#search")
    expect(page.locator("#entries tbody tr[data-code='116']")).to_contain_text("日本")
    page.click("#entries tr[data-code='116'] a")
    expect(page.locator("#history")).to_contain_text("平台初始数据")

    page.fill("input[name='name_zh']", "日本国")
    page.click("#save")  # no reason: refused, nothing saved
    expect(page.locator("input[name='name_zh']")).to_have_value("日本国")
    page.fill("#reason", "按官方全称修改")
    page.click("#save")
    expect(page.locator("#saved")).to_be_visible()
    first = page.locator("#history tbody tr").first
    expect(first).to_contain_text("按官方全称修改")
    expect(first).to_contain_text("admin")
    expect(first).to_contain_text("日本 → 日本国")

    page.goto(server.url + "/admin/reference/countries?q=116&lang=en")
    expect(page.locator("h1")).to_contain_text("Countries and regions")
    expect(page.locator("#entries")).to_contain_text("日本国")


def test_the_order_form_offers_codes_as_the_declarant_types(server, browser):
    page = browser.new_page()
    log_in(page, server, "ecom", "/declarant/orders/new")
    country = page.locator("input[name='orderList.1.country']")
    country.click()
    country.press_sequentially("日")
    expect(page.locator("#ref-countries option[value='116']")).to_have_attribute("label", "116 日本")
    unit = page.locator("input[name='orderList.1.unit']")
    unit.click()
    unit.press_sequentially("12")
    expect(page.locator("#ref-units option[value='122']")).to_have_attribute("label", "122 罐")
    page.click("#add-line")
    expect(page.locator("input[name='orderList.2.country']")).to_have_attribute("list", "ref-countries")


def cbec(*args: str, data=None, env=None) -> subprocess.CompletedProcess:
    extra = ["--data", str(data)] if data else []
    return subprocess.run([sys.executable, "-m", "engine.cli", *map(str, args), *extra], capture_output=True,
                          text=True, timeout=120, env=os.environ | (env or {}))


def test_validate_names_each_code_outside_the_lists(tmp_path):
    shipped_lists = {"CBEC_DATA_DIR": str(tmp_path / "no-data-folder")}  # no data folder: the shipped lists
    good = tmp_path / "good.xml"
    good.write_text(cbec("example", "CEB311").stdout, "utf-8")
    assert cbec("validate", good, env=shipped_lists).stdout.strip() == "OK"
    bad = tmp_path / "bad.xml"
    bad.write_bytes(good.read_bytes().replace(b"<ceb:country>601<", b"<ceb:country>998<", 1)
                    .replace(b"<ceb:unit>122<", b"<ceb:unit>999<", 1))
    result = cbec("validate", bad, env=shipped_lists)
    assert result.returncode == 1
    lines = [line.split("\t")[:2] for line in result.stdout.splitlines()]
    assert lines == [["Order[1].orderList[1].country", "ref.country.unknown"],
                     ["Order[1].orderList[1].unit", "ref.unit.unknown"]]


def test_the_reference_command_looks_up_imports_and_reports(tmp_path):
    data = tmp_path / "data"
    lookup = cbec("reference", "lookup", "countries", "日", data=data)
    assert lookup.returncode == 0 and lookup.stdout.startswith("116\t日本")
    table = tmp_path / "units.csv"
    table.write_text("code,name_zh\n201,新单位\n2001,坏\n", "utf-8")
    result = cbec("reference", "import", "units", table, "--reason", "测试", data=data)
    assert result.returncode == 1 and '"added": 1' in result.stdout and '"rejected": 1' in result.stdout
    assert "201\t新单位" in cbec("reference", "lookup", "units", "新", data=data).stdout

