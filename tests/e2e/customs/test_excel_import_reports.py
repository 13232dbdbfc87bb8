"""#18 Excel imports in the browser: the e-commerce declarant downloads the template, imports inventories with a bad
row, downloads the error report (the bad row, its reason, the cell in red) and opens the inventory created from the
result page's link; the payment declarant imports payments as 存为草稿 and opens the draft from its link."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from typing import Any

from openpyxl import load_workbook
from playwright.sync_api import expect

from adapters.excel.documents import HEADS, LINES, REASON
from engine.customs import examples
from tests.e2e.customs.test_declarant_console import log_in


def _cell(value: Any) -> Any:
    return format(value, "f") if isinstance(value, Decimal) else value


def filled(template: bytes, documents: list[dict[str, Any]], list_key: str) -> bytes:
    """The template with its example replaced by ``documents`` (headers end with the field name)."""
    book = load_workbook(io.BytesIO(template))
    sheets = [book[HEADS]] + ([book[LINES]] if list_key else [])
    for sheet in sheets:
        sheet.delete_rows(2, sheet.max_row)
    head = [str(c.value).split()[-1] for c in book[HEADS][1]]
    for document in documents:
        book[HEADS].append([_cell(document.get(f)) for f in head])
        if list_key:
            line_fields = [str(c.value).split()[-1] for c in book[LINES][1]]
            for line in document[list_key]:
                book[LINES].append([_cell(line.get(f, document.get(f))) for f in line_fields])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def download(page, selector: str, tmp_path, name: str) -> Any:
    """Click a download link as the user does; the workbook it saved."""
    with page.expect_download() as event:
        page.click(selector)
    path = tmp_path / name
    event.value.save_as(path)
    return load_workbook(path)


def test_declarants_import_download_the_error_report_and_open_what_was_created(server, browser, tmp_path):
    page = browser.new_page()
    log_in(page, server, next_url="/declarant/inventories/import")
    expect(page.locator("#template-help")).to_be_visible()
    with page.expect_download() as template:
        page.click("#template")
    template_path = tmp_path / "template.xlsx"
    template.value.save_as(template_path)
    good, bad = (examples.purchase(f"E2EXL{i}", buyer_id=examples.buyer_id(i))["inventory"] for i in (1, 2))
    bad["grossWeight"] = "heavy"
    upload_path = tmp_path / "inventories.xlsx"
    upload_path.write_bytes(filled(template_path.read_bytes(), [good, bad], "inventoryList"))
    page.set_input_files("input[name='file']", str(upload_path))
    page.check("#mode-declare")
    page.check("#keep-good")
    page.click("#upload")
    expect(page.locator("#summary")).to_have_attribute("data-stored", "1")
    expect(page.locator("#problems tr", has_text=bad["copNo"])).to_contain_text("grossWeight")

    report = download(page, "#error-report", tmp_path, "report.xlsx")
    heads = report[HEADS]
    titles = [str(c.value).split()[-1] for c in heads[1]]
    assert heads.max_row == 2 and heads.cell(2, titles.index("copNo") + 1).value == bad["copNo"]
    assert "grossWeight" in heads.cell(2, titles.index(REASON) + 1).value
    assert heads.cell(2, titles.index("grossWeight") + 1).fill.fgColor.rgb.endswith("FFC7CE")

    created = page.locator("#created a")
    expect(created).to_have_count(1)
    expect(created).to_have_text(good["copNo"])
    created.click()
    expect(page.locator("body")).to_contain_text(good["copNo"])
    expect(page.locator("body")).to_contain_text(good["orderNo"])

    payments = browser.new_page()
    log_in(payments, server, username="payment", next_url="/declarant/payments/import")
    expect(payments.locator("label", has_text="存为草稿")).to_be_visible()
    with payments.expect_download() as template:
        payments.click("#template")
    path = tmp_path / "payments-template.xlsx"
    template.value.save_as(path)
    documents = [examples.purchase(f"E2EPAY{i}", buyer_id=examples.buyer_id(10 + i))["payment"] for i in (1, 2)]
    path.write_bytes(filled(path.read_bytes(), documents, ""))
    payments.set_input_files("input[name='file']", str(path))
    payments.check("#mode-draft")
    payments.click("#upload")
    expect(payments.locator("#summary")).to_have_attribute("data-stored", "2")
    drafts = payments.locator("#created a")
    expect(drafts).to_have_count(2)
    expect(payments.locator("#error-report")).to_have_count(0)
    drafts.first.click()
    expect(payments).to_have_url(re.compile(r".*/declarant/payments/drafts/[0-9a-f-]{36}$"))
    expect(payments.locator("body")).to_contain_text(documents[0]["payTransactionId"])
