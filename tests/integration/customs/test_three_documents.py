"""#18: the three-document check (三单对碰) runs as the platform's own pre-check before an inventory is accepted for
sending. An inventory declared without its payment and waybill was sent and refused -621002: now the declarant is
warned (the API answer lists the findings with their codes; the form asks to confirm) or, by setting, refused.
Only documents the caller's organisation may see count, and what it may not see is told as absent."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from domain.shared.rules import DeclarationRejected
from engine.customs import examples
from engine.customs.api_json import plain
from tests.conftest import login
from tests.integration.customs.test_document_consoles import buyer_id, form_data
from tests.integration.identity.test_security import other_tenant
from ui.app import create_app

B = "3301960009"  # the other organisation's e-commerce enterprise (other_tenant)


def bought(prefix: str = "TD") -> dict[str, dict[str, Any]]:
    return examples.purchase(f"{prefix}{uuid.uuid4().hex[:10].upper()}", buyer_id=buyer_id())


def client_for(app, username: str, password: str | None = None) -> TestClient:
    client = TestClient(app, base_url="https://testserver")
    login(client, username, password, next_url="/account")
    return client


def stored(platform, inventory: dict[str, Any]) -> Any:
    """The inventory as the platform holds it (None: nothing was stored)."""
    return platform.customs.declarations["CEB621"].get_by_key((inventory["copNo"],))


def rules_of(items: list[dict[str, Any]]) -> dict[str, str]:
    return {item["field"]: item["rule"] for item in items}


@pytest.fixture
def console(make_platform):
    """A platform with the demo organisations and B, its app; the setting as each test asks."""
    def make(check: str = "warn"):
        platform = make_platform(demo_users=True, CBEC_THREE_DOCUMENT_CHECK=check)
        other_tenant(platform)
        return platform, create_app(platform)
    return make


def test_an_inventory_without_payment_and_waybill_is_answered_with_warnings_naming_them(console):
    """warn (the default): the inventory is stored, and the answer says customs will refuse it -621002 for want of
    the payment and the waybill, in Chinese and English, with what to do."""
    platform, app = console()
    purchase = bought()
    ecom = client_for(app, "ecom")
    assert ecom.post("/api/import/orders", json=plain(purchase["order"])).status_code == 201

    answer = ecom.post("/api/import/inventories", json=plain(purchase["inventory"]))

    assert answer.status_code == 201, answer.text
    warnings = answer.json()["warnings"]
    assert rules_of(warnings) == {"payment": "three_documents.missing", "waybill": "three_documents.missing"}
    assert all("-621002" in w["message_zh"] and "-621002" in w["message_en"] and w["fix_zh"] and w["fix_en"]
               for w in warnings)
    assert purchase["waybill"]["logisticsNo"] in {w["value"].split("/")[-1] for w in warnings}


def test_with_every_document_there_and_agreeing_there_is_nothing_to_confirm(console):
    """The order, the payment and the waybill are on the platform: a caller who sees them (here the platform's own
    processes, which see everything) gets no finding; the e-commerce declarant sees the order and the payment, not
    the logistics enterprise's waybill, which stays a warning for it."""
    platform, app = console()
    purchase = bought()
    for role, message in (("order", "CEB311"), ("payment", "CEB411"), ("waybill", "CEB511")):
        platform.customs.declarations[message].declare(purchase[role], "test")
    platform.customs.documents_view.run_once()

    assert platform.customs.declarations["CEB621"].precheck(purchase["inventory"]) == []
    answer = client_for(app, "ecom").post("/api/import/inventories", json=plain(purchase["inventory"]))
    assert rules_of(answer.json()["warnings"]) == {"waybill": "three_documents.missing"}


def test_documents_that_disagree_are_named_with_both_values(console):
    """Customs' -621003: the payment's amountPaid is not the order's acturalPaid, the waybill's consignee is not the
    order's."""
    platform, _ = console()
    purchase = bought()
    platform.customs.declarations["CEB311"].declare(purchase["order"], "test")
    platform.customs.declarations["CEB411"].declare(purchase["payment"] | {"amountPaid": Decimal("1.00")}, "test")
    platform.customs.declarations["CEB511"].declare(purchase["waybill"] | {"consignee": "王五"}, "test")
    platform.customs.documents_view.run_once()

    found = platform.customs.declarations["CEB621"].precheck(purchase["inventory"])

    assert {(f.field, f.rule) for f in found} == {("payment.amountPaid", "three_documents.mismatch"),
                                                  ("waybill.consignee", "three_documents.mismatch")}
    paid = next(f for f in found if f.field == "payment.amountPaid")
    assert "1.00" in paid.message_en and str(purchase["order"]["acturalPaid"]) in paid.message_en
    assert "-621003" in paid.message_zh


def test_a_payment_customs_refused_is_reported_as_refused(console):
    from domain.shared.receipts import Receipt

    platform, _ = console()
    purchase = bought()
    for role, message in (("order", "CEB311"), ("payment", "CEB411"), ("waybill", "CEB511")):
        platform.customs.declarations[message].declare(purchase[role], "test")
    payment = platform.customs.declarations["CEB411"].get_by_key(
        (purchase["payment"]["payCode"], purchase["payment"]["payTransactionId"]))
    payment.apply_receipt(Receipt("CEB412", str(uuid.uuid4()), "100", "20991231000000000", "退单"))
    platform.store.save(payment)
    platform.customs.documents_view.run_once()

    found = platform.customs.declarations["CEB621"].precheck(purchase["inventory"])
    assert [(f.field, f.rule) for f in found] == [("payment", "three_documents.refused")]


def test_set_to_refuse_the_inventory_is_refused_naming_what_is_missing_and_nothing_is_stored(console):
    platform, app = console("refuse")
    purchase = bought()
    ecom = client_for(app, "ecom")
    assert ecom.post("/api/import/orders", json=plain(purchase["order"])).status_code == 201

    answer = ecom.post("/api/import/inventories", json=plain(purchase["inventory"]))

    assert answer.status_code == 422
    assert rules_of(answer.json()["errors"]) == {"payment": "three_documents.missing",
                                                 "waybill": "three_documents.missing"}
    assert stored(platform, purchase["inventory"]) is None
    with pytest.raises(DeclarationRejected):  # the same on every path that declares: here the service itself
        platform.customs.declarations["CEB621"].declare(purchase["inventory"], "test")
    batch = ecom.post("/api/import/inventories/batch", json={"documents": [plain(purchase["inventory"])]}).json()
    assert batch["accepted"] == 0 and rules_of(batch["results"][0]["errors"])["payment"] == "three_documents.missing"


def test_the_batch_api_lists_each_inventorys_warnings(console):
    platform, app = console()
    purchase = bought()
    answer = client_for(app, "ecom").post("/api/import/inventories/batch",
                                          json={"documents": [plain(purchase["inventory"])]}).json()
    assert answer["accepted"] == 1
    assert set(rules_of(answer["results"][0]["warnings"])) == {"order", "payment", "waybill"}


def test_another_organisations_documents_do_not_count_and_are_not_revealed(console):
    """B's inventory naming A's order, payment and waybill gets the words said of documents that do not exist: it
    learns nothing of A's (not that they exist, nor their amounts or consignee)."""
    platform, app = console()
    purchase = bought()
    for role, message in (("order", "CEB311"), ("payment", "CEB411"), ("waybill", "CEB511")):
        platform.customs.declarations[message].declare(purchase[role], "test")
    platform.customs.documents_view.run_once()
    theirs = client_for(app, "other", "Their-Pass-2026")
    agent = {"agentCode": B, "agentName": "另一家电商有限公司"}
    platform.reference.edit("declaring_units", {"code": B, "name_zh": "另一家电商有限公司"}, by="test", reason="B")

    naming_a = theirs.post("/api/import/inventories", json=plain(purchase["inventory"] | agent))
    nowhere = bought("NOWHERE")
    naming_nothing = theirs.post("/api/import/inventories", json=plain(nowhere["inventory"] | agent))

    assert naming_a.status_code == naming_nothing.status_code == 201, naming_a.text
    seen, unseen = naming_a.json()["warnings"], naming_nothing.json()["warnings"]
    assert rules_of(seen) == rules_of(unseen) == {"order": "three_documents.missing",
                                                   "payment": "three_documents.missing",
                                                   "waybill": "three_documents.missing"}
    def keyless(warnings: list[dict[str, Any]]) -> list[str]:
        return [re.sub(r"\S+/\S+", "KEY", w[lang]) for w in warnings for lang in ("message_zh", "message_en")]

    assert keyless(seen) == keyless(unseen)
    assert purchase["order"]["consignee"] not in naming_a.text


def test_the_form_shows_the_warnings_and_declares_only_once_confirmed(console):
    platform, app = console()
    purchase = bought()
    ecom = client_for(app, "ecom")
    data = form_data(purchase["inventory"], "inventoryList")

    shown = ecom.post("/declarant/inventories/new", data=data, follow_redirects=False)

    assert shown.status_code == 409
    assert set(re.findall(r'<li data-field="([^"]+)" data-rule="three_documents', shown.text)) == \
        {"order", "payment", "waybill"}
    assert 'name="confirm_missing_documents"' in shown.text
    assert stored(platform, purchase["inventory"]) is None
    confirmed = ecom.post("/declarant/inventories/new", data=data | {"confirm_missing_documents": "1"},
                          follow_redirects=False)
    assert confirmed.status_code == 303, re.findall(r'data-field="([^"]+)"', confirmed.text)
    assert stored(platform, purchase["inventory"]) is not None


def test_an_export_inventory_without_its_order_waybill_and_receipt_of_payment_is_warned(console):
    """CEB603 9610 (B2C): customs needs the export order, the receipt of payment and the waybill."""
    platform, _ = console()
    shipment = examples.export_purchase(f"TDX{uuid.uuid4().hex[:12].upper()}")

    found = platform.customs.declarations["CEB603"].precheck(shipment["inventory"])
    assert {(f.field, f.rule) for f in found} == {("order", "three_documents.missing"),
                                                  ("collection", "three_documents.missing"),
                                                  ("waybill", "three_documents.missing")}
    assert all("-603002" in f.message_en for f in found)

    for role, message in (("order", "CEB303"), ("collection", "CEB403"), ("waybill", "CEB505")):
        platform.customs.declarations[message].declare(shipment[role], "test")
    assert platform.customs.declarations["CEB603"].precheck(shipment["inventory"]) == []
