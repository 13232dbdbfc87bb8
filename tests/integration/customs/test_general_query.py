"""I12 综合查询: one search across every import document (by order, waybill, inventory and payment numbers, buyer ID
and name), tenancy, the Excel export, and the purchase page with the state of its three-document match.

Customs is played by hand here (the simulator's step is taken out), so each test says exactly what customs answered."""

from __future__ import annotations

import io
import uuid
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from adapters import ceb
from domain.customs.import_rules import id_check_digit
from engine import clock
from engine.customs import examples
from engine.identity.enterprises import DEMO
from tests.conftest import login
from ui.app import create_app

MESSAGES = {"order": "CEB311", "payment": "CEB411", "waybill": "CEB511", "inventory": "CEB621",
            "delivery": "CEB513"}
EBP = DEMO["code"]
OTHER_BUYER = "33010219900202123" + id_check_digit("33010219900202123")
INVT_NO = "29282026I000000101"


@pytest.fixture
def platform(make_platform):
    return quiet_customs(make_platform(demo_users=True))


def quiet_customs(platform):
    """Customs answers only what a test writes (see `answer`)."""
    platform.runner.steps = [step for step in platform.runner.steps if step[0] != "customs-sim"]
    return platform


def client_for(platform, username: str) -> TestClient:
    client = TestClient(create_app(platform), base_url="https://testserver")
    login(client, username, next_url="/query")
    return client


def declare(platform, purchase, kinds=tuple(MESSAGES)) -> None:
    for kind in kinds:
        platform.customs.declarations[MESSAGES[kind]].declare(purchase[kind], "test")
    platform.runner.run_until_idle()


def answer(platform, receipt_type: str, document: dict, status: str = "120", info: str = "ok", **numbers) -> None:
    """Customs' receipt for one document, applied as the receipt processor applies a file from the inbox."""
    receipt = document | numbers | {"guid": str(uuid.uuid4()).upper(), "returnStatus": status,
                                    "returnTime": clock.return_time(clock.now()), "returnInfo": info}
    data = ceb.to_bytes(ceb.build(receipt_type, [receipt], {}, str(uuid.uuid4()).upper()))
    assert platform.exchange.receipts.handle([(f"{receipt_type}_{uuid.uuid4().hex}.xml", data)]) == {}
    platform.runner.run_until_idle()


def accept_all(platform, purchase) -> None:
    order, payment, waybill = purchase["order"], purchase["payment"], purchase["waybill"]
    answer(platform, "CEB312", {"ebpCode": order["ebpCode"], "ebcCode": order["ebcCode"], "orderNo": order["orderNo"]})
    answer(platform, "CEB412", {"payCode": payment["payCode"], "payTransactionId": payment["payTransactionId"]})
    answer(platform, "CEB512", {"logisticsCode": waybill["logisticsCode"], "logisticsNo": waybill["logisticsNo"]})
    answer(platform, "CEB514", {"logisticsCode": waybill["logisticsCode"], "logisticsNo": waybill["logisticsNo"]})
    answer(platform, "CEB622", {"copNo": purchase["inventory"]["copNo"], "ebpCode": order["ebpCode"],
                                "agentCode": purchase["inventory"]["agentCode"]}, preNo="B20261125000000101",
           invtNo=INVT_NO)


def issue_tax_bill(platform, invt_no: str, tax_no: str) -> None:
    bill = {"guid": str(uuid.uuid4()).upper(), "returnTime": clock.return_time(clock.now()), "invtNo": invt_no,
            "taxNo": tax_no, "customsTax": Decimal(0), "valueAddedTax": Decimal("73.16"),
            "consumptionTax": Decimal(0), "status": "1", "ebcCode": EBP, "agentCode": EBP, "customsCode": "2928",
            "orderNo": "x", "taxListRd": [{"gnum": 1, "gcode": "0402210000", "taxPrice": Decimal(397),
                                           "customsTax": Decimal(0), "valueAddedTax": Decimal("36.58"),
                                           "consumptionTax": Decimal(0)}]}
    data = ceb.to_bytes(ceb.build("CEB816", [bill], {}, str(uuid.uuid4()).upper()))
    assert platform.exchange.receipts.handle([(f"CEB816_{tax_no}.xml", data)]) == {}
    platform.runner.run_until_idle()


def second_buyer(purchase) -> dict:
    """The same purchase bought by 李四."""
    for kind, field in (("order", "buyerName"), ("payment", "payerName"), ("inventory", "buyerName")):
        purchase[kind][field] = "李四"
    return purchase


def kinds_found(client, **params) -> set[tuple[str, str]]:
    response = client.get("/api/import/query", params=params | {"per_page": 100})
    assert response.status_code == 200, response.text
    return {(item["message_type"], item["order_no"] or item["logistics_no"]) for item in response.json()["items"]}


def test_one_search_finds_documents_of_every_type_by_each_key(platform):
    """I12: order No., waybill No., the invtNo customs assigned, payment transaction, buyer ID and buyer name."""
    first, second = examples.purchase("GQ20260001"), second_buyer(examples.purchase("GQ20260002",
                                                                                    buyer_id=OTHER_BUYER))
    declare(platform, first)
    declare(platform, second)
    accept_all(platform, first)
    admin = client_for(platform, "admin")
    waybill = first["waybill"]["logisticsNo"]

    assert kinds_found(admin, q="GQ20260001") == {("CEB311", "GQ20260001"), ("CEB411", "GQ20260001"),
                                                  ("CEB511", "GQ20260001"), ("CEB621", "GQ20260001"),
                                                  ("CEB513", waybill)}
    assert {t for t, _ in kinds_found(admin, q=waybill)} == {"CEB511", "CEB513", "CEB621"}
    assert kinds_found(admin, q=INVT_NO) == {("CEB621", "GQ20260001")}
    assert kinds_found(admin, q="PAYGQ20260001") == {("CEB311", "GQ20260001"), ("CEB411", "GQ20260001")}
    bought_by_li = {("CEB311", "GQ20260002"), ("CEB411", "GQ20260002"), ("CEB621", "GQ20260002")}
    assert kinds_found(admin, q=OTHER_BUYER) == bought_by_li
    assert kinds_found(admin, buyerIdNumber=OTHER_BUYER) == bought_by_li
    assert kinds_found(admin, q="李四") == bought_by_li
    assert kinds_found(admin, q="GQ2026", messageType="CEB621") == {("CEB621", "GQ20260001"),
                                                                    ("CEB621", "GQ20260002")}
    assert kinds_found(admin, q="GQ2026", status="120") == kinds_found(admin, q="GQ20260001")

    page = admin.get("/query", params={"q": INVT_NO})
    assert page.status_code == 200 and 'data-type="CEB621" data-number="CGQ20260001"' in page.text


def test_each_enterprise_sees_only_the_documents_naming_it(platform):
    """I12, A6: the logistics company finds its waybill, delivery receipt and the inventory naming it, never the
    order or the payment; on the purchase page those are there but hidden."""
    purchase = examples.purchase("GQ20260003")
    declare(platform, purchase)
    logistics, payment = client_for(platform, "logistics"), client_for(platform, "payment")

    assert {t for t, _ in kinds_found(logistics, q="GQ20260003")} == {"CEB511", "CEB513", "CEB621"}
    assert {t for t, _ in kinds_found(payment, q="GQ20260003")} == {"CEB411"}
    assert 'data-type="CEB311"' not in logistics.get("/query", params={"q": "GQ20260003"}).text

    seen = logistics.get(f"/api/import/purchases/{EBP}/GQ20260003").json()
    states = {part["document"]: part["state"] for part in seen["threeDocuments"]}
    assert states == {"orders": "hidden", "payments": "hidden", "waybills": "pending"}
    assert {c["what"]: c["state"] for c in seen["comparisons"]}["paid"] == "unknown"
    assert all("document" not in held for held in seen["documents"]["orders"])


def test_the_result_exports_to_excel_with_the_search_and_tenancy_of_the_page(platform):
    """I12: the export holds the rows the search shows, under the user's headers."""
    declare(platform, examples.purchase("GQ20260004"))
    export = client_for(platform, "logistics").get("/query/export", params={"q": "GQ20260004", "format": "xlsx"})

    assert export.status_code == 200 and export.headers["content-disposition"].endswith('general-query.xlsx"')
    rows = list(load_workbook(io.BytesIO(export.content)).active.values)
    assert rows[0][:3] == ("报文类型", "单证类型", "单证编号")
    assert sorted(row[0] for row in rows[1:]) == ["CEB511", "CEB513", "CEB621"]


def test_the_purchase_page_shows_every_document_and_the_match(make_platform, database_url):
    """I12: order, payment, waybill, delivery receipt, inventory and tax bill of one purchase together, all three
    documents accepted by customs, every comparison a match, the inventory's customs number and status."""
    platform = quiet_customs(make_platform(database_url, demo_users=True))
    purchase = examples.purchase("GQ20260005")
    declare(platform, purchase)
    accept_all(platform, purchase)
    issue_tax_bill(platform, INVT_NO, INVT_NO + "01")
    admin = client_for(platform, "admin")

    seen = admin.get(f"/api/import/purchases/{EBP}/GQ20260005").json()
    assert {p["document"]: p["state"] for p in seen["threeDocuments"]} == {
        "orders": "accepted", "payments": "accepted", "waybills": "accepted"}
    assert {c["state"] for c in seen["comparisons"]} == {"match"}
    assert [c["what"] for c in seen["comparisons"]] == ["paid", "consignee", "consignee_phone", "consignee_address",
                                                       "goods", "goods", "logistics_no"]
    assert seen["inventory"] == {"invtNo": INVT_NO, "status": "120", "statusLabel": "海关入库", "returnInfo": "ok"}
    assert set(seen["documents"]) == {"orders", "payments", "waybills", "deliveries", "inventories"}
    assert [b["tax_no"] for b in seen["taxBills"]] == [INVT_NO + "01"]

    page = admin.get(f"/query/purchases/{EBP}/GQ20260005")
    assert page.status_code == 200
    assert page.text.count('data-state="accepted"') == 3 and 'data-state="mismatch"' not in page.text
    assert INVT_NO + "01" in page.text and 'data-document="deliveries"' in page.text
    [delivery] = admin.get("/api/import/query", params={"q": purchase["delivery"]["logisticsNo"],
                                                         "messageType": "CEB513"}).json()["items"]
    followed = admin.get(f"/query/purchase-of/{delivery['document_id']}", follow_redirects=False)
    assert followed.headers["location"] == f"/query/purchases/{EBP}/GQ20260005"


def test_a_payment_amount_other_than_the_order_shows_as_a_mismatch_with_both_values(platform):
    """I12: the platform's own check of the three-document match names what differs; customs refused the payment,
    the waybill was never declared."""
    purchase = examples.purchase("GQ20260006")
    paid = purchase["order"]["acturalPaid"]
    purchase["payment"]["amountPaid"] = paid + 1
    declare(platform, purchase, ("order", "payment", "inventory"))
    answer(platform, "CEB412", {"payCode": purchase["payment"]["payCode"],
                                "payTransactionId": purchase["payment"]["payTransactionId"]}, "100", "支付人不符")
    admin = client_for(platform, "admin")

    seen = admin.get(f"/api/import/purchases/{EBP}/GQ20260006").json()
    assert {p["document"]: p["state"] for p in seen["threeDocuments"]} == {
        "orders": "pending", "payments": "refused", "waybills": "missing"}
    comparisons = {c["what"]: c for c in seen["comparisons"] if c["what"] != "goods"}
    assert comparisons["paid"]["state"] == "mismatch"
    assert (comparisons["paid"]["left"]["value"], comparisons["paid"]["right"]["value"]) == (str(paid), str(paid + 1))
    assert comparisons["consignee"]["state"] == comparisons["logistics_no"]["state"] == "unknown"

    page = admin.get(f"/query/purchases/{EBP}/GQ20260006").text
    assert 'data-what="paid" data-state="mismatch"' in page and str(paid) in page and str(paid + 1) in page
    assert "不一致" in page and "支付人不符" in page
