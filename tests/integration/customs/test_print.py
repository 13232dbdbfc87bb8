"""#18 打印: a print view of each document type and of a tax bill: Chinese labels, code names, goods totals, receipts
with their time, stage and status names; a 打印 button on the pages; tenancy per route."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from domain.customs.import_rules import id_check_digit
from domain.customs.model import TaxBill
from engine.customs import examples
from tests.conftest import login
from ui.app import create_app


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    from engine import bootstrap
    from engine.demo import ensure_demo
    from engine.settings import Settings

    built = bootstrap.build(Settings.from_env(tmp_path_factory.mktemp("print") / "data",
                                              env={"CBEC_SIM_ACCEPT_DELAY": "0"}), with_simulator=True)
    built.identity.enterprises.ensure_demo()
    ensure_demo(built.identity, built.identity.enterprises)
    yield built
    built.close()


@pytest.fixture(scope="module")
def app(platform):
    return create_app(platform)


@pytest.fixture(scope="module")
def purchase(platform):
    """A whole purchase (order, payment, waybill, inventory) answered by customs."""
    first17 = f"33010219900101{uuid.uuid4().int % 1000:03d}"
    bought = examples.purchase(f"PRT{uuid.uuid4().hex[:8].upper()}", buyer_id=first17 + id_check_digit(first17))
    ids = {role: platform.customs.declarations[message].declare(bought[role], declared_by="test").id
           for role, message in (("order", "CEB311"), ("payment", "CEB411"), ("waybill", "CEB511"),
                                 ("inventory", "CEB621"))}
    platform.runner.run_until_idle()
    platform.customs.documents_view.run_once()
    return bought, ids


def client_for(app, username: str) -> TestClient:
    client = TestClient(app, base_url="https://testserver")
    login(client, username, next_url="/account")
    return client


def test_an_inventory_prints_with_labels_code_names_totals_and_receipts(app, purchase):
    bought, ids = purchase
    client = client_for(app, "ecom")
    detail = client.get(f"/declarant/inventories/{ids['inventory']}")
    assert f'id="print" href="/declarant/inventories/{ids["inventory"]}/print"' in detail.text
    page = client.get(f"/declarant/inventories/{ids['inventory']}/print")
    assert page.status_code == 200
    fields = page.text.split('id="print-fields"')[1].split("</table>")[0]
    assert "币制" in fields and "142 <span class=\"code-name\">人民币</span>" in fields
    assert "orderNo" not in re.sub(r'data-field="[^"]+"', "", fields)  # labels, not XML names
    total = sum((Decimal(str(line["totalPrice"])) for line in bought["inventory"]["inventoryList"]), Decimal(0))
    assert re.search(rf'id="print-totals".*?{total:.2f}', page.text, re.S)
    receipts = page.text.split('id="print-receipts"')[1].split("</table>")[0]
    assert "CEB622" in receipts and "回执" in receipts and re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", receipts)
    assert "海关入库" in receipts or "放行" in receipts
    assert bought["inventory"]["buyerIdNumber"] not in page.text  # printed masked
    assert '<link rel="stylesheet" href="/static/print.css">' in page.text
    assert "@media print" in client.get("/static/print.css").text


@pytest.mark.parametrize(("user", "slug", "role"), [("payment", "payments", "payment"),
                                                    ("logistics", "waybills", "waybill")])
def test_every_type_prints(app, purchase, user, slug, role):
    _, ids = purchase
    page = client_for(app, user).get(f"/declarant/{slug}/{ids[role]}/print")
    assert page.status_code == 200 and 'id="print-fields"' in page.text and 'id="print-receipts"' in page.text


def test_an_order_prints(app, purchase):
    bought, _ = purchase
    order = bought["order"]
    client = client_for(app, "ecom")
    url = f"/declarant/orders/{order['orderNo']}/print?ebpCode={order['ebpCode']}"
    assert url in client.get(f"/declarant/orders/{order['orderNo']}?ebpCode={order['ebpCode']}").text
    page = client.get(url)
    assert page.status_code == 200 and "实际支付金额" in page.text and "CEB312" in page.text


def test_printing_keeps_tenancy(app, platform, purchase):
    _, ids = purchase
    platform.identity.register_organisation("PRINT-OTHER", "另一家电商", by="test")
    platform.identity.register_user("printother", "他人", "PRINT-OTHER", ["declarant_ecommerce"],
                                    "Other-Pass-2026", "test")
    other = TestClient(app, base_url="https://testserver")
    login(other, "printother", "Other-Pass-2026", next_url="/account")
    assert other.get(f"/declarant/inventories/{ids['inventory']}/print").status_code == 404
    refused = client_for(app, "logistics").get(f"/declarant/inventories/{ids['inventory']}/print")
    assert refused.status_code == 403 and 'data-permission="I4:view"' in refused.text


def test_a_tax_bill_prints(app, platform, purchase):
    bought, ids = purchase
    inventory = platform.store.repository.get(ids["inventory"])
    invt_no = inventory.numbers.get("invtNo") or f"2928{uuid.uuid4().int % 10**14:014d}"
    tax_no = f"TAX{uuid.uuid4().hex[:10].upper()}"
    lines = [{"gnum": 1, "gcode": "0402210000", "taxPrice": "100", "customsTax": "0", "valueAddedTax": "9.1",
              "consumptionTax": "0"}]
    document = {"guid": str(uuid.uuid4()), "returnTime": "20991231000000000", "invtNo": invt_no, "taxNo": tax_no,
                "customsTax": "0", "valueAddedTax": "9.1", "consumptionTax": "0", "status": "1",
                "entDutyNo": "", "note": "", "assureCode": bought["inventory"]["assureCode"],
                "ebcCode": bought["inventory"]["ebcCode"], "logisticsCode": bought["inventory"]["logisticsCode"],
                "agentCode": bought["inventory"]["agentCode"], "customsCode": bought["inventory"]["customsCode"],
                "orderNo": bought["inventory"]["orderNo"], "logisticsNo": bought["inventory"]["logisticsNo"],
                "taxListRd": lines}
    platform.store.save(TaxBill(invt_no=invt_no, tax_no=tax_no, document=document, source="test"))
    platform.customs.documents_view.run_once()
    client = client_for(app, "ecom")
    assert f"/declarant/tax-bills/{invt_no}/{tax_no}/print" in client.get(
        f"/declarant/tax-bills/{invt_no}/{tax_no}").text
    page = client.get(f"/declarant/tax-bills/{invt_no}/{tax_no}/print")
    assert page.status_code == 200 and "电子税单" in page.text and tax_no in page.text
    assert re.search(r'id="print-totals".*?9\.10', page.text, re.S)
