"""#18 修改重报, 复制新增, drafts deleted, customs requests from an inventory and documents built from others, through
the console routes and the JSON API, with tenancy per route. The simulator refuses documents whose note (or number)
says MISTAKE (its reject-order fault), a mistake the declarant fixes and sends again."""

from __future__ import annotations

import itertools
import re
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from domain.customs.import_rules import id_check_digit
from domain.customs.model import Declaration, ImportOrder
from domain.shared.receipts import Receipt
from engine.customs import examples
from engine.customs.api_json import plain
from tests.conftest import login
from ui.app import create_app

SEQUENCE = itertools.count(1)
LOGISTICS = "3301980001"  # the demo logistics enterprise: the agent organisation below acts for it too
OTHER_PASSWORD = "Amend-Other-2026"


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    from engine import bootstrap
    from engine.demo import ensure_demo
    from engine.settings import Settings

    built = bootstrap.build(Settings.from_env(tmp_path_factory.mktemp("amend") / "data",
                                              env={"CBEC_SIM_ACCEPT_DELAY": "0"}), with_simulator=True,
                            faults="reject-order=MISTAKE")
    built.identity.enterprises.ensure_demo()
    ensure_demo(built.identity, built.identity.enterprises)
    # an agent organisation declaring for the e-commerce and the logistics enterprise (it sees all three documents)
    built.identity.register_organisation("AMEND-AGENT", "代理申报企业", by="test")
    for code in ("3301960001", LOGISTICS):
        built.identity.assign_enterprise("AMEND-AGENT", code, by="test")
    built.identity.register_user("agent", "代理申报员", "AMEND-AGENT", ["declarant_ecommerce"], OTHER_PASSWORD,
                                 by="test")
    # another organisation with the same role and none of these enterprises
    built.identity.register_organisation("AMEND-OTHER", "其他企业", by="test")
    built.identity.register_user("stranger", "其他申报员", "AMEND-OTHER", ["declarant_ecommerce"], OTHER_PASSWORD,
                                 by="test")
    yield built
    built.close()


@pytest.fixture(scope="module")
def app(platform):
    return create_app(platform)


def client_for(app, username: str) -> TestClient:
    client = TestClient(app, base_url="https://testserver")
    login(client, username, OTHER_PASSWORD if username in ("agent", "stranger") else None, next_url="/account")
    return client


def buyer_id() -> str:
    first17 = f"33010219910101{next(SEQUENCE) % 1000:03d}"
    return first17 + id_check_digit(first17)


def number(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:10].upper()}"


def refused_order(platform) -> ImportOrder:
    """An order customs refused (100) for the MISTAKE in its note."""
    order = platform.customs.import_orders.declare(examples.import_order(number("AM")) | {"note": "MISTAKE"},
                                                   declared_by="ecom")
    platform.runner.run_until_idle()
    found = platform.store.repository.get(order.id)
    assert found.status == "100"
    return found


def form_values(page: str) -> dict[str, str]:
    """The named inputs and selected options of a form page, as the browser would post them."""
    values = {m.group(1): m.group(2) for m in re.finditer(r'<input name="([^"]+)"[^>]*value="([^"]*)"', page)}
    values |= {m.group(1): m.group(2) for m in re.finditer(
        r'<select name="([^"]+)".*?<option value="([^"]*)" selected', page, re.S)}
    return values


def released_inventory(platform) -> Declaration:
    """An inventory customs released (800) with its invtNo."""
    bought = examples.purchase(number("RI"), buyer_id=buyer_id())
    inventory = platform.customs.declarations["CEB621"].declare(bought["inventory"], declared_by="test")
    platform.runner.run_until_idle()
    inventory = platform.store.repository.get(inventory.id)
    invt_no = f"2928{uuid.uuid4().int % 10**14:014d}"
    inventory.apply_receipt(Receipt("CEB622", inventory.guid, "800", "20991231000000000", "放行"),
                            {"invtNo": invt_no, "preNo": f"B{invt_no}"})
    platform.store.save(inventory)
    platform.customs.documents_view.run_once()
    return inventory


def three_documents(platform) -> dict[str, dict[str, Any]]:
    bought = examples.purchase(number("TD"), buyer_id=buyer_id())
    for role, message in (("order", "CEB311"), ("payment", "CEB411"), ("waybill", "CEB511")):
        platform.customs.declarations[message].declare(bought[role], declared_by="test")
    platform.runner.run_until_idle()
    platform.customs.documents_view.run_once()
    return bought


# 修改重报 -------------------------------------------------------------------------------------------------------


def test_a_refused_order_is_modified_on_its_page_sent_again_and_keeps_both_versions(platform, app):
    order = refused_order(platform)
    ecom = client_for(app, "ecom")
    page = ecom.get(f"/declarant/orders/{order.order_no}?ebpCode={order.ebp_code}").text
    assert 'id="action-modify"' in page and 'id="action-copy"' in page
    form = ecom.get(f"/declarant/orders/{order.id}/modify")
    assert form.status_code == 200 and 'value="MISTAKE"' in form.text and 'id="amend-reason"' in form.text
    values = form_values(form.text) | {"note": "已更正", "_amend_reason": "备注填错"}
    values.pop("_csrf", None)
    answer = ecom.post(f"/declarant/orders/{order.id}/modify", data=values, follow_redirects=False)
    assert answer.status_code == 303, re.findall(r'class="msg">([^<]+)', answer.text)
    platform.runner.run_until_idle()
    page = ecom.get(answer.headers["location"]).text
    assert 'data-status="120"' in page
    versions = re.findall(r'<tr data-version="(\d)">.*?class="version-reason">([^<]*)<.*?'
                          r'class="version-status">([^<]*)', page, re.S)
    assert [(v, reason, status.split()[0] if status.strip() else "") for v, reason, status in versions] == [
        ("2", "备注填错", ""), ("1", "首次申报", "100")]
    stored = platform.store.repository.get(order.id)
    assert stored.document["note"] == "已更正" and stored.order_no == order.order_no
    assert stored.guid != order.guid  # a new version is a new document guid; its receipt named it
    assert 'id="action-modify"' not in page  # accepted now: nothing to modify


def test_the_modify_form_refuses_a_broken_document_and_keeps_the_refused_version(platform, app):
    order = refused_order(platform)
    ecom = client_for(app, "ecom")
    values = form_values(ecom.get(f"/declarant/orders/{order.id}/modify").text) | {"buyerIdNumber": "12345",
                                                                                    "_amend_reason": "改"}
    values.pop("_csrf", None)
    answer = ecom.post(f"/declarant/orders/{order.id}/modify", data=values)
    assert answer.status_code == 422 and "buyerIdNumber" in answer.text
    no_reason = ecom.post(f"/declarant/orders/{order.id}/modify", data=values | {"buyerIdNumber": "",
                                                                                 "_amend_reason": ""})
    assert no_reason.status_code == 422 and "请填写修改原因" in no_reason.text
    assert platform.store.repository.get(order.id).version == order.version  # nothing stored


def test_the_api_modifies_a_refused_order_and_the_receipt_applies_to_the_new_version(platform, app):
    order = refused_order(platform)
    ecom = client_for(app, "ecom")
    document = plain(order.document) | {"note": "ok"}
    answer = ecom.post(f"/api/import/orders/{order.id}/redeclare", json={"document": document, "reason": "fix"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["version"] == 2 and body["status"] == "declared" and body["guid"] != order.guid
    platform.runner.run_until_idle()
    stored = platform.store.repository.get(order.id)
    assert stored.status == "120" and stored.message_guid
    assert [v["status"] for v in stored.versions] == ["100", ""]
    again = ecom.post(f"/api/import/orders/{order.id}/redeclare", json={"document": document, "reason": "again"})
    assert again.status_code == 409 and again.json()["errors"][0]["rule"] == "redeclarable"


def test_a_released_inventory_cannot_be_modified_and_offers_cancellation_and_return(platform, app):
    inventory = released_inventory(platform)
    ecom = client_for(app, "ecom")
    page = ecom.get(f"/declarant/inventories/{inventory.id}").text
    assert 'id="action-modify"' not in page
    assert 'id="action-make_cancellations"' in page and 'id="action-make_returns"' in page
    form = ecom.get(f"/declarant/inventories/{inventory.id}/modify")
    assert form.status_code == 409 and "撤销" in form.text
    api = ecom.post(f"/api/import/inventories/{inventory.id}/redeclare",
                    json={"document": plain(inventory.document), "reason": "x"})
    assert api.status_code == 409 and "cancellation" in api.json()["errors"][0]["message_en"]


def test_a_cancellation_and_a_return_start_prefilled_from_the_inventory(platform, app):
    inventory = released_inventory(platform)
    ecom = client_for(app, "ecom")
    invt_no = inventory.numbers["invtNo"]
    cancellation = ecom.get(f"/declarant/inventories/{inventory.id}/cancellations")
    assert cancellation.status_code == 200 and f'value="{invt_no}"' in cancellation.text
    assert f'value="{inventory.document["orderNo"]}"' in cancellation.text
    refund = ecom.get(f"/declarant/inventories/{inventory.id}/returns")
    assert refund.status_code == 200 and 'name="invtRefundList.2.gcode"' in refund.text
    values = form_values(cancellation.text) | {"reason": "消费者取消订单"}
    values.pop("_csrf", None)
    declared = ecom.post("/declarant/cancellations/new", data=values, follow_redirects=False)
    assert declared.status_code == 303, re.findall(r'class="msg">([^<]+)', declared.text)


def test_no_cancellation_is_offered_for_an_inventory_customs_has_not_accepted(platform, app):
    bought = examples.purchase(number("NC"), buyer_id=buyer_id())
    inventory = platform.customs.declarations["CEB621"].declare(bought["inventory"], declared_by="test")
    ecom = client_for(app, "ecom")
    page = ecom.get(f"/declarant/inventories/{inventory.id}").text
    assert 'id="action-make_cancellations"' not in page
    assert ecom.get(f"/declarant/inventories/{inventory.id}/cancellations").status_code == 404


# 复制新增 and drafts --------------------------------------------------------------------------------------------


def test_copy_as_new_keeps_the_values_but_not_the_number(platform, app):
    bought = examples.purchase(number("CP"), buyer_id=buyer_id())
    payment = platform.customs.declarations["CEB411"].declare(bought["payment"], declared_by="test")
    client = client_for(app, "payment")
    copy = client.get(f"/declarant/payments/{payment.id}/copy")
    assert copy.status_code == 200
    assert f'value="{bought["payment"]["payerName"]}"' in copy.text
    assert bought["payment"]["payTransactionId"] not in copy.text
    api = client.get(f"/api/import/payments/{payment.id}/copy").json()["document"]
    assert "payTransactionId" not in api and api["orderNo"] == bought["payment"]["orderNo"] and "guid" not in api


def test_a_draft_is_deleted_after_a_confirmation(platform, app):
    bought = examples.purchase(number("DR"), buyer_id=buyer_id())
    ecom = client_for(app, "ecom")
    draft = platform.customs.drafts.save(platform.customs.declarations["CEB621"].doc_type, bought["inventory"],
                                         platform.identity.principal("ecom"))
    page = ecom.get(f"/declarant/inventories/drafts/{draft.id}").text
    assert 'id="discard-draft-confirm"' in page and "确定删除该暂存单" in page
    done = ecom.post("/declarant/inventories/discard", data={"draft": str(draft.id)}, follow_redirects=False)
    assert done.status_code == 303
    stored = platform.store.repository.get(draft.id)
    assert not stored.is_open
    assert 'id="discarded"' in ecom.get(f"/declarant/inventories/drafts/{draft.id}").text


# built from linked documents ---------------------------------------------------------------------------------


def test_an_inventory_is_built_from_its_order_payment_and_waybill(platform, app):
    bought = three_documents(platform)
    order = bought["order"]
    agent = client_for(app, "agent")
    order_id = ImportOrder.create_id(order["ebpCode"], order["orderNo"])
    page = agent.get(f"/declarant/orders/{order['orderNo']}?ebpCode={order['ebpCode']}").text
    assert f'href="/declarant/orders/{order_id}/inventories"' in page
    form = agent.get(f"/declarant/orders/{order_id}/inventories")
    assert form.status_code == 200
    assert f'name="logisticsNo" value="{bought["waybill"]["logisticsNo"]}"' in form.text
    masked_id = order["buyerIdNumber"][:3] + "*" * 11 + order["buyerIdNumber"][-4:]  # #18: masked for the agent
    assert f'name="buyerIdNumber" value="{masked_id}"' in form.text and order["buyerIdNumber"] not in form.text
    assert f'name="inventoryList.2.gname" data-name="gname" value="{order["orderList"][1]["itemName"]}"' in form.text
    assert "inventoryList[1].gcode" in form.text  # what is still to type is said
    prefill = agent.get("/api/import/inventories/prefill",
                        params={"ebpCode": order["ebpCode"], "orderNo": order["orderNo"]}).json()
    assert set(prefill["sources"]) == {"order", "payment", "waybill"}
    assert [line["qty"] for line in prefill["document"]["inventoryList"]] == [
        str(line["qty"]) for line in order["orderList"]]
    assert "customsCode" in prefill["missing"] and "logisticsNo" not in prefill["missing"]
    # the trade mode's own fields (9610: trafNo, voyageNo, billNo) are asked for once the mode is chosen
    given = [*prefill["missing"], "trafNo", "voyageNo", "billNo"]
    missing = {k: v for k, v in plain(bought["inventory"]).items() if k in given}
    lines = [{"gcode": line["gcode"], "qty1": line["qty1"], "unit1": line["unit1"]}
             for line in plain(bought["inventory"])["inventoryList"]]
    declared = agent.post("/api/import/inventories/prefill", json={
        "ebpCode": order["ebpCode"], "orderNo": order["orderNo"], "document": missing | {"inventoryList": lines}})
    assert declared.status_code == 201, declared.text
    platform.runner.run_until_idle()
    stored = platform.store.repository.get(uuid.UUID(declared.json()["documentId"]))
    assert stored.status == "800", stored.return_info  # customs accepted and released it: the match passed


def test_the_payment_and_waybill_pages_build_the_same_inventory(platform, app):
    bought = three_documents(platform)
    agent = client_for(app, "agent")
    waybill = bought["waybill"]
    waybill_id = Declaration.create_id("CEB511", (waybill["logisticsCode"], waybill["logisticsNo"]))
    form = agent.get(f"/declarant/waybills/{waybill_id}/inventories")
    assert form.status_code == 200 and f'value="{bought["order"]["orderNo"]}"' in form.text


def test_another_organisation_can_neither_build_from_modify_copy_nor_cancel_what_it_may_not_see(platform, app):
    bought = three_documents(platform)
    order = bought["order"]
    order_id = ImportOrder.create_id(order["ebpCode"], order["orderNo"])
    refused = refused_order(platform)
    inventory = released_inventory(platform)
    stranger = client_for(app, "stranger")
    params = {"ebpCode": order["ebpCode"], "orderNo": order["orderNo"]}
    assert stranger.get("/api/import/inventories/prefill", params=params).status_code == 404
    assert stranger.post("/api/import/inventories/prefill", json=params | {"document": {}}).status_code == 404
    assert stranger.get(f"/declarant/orders/{order_id}/inventories").status_code == 404
    assert stranger.get(f"/declarant/orders/{refused.id}/modify").status_code == 404
    assert stranger.post(f"/declarant/orders/{refused.id}/modify", data={"_amend_reason": "x"}).status_code == 404
    assert stranger.post(f"/api/import/orders/{refused.id}/redeclare",
                         json={"document": plain(refused.document), "reason": "x"}).status_code == 404
    assert stranger.get(f"/declarant/orders/{refused.id}/copy").status_code == 404
    assert stranger.get(f"/api/import/orders/{refused.id}/copy").status_code == 404
    assert stranger.get(f"/declarant/inventories/{inventory.id}/cancellations").status_code == 404
    assert stranger.get(f"/declarant/inventories/{inventory.id}/returns").status_code == 404
    assert platform.store.repository.get(refused.id).version == refused.version


def test_a_user_without_the_inventory_permission_is_not_offered_to_build_one(platform, app):
    bought = three_documents(platform)
    client = client_for(app, "payment")  # sees the payment, may not declare inventories
    payment = bought["payment"]
    payment_id = Declaration.create_id("CEB411", (payment["payCode"], payment["payTransactionId"]))
    page = client.get(f"/declarant/payments/{payment_id}").text
    assert 'id="action-copy"' in page and 'id="action-make_inventories"' not in page
    assert client.get(f"/declarant/payments/{payment_id}/inventories").status_code == 403


def test_the_export_order_form_offers_the_three_order_types(app):
    page = client_for(app, "ecom").get("/declarant/export-orders/new").text
    options = re.findall(r'<option value="([EBW])"', page.split('id="choice-orderType"')[1].split("</select>")[0])
    assert options == ["E", "B", "W"] and "9710" in page and "9810" in page
