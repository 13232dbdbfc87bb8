"""E3: the monthly summary. The platform proposes the summary applications (CEB701) of a month's released and departed
9610 inventories, declares them, reminds the declarant from the 1st of the next month until they are declared, and does
not propose an inventory twice. Also the platform-side export rules that need the platform's documents (E2, E4, E5,
E7). Customs' answers to the inventories are applied directly (the simulator is not run), with the dates the tests
need; customs' answers to the applications are another story (the simulator's)."""

from __future__ import annotations

import itertools
import re
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from domain.identity.roles import Principal
from domain.shared.receipts import Receipt
from domain.shared.rules import DeclarationRejected
from engine import clock
from engine.customs import examples
from tests.conftest import login
from ui.app import create_app

SERIAL = itertools.count(1)
RELEASED, DEPARTED = ("120", "399", "800"), ("120", "399", "800", "899")


def departed(platform: Any, day: str, steps: tuple[str, ...] = DEPARTED, mode: str = "9610", country: str = "502",
             gcodes: tuple[str, ...] = ("6109100021",), **changes: Any) -> str:
    """An export inventory declared and answered by customs on `day` (YYYYMMDD), step by step; returns its
    invtNo."""
    n = next(SERIAL)
    purchase = examples.export_purchase(f"SUM{n:015d}", mode=mode, lines=len(gcodes), country=country)
    inventory = purchase["inventory"] | changes
    for line, gcode in zip(inventory["inventoryList"], gcodes, strict=True):
        line["gcode"] = gcode
    stored = platform.customs.declarations["CEB603"].declare(inventory, "test")
    invt_no = f"2928{day[:4]}E{n:09d}"
    effects: dict[Any, Any] = {}
    for i, status in enumerate(steps, start=1):
        stamp = f"{day}{9 + i:02d}0000000"
        receipt = Receipt("CEB604", stored.guid, status, stamp, f"状态 {status}")
        stored.apply_receipt(receipt, {"invtNo": invt_no})
        platform.exchange.receipts._effects(stored, receipt, effects)  # what ApplyReceipts does next: invtNo indexed
    platform.store.save(stored, *effects.values())
    return invt_no


def through_customs(platform: Any, prefix: str, countries: tuple[str, ...] = ("502", "116")) -> list[str]:
    """The 9610 flow with the simulator playing customs: shipments (order, receipt of payment, waybill, inventory)
    to these countries, bagged, arrived and departed (899 结关); returns the inventories' invtNos."""
    shipments = [examples.export_purchase(f"{prefix}{i:06d}", country=country) for i, country in enumerate(countries)]
    for shipment in shipments:
        for role, message in (("order", "CEB303"), ("collection", "CEB403"), ("waybill", "CEB505"),
                              ("inventory", "CEB603")):
            platform.customs.declarations[message].declare(shipment[role], "test")
    platform.runner.run_until_idle()
    parcels = [s["waybill"]["logisticsNo"] for s in shipments]
    for message, document in (("CEB607", examples.bag(parcels)), ("CEB507", examples.arrival(parcels)),
                              ("CEB509", examples.departure(parcels))):
        platform.customs.declarations[message].declare(document, "test")
        platform.runner.run_until_idle()
    inventories = [platform.customs.declarations["CEB603"].get_by_key((s["inventory"]["copNo"],)) for s in shipments]
    assert [i.status for i in inventories] == ["899"] * len(shipments)
    return [i.numbers["invtNo"] for i in inventories]


def at(moment: str) -> Any:
    """engine.clock.now() set to a moment in China time, 'YYYY-MM-DD HH:MM'."""
    return lambda: datetime.strptime(moment, "%Y-%m-%d %H:%M").replace(tzinfo=clock.SHANGHAI)


def listed(platform: Any, document_id: str) -> list[str]:
    application = platform.store.repository.get(UUID(document_id))
    return [line["invtNo"] for line in application.document["summaryApplyList"]]


def test_the_month_is_proposed_declared_once_and_new_departures_come_next(make_platform, database_url):
    """E3: October's released and departed 9610 inventories, one application per destination country; declaring
    them makes CEB701 documents listing exactly those invtNos; a second proposal has none of them, only an inventory
    that departed since."""
    platform = make_platform(database_url)
    usa = [departed(platform, "20261005"), departed(platform, "20261020", gcodes=("6109100021", "6109100022"))]
    japan = departed(platform, "20261031", country="116")
    later = departed(platform, "20261030", steps=RELEASED)
    departed(platform, "20261101")  # November's
    departed(platform, "20261012", mode="9710")  # B2B: not summarised

    month = platform.customs.summaries.month("2026-10")

    assert [(a.key.country, a.invt_nos) for a in month.proposals] == [("116", [japan]), ("502", usa)]
    by_hs = {d.key.gcode: (d.invt_nos, d.lines, d.value) for d in month.proposals[1].declarations}
    assert by_hs == {"6109100021": (usa, 2, Decimal("100.00")), "6109100022": ([usa[1]], 1, Decimal("50.00"))}
    assert month.proposals[1].weight() == Decimal("1.8")

    outcomes = platform.customs.summaries.declare("2026-10", "ecom")

    assert [o.stored for o in outcomes] == [True, True]
    assert [listed(platform, o.document_id) for o in outcomes] == [[japan], usa]
    again = platform.customs.summaries.month("2026-10")
    assert again.proposals == []
    assert [d.invt_nos for d in again.declared] == [[japan], usa]
    assert {d.status for d in again.declared} == {"declared"}

    platform.customs.documents_view.run_once()
    inventory = platform.store.repository.get(UUID(platform.customs.documents_view.inventory_id(later, "CEB603")))
    inventory.apply_receipt(Receipt("CEB604", inventory.guid, "899", "20261031180000000", "结关"))
    platform.store.save(inventory)

    assert [a.invt_nos for a in platform.customs.summaries.month("2026-10").proposals] == [[later]]


def test_the_reminder_shows_from_the_first_of_the_next_month_until_the_month_is_declared(make_platform, monkeypatch):
    """E3: on the console (banner, nav) and in the JSON API: nothing on 31 October, the reminder from 1 November,
    overdue after the 10th, gone once the declarant has declared October's applications on the page."""
    platform = make_platform(demo_users=True)
    invt_no = departed(platform, "20261015")
    client = TestClient(create_app(platform), base_url="https://testserver")
    login(client, "ecom", next_url="/account")

    monkeypatch.setattr(clock, "now", at("2026-10-31 23:59"))
    assert client.get("/api/export/summaries/proposals?month=2026-10").json()["reminder"] is False
    assert platform.customs.summaries.reminders() == []

    monkeypatch.setattr(clock, "now", at("2026-11-01 00:00"))
    shown = client.get("/api/export/summaries/proposals").json()  # the last month by default
    assert (shown["month"], shown["reminder"], shown["overdue"], shown["deadline"]) == \
        ("2026-10", True, False, "2026-11-10")
    assert shown["reminders"] == [{"month": "2026-10", "inventories": 1, "deadline": "2026-11-10", "overdue": False}]
    assert shown["proposals"][0]["invtNos"] == [invt_no]
    page = client.get("/declarant/summaries/proposals?month=2026-10")
    assert 'id="nav-summary-due"' in page.text and 'class="warning reminder"' in page.text
    assert "2026-11-10" in page.text and invt_no in page.text

    monkeypatch.setattr(clock, "now", at("2026-11-11 09:00"))
    assert client.get("/api/export/summaries/proposals").json()["overdue"] is True
    page = client.get("/declarant/summaries/proposals?month=2026-10")
    assert 'class="errors reminder"' in page.text

    key = re.search(r'name="key" value="([^"]+)"', page.text).group(1)
    declared = client.post("/declarant/summaries/proposals", data={"month": "2026-10", "key": key,
                                                                  "_csrf": client.headers["X-CSRF-Token"]})

    assert declared.url.path == "/declarant/summaries/results" and invt_no in declared.text
    after = client.get("/api/export/summaries/proposals?month=2026-10").json()
    assert (after["reminder"], after["proposals"], after["reminders"]) == (False, [], [])
    assert [a["invtNos"] for a in after["declared"]] == [[invt_no]]
    assert 'id="nav-summary-due"' not in client.get("/declarant/summaries/proposals").text


def test_customs_answers_the_declared_applications_with_their_declarations(make_platform):
    """E3 with the simulator playing customs: this month's departed parcels (the month is not over: no reminder)
    declared as two applications, one per country; customs gives each a sumNo and one declaration (CEB792) with its
    entryId, which the results show with the inventories in it."""
    platform = make_platform(demo_users=True)
    invt_nos = through_customs(platform, "SUMFLOW")
    month = platform.customs.summaries.today().strftime("%Y-%m")
    assert not platform.customs.summaries.month(month).reminded

    platform.customs.summaries.declare(month, "ecom")
    platform.runner.run_until_idle()

    declared = platform.customs.summaries.month(month).declared
    assert [(d.status, d.invt_nos) for d in declared] == [("399", [invt_nos[1]]), ("399", [invt_nos[0]])]
    assert all(d.sum_no and not d.awaiting for d in declared)
    assert [[(r.invt_nos, bool(r.entry_id), r.dec_state) for r in d.results] for d in declared] == [
        [([invt_nos[1]], True, "B")], [([invt_nos[0]], True, "B")]]
    assert platform.customs.summaries.month(month).proposals == []


def test_another_enterprise_is_proposed_none_of_ours(make_platform):
    """E3, A6: proposals are per e-commerce enterprise: a declarant of another organisation is shown none of ours,
    nor reminded of them."""
    platform = make_platform()
    departed(platform, "20261015")
    other = Principal("other", "OTHER", ("declarant_ecommerce",), frozenset({"E3:view", "E3:declare"}),
                      frozenset({"3301960099"}))

    assert platform.customs.summaries.month("2026-10", other).proposals == []
    assert platform.customs.summaries.reminders(other) == [] and platform.customs.summaries.reminders() != []
    assert platform.customs.summaries.month("2026-10").proposals  # the demo enterprise's own


def rules_of(rejected: pytest.ExceptionInfo) -> dict[str, str]:
    return {e.field: e.rule for e in rejected.value.errors}


def test_export_documents_are_checked_against_the_platforms_documents(make_platform):
    """E2, E4, E5, E7: an inventory against its order on the platform, a cancellation and a return against their
    inventory (by invtNo, in a state customs takes them in), a bag against the declared export waybills."""
    platform = make_platform(demo_users=True)
    declarations = platform.customs.declarations
    purchase = examples.export_purchase("RULE-E0000001")
    declarations["CEB303"].declare(purchase["order"] | {"orderType": "B"}, "test")
    with pytest.raises(DeclarationRejected) as wrong_type:
        declarations["CEB603"].declare(purchase["inventory"], "test")
    assert rules_of(wrong_type) == {"tradeMode": "mode_order_type"}

    gone = departed(platform, "20261015")
    with pytest.raises(DeclarationRejected) as too_late:
        declarations["CEB605"].declare(examples.export_cancellation(gone), "test")
    assert rules_of(too_late) == {"invtNo": "inventory_status"}
    released = departed(platform, "20261015", steps=RELEASED)
    assert declarations["CEB605"].declare(examples.export_cancellation(released), "test").links["inventory"]

    original = examples.export_purchase("X", lines=1)["inventory"]
    with pytest.raises(DeclarationRejected) as too_many:
        declarations["CEB213"].declare(examples.export_return(original, gone, qty=Decimal(5)), "test")
    assert set(rules_of(too_many).values()) == {"return_qty"}
    with pytest.raises(DeclarationRejected) as unknown:
        declarations["CEB213"].declare(examples.export_return(original, "29282026E999999999"), "test")
    assert rules_of(unknown) == {"invtNo": "inventory_exists"}

    waybill = examples.export_purchase("RULE-E0000002")["waybill"]
    declarations["CEB505"].declare(waybill, "test")
    with pytest.raises(DeclarationRejected) as bag:
        declarations["CEB607"].declare(examples.bag([waybill["logisticsNo"], "EXNOSUCHPARCEL"]), "test")
    [error] = bag.value.errors
    assert (error.field, error.rule, error.value) == ("wayBillList", "waybills_declared", "EXNOSUCHPARCEL")
    assert declarations["CEB607"].declare(examples.bag([waybill["logisticsNo"]]), "test")
