"""#18 Excel imports: the error report as a workbook of the refused rows (uploaded again once fixed, kept for the
upload, only for the uploader's organisation), links to the documents created, 存为草稿 on every document type's
import, and templates with dropdowns of the coded columns and the rule of each column on its header."""

from __future__ import annotations

import io
import re
import uuid
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from adapters.ceb.model import FieldSpec
from adapters.excel.documents import CODES, HEADS, LINES, REASON
from domain.customs.documents import ALL_TYPES
from domain.shared.receipts import Receipt
from engine.customs import examples, workbooks
from engine.demo import DEMO_PASSWORD
from tests.integration.customs.test_document_consoles import (
    buyer_id,
    client_for,
    filled_template,
    numbered_inventory,
    upload,
)
from ui.app import create_app

RED = "FFC7CE"


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    """The embedded platform with the demo organisations and the customs simulator, for the module."""
    from engine import bootstrap
    from engine.demo import ensure_demo
    from engine.settings import Settings

    built = bootstrap.build(Settings.from_env(tmp_path_factory.mktemp("excel") / "data",
                                              env={"CBEC_SIM_ACCEPT_DELAY": "0"}), with_simulator=True)
    built.identity.enterprises.ensure_demo()
    ensure_demo(built.identity, built.identity.enterprises)
    yield built
    built.close()


@pytest.fixture(scope="module")
def app(platform):
    return create_app(platform)


def titles(sheet: Any) -> list[str]:
    """The field name each column header ends with (or the header itself)."""
    return [str(c.value).split()[-1] for c in sheet[1]]


def rows_of(sheet: Any) -> list[dict[str, Any]]:
    names = titles(sheet)
    return [dict(zip(names, row, strict=False)) for row in sheet.iter_rows(min_row=2, values_only=True)]


def inventories(count: int, prefix: str) -> list[dict[str, Any]]:
    return [examples.purchase(f"{prefix}{i}", buyer_id=buyer_id())["inventory"] for i in range(count)]


def error_report_of(client, page: str) -> Any:
    """The workbook behind the page's 下载错误报告 link."""
    link = re.search(r'href="([^"]+)"[^>]*id="error-report"', page)
    assert link, "no error report link on the page"
    href = link.group(1)
    response = client.get(href)
    assert response.status_code == 200 and response.headers["content-type"].startswith(
        "application/vnd.openxmlformats")
    return href, load_workbook(io.BytesIO(response.content))


def created_links(page: str) -> list[tuple[str, str]]:
    block = re.search(r'<ul id="created"[^>]*>(.*?)</ul>', page, re.S)
    return re.findall(r'<a href="([^"]+)">([^<]+)</a>', block.group(1)) if block else []


def test_the_error_report_holds_the_bad_rows_and_declares_them_once_fixed(platform, app):
    """Two good and two bad inventories (a head field, a line field): the good ones are declared and linked, the
    report has exactly the two bad documents (with their lines), 错误原因 naming field and rule, the bad cells red
    with a comment; the report, fixed, uploads as it is and declares them."""
    client = client_for(app, "ecom")
    batch = "XER" + uuid.uuid4().hex[:6].upper()
    documents = inventories(4, batch)
    good_weight, good_qty = documents[1]["grossWeight"], documents[3]["inventoryList"][1]["qty1"]
    documents[1]["grossWeight"] = "heavy"
    documents[3]["inventoryList"][1]["qty1"] = "1.2.3"
    page = upload(client, "inventories", filled_template(client, "inventories", documents, "inventoryList"),
                  keep_good=True)
    assert 'data-stored="2"' in page.text
    links = created_links(page.text)
    assert [number for _, number in links] == [documents[0]["copNo"], documents[2]["copNo"]]
    for href, number in links:
        opened = client.get(href)
        assert opened.status_code == 200 and number in opened.text

    _, report = error_report_of(client, page.text)
    heads, lines = report[HEADS], report[LINES]
    assert titles(heads)[-1] == REASON and titles(lines)[-1] == REASON
    bad = rows_of(heads)
    assert [r["copNo"] for r in bad] == [documents[1]["copNo"], documents[3]["copNo"]]
    assert "grossWeight" in bad[0][REASON] and "【number】" in bad[0][REASON]
    assert "inventoryList[2].qty1" in bad[1][REASON]
    weight = heads.cell(2, titles(heads).index("grossWeight") + 1)
    assert weight.value == "heavy" and weight.fill.fgColor.rgb.endswith(RED) and "grossWeight" in weight.comment.text
    assert heads.cell(2, titles(heads).index("copNo") + 1).fill.fgColor.rgb != "00" + RED
    line_rows = rows_of(lines)
    assert [r[titles(lines)[0]] for r in line_rows] == [documents[1]["copNo"]] * 2 + [documents[3]["copNo"]] * 2
    qty = lines.cell(5, titles(lines).index("qty1") + 1)
    assert qty.value == "1.2.3" and qty.fill.fgColor.rgb.endswith(RED) and "qty1" in qty.comment.text
    assert not lines.cell(4, titles(lines).index("qty1") + 1).comment  # the other line of that document is fine

    heads.cell(2, titles(heads).index("grossWeight") + 1).value = str(good_weight)
    lines.cell(5, titles(lines).index("qty1") + 1).value = str(good_qty)
    fixed = io.BytesIO()
    report.save(fixed)
    again = upload(client, "inventories", fixed.getvalue())
    assert again.status_code == 200 and 'data-stored="2"' in again.text and 'id="error-report"' not in again.text
    assert [n for _, n in created_links(again.text)] == [documents[1]["copNo"], documents[3]["copNo"]]


def test_the_report_is_kept_for_the_upload_and_only_its_organisation_downloads_it(platform, app):
    """The link gives the rows of that upload later on; a colleague of the organisation downloads it, another
    organisation (even one that may import inventories) gets the page of an unknown report, and a user who may not
    import inventories is refused."""
    client = client_for(app, "ecom")
    documents = inventories(2, "XET" + uuid.uuid4().hex[:6].upper())
    documents[0]["grossWeight"] = "heavy"
    page = upload(client, "inventories", filled_template(client, "inventories", documents, "inventoryList"))
    assert page.status_code == 422 and 'id="nothing-stored"' in page.text
    href, report = error_report_of(client, page.text)
    assert [r["copNo"] for r in rows_of(report[HEADS])] == [documents[0]["copNo"]]
    documents[1]["grossWeight"] = "light"  # another upload does not change the first one's report
    upload(client, "inventories", filled_template(client, "inventories", documents, "inventoryList"))
    assert [r["copNo"] for r in rows_of(load_workbook(io.BytesIO(client.get(href).content))[HEADS])] == \
        [documents[0]["copNo"]]
    assert client_for(app, "ecomadmin").get(href).status_code == 200
    platform.identity.define_role("logistics_inventory_x", "物流清单", "Logistics inventories",
                                  ["I4:view", "I4:declare"], by="admin")
    platform.identity.register_user("logi-x", "物流清单员", "LOGI-DEMO",
                                    ["declarant_logistics", "logistics_inventory_x"], DEMO_PASSWORD, by="admin")
    other_organisation = client_for(app, "logi-x").get(href)
    assert other_organisation.status_code == 404 and documents[0]["copNo"] not in other_organisation.text
    assert client_for(app, "logistics").get(href).status_code == 403
    assert client.get(href.replace("/inventories/", "/orders/")).status_code == 404  # another type's link


def test_an_english_user_gets_the_reasons_in_english(app):
    client = client_for(app, "ecom")
    client.cookies.set("lang", "en")
    documents = inventories(1, "XEN" + uuid.uuid4().hex[:6].upper())
    documents[0]["grossWeight"] = "heavy"
    page = upload(client, "inventories", filled_template(client, "inventories", documents, "inventoryList"))
    assert "Download the error report" in page.text
    _, report = error_report_of(client, page.text)
    reason = rows_of(report[HEADS])[0]["Errors"]
    assert reason.startswith("grossWeight [number]: grossWeight must be")


def validations(sheet: Any) -> dict[str, Any]:
    """The data validation of each column, by the field name of its header."""
    letters = {sheet.cell(1, i + 1).column_letter: name for i, name in enumerate(titles(sheet))}
    return {letters[str(dv.sqref).split(":")[0].rstrip("0123456789")]: dv
            for dv in sheet.data_validations.dataValidation}


def code_sheet(book: Any) -> dict[str, list[str]]:
    codes = book[CODES]
    return {codes.cell(1, c).value: [codes.cell(r, c).value for r in range(2, codes.max_row + 1)
                                     if codes.cell(r, c).value] for c in range(1, codes.max_column + 1)}


def test_the_template_has_dropdowns_of_the_coded_columns_and_says_each_columns_rule(app):
    """Countries, units, customs districts, trade and transport modes pick "code-name" from a hidden 代码表 sheet; the
    HS code column (11,827 codes) and the declaring enterprise have an input message instead; every header says its
    rule."""
    client = client_for(app, "ecom")
    book = load_workbook(io.BytesIO(client.get("/declarant/inventories/template.xlsx").content))
    assert book[CODES].sheet_state == "hidden"
    codes = code_sheet(book)
    assert "502-美国" in codes["国别(地区)"] and "035-千克" in codes["计量单位"] and len(codes["关区代码"]) > 900
    heads, lines = validations(book[HEADS]), validations(book[LINES])
    for name in ("customsCode", "portCode", "tradeMode", "trafMode", "country"):
        assert heads[name].type == "list" and heads[name].formula1.startswith(f"'{CODES}'!$"), name
        assert heads[name].errorStyle == "warning"  # a code typed in is read too
    for name in ("country", "tradeCountry", "unit", "unit1", "unit2"):
        assert lines[name].type == "list", name
    assert lines["gcode"].type is None and "海关参数" in lines["gcode"].prompt
    assert heads["agentCode"].type is None and "申报单位" in heads["agentCode"].prompt
    assert "copNo" not in heads and "grossWeight" not in heads
    comments = {name: cell.comment.text for name, cell in zip(titles(book[HEADS]), book[HEADS][1], strict=True)}
    assert "YYYYMMDD" in comments["declTime"] and "必填" in comments["orderNo"] and "选填" in comments["note"]
    assert "最多20个字符" in comments["copNo"] and "代码表" in comments["tradeMode"]


def test_code_name_from_a_dropdown_is_read_as_the_code(platform, app):
    """A unit and a country picked from the orders template's dropdowns ("035-千克") are declared as the bare code,
    and so is "142-人民币" in a currency column."""
    client = client_for(app, "ecom")
    book = load_workbook(io.BytesIO(client.get("/declarant/orders/template.xlsx").content))
    assert validations(book[LINES])["unit"].type == "list" and validations(book[LINES])["country"].type == "list"
    order = examples.purchase(f"XCN{uuid.uuid4().hex[:6].upper()}", buyer_id=buyer_id())["order"]
    line = order["orderList"][0]
    picked = {name: next(c for c in code_sheet(book)[title] if c.startswith(f"{line[name]}-"))
              for name, title in (("unit", "计量单位"), ("country", "国别(地区)"))}
    line |= picked
    page = upload(client, "orders", filled_template(client, "orders", [order], "orderList"))
    assert 'data-stored="1"' in page.text
    stored = platform.customs.import_orders.get(order["ebpCode"], order["orderNo"]).document["orderList"][0]
    assert {n: stored[n] for n in picked} == {n: v.split("-")[0] for n, v in picked.items()}
    [(href, number)] = created_links(page.text)
    assert number == order["orderNo"] and order["orderNo"] in client.get(href).text

    currency = FieldSpec("currency", True, length=3, label_zh="币制")
    sheet = Workbook()
    sheet.active.title = HEADS
    sheet.active.append(["币制 currency"])
    sheet.active.append(["142-人民币"])
    data = io.BytesIO()
    sheet.save(data)
    assert workbooks.read(data.getvalue(), [currency], [], "currency", "").documents == [{"currency": "142"}]


def export_inventory_numbered(platform) -> tuple[dict[str, Any], str]:
    """An export inventory customs numbered, and its waybill declared: what the export types' examples refer to."""
    shipment = examples.export_purchase(f"XPRE{uuid.uuid4().hex[:8].upper()}")
    platform.customs.declarations["CEB505"].declare(shipment["waybill"], declared_by="test")
    inventory_id = platform.customs.declarations["CEB603"].declare(shipment["inventory"], declared_by="test").id
    platform.runner.run_until_idle()
    inventory = platform.store.repository.get(inventory_id)
    invt_no = f"2928{uuid.uuid4().int % 10**14:014d}"
    inventory.apply_receipt(Receipt("CEB604", str(uuid.uuid4()), "800", "20991231000000000", "放行"),
                            {"invtNo": invt_no, "preNo": f"B{invt_no}"})
    platform.store.save(inventory)
    platform.customs.documents_view.run_once()
    return shipment["inventory"], invt_no


@pytest.fixture(scope="module")
def references(platform) -> dict[str, str]:
    """The template examples' references (an inventory number, a parcel) -> documents of this platform."""
    _, import_invt = numbered_inventory(platform, "XDR")
    export, export_invt = export_inventory_numbered(platform)
    return {"import": import_invt, "export": export_invt, "parcel": export["logisticsNo"]}


DECLARANTS = {"I8": "logistics", "I9": "logistics", "I10": "payment", "I11": "site", "E6": "logistics",
              "E7": "logistics", "E8": "logistics", "E9": "payment", "E10": "site"}  # the others: ecom


@pytest.mark.parametrize("doc_type", ALL_TYPES, ids=[t.slug for t in ALL_TYPES])
def test_every_type_imports_its_template_as_drafts(platform, app, references, doc_type):
    """存为草稿 on every import: the template's example, its references pointed at this platform's documents, is
    saved as a draft (nothing declared) and linked to its draft page."""
    user = "site" if doc_type.slug == "export-tallies" else DECLARANTS.get(doc_type.feature, "ecom")
    client = client_for(app, user)
    form = client.get(f"/declarant/{doc_type.slug}/import").text
    assert 'id="mode-draft"' in form and "存为草稿" in form
    book = load_workbook(io.BytesIO(client.get(f"/declarant/{doc_type.slug}/template.xlsx").content))
    invt_no = references["export" if doc_type.direction == "export" else "import"]
    replaced = {"292820260000000001": invt_no, "EXEXAMPLE-0001": references["parcel"]}
    own = titles(book[HEADS]).index(doc_type.number)  # the document's own number stays the example's
    for sheet in (book[HEADS], *([book[LINES]] if LINES in book.sheetnames else [])):
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if sheet.title != HEADS or cell.column != own + 1:
                    cell.value = replaced.get(cell.value, cell.value)
    data = io.BytesIO()
    book.save(data)
    page = upload(client, doc_type.slug, data.getvalue(), mode="draft")
    assert page.status_code == 200 and 'data-stored="1"' in page.text, re.findall(r"<td>.*?</td>", page.text)
    [(href, _)] = created_links(page.text)
    assert href.startswith(f"/declarant/{doc_type.slug}/drafts/")
    assert client.get(href).status_code == 200
