"""#16 items 1, 2 and 6: organisation B against organisation A's documents on one platform.

1. A document that refers to another (cancellation, return, bag, arrival, departure, summary, export cancellation,
   export return, tally; a drop-folder file, a passthrough message) may refer only to documents B may act on; the
   refusal says nothing of A's document (its status, its goods).
2. A party that is not the sender of a signed message sees only its own document's node of it.
6. Numbers: B can neither learn nor take A's order numbers, nor read A's document numbers on a purchase page."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from domain.shared import statuses
from domain.shared.personal import mask
from engine.customs import examples
from engine.customs.api_json import plain
from engine.identity.enterprises import DEMO
from tests.conftest import login
from tests.integration.customs import test_document_consoles as consoles
from tests.integration.customs import test_export_consoles as export_consoles
from tests.integration.customs.test_drop_folders import ceb_file, drop, result_of
from tests.integration.identity.test_security import other_tenant
from ui.app import create_app

B, B_NAME, B_PASSWORD = "3301960009", "另一家电商有限公司", "Their-Pass-2026"
B_AGENT = {"agentCode": B, "agentName": B_NAME}


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    """The demo organisations (A: ECOM-DEMO, LOGI-DEMO, SITE-DEMO ...) and B ("OTHER", enterprise 3301960009) with a
    declarant of each kind; drop folders taken at once."""
    from engine import bootstrap
    from engine.demo import ensure_demo
    from engine.settings import Settings

    built = bootstrap.build(Settings.from_env(tmp_path_factory.mktemp("links") / "data",
                                              env={"CBEC_SIM_ACCEPT_DELAY": "0", "CBEC_DROP_SETTLE": "0"}),
                            with_simulator=True)
    built.identity.enterprises.ensure_demo()
    ensure_demo(built.identity, built.identity.enterprises)
    other_tenant(built)
    built.reference.edit("declaring_units", {"code": B, "name_zh": B_NAME}, by="test", reason="B declares inventories")
    for username, role in (("other-logi", "declarant_logistics"), ("other-site", "declarant_site")):
        built.identity.register_user(username, username, "OTHER", [role], B_PASSWORD, "test")
    yield built
    built.close()


@pytest.fixture(scope="module")
def app(platform):
    return create_app(platform)


def client_for(app, username: str, password: str | None = None) -> TestClient:
    client = TestClient(app, base_url="https://testserver")
    login(client, username, password, next_url="/account")
    return client


@pytest.fixture(scope="module")
def theirs(app):
    return client_for(app, "other", B_PASSWORD)


def refused(response, rule: str, *secrets: str) -> list[dict[str, Any]]:
    """A 422 naming the rule, in zh and en, that tells none of the secrets."""
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert rule in {e["rule"] for e in errors}, errors
    assert all(e["message_zh"] and e["message_en"] and e["field"] for e in errors)
    for secret in secrets:
        assert secret not in response.text, secret
    return errors


def said_of(status: str) -> tuple[str, ...]:
    return statuses.label(status), statuses.label(status, "en")


def goods(document: dict[str, Any], name: str = "gname") -> tuple[str, ...]:
    return tuple(str(line[name]) for line in document["inventoryList"])


def guessed(refund: dict[str, Any]) -> dict[str, Any]:
    """A return whose lines guess the goods: a check against A's inventory would answer with the real names."""
    return refund | {"invtRefundList": [line | {"gname": "猜测的商品"} for line in refund["invtRefundList"]]}


# --- item 1: linked documents ----------------------------------------------------------------------------------

def test_a_cancellation_of_another_organisations_inventory_is_refused_and_changes_nothing(platform, theirs):
    inventory, invt_no = consoles.numbered_inventory(platform, "XCAN")
    response = theirs.post("/api/import/cancellations", json=plain(examples.cancellation(inventory, invt_no) | B_AGENT))
    refused(response, "inventory_exists", *goods(inventory), *said_of("800"))
    platform.runner.run_until_idle()
    assert platform.customs.declarations["CEB621"].get_by_key((inventory["copNo"],)).status == "800"


def test_a_return_of_another_organisations_inventory_is_refused_without_its_goods(platform, theirs):
    inventory, invt_no = consoles.numbered_inventory(platform, "XRET")
    refund = guessed(examples.refund(inventory, invt_no) | B_AGENT)
    refused(theirs.post("/api/import/returns", json=plain(refund)), "inventory_exists", *goods(inventory),
            *said_of("800"))


def test_a_bag_may_not_hold_another_organisations_parcels_nor_claim_them(platform, app):
    [waybill] = export_consoles.accepted_waybills(platform, "XBAG", 1)
    parcel = [waybill["logisticsNo"]]
    bag = examples.bag(parcel) | B_AGENT  # B's agent, A's logistics enterprise and parcels
    refused(client_for(app, "other-logi", B_PASSWORD).post("/api/export/bags", json=plain(bag)),
            "waybills_declared", waybill["goodsInfo"], *said_of("120"))
    assert client_for(app, "logistics").post("/api/export/bags", json=plain(examples.bag(parcel))).status_code == 201


def test_an_arrival_of_another_organisations_parcels_is_refused_unless_a_site_reports_it(platform, app):
    """A supervised site (an enterprise registered as a site) reports whatever parcels arrive at it; B is none."""
    [waybill] = export_consoles.accepted_waybills(platform, "XARR", 1)
    arrival = examples.arrival([waybill["logisticsNo"]])
    spoofed = arrival | {"operatorCode": B, "operatorName": B_NAME}
    refused(client_for(app, "other-site", B_PASSWORD).post("/api/export/arrivals", json=plain(spoofed)),
            "waybills_declared", waybill["goodsInfo"], *said_of("120"))
    assert client_for(app, "site").post("/api/export/arrivals", json=plain(arrival)).status_code == 201


def test_a_departure_lists_only_its_own_logistics_enterprises_parcels(platform, app):
    [waybill] = export_consoles.accepted_waybills(platform, "XDEP", 1)
    departure = examples.departure([waybill["logisticsNo"]]) | {"logisticsCode": B, "logisticsName": B_NAME}
    refused(client_for(app, "other-logi", B_PASSWORD).post("/api/export/departures", json=plain(departure)),
            "waybills_declared", waybill["goodsInfo"], *said_of("120"))


def test_a_summary_may_not_list_another_organisations_export_inventory(platform, theirs):
    inventory, invt_no = export_consoles.numbered_export_inventory(platform, "XSUM")
    summary = examples.summary([invt_no]) | B_AGENT | {"ebcCode": B, "ebcName": B_NAME, "declAgentCode": B,
                                                       "declAgentName": B_NAME}
    errors = refused(theirs.post("/api/export/summaries", json=plain(summary)), "inventory_exists",
                     *goods(inventory), *said_of("800"))
    assert [e["field"] for e in errors] == ["summaryApplyList[1].invtNo"]


def test_an_export_cancellation_of_another_organisations_inventory_is_refused(platform, theirs):
    inventory, invt_no = export_consoles.numbered_export_inventory(platform, "XECN")
    cancellation = examples.export_cancellation(invt_no) | B_AGENT | {"ebcCode": B, "ebcName": B_NAME}
    refused(theirs.post("/api/export/export-cancellations", json=plain(cancellation)), "inventory_exists",
            *goods(inventory), *said_of("800"))


def test_an_export_return_of_another_organisations_inventory_is_refused_without_its_goods(platform, theirs):
    inventory, invt_no = export_consoles.numbered_export_inventory(platform, "XERT")
    refund = guessed(examples.export_return(inventory, invt_no) | B_AGENT)
    refused(theirs.post("/api/export/export-returns", json=plain(refund)), "inventory_exists", *goods(inventory),
            *said_of("800"))


def test_a_tally_may_not_name_another_organisations_inventory_or_parcel(platform, theirs):
    inventory, invt_no = export_consoles.numbered_export_inventory(platform, "XTAL")
    [waybill] = export_consoles.accepted_waybills(platform, "XTAL", 1)
    tally = examples.tally(waybill["logisticsNo"], invt_no) | {"operatorCode": B, "operatorName": B_NAME}
    errors = refused(theirs.post("/api/export/export-tallies", json=plain(tally)), "inventory_exists",
                     *goods(inventory), waybill["goodsInfo"], *said_of("800"))
    assert {e["field"] for e in errors} == {"invtNo", "logisticsNo"}


def test_a_drop_folder_file_and_a_passthrough_message_may_not_cancel_another_organisations_inventory(platform):
    """Drop folders declare for their enterprise: B's folder may not name A's inventory, neither in a JSON file nor
    in a ready-made message (which would otherwise go to customs unchecked, as for an inventory declared elsewhere)."""
    inventory, invt_no = consoles.numbered_inventory(platform, "XDRP")
    cancellation = examples.cancellation(inventory, invt_no) | B_AGENT
    drop(platform, B, "cancellations-x.json", json.dumps([cancellation], ensure_ascii=False, default=str).encode())
    drop(platform, B, "cancellation-x.xml", ceb_file(platform, "CEB623", [cancellation]))
    platform.runner.run_until_idle()

    for name in ("cancellations-x.json", "cancellation-x.xml"):
        result = result_of(platform, B, "failed", name)
        shown = json.dumps(result, ensure_ascii=False)
        rules = {e["rule"] for e in result["errors"]} | {e["rule"] for d in result.get("documents", [])
                                                         for e in d["errors"]}
        assert "inventory_exists" in rules, result
        assert not any(secret in shown for secret in (*goods(inventory), *said_of("800")))
    assert platform.customs.declarations["CEB621"].get_by_key((inventory["copNo"],)).status == "800"


# --- item 2: the signed message ----------------------------------------------------------------------------------

def test_a_party_sees_only_its_own_document_of_the_signed_message(platform, app, theirs):
    """A's two inventories go in one signed message; B is the platform (ebpCode) on one of them: B's pages show that
    one's node and a note, not the other buyer; A and an auditor see the whole message."""
    mine = consoles.purchase("XMSG")["inventory"] | {"buyerName": "保密买家甲", "consigneeAddress": "保密街一号"}
    named = consoles.purchase("XMSG")["inventory"] | {"ebpCode": B, "ebpName": B_NAME}
    outcomes = platform.customs.declarations["CEB621"].declare_many([mine, named], "test")
    platform.runner.run_until_idle()
    document_id = outcomes[1].document_id
    secrets = ("保密买家甲", "保密街一号", mine["buyerIdNumber"], mine["copNo"])

    [message] = theirs.get(f"/api/import/inventories/{document_id}").json()["messages"]
    assert named["copNo"] in message["xml"] and "1 other" in message["xml"]
    assert not any(secret in message["xml"] for secret in secrets)
    page = theirs.get(f"/declarant/inventories/{document_id}").text
    assert named["copNo"] in page and not any(secret in page for secret in secrets)
    for user in ("ecom", "auditor"):  # the whole message, the buyer ID masked (#18: they lack I3:view-personal)
        [whole] = client_for(app, user).get(f"/api/import/inventories/{document_id}").json()["messages"]
        assert all(secret in whole["xml"] for secret in secrets if secret != mine["buyerIdNumber"])
        assert mask(mine["buyerIdNumber"]) in whole["xml"] and mine["buyerIdNumber"] not in whole["xml"]


# --- item 6: numbers ---------------------------------------------------------------------------------------------

def test_another_platforms_order_numbers_are_neither_told_nor_taken(platform, app, theirs):
    """An order number belongs to its platform (ebpCode): B gets the same refusal for one A declared and for one A
    has not used yet, and A then declares the latter."""
    ecom = client_for(app, "ecom")
    declared, fresh = consoles.purchase("XOWN")["order"], consoles.purchase("XOWN")["order"]
    assert ecom.post("/api/import/orders", json=plain(declared)).status_code == 201
    answers = [refused(theirs.post("/api/import/orders", json=plain(order | {"ebcCode": B, "ebcName": B_NAME})),
                       "number_owner", "已申报过", "already declared") for order in (declared, fresh)]
    assert [(e["field"], e["rule"]) for e in answers[0]] == [(e["field"], e["rule"]) for e in answers[1]]
    assert ecom.post("/api/import/orders", json=plain(fresh)).status_code == 201
    assert ecom.post("/api/import/orders", json=plain(declared)).json()["errors"][0]["rule"] == "unique"


def test_a_number_another_organisation_declared_is_refused_without_saying_so(platform, app, theirs):
    """An inventory copNo A used: B is refused as for a number it may not use, A is told it was declared."""
    inventory = consoles.purchase("XCOP")["inventory"]
    assert client_for(app, "ecom").post("/api/import/inventories", json=plain(inventory)).status_code == 201
    refused(theirs.post("/api/import/inventories", json=plain(inventory | B_AGENT)), "number_owner", "已申报过",
            "already declared")
    again = client_for(app, "ecom").post("/api/import/inventories", json=plain(inventory))
    assert again.status_code == 422 and again.json()["errors"][0]["rule"] == "unique"


def test_a_purchase_page_hides_the_numbers_of_documents_the_caller_may_not_see(platform, theirs):
    """B declared an inventory of A's order: the purchase shows B that A's order, payment and waybill exist, not
    their numbers or ids."""
    bought = consoles.purchase("XPUR")
    for role, message in (("order", "CEB311"), ("payment", "CEB411"), ("waybill", "CEB511"),
                          ("inventory", "CEB621")):
        platform.customs.declarations[message].declare(bought[role], "test")
    own = bought["inventory"] | B_AGENT | {"ebcCode": B, "ebcName": B_NAME, "copNo": f"B{uuid.uuid4().hex[:16]}",
                                           "buyerIdNumber": consoles.buyer_id()}
    assert theirs.post("/api/import/inventories", json=plain(own)).status_code == 201
    platform.customs.documents_view.run_once()
    platform.customs.orders_view.run_once()

    response = theirs.get(f"/api/import/purchases/{DEMO['code']}/{bought['order']['orderNo']}")
    assert response.status_code == 200
    documents = response.json()["documents"]
    hidden = [h for found in documents.values() for h in found if not h["visible"]]
    assert hidden and all(h["number"] == "" and h["documentId"] == "" for h in hidden)
    for secret in (bought["payment"]["payTransactionId"], bought["inventory"]["copNo"]):
        assert secret not in response.text
