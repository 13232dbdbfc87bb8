"""I3, X1: in the browser, 500 orders from the Excel template (3 bad rows) are saved as 暂存 drafts, declared in one
批量申报, and the batch page follows them until customs has accepted every one (120)."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from playwright.sync_api import expect

from adapters.excel.documents import HEADS, LINES
from tests.e2e.customs.test_declarant_console import log_in

ORDERS = 500


def workbook_of_orders(template: bytes, prefix: str, bad: dict[int, tuple[str, str]]) -> bytes:
    """The template's example order copied ORDERS times under new numbers; `bad`: order index -> (field, value)."""
    book = load_workbook(io.BytesIO(template))
    heads, lines = book[HEADS], book[LINES]
    titles = [str(c.value).split()[-1] for c in heads[1]]
    head_example = [c.value for c in heads[2]]
    line_examples = [[c.value for c in row] for row in lines.iter_rows(min_row=2)]
    heads.delete_rows(2, heads.max_row)
    lines.delete_rows(2, lines.max_row)
    for i in range(ORDERS):
        row, number = list(head_example), f"{prefix}{i:04d}"
        row[titles.index("orderNo")] = number
        if i in bad:
            field, value = bad[i]
            row[titles.index(field)] = value
        heads.append(row)
        for line in line_examples:
            lines.append([number, *line[1:]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_500_orders_imported_as_drafts_are_declared_in_one_batch_and_reach_120(server, browser, tmp_path):
    page = browser.new_page()
    log_in(page, server, next_url="/declarant/orders/import")
    expect(page.locator("h1")).to_contain_text("Excel")
    template = page.request.get(server.url + "/declarant/orders/template.xlsx").body()
    bad = {7: ("acturalPaid", "1"), 250: ("buyerIdNumber", "12345"), 499: ("consignee", None)}
    path = tmp_path / "orders.xlsx"
    path.write_bytes(workbook_of_orders(template, "BATCH-", bad))
    page.set_input_files("input[name='file']", str(path))
    page.check("#keep-good")
    page.click("#upload")
    expect(page.locator("#summary")).to_have_attribute("data-stored", str(ORDERS - len(bad)), timeout=30_000)
    for i, (field, _) in bad.items():
        expect(page.locator("#problems tr", has_text=f"BATCH-{i:04d}")).to_contain_text(field)
    page.click("#declare-drafts")
    expect(page.locator("h1")).to_contain_text("批量申报进度")
    expect(page.locator("#counts .count[data-status='120']")).to_have_text(str(ORDERS - len(bad)), timeout=45_000)
    expect(page.locator("#batch-state")).to_have_attribute("data-done", "1")
    page.goto(server.url + "/declarant/orders/drafts?q=BATCH-&status=draft")
    expect(page.locator(".empty")).to_be_visible()
