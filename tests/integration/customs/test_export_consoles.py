"""E1-E10, X1: the consoles, Excel templates, 暂存 drafts with 批量申报 and the JSON API of every export document type,
with tenancy (A6); the bagging page (E7) that puts many accepted parcels under one bag number, and the arrival (E10)
and departure (E8) made from a bag. One platform for the module; each test uses numbers of its own."""

from __future__ import annotations

import io
import re
import uuid
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook

from adapters.excel.documents import HEADS, LINES
from domain.shared.receipts import Receipt
from engine.customs import examples
from engine.customs.api_json import plain
from engine.demo import DEMO_PASSWORD

# the module's fixtures and the helpers of the import tests
from tests.integration.customs.test_document_consoles import (
    app,
    client_for,
    filled_template,
    form_data,
    listed,
    platform,
    upload,
)

__all__ = ["app", "platform"]
ACCEPTED_AT = "20991231000000000"  # later than any simulator answer, so these receipts stay the current status
HUB = "hub"  # a logistics enterprise's user that also runs the supervised site (arrivals from its bags)


def shipment(prefix: str, mode: str = "9610") -> dict[str, dict[str, Any]]:
    return examples.export_purchase(f"{prefix}{uuid.uuid4().hex[:10].upper()}", mode=mode)


def receive(platform, aggregate_id: Any, receipt: str, status: str, numbers: dict[str, str] | None = None) -> None:
    """A customs receipt recorded as ApplyReceipts would (the simulator does not answer every export type yet), once
    the document is sent: customs answers what it received."""
    platform.runner.run_until_idle()
    document = platform.store.repository.get(aggregate_id)
    if document.status != status:
        answer = Receipt(receipt, document.guid, status, ACCEPTED_AT, "测试回执")
        document.apply_receipt(answer, numbers or {})
        effects: dict[Any, Any] = {}
        # what ApplyReceipts does next (a refused bag's parcels)
        platform.exchange.receipts._effects(document, answer, effects)
        platform.store.save(document, *effects.values())


def accepted_waybills(platform, prefix: str, n: int, **changes: Any) -> list[dict[str, Any]]:
    """Export waybills declared, sent, and accepted by customs (120)."""
    waybills = [shipment(prefix)["waybill"] | changes for _ in range(n)]
    ids = [platform.customs.declarations["CEB505"].declare(w, declared_by="test").id for w in waybills]
    for aggregate_id in ids:
        receive(platform, aggregate_id, "CEB506", "120")
    platform.customs.documents_view.run_once()
    return waybills


def numbered_export_inventory(platform, prefix: str = "EXN") -> tuple[dict[str, Any], str]:
    """An export inventory customs released (800) with its invtNo, for cancellations, returns and summaries."""
    inventory = shipment(prefix)["inventory"]
    inventory_id = platform.customs.declarations["CEB603"].declare(inventory, declared_by="test").id
    invt_no = f"2928{uuid.uuid4().int % 10**14:014d}"
    receive(platform, inventory_id, "CEB604", "800", {"invtNo": invt_no, "preNo": f"B{invt_no}"})
    platform.customs.documents_view.run_once()
    return inventory, invt_no


def document_of(platform, slug: str) -> tuple[str, dict[str, Any], str]:
    """(user, document, list key) of a fresh, valid document of the type."""
    goods = shipment(slug[:3].upper())
    parcel = [goods["waybill"]["logisticsNo"]]
    if slug in ("bags", "arrivals", "departures"):  # they list parcels declared on the platform
        platform.customs.declarations["CEB505"].declare(goods["waybill"], declared_by="test")
    if slug in ("summaries", "export-cancellations", "export-returns"):
        inventory, invt_no = numbered_export_inventory(platform)
        return "ecom", {"summaries": examples.summary([invt_no]),
                        "export-cancellations": examples.export_cancellation(invt_no),
                        "export-returns": examples.export_return(inventory, invt_no)}[slug], \
            {"summaries": "summaryApplyList", "export-returns": "invtRefundList"}.get(slug, "")
    return {"export-orders": ("ecom", goods["order"], "orderList"), "collections": ("payment", goods["collection"], ""),
            "export-waybills": ("logistics", goods["waybill"], ""),
            "export-inventories": ("ecom", goods["inventory"], "inventoryList"),
            "bags": ("logistics", examples.bag(parcel), "wayBillList"),
            "arrivals": ("site", examples.arrival(parcel), "arrivalList"),
            "departures": ("logistics", examples.departure(parcel), "departureList"),
            "export-tallies": ("site", examples.tally(parcel[0]), "")}[slug]


TYPES = ["export-orders", "collections", "export-waybills", "export-inventories", "bags", "arrivals", "departures",
         "summaries", "export-cancellations", "export-returns", "export-tallies"]


@pytest.mark.parametrize("slug", TYPES)
def test_each_export_type_is_declared_through_its_form_and_shown_on_its_page(platform, app, slug):
    """E1-E10: each type's form (one list of lines, a list of invtNo only, or none) declares the document; its page
    shows it with its lines and the list links to it."""
    user, document, list_key = document_of(platform, slug)
    client = client_for(app, user)
    assert client.get(f"/declarant/{slug}/new").status_code == 200
    response = client.post(f"/declarant/{slug}/new", data=form_data(document, list_key) | {
        "confirm_missing_documents": "1"}, follow_redirects=False)  # #18: an inventory alone, its warnings confirmed
    assert response.status_code == 303, re.findall(r'data-field="([^"]+)"', response.text)
    page = client.get(response.headers["location"])
    assert page.status_code == 200 and 'id="created"' in page.text
    assert re.search(r'id="status" data-status="declared"', page.text)
    for line in document.get(list_key) or []:
        assert str(line.get("logisticsNo") or line.get("invtNo") or line.get("itemNo") or line["gcode"]) in page.text
    document_id = response.headers["location"].split("?")[0].rsplit("/", 1)[-1]
    assert f'href="/declarant/{slug}/{document_id}"' in client.get(f"/declarant/{slug}").text


def test_a_bag_form_starts_with_the_logistics_enterprise_as_the_declarant(app):
    """E7: the 清单总分单's agentCode is the logistics enterprise's (not the e-commerce default of inventories)."""
    page = client_for(app, "logistics").get("/declarant/bags/new").text
    assert 'name="agentCode" value="3301980001"' in page and 'name="logisticsCode" value="3301980001"' in page


def test_the_nav_groups_the_consoles_by_direction_and_permission(app):
    """E1-E10: 进口 and 出口 menus with the links the user may open: logistics sees its waybills and the bagging
    page, payment its collections, neither the other's."""
    logistics = client_for(app, "logistics").get("/account").text
    export_menu = re.search(r'<details class="menu" id="nav-export">.*?</details>', logistics, re.S).group(0)
    assert "/declarant/export-waybills" in export_menu and "/declarant/bags/new-from-parcels" in export_menu
    assert "/declarant/collections" not in export_menu and 'id="nav-import"' in logistics
    payment = client_for(app, "payment").get("/account").text
    assert "/declarant/collections" in payment and "/declarant/bags" not in payment


def test_export_inventories_round_trip_through_the_excel_template(platform, app):
    """E2, X1: the template's two sheets filled with inventories (heads and lines) declare them; the list exported
    as a workbook gives them back with their lines and status."""
    client = client_for(app, "ecom")
    inventories = [shipment("XEI")["inventory"] for _ in range(2)]
    response = upload(client, "export-inventories",
                      filled_template(client, "export-inventories", inventories, "inventoryList"))
    assert response.status_code == 200 and 'data-stored="2"' in response.text
    platform.customs.documents_view.run_once()
    copy = load_workbook(io.BytesIO(client.get("/declarant/export-inventories/export.xlsx",
                                               params={"q": inventories[0]["copNo"]}).content))
    fields = [str(c.value).split()[-1] for c in copy[HEADS][1]]
    rows = list(copy[HEADS].iter_rows(min_row=2, values_only=True))
    assert [r[fields.index("copNo")] for r in rows] == [inventories[0]["copNo"]]
    assert rows[0][fields.index("status")] == "已提交"
    assert copy[LINES].max_row == 1 + len(inventories[0]["inventoryList"])


def test_collections_without_lines_import_from_a_one_sheet_template(app):
    """E9, X1: the 收款单 template has the heads sheet only; a bad row is reported with its field, nothing stored."""
    client = client_for(app, "payment")
    collections = [shipment("XCL")["collection"] for _ in range(3)]
    book = load_workbook(io.BytesIO(client.get("/declarant/collections/template.xlsx").content))
    assert book.sheetnames == [HEADS]
    bad = [dict(collections[0], charge="a lot"), *collections[1:]]
    refused = upload(client, "collections", filled_template(client, "collections", bad, ""))
    assert refused.status_code == 422 and "<code>charge</code>" in refused.text
    stored = upload(client, "collections", filled_template(client, "collections", collections, ""))
    assert 'data-stored="3"' in stored.text
    assert listed(client, "collections", collections[2]["orderNo"]) == ["document"]


def test_export_orders_saved_as_drafts_are_declared_in_one_batch(platform, app):
    """E1, X1: orders imported as 暂存 drafts, 批量申报 of every draft of the filter, the batch page follows them until
    customs has answered each one."""
    client = client_for(app, "ecom")
    batch = "XDR" + uuid.uuid4().hex[:6].upper()
    orders = [examples.export_purchase(f"{batch}{i:04d}")["order"] for i in range(3)]
    saved = upload(client, "export-orders", filled_template(client, "export-orders", orders, "orderList"),
                   mode="draft")
    assert 'data-stored="3"' in saved.text
    assert listed(client, "export-orders", batch, status="draft") == ["draft"] * 3
    response = client.post("/declarant/export-orders/declare", data={"all": "1", "q": batch}, follow_redirects=False)
    assert "/declarant/export-orders/batches/" in response.headers["location"]
    progress = client.get(response.headers["location"]).text
    assert "本批 3 张" in progress and 'data-done="0"' in progress
    platform.runner.run_until_idle()
    assert 'data-done="1"' in client.get(response.headers["location"]).text
    assert listed(client, "export-orders", batch, status="draft") == []
    assert listed(client, "export-orders", batch) == ["document"] * 3


def test_the_export_api_declares_one_and_many_searches_and_shows_a_document(platform, app):
    """X1, E1: POST one, POST a batch (each result with index, number, accepted, errors), search, detail with the
    signed message and the timeline."""
    client = client_for(app, "ecom")
    one, good, bad = (plain(shipment("API")["order"]) for _ in range(3))
    created = client.post("/api/export/export-orders", json=one)
    assert created.status_code == 201 and created.json()["statusLabel"] == "已提交"
    bad["goodsValue"] = "many"
    results = client.post("/api/export/export-orders/batch", json={"documents": [good, bad]}).json()
    assert results["accepted"] == 1
    assert [(r["index"], r["number"], r["accepted"]) for r in results["results"]] == [
        (0, good["orderNo"], True), (1, bad["orderNo"], False)]
    assert results["results"][1]["errors"][0]["field"] == "goodsValue"
    platform.runner.run_until_idle()
    found = client.get("/api/export/export-orders", params={"q": one["orderNo"]}).json()
    assert found["total"] == 1 and found["items"][0]["number"] == one["orderNo"]
    detail = client.get(f"/api/export/export-orders/{created.json()['documentId']}").json()
    assert detail["orderType"] == "E" and detail["messages"][0]["messageType"] == "CEB303"
    assert {"Declared", "Packed", "Prepared", "Delivered"} <= {e["event"] for e in detail["timeline"]}


@pytest.fixture(scope="module")
def other_firms(platform):
    """A second payment and a second logistics enterprise, with the keys to sign their documents."""
    platform.identity.enterprises.ensure("3301960009", "别家支付有限公司", ["payment"], "DXPENT0000000091", "")
    platform.identity.enterprises.ensure("3301980009", "别家国际物流有限公司", ["logistics"], "DXPENT0000000092", "")
    return {"payment": "3301960009", "logistics": "3301980009"}


def test_the_export_api_keeps_each_enterprise_to_its_own_documents(platform, app, other_firms):
    """A6, E2, E9: the logistics user may not declare export inventories (403), nor with the permission for the
    e-commerce enterprise (agentCode); the payment user finds only its own collections."""
    inventory = plain(shipment("TEN")["inventory"])
    assert client_for(app, "logistics").post("/api/export/export-inventories", json=inventory).status_code == 403
    platform.identity.define_role("logistics_export_inventory", "物流出口清单", "Logistics export inventories",
                                  ["E2:view", "E2:declare"], by="admin")
    platform.identity.register_user("logi3", "物流出口清单员", "LOGI-DEMO",
                                    ["declarant_logistics", "logistics_export_inventory"], DEMO_PASSWORD, by="admin")
    refused = client_for(app, "logi3").post("/api/export/export-inventories", json=inventory)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "agentCode"
    mine, theirs = shipment("TCA")["collection"], shipment("TCB")["collection"]
    theirs |= {"payCode": other_firms["payment"], "payName": "别家支付有限公司"}
    ids = [str(platform.customs.declarations["CEB403"].declare(c, declared_by="test").id) for c in (mine, theirs)]
    platform.customs.documents_view.run_once()
    client = client_for(app, "payment")
    assert client.get("/api/export/collections", params={"q": mine["orderNo"]}).json()["total"] == 1
    assert client.get("/api/export/collections", params={"q": theirs["orderNo"]}).json()["total"] == 0
    assert client.get(f"/api/export/collections/{ids[1]}").status_code == 404
    assert client.get(f"/api/export/collections/{ids[0]}").status_code == 200
    assert client.get("/api/export/export-orders").status_code == 403


def bagging_rows(client, q: str) -> list[str]:
    page = client.get("/declarant/bags/new-from-parcels", params={"q": q}).text
    return re.findall(r'<tr data-logistics-no="([^"]+)">', page)


LOGISTICS = examples.LOGISTICS
BAG_FIELDS = {"customsCode": "2928", "billNo": "999-12345675", "trafMode": "5", "trafName": "CA987",
              "voyageNo": "20261126", "totalPackageNo": "BAG-E7-01", "agentCode": LOGISTICS["code"],
              "agentName": LOGISTICS["name"], "logisticsCode": LOGISTICS["code"], "logisticsName": LOGISTICS["name"]}


def test_the_bagging_page_lists_only_accepted_unbagged_parcels_of_the_users_enterprise(platform, app, other_firms):
    """E7: accepted waybills (120) of the user's logistics enterprise are offered; one not yet accepted, one of another
    logistics enterprise and one in a declared bag are not; those in a bag customs refused are offered again. 'All
    of the filter' bags every one offered."""
    prefix = "BGL" + uuid.uuid4().hex[:4].upper()
    offered = accepted_waybills(platform, prefix, 2)
    bagged, refused_bag = accepted_waybills(platform, prefix, 2)
    accepted_waybills(platform, prefix, 1, logisticsCode=other_firms["logistics"], logisticsName="别家国际物流有限公司")
    platform.customs.declarations["CEB607"].declare(examples.bag([bagged["logisticsNo"]]), declared_by="test")
    refused = platform.customs.declarations["CEB607"].declare(examples.bag([refused_bag["logisticsNo"]]),
                                                              declared_by="test")
    receive(platform, refused.id, "CEB608", "100")
    platform.customs.declarations["CEB505"].declare(shipment(prefix)["waybill"], declared_by="test")  # not sent yet
    client = client_for(app, "logistics")
    expected = sorted([w["logisticsNo"] for w in offered] + [refused_bag["logisticsNo"]])
    assert sorted(bagging_rows(client, prefix)) == expected
    assert client_for(app, "ecom").get("/declarant/bags/new-from-parcels").status_code == 403
    response = client.post("/declarant/bags/new-from-parcels", data=BAG_FIELDS | {"all": "1", "q": prefix},
                           follow_redirects=False)  # every parcel of the filter, none ticked
    bag = platform.store.repository.get(uuid.UUID(response.headers["location"].split("?")[0].rsplit("/", 1)[-1]))
    assert sorted(line["logisticsNo"] for line in bag.document["wayBillList"]) == expected
    assert bagging_rows(client, prefix) == []


def test_ticked_parcels_are_declared_as_one_bag_then_arrive_and_depart_from_its_page(platform, app):
    """E7, E8, E10: the ticked parcels (one with its export inventory's invtNo) become one 清单总分单 under the bag
    number, weighed; they leave the page; the bag's page makes the 离境单 (logistics) and the 运抵单 (a user of an
    organisation that runs the site too) with the bag's conveyance and parcels."""
    prefix = "BGD" + uuid.uuid4().hex[:4].upper()
    waybills = accepted_waybills(platform, prefix, 3)
    inventory = shipment(prefix)["inventory"] | {"logisticsNo": waybills[0]["logisticsNo"]}
    inventory_id = platform.customs.declarations["CEB603"].declare(inventory, declared_by="test").id
    receive(platform, inventory_id, "CEB604", "800", {"invtNo": "292820269000000042"})
    client = client_for(app, "logistics")
    assert client.post("/declarant/bags/new-from-parcels", data=BAG_FIELDS).status_code == 422  # nothing ticked
    page = client.get("/declarant/bags/new-from-parcels", params={"q": prefix}).text
    ids = re.findall(r'name="parcel" value="([^"]+)"', page)
    assert len(ids) == 3 and "2.7 千克" in page
    response = client.post("/declarant/bags/new-from-parcels", data={**BAG_FIELDS, "parcel": ids},
                           follow_redirects=False)
    assert response.status_code == 303, re.findall(r'<li data-field="([^"]+)"', response.text)
    bag_url = response.headers["location"].split("?")[0]
    bag = platform.store.repository.get(uuid.UUID(bag_url.rsplit("/", 1)[-1])).document
    assert Decimal(str(bag["grossWeight"])) == Decimal("2.7") and bag["billNo"] == BAG_FIELDS["billNo"]
    assert [(line["gnum"], line["totalPackageNo"], line["logisticsNo"], line.get("invtNo")) for line in
            bag["wayBillList"]] == [(1, "BAG-E7-01", waybills[0]["logisticsNo"], "292820269000000042"),
                                    (2, "BAG-E7-01", waybills[1]["logisticsNo"], None),
                                    (3, "BAG-E7-01", waybills[2]["logisticsNo"], None)]
    assert bagging_rows(client, prefix) == []
    again = client.post("/declarant/bags/new-from-parcels", data={**BAG_FIELDS, "parcel": ids[:1]})
    assert again.status_code == 422 and '<li data-field="wayBillList">' in again.text
    shown = client.get(bag_url).text
    assert 'id="make-departures"' in shown and 'id="make-arrivals"' not in shown
    departure = declared_from_bag(client, bag_url, "departures", {"leaveTime": "20261126220000"})
    assert [line["logisticsNo"] for line in departure["departureList"]] == [w["logisticsNo"] for w in waybills]
    assert departure["billNo"] == BAG_FIELDS["billNo"] and departure["voyageNo"] == BAG_FIELDS["voyageNo"]
    hub = client_for(app, hub_user(platform))
    arrival = declared_from_bag(hub, bag_url, "arrivals", {"domesticTrafNo": "浙A12345"})
    assert arrival["operatorCode"] == "3301990001" and arrival["arrivalList"][2]["totalPackageNo"] == "BAG-E7-01"
    assert client_for(app, "site").get(f"{bag_url}/arrivals").status_code == 404  # the site alone does not see it


def declared_from_bag(client, bag_url: str, slug: str, more: dict[str, str]) -> dict[str, Any]:
    """Open the bag's 运抵 / 离境 form, submit it as prefilled (plus `more`), and return the declared document."""
    form = client.get(f"{bag_url}/{slug}")
    assert form.status_code == 200
    data = dict(re.findall(r'<input name="([^"]+)"[^>]*? value="([^"]*)"', form.text)) | more
    response = client.post(f"/declarant/{slug}/new", data=data, follow_redirects=False)
    assert response.status_code == 303, re.findall(r'<li data-field="([^"]+)"', response.text)
    document_id = response.headers["location"].split("?")[0].rsplit("/", 1)[-1]
    return client.app.state.platform.store.repository.get(uuid.UUID(document_id)).document


def hub_user(platform) -> str:
    """A user of an organisation owning both the logistics enterprise and the supervised site."""
    if HUB not in {u.username for u in platform.identity.users()}:
        platform.identity.register_organisation("HUB-DEMO", "示范物流场站", by="admin")
        for code in ("3301980001", "3301990001"):
            platform.identity.assign_enterprise("HUB-DEMO", code, by="admin")
        platform.identity.register_user(HUB, "场站申报员", "HUB-DEMO", ["declarant_logistics", "declarant_site"],
                                        DEMO_PASSWORD, by="admin")
    return HUB


def test_the_unbagged_parcels_query_on_both_databases(make_platform, database_url):
    """E7: the bagging query (parcels, weights, bags, refused bags, tenancy) on SQLite and PostgreSQL."""
    from domain.identity.roles import Principal

    platform = make_platform(database_url, demo_users=True)
    waybills = accepted_waybills(platform, "PGB", 3)
    platform.customs.declarations["CEB607"].declare(examples.bag([waybills[0]["logisticsNo"]]), declared_by="test")
    refused = platform.customs.declarations["CEB607"].declare(examples.bag([waybills[1]["logisticsNo"]]),
                                                              declared_by="test")
    receive(platform, refused.id, "CEB608", "100")
    logistics = Principal("logistics", "LOGI-DEMO", (), frozenset(), frozenset({LOGISTICS["code"]}))
    rows, total = platform.customs.document_queries.unbagged(logistics, q="PGB")
    assert total == 2 and sorted(r["logistics_no"] for r in rows) == sorted(w["logisticsNo"] for w in waybills[1:])
    assert [Decimal(r["gross_weight"]) for r in rows] == [Decimal("0.9")] * 2
    other = Principal("other", "OTHER", (), frozenset(), frozenset({"3301980009"}))
    assert platform.customs.document_queries.unbagged_all(other, q="PGB") == []
