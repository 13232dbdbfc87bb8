"""I4-I11, I7, X1: the consoles, Excel templates, 暂存 drafts with 批量申报, exports and the JSON API of every import
document type, with tenancy (A6). One platform for the module (building one with the demo users takes seconds); each
test uses numbers of its own."""

from __future__ import annotations

import io
import itertools
import re
import uuid
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from adapters.excel.documents import HEADS, LINES
from domain.customs.import_rules import id_check_digit
from domain.customs.model import TaxBill
from domain.shared.receipts import Receipt
from engine.customs import examples
from engine.customs.api_json import plain
from engine.demo import DEMO_PASSWORD
from tests.conftest import login
from ui.app import create_app

SEQUENCE = itertools.count(1)


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    """Like tests/conftest.py make_platform(demo_users=True), built once for the module."""
    from engine import bootstrap
    from engine.demo import ensure_demo
    from engine.settings import Settings

    built = bootstrap.build(Settings.from_env(tmp_path_factory.mktemp("consoles") / "data",
                                              env={"CBEC_SIM_ACCEPT_DELAY": "0"}), with_simulator=True)
    built.identity.enterprises.ensure_demo()
    ensure_demo(built.identity, built.identity.enterprises)
    yield built
    built.close()


@pytest.fixture(scope="module")
def app(platform):
    return create_app(platform)


def client_for(app, username: str) -> TestClient:
    client = TestClient(app, base_url="https://testserver")
    login(client, username, next_url="/account")  # a page every user may open, carrying the CSRF token
    return client


def buyer_id() -> str:
    """A valid identity card number of its own, so the buyers' annual limits never add up across tests."""
    first17 = f"33010219900101{next(SEQUENCE) % 1000:03d}"
    return first17 + id_check_digit(first17)


def purchase(prefix: str) -> dict[str, dict[str, Any]]:
    return examples.purchase(f"{prefix}{uuid.uuid4().hex[:8].upper()}", buyer_id=buyer_id())


def form_data(document: dict[str, Any], list_key: str = "") -> dict[str, str]:
    """A document as the form posts it: head fields by name, lines as <list>.<n>.<field>."""
    data = {k: str(v) for k, v in document.items() if not isinstance(v, list)}
    for n, line in enumerate(document.get(list_key) or [], start=1):
        data |= {f"{list_key}.{n}.{k}": str(v) for k, v in line.items()}
    return data


def fields_in_error(html: str) -> set[str]:
    """The fields the page's error list names (each <li> of the errors box carries its field), whatever other
    attributes the markup gives the item and in whatever order."""
    boxes = re.findall(r'<div class="errors"[^>]*>(.*?)</div>', html, re.S)
    return {field for box in boxes for item in re.findall(r"<li\b[^>]*>", box)
            for field in re.findall(r'\bdata-field="([^"]+)"', item)}


def numbered_inventory(platform, prefix: str = "NUM") -> tuple[dict[str, Any], str]:
    """An inventory customs released (800) with its invtNo, so a cancellation or a return may name it."""
    bought = purchase(prefix)
    inventory_id = platform.customs.declarations["CEB621"].declare(bought["inventory"], declared_by="test").id
    platform.runner.run_until_idle()  # sent first: customs answers what it received
    inventory = platform.store.repository.get(inventory_id)
    invt_no = f"2928{uuid.uuid4().int % 10**14:014d}"
    receipt = Receipt("CEB622", str(uuid.uuid4()), "800", "20991231000000000", "放行")
    inventory.apply_receipt(receipt, {"invtNo": invt_no, "preNo": f"B{invt_no}"})
    platform.store.save(inventory)
    platform.customs.documents_view.run_once()
    return bought["inventory"], invt_no


def document_of(platform, slug: str) -> tuple[str, dict[str, Any], str]:
    """(user, document, list key) of a fresh, valid document of the type."""
    bought = purchase(slug[:3].upper())
    if slug == "cancellations":
        inventory, invt_no = numbered_inventory(platform)
        return "ecom", examples.cancellation(inventory, invt_no), ""
    if slug == "returns":
        inventory, invt_no = numbered_inventory(platform)
        return "ecom", examples.refund(inventory, invt_no), "invtRefundList"
    return {"payments": ("payment", bought["payment"], ""), "waybills": ("logistics", bought["waybill"], ""),
            "deliveries": ("logistics", bought["delivery"], ""),
            "inventories": ("ecom", bought["inventory"], "inventoryList"),
            "entries": ("site", examples.entry([bought["waybill"]["logisticsNo"]]), "deliveryList")}[slug]


TYPES = ["payments", "waybills", "deliveries", "inventories", "cancellations", "returns", "entries"]


@pytest.mark.parametrize("slug", TYPES)
def test_each_type_is_declared_through_its_form_and_shown_on_its_page(platform, app, slug):
    """I4-I11: the form of each type declares the document; its page shows the fields, the status and the list
    shows it."""
    user, document, list_key = document_of(platform, slug)
    client = client_for(app, user)
    assert client.get(f"/declarant/{slug}/new").status_code == 200
    response = client.post(f"/declarant/{slug}/new", data=form_data(document, list_key) | {
        "confirm_missing_documents": "1"}, follow_redirects=False)  # #18: an inventory alone, its warnings confirmed
    assert response.status_code == 303, re.findall(r'data-field="([^"]+)"', response.text)
    page = client.get(response.headers["location"])
    assert page.status_code == 200 and 'id="created"' in page.text
    assert re.search(r'id="status" data-status="declared"', page.text)
    document_id = response.headers["location"].split("?")[0].rsplit("/", 1)[-1]
    assert f'href="/declarant/{slug}/{document_id}"' in client.get(f"/declarant/{slug}").text


def test_a_bad_form_names_the_fields_and_stores_nothing(platform, app):
    """I4: errors shown per field, the entered values kept, nothing declared."""
    bought = purchase("BAD")
    client = client_for(app, "ecom")
    data = form_data(bought["inventory"], "inventoryList") | {"grossWeight": "heavy", "inventoryList.1.qty": ""}
    response = client.post("/declarant/inventories/new", data=data)
    assert response.status_code == 422
    assert {"grossWeight", "inventoryList[1].qty"} <= fields_in_error(response.text)
    assert 'value="heavy"' in response.text
    assert client.get("/declarant/inventories", params={"q": bought["inventory"]["copNo"]}).text.count(
        'data-kind=') == 0


def test_a_new_form_starts_with_the_users_own_enterprise(app):
    """I8: the logistics declarant's waybill form names its enterprise as the sender."""
    page = client_for(app, "logistics").get("/declarant/waybills/new").text
    assert 'name="logisticsCode" value="3301980001"' in page
    assert 'name="guid"' not in page and 'name="appStatus"' not in page


def test_the_tax_is_shown_before_an_inventory_is_declared(platform, app):
    """I4, I7: 计算税费 shows the retail import tax at the HS code's rates (VAT 13 % at 70 %), storing nothing."""
    entry = platform.reference.entry("hs_codes", "0402210000")
    platform.reference.edit("hs_codes", entry | {"vat_rate": "13"}, by="admin", reason="税率")
    platform.reference.invalidate()
    bought = purchase("TAX")
    response = client_for(app, "ecom").post("/declarant/inventories/new", data=form_data(
        bought["inventory"], "inventoryList") | {"_action": "tax"})
    assert response.status_code == 200
    # two lines of 397.00 with 5.00 freight each: VAT 402.00 x 13 % x 70 % = 36.58 each
    assert re.search(r'id="tax-total">73.16<', response.text)
    assert platform.customs.declarations["CEB621"].get_by_key((bought["inventory"]["copNo"],)) is None


def filled_template(client, slug: str, documents: list[dict[str, Any]], list_key: str) -> bytes:
    """The downloaded template, its example replaced by these documents (column titles end with the field name)."""
    book = load_workbook(io.BytesIO(client.get(f"/declarant/{slug}/template.xlsx").content))
    sheets = [book[HEADS]] + ([book[LINES]] if list_key else [])
    for sheet in sheets:
        sheet.delete_rows(2, sheet.max_row)
    fields = [str(c.value).split()[-1] for c in book[HEADS][1]]
    for document in documents:
        book[HEADS].append([_cell(document.get(f)) for f in fields])
        if list_key:
            line_fields = [str(c.value).split()[-1] for c in book[LINES][1]]
            for line in document[list_key]:
                book[LINES].append([_cell(line.get(f, document.get(f))) for f in line_fields])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(value: Any) -> Any:
    return format(value, "f") if isinstance(value, Decimal) else value


def upload(client, slug: str, data: bytes, mode: str = "declare", keep_good: bool = False):
    form = {"mode": mode} | ({"keep_good": "1"} if keep_good else {})
    return client.post(f"/declarant/{slug}/import", data=form,
                       files={"file": (f"{slug}.xlsx", data, "application/octet-stream")})


def listed(client, slug: str, q: str, status: str = "") -> list[str]:
    page = client.get(f"/declarant/{slug}", params={"q": q, "status": status}).text
    return re.findall(r'<tr data-kind="(\w+)">', page)


def test_the_template_filled_with_purchases_declares_them(app):
    """I4, X1: download the template, fill it with inventories, import: every one declared."""
    client = client_for(app, "ecom")
    batch = "XLI" + uuid.uuid4().hex[:6].upper()
    inventories = [examples.purchase(f"{batch}{i}", buyer_id=buyer_id())["inventory"] for i in range(3)]
    response = upload(client, "inventories", filled_template(client, "inventories", inventories, "inventoryList"))
    assert response.status_code == 200 and 'data-stored="3"' in response.text
    assert listed(client, "inventories", batch) == ["document"] * 3


def test_payments_without_lines_import_from_a_one_sheet_template(app):
    """I10, X1: a document type without lines has the heads sheet only."""
    client = client_for(app, "payment")
    payments = [purchase("XLP")["payment"] for _ in range(2)]
    book = load_workbook(io.BytesIO(client.get("/declarant/payments/template.xlsx").content))
    assert book.sheetnames == [HEADS] and "支付交易编号 payTransactionId" in [c.value for c in book[HEADS][1]]
    response = upload(client, "payments", filled_template(client, "payments", payments, ""))
    assert 'data-stored="2"' in response.text


def test_a_workbook_with_bad_rows_stores_nothing_unless_the_good_rows_are_kept(app):
    """X1: bad rows reported with sheet, row, number, field and reason; nothing stored, then the good ones kept."""
    client = client_for(app, "ecom")
    batch = "XLB" + uuid.uuid4().hex[:6].upper()
    inventories = [examples.purchase(f"{batch}{i}", buyer_id=buyer_id())["inventory"] for i in range(3)]
    inventories[1]["grossWeight"] = "heavy"
    data = filled_template(client, "inventories", inventories, "inventoryList")
    refused = upload(client, "inventories", data, mode="draft")
    assert refused.status_code == 422 and 'id="nothing-stored"' in refused.text
    assert re.search(rf"<td>{HEADS}</td><td>3</td><td>{inventories[1]['copNo']}</td><td><code>grossWeight</code>",
                     refused.text)
    assert listed(client, "inventories", batch) == []
    kept = upload(client, "inventories", data, mode="draft", keep_good=True)
    assert 'data-stored="2"' in kept.text
    assert listed(client, "inventories", batch, status="draft") == ["draft", "draft"]


def test_the_export_lists_what_the_filter_shows(platform, app):
    """X1: the exported workbook holds the filtered documents (heads with status, and lines)."""
    client = client_for(app, "ecom")
    batch = "XLE" + uuid.uuid4().hex[:6].upper()
    inventories = [examples.purchase(f"{batch}{i}", buyer_id=buyer_id())["inventory"] for i in range(2)]
    upload(client, "inventories", filled_template(client, "inventories", inventories, "inventoryList"))
    platform.customs.documents_view.run_once()
    exported = load_workbook(io.BytesIO(client.get("/declarant/inventories/export.xlsx",
                                                   params={"q": inventories[0]["copNo"]}).content))
    titles = [c.value for c in exported[HEADS][1]]
    rows = list(exported[HEADS].iter_rows(min_row=2, values_only=True))
    assert [r[titles.index("企业内部编号 copNo")] for r in rows] == [inventories[0]["copNo"]]
    assert rows[0][titles.index("状态 status")] == "已提交"
    assert exported[LINES].max_row == 1 + 2


def test_drafts_are_declared_in_one_batch_and_their_statuses_move(platform, app):
    """I3, X1: orders saved as drafts from Excel, one declared meanwhile elsewhere; 批量申报 declares the others,
    the refused one keeps its error, and the batch page follows them to customs' 120."""
    client = client_for(app, "ecom")
    batch = "DRF" + uuid.uuid4().hex[:6].upper()
    orders = [examples.purchase(f"{batch}{i}", buyer_id=buyer_id())["order"] for i in range(4)]
    saved = upload(client, "orders", filled_template(client, "orders", orders, "orderList"), mode="draft")
    assert 'data-stored="4"' in saved.text
    assert listed(client, "orders/drafts", batch, status="draft") == ["draft"] * 4
    platform.customs.import_orders.declare(orders[0], declared_by="elsewhere")
    response = client.post("/declarant/orders/declare", data={"all": "1", "q": batch}, follow_redirects=False)
    assert response.status_code == 303 and "/declarant/orders/batches/" in response.headers["location"]
    progress = client.get(response.headers["location"]).text
    assert 'data-done="0"' in progress and orders[0]["orderNo"] in progress and "已申报过" in progress
    platform.runner.run_until_idle()
    progress = client.get(response.headers["location"]).text
    assert re.search(r'data-status="120">3<', progress) and 'data-done="1"' in progress
    assert listed(client, "orders/drafts", batch, status="draft") == ["draft"]
    assert listed(client, "orders/drafts", batch, status="120") == ["document"] * 4  # the one declared elsewhere too


def test_a_draft_is_saved_from_the_form_shown_declared_and_cannot_be_declared_twice(platform, app):
    """I10: 保存暂存 keeps the payment as a draft (status 暂存 in the list); declaring it submits it once."""
    client = client_for(app, "payment")
    payment = purchase("DFP")["payment"]
    saved = client.post("/declarant/payments/new", data=form_data(payment) | {"_action": "draft"},
                        follow_redirects=False)
    draft_url = saved.headers["location"].split("?")[0]
    assert "暂存" in client.get("/declarant/payments", params={"q": payment["payTransactionId"]}).text
    draft_id = draft_url.rsplit("/", 1)[-1]
    first = client.post("/declarant/payments/declare", data={"draft": draft_id}, follow_redirects=False)
    assert "/batches/" in first.headers["location"]
    again = client.post("/declarant/payments/declare", data={"draft": draft_id}, follow_redirects=False)
    assert again.headers["location"].endswith("notice=none_selected")
    assert 'id="submitted"' in client.get(draft_url).text
    platform.customs.documents_view.run_once()
    assert listed(client, "payments", payment["payTransactionId"]) == ["document"]


@pytest.fixture(scope="module")
def logistics_with_inventories(platform):
    """A logistics user whose role also lets it see and declare inventories (a custom role, A2)."""
    platform.identity.define_role("logistics_inventory", "物流清单", "Logistics inventories",
                                  ["I4:view", "I4:declare"], by="admin")
    platform.identity.register_user("logi2", "物流清单员", "LOGI-DEMO", ["declarant_logistics", "logistics_inventory"],
                                    DEMO_PASSWORD, by="admin")
    return "logi2"


def test_the_logistics_user_sees_and_declares_only_for_its_own_enterprise(platform, app, logistics_with_inventories):
    """A6, I4: inventories naming another logistics enterprise are invisible (list, page, API); declaring an
    inventory for the e-commerce enterprise is refused on the sender field."""
    mine, theirs = purchase("TNA")["inventory"], purchase("TNB")["inventory"]
    theirs |= {"logisticsCode": "3301980002", "logisticsName": "别家物流"}
    ids = [str(platform.customs.declarations["CEB621"].declare(d, declared_by="ecom").id) for d in (mine, theirs)]
    platform.customs.documents_view.run_once()
    client = client_for(app, logistics_with_inventories)
    assert listed(client, "inventories", mine["copNo"]) == ["document"]
    assert listed(client, "inventories", theirs["copNo"]) == []
    assert client.get(f"/declarant/inventories/{ids[1]}").status_code == 404
    assert client.get(f"/api/import/inventories/{ids[1]}").status_code == 404
    assert client.get(f"/api/import/inventories/{ids[0]}").status_code == 200
    other = purchase("TNC")["inventory"]
    refused = client.post("/declarant/inventories/new", data=form_data(other, "inventoryList"))
    assert refused.status_code == 422 and "agentCode" in fields_in_error(refused.text)
    assert client_for(app, "logistics").get("/declarant/inventories").status_code == 403


def test_the_api_declares_one_and_many_searches_and_shows_a_document(platform, app):
    """X1, I10: POST one, POST a batch (each result with index, number, accepted, errors), search, detail."""
    client = client_for(app, "payment")
    one, good, bad = (plain(purchase("API")["payment"]) for _ in range(3))
    created = client.post("/api/import/payments", json=one)
    assert created.status_code == 201 and created.json()["statusLabel"] == "已提交"
    bad["payerIdNumber"] = "123"
    results = client.post("/api/import/payments/batch", json={"documents": [good, bad]}).json()
    assert results["accepted"] == 1
    assert [(r["index"], r["number"], r["accepted"]) for r in results["results"]] == [
        (0, good["payTransactionId"], True), (1, bad["payTransactionId"], False)]
    assert results["results"][1]["errors"][0]["field"] == "payerIdNumber"
    platform.runner.run_until_idle()
    found = client.get("/api/import/payments", params={"q": one["payTransactionId"]}).json()
    assert found["total"] == 1 and found["items"][0]["number"] == one["payTransactionId"]
    detail = client.get(f"/api/import/payments/{created.json()['documentId']}").json()
    assert detail["payTransactionId"] == one["payTransactionId"] and detail["messages"]
    assert {"Declared", "Packed", "Prepared", "Delivered"} <= {e["event"] for e in detail["timeline"]}
    assert client.get("/api/import/inventories").status_code == 403


def test_tax_bills_are_listed_shown_with_lines_exported_and_served_by_the_api(platform, app):
    """I7: a tax bill (CEB816) for an inventory of the e-commerce enterprise: list, page with lines, export, API;
    the payment user, without I7, is refused."""
    _, invt_no = numbered_inventory(platform, "TXB")
    lines = [{"gnum": n, "gcode": "0402210000", "taxPrice": "402", "customsTax": "0", "valueAddedTax": "36.58",
              "consumptionTax": "0"} for n in (1, 2)]
    platform.store.save(TaxBill(invt_no=invt_no, tax_no=f"{invt_no}01", source="CEB816_test.xml", document={
        "invtNo": invt_no, "taxNo": f"{invt_no}01", "customsTax": "0", "valueAddedTax": "73.16",
        "consumptionTax": "0", "status": "1", "returnTime": "20991231000000000", "taxListRd": lines}))
    platform.customs.documents_view.run_once()
    client = client_for(app, "ecom")
    page = client.get("/declarant/tax-bills", params={"q": invt_no}).text
    tax_no = re.search(rf'href="/declarant/tax-bills/{invt_no}/(\w+)"', page).group(1)
    bill = client.get(f"/declarant/tax-bills/{invt_no}/{tax_no}").text
    assert "已生成" in bill and "0402210000" in bill
    book = load_workbook(io.BytesIO(client.get("/declarant/tax-bills/export.xlsx", params={"q": invt_no}).content))
    assert book[HEADS].max_row == 2 and book[LINES].max_row == 3
    api = client.get("/api/import/tax-bills", params={"invtNo": invt_no}).json()
    assert api["total"] == 1 and api["items"][0]["tax_no"] == tax_no
    assert client_for(app, "payment").get("/declarant/tax-bills").status_code == 403
    document_id = platform.customs.documents_view.inventory_id(invt_no)
    assert tax_no in client.get(f"/declarant/inventories/{document_id}").text


def test_drafts_list_with_the_documents_and_a_batch_reports_its_progress_on_both_databases(make_platform,
                                                                                          database_url):
    """I3, X1: the union of drafts and documents, and the progress query, on SQLite and PostgreSQL."""
    from domain.customs.documents import ORDER
    from domain.identity.roles import Principal

    platform = make_platform(database_url)
    declarant = Principal("declarant", "ECOM-DEMO", (), frozenset(), frozenset({"3301960001"}))
    orders = [examples.import_order(f"PG{i}") for i in range(3)]
    platform.customs.import_orders.declare(orders[0], declared_by="declarant")
    assert [o.stored for o in platform.customs.drafts.save_many(ORDER, orders[1:], declarant)] == [True, True]
    platform.customs.documents_view.run_once()
    rows, total = platform.customs.drafts.listing(ORDER, declarant, q="PG")
    assert total == 3 and sorted(r["kind"] for r in rows) == ["document", "draft", "draft"]
    drafts = platform.customs.drafts
    batch, outcomes = drafts.declare(ORDER, drafts.open_ids(ORDER, declarant), declarant)
    assert [o.stored for o in outcomes] == [True, True]
    platform.runner.run_until_idle()
    progress = platform.customs.drafts.progress(batch, declarant)
    assert progress.counts == {"120": 2} and progress.done
    other = Principal("other", "LOGI-DEMO", (), frozenset(), frozenset({"3301980001"}))
    assert drafts.progress(batch, other).rows == [] and drafts.listing(ORDER, other)[1] == 0
