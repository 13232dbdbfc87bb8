"""#18 修改重报 in the read models: once a document customs refused is modified and declared again, the statistics
(申报统计, 回执, 商品明细), the export summary's inventories and applications, and the document list show its new
version, not the refused one; a rebuild from the event history gives the same rows. The simulator refuses documents
whose note says MISTAKE (its reject-order fault); the fix takes it out."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest

from domain.shared import statuses
from engine.customs import examples
from engine.customs.amend import amendments
from engine.customs.api_json import plain

AGENT_PASSWORD = "Proxy-Declarer-2026"
LOGISTICS = "3301980001"


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    from engine import bootstrap
    from engine.demo import ensure_demo
    from engine.settings import Settings

    built = bootstrap.build(Settings.from_env(tmp_path_factory.mktemp("views") / "data",
                                              env={"CBEC_SIM_ACCEPT_DELAY": "0"}), with_simulator=True,
                            faults="reject-order=MISTAKE")
    built.identity.enterprises.ensure_demo()
    ensure_demo(built.identity, built.identity.enterprises)
    # an agent declaring for the e-commerce and the logistics enterprise: it may move an inventory's agentCode
    built.identity.register_organisation("VIEWS-AGENT", "代理申报企业", by="test")
    for code in ("3301960001", LOGISTICS):
        built.identity.assign_enterprise("VIEWS-AGENT", code, by="test")
    built.identity.register_user("views-agent", "代理申报员", "VIEWS-AGENT", ["declarant_ecommerce"], AGENT_PASSWORD,
                                 by="test")
    yield built
    built.close()


def number(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:10].upper()}"


def settle(platform) -> None:
    """Every step and read model caught up: the customs path, then the statistics followers."""
    platform.runner.run_until_idle()
    platform.audit.runner.run_until_idle()
    platform.customs.summaries_view.run_once()


def fixed(platform, doc_type_message: str, aggregate: Any, changes: dict[str, Any], user: str = "ecom") -> Any:
    """修改重报 of a refused document through the service the console and API call, with the note fixed."""
    doc_type = platform.customs.declarations[doc_type_message].doc_type
    document = plain(aggregate.document) | {"note": "已更正"} | changes
    return amendments(platform).redeclare(doc_type, str(aggregate.id), document, "备注填错",
                                          platform.identity.principal(user))


def refused(platform, message_type: str, document: dict[str, Any], user: str = "ecom") -> Any:
    service = platform.customs.import_orders if message_type == "CEB311" else platform.customs.declarations[
        message_type]
    stored = service.declare(document | {"note": "MISTAKE"}, declared_by=user,
                             **({} if message_type == "CEB311" else {"principal": platform.identity.principal(user)}))
    settle(platform)
    found = platform.store.repository.get(stored.id)
    assert statuses.is_refused(found.status), found.status
    return found


def purchase(platform, prefix: str, n: int) -> dict[str, Any]:
    """A purchase whose order, payment and waybill customs took: only the inventory's note can make it refused."""
    bought = examples.purchase(number(prefix), buyer_id=examples.buyer_id(n))
    for role, message in (("order", "CEB311"), ("payment", "CEB411"), ("waybill", "CEB511")):
        platform.customs.declarations[message].declare(bought[role], declared_by="test")
    settle(platform)
    return bought


def rows(platform, table: str, key: str, value: str) -> list[dict[str, Any]]:
    return [dict(r) for r in platform.readmodels.query(f"SELECT * FROM {table} WHERE {key} = ?", (value,))]


def rebuilt_equal(view, table: str, key: str, value: str, platform) -> None:
    before = sorted(map(str, rows(platform, table, key, value)))
    view.rebuild()
    assert sorted(map(str, rows(platform, table, key, value))) == before


def daily(platform) -> dict[tuple[str, str], int]:
    found = platform.readmodels.query("SELECT enterprise, status, SUM(n) AS n FROM declarations_daily "
                                      "WHERE document_type = 'CEB621' GROUP BY enterprise, status")
    return {(r["enterprise"], r["status"]): int(r["n"]) for r in found}


def test_statistics_count_a_modified_inventory_as_declared_again_under_its_new_agent(platform):
    bought = purchase(platform, "DV", 401)
    inventory = refused(platform, "CEB621", bought["inventory"], user="views-agent")
    view = platform.audit.views["declarations_daily"]
    before = daily(platform)
    fixed(platform, "CEB621", inventory, {"agentCode": LOGISTICS, "agentName": "示范物流"}, user="views-agent")
    view.run_once()
    [state] = rows(platform, "declaration_states", "document_id", str(inventory.id))
    assert (state["status"], state["enterprise"], state["message_id"]) == ("declared", LOGISTICS, None)
    after = daily(platform)
    assert after.get(("3301960001", "100"), 0) == before[("3301960001", "100")] - 1
    assert after[(LOGISTICS, "declared")] == before.get((LOGISTICS, "declared"), 0) + 1
    settle(platform)
    stored = platform.store.repository.get(inventory.id)
    [state] = rows(platform, "declaration_states", "document_id", str(inventory.id))
    assert (state["status"], state["message_id"]) == (stored.status, str(stored.message_id))
    rebuilt_equal(view, "declaration_states", "document_id", str(inventory.id), platform)


def test_receipts_of_the_new_version_name_its_sender_and_its_message(platform):
    bought = purchase(platform, "RV", 402)
    inventory = refused(platform, "CEB621", bought["inventory"], user="views-agent")
    fixed(platform, "CEB621", inventory, {"agentCode": LOGISTICS, "agentName": "示范物流"}, user="views-agent")
    settle(platform)
    stored = platform.store.repository.get(inventory.id)
    found = {r["return_status"]: r for r in rows(platform, "receipts", "document_id", str(inventory.id))}
    assert stored.status == "800" and found["100"]["message_guid"] != found["800"]["message_guid"]
    assert found[stored.status]["message_id"] == str(stored.message_id)
    assert found[stored.status]["enterprise"] == LOGISTICS and found[stored.status]["current"] == 1
    [document] = rows(platform, "receipt_documents", "document_id", str(inventory.id))
    assert document["enterprise"] == LOGISTICS
    rebuilt_equal(platform.audit.views["receipts"], "receipts", "document_id", str(inventory.id), platform)


def test_goods_lines_statistics_show_the_modified_orders_lines(platform):
    order = refused(platform, "CEB311", examples.import_order(number("OL"), lines=3))
    lines = plain(order.document)["orderList"][:2]
    lines[1] |= {"itemName": "更正后的商品", "totalPrice": "88.00", "qty": "1", "price": "88.00"}
    goods = sum((Decimal(line["totalPrice"]) for line in lines), Decimal(0))
    paid = goods + Decimal(str(order.document["freight"])) + Decimal(str(order.document["taxTotal"])) \
        - Decimal(str(order.document["discount"]))
    fixed(platform, "CEB311", order, {"orderList": lines, "goodsValue": str(goods), "acturalPaid": str(paid)})
    settle(platform)
    shown = sorted((r["gnum"], r["item_name"], Decimal(r["total_price"]))
                   for r in rows(platform, "order_lines", "document_id", str(order.id)))
    assert shown == [(1, lines[0]["itemName"], Decimal(lines[0]["totalPrice"])), (2, "更正后的商品", Decimal("88.00"))]
    rebuilt_equal(platform.audit.views["order_lines"], "order_lines", "document_id", str(order.id), platform)


def export_inventory(platform, mode_flag: str = "B") -> Any:
    shipment = examples.export_purchase(number("EXV"))
    return refused(platform, "CEB603", shipment["inventory"] | {"statisticsFlag": mode_flag})


def test_the_export_summary_lists_a_modified_export_inventory_with_its_new_values(platform):
    inventory = export_inventory(platform, "A")
    view = platform.customs.summaries_view
    [row] = rows(platform, "export_summary_inventories", "document_id", str(inventory.id))
    assert (row["statistics_flag"], row["status"]) == ("A", inventory.status)
    fixed(platform, "CEB603", inventory, {"statisticsFlag": "B"})
    view.run_once()
    [row] = rows(platform, "export_summary_inventories", "document_id", str(inventory.id))
    assert row["statistics_flag"] == "B" and '"statisticsFlag": "B"' in row["document"]
    assert row["status"] == "declared" and '"note": "已更正"' in row["document"]
    rebuilt_equal(view, "export_summary_inventories", "document_id", str(inventory.id), platform)


def test_a_modified_summary_application_lists_its_new_inventories_and_frees_the_dropped_ones(platform):
    view = platform.customs.summaries_view
    invt_nos = [f"29{uuid.uuid4().int % 10**16:016d}" for _ in range(2)]
    application = refused(platform, "CEB701", examples.summary(invt_nos))
    assert {r["invt_no"] for r in rows(platform, "export_summary_members", "application_id",
                                       str(application.id))} == set(invt_nos)
    kept = invt_nos[:1]
    fixed(platform, "CEB701", application, {"summaryApplyList": [{"invtNo": no} for no in kept]})
    view.run_once()
    assert [r["invt_no"] for r in rows(platform, "export_summary_members", "application_id",
                                       str(application.id))] == kept
    rebuilt_equal(view, "export_summary_members", "application_id", str(application.id), platform)


def test_the_document_list_keeps_a_modified_inventory_visible_to_its_agent_and_logistics_enterprise(platform):
    bought = purchase(platform, "LV", 403)
    inventory = refused(platform, "CEB621", bought["inventory"])
    fixed(platform, "CEB621", inventory, {"freight": "11.00"})
    platform.customs.documents_view.run_once()
    [row] = rows(platform, "customs_documents", "document_id", str(inventory.id))
    assert row["message_type"] == "CEB621" and row["number"] == inventory.number
    assert LOGISTICS in row["parties"].split("|") and row["sender"] == inventory.document["agentCode"]
