"""#18 in Chromium: a declarant finds a buyer's order by phone in the one order list, sees the phone masked, sorts by
number, changes the page size and jumps, and exports the list to Excel with Chinese headers."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.e2e.customs.test_declarant_console import log_in
from tests.e2e.customs.test_import_batch import HEADS, LINES

ORDERS = 25


def workbook(template: bytes) -> bytes:
    """The template's example order as ORDERS drafts LIST-0000 ..., each buyer with a phone of their own."""
    book = load_workbook(io.BytesIO(template))
    heads, lines = book[HEADS], book[LINES]
    titles = [str(c.value).split()[-1] for c in heads[1]]
    head, line_rows = [c.value for c in heads[2]], [[c.value for c in r] for r in lines.iter_rows(min_row=2)]
    heads.delete_rows(2, heads.max_row)
    lines.delete_rows(2, lines.max_row)
    for i in range(ORDERS):
        row, number = list(head), f"LIST-{i:04d}"
        row[titles.index("orderNo")], row[titles.index("buyerTelephone")] = number, f"1380000{i:04d}"
        heads.append(row)
        for line in line_rows:
            lines.append([number, *line[1:]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_declarant_searches_by_phone_sorts_pages_and_exports(server, browser, tmp_path):
    page = browser.new_page()
    log_in(page, server, next_url="/declarant/orders/import")
    path = tmp_path / "orders.xlsx"
    path.write_bytes(workbook(page.request.get(server.url + "/declarant/orders/template.xlsx").body()))
    page.set_input_files("input[name='file']", str(path))
    page.click("#upload")
    expect(page.locator("#summary")).to_have_attribute("data-stored", str(ORDERS), timeout=30_000)

    page.goto(server.url + "/declarant/orders")
    page.fill("#buyer", "13800000007")
    page.click("#search")
    expect(page.locator("#documents tbody tr")).to_have_count(1)
    expect(page.locator("#documents")).to_contain_text("LIST-0007")
    expect(page.locator("#documents .phone")).to_have_text("138****0007")  # masked: no I3:view-personal

    page.fill("#buyer", "")
    page.fill("input[name='q']", "LIST-")  # the demo's own orders are listed too
    page.click("#search")
    page.click("th[data-sort='number'] a")
    expect(page.locator("th[data-sort='number']")).to_have_attribute("aria-sort", "ascending")
    expect(page.locator("#documents tbody tr").first).to_contain_text("LIST-0000")
    page.click("th[data-sort='number'] a")
    expect(page.locator("#documents tbody tr").first).to_contain_text("LIST-0024")
    expect(page.locator("#documents tbody tr")).to_have_count(20)
    page.select_option("#per-page", "50")
    expect(page.locator("#documents tbody tr")).to_have_count(ORDERS)
    page.select_option("#per-page", "20")
    page.fill("#jump", "2")
    page.click("#jump-go")
    expect(page.locator("#page-of")).to_have_text("2 / 2")
    expect(page.locator("#documents tbody tr")).to_have_count(ORDERS - 20)

    with page.expect_download() as download:
        page.click("#export-list-xlsx")
    sheet = load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    header = [c.value for c in sheet[1]]
    assert header[:2] == ["单证编号", "订单编号"] and "电话" in header and sheet.max_row == ORDERS + 1
    numbers = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert numbers == sorted(numbers, reverse=True)  # the list's sort
    phones = {row[header.index("电话")] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert "138****0007" in phones and "13800000007" not in phones
