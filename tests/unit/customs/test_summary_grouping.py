"""E3: which inventories of a month the summary takes, and how it groups them, on a month with mixed inventories:
released or not, departed or not, several destination countries, two HS codes, another enterprise, another month,
9710 and simplified-declaration ones. The read model is fed the inventories' own events (no platform, no store)."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from domain.customs import summary
from domain.customs.model import Declaration
from domain.customs_node import export_rules as clearance_export
from domain.shared.receipts import Receipt
from engine.customs import examples
from projections.customs.summaries import ExportSummariesView
from projections.db import Database

DEMO, OTHER = "3301960001", "3301960099"
SERIAL = itertools.count(1)
T_SHIRTS, SWEATERS = "6109100021", "6110200090"


class Month:
    """A read model fed inventories one by one; `invt_nos` by name."""

    def __init__(self, tmp_path):
        db = Database(f"sqlite:///{tmp_path / 'readmodels.sqlite'}")
        self.view = ExportSummariesView(db, None)
        self.invt_nos: dict[str, str] = {}
        self.applications: dict[str, Declaration] = {}

    def inventory(self, name: str, steps: str, day: str = "20261015", mode: str = "9610", flag: str = "B",
                  country: str = "502", gcodes: tuple[str, ...] = (T_SHIRTS,), ebc: str = DEMO, **changes: Any) -> None:
        """Declared, then answered with each status of `steps` (space-separated) on `day`."""
        n = next(SERIAL)
        document = examples.export_purchase(f"G{n:08d}", mode=mode, lines=len(gcodes), country=country)["inventory"]
        document |= {"statisticsFlag": flag, "ebcCode": ebc, "agentCode": ebc} | changes
        for line, gcode in zip(document["inventoryList"], gcodes, strict=True):
            line["gcode"] = gcode
        self.invt_nos[name] = invt_no = f"2928{day[:4]}E{n:09d}"
        stored = Declaration(message_type="CEB603", key=(document["copNo"],), number=document["copNo"],
                             document=document, declared_by="test", declared_at=datetime.now(UTC), links={})
        for i, status in enumerate(steps.split(), start=1):
            stored.apply_receipt(Receipt("CEB604", f"R{n}", status, f"{day}{9 + i:02d}0000000", status),
                                 {"invtNo": invt_no})
        self.view.apply(stored.collect_events())

    def application(self, *names: str) -> str:
        """A summary application (CEB701) listing these inventories, declared and not answered; its copNo."""
        document = examples.summary([self.invt_nos[n] for n in names]) | {"copNo": f"S{next(SERIAL)}"}
        stored = Declaration(message_type="CEB701", key=(document["copNo"],), number=document["copNo"],
                             document=document, declared_by="test", declared_at=datetime.now(UTC), links={})
        self.view.apply(stored.collect_events())
        self.applications[stored.number] = stored
        return stored.number

    def answered(self, cop_no: str, *statuses: str) -> None:
        """Customs answers the application (CEB702, or a CEB900 format error) with these statuses in turn."""
        stored = self.applications[cop_no]
        for i, status in enumerate(statuses, start=1):
            receipt = "CEB900" if status.startswith("-") and len(status) < 5 else "CEB702"
            stored.apply_receipt(Receipt(receipt, cop_no, status, f"2026110{i}100000000", status))
        self.view.apply(stored.collect_events())

    def proposals(self, month: str = "2026-10", parties: list[str] | None = None) -> list[summary.Application]:
        return summary.propose(self.view.due(month, parties))

    def names(self, application: summary.Application) -> list[str]:
        by_no = {no: name for name, no in self.invt_nos.items()}
        return [by_no[no] for no in application.invt_nos]


@pytest.fixture
def october(tmp_path) -> Month:
    month = Month(tmp_path)
    month.inventory("usa", "2 120 399 800 899", day="20261003")
    month.inventory("usa two hs", "120 399 800 899", day="20261017", gcodes=(T_SHIRTS, SWEATERS))
    month.inventory("japan", "120 800 899", day="20261031", country="116")
    month.inventory("released, not departed", "120 399 800", day="20261020")
    month.inventory("not released", "120 399", day="20261020")
    month.inventory("refused", "100", day="20261020")
    month.inventory("other enterprise", "120 800 899", day="20261012", ebc=OTHER)
    month.inventory("november", "120 800 899", day="20261101")
    month.inventory("september", "120 800 899", day="20260930")
    month.inventory("b2b 9710", "120 800 899", day="20261012", mode="9710", flag="B")
    month.inventory("simplified A", "120 800 899", day="20261012", flag="A")
    return month


def test_the_months_departed_9610_summary_inventories_are_proposed_by_country(october):
    """E3: only 9610, statisticsFlag B, departed (899) in October, of our enterprise: one application per
    destination country, its inventories in invtNo order."""
    proposals = october.proposals(parties=[DEMO])

    assert [(a.key.country, october.names(a)) for a in proposals] == [("116", ["japan"]),
                                                                      ("502", ["usa", "usa two hs"])]
    assert {a.key.ebcCode for a in proposals} == {DEMO} and {a.key.tradeMode for a in proposals} == {"9610"}


def test_an_inventory_with_two_hs_codes_is_in_one_application_and_two_of_its_declarations(october):
    """E3: the application lists whole inventories; customs makes one declaration per summary key, so the lines of
    the two-HS inventory go to two declarations with their counts, quantities and values."""
    usa = october.proposals(parties=[DEMO])[1]
    usa_no, two_hs_no = october.invt_nos["usa"], october.invt_nos["usa two hs"]

    assert [(d.key.gcode, d.invt_nos, d.lines, d.qty, d.value) for d in usa.declarations] == [
        (T_SHIRTS, [usa_no, two_hs_no], 2, Decimal(8), Decimal("100.00")),
        (SWEATERS, [two_hs_no], 1, Decimal(4), Decimal("50.00"))]
    assert usa.values == {"142": Decimal("150.00")}
    assert (usa.weight(), usa.weight("netWeight")) == (Decimal("1.8"), Decimal("1.6"))


def test_the_declarations_follow_customs_summary_key(october):
    """E3: the platform's grouping is customs' (clearance_export.summary_key, which the simulator's CEB792 uses):
    same consignor, trade mode, country, exit port, HS code, unit and currency."""
    usa = october.proposals(parties=[DEMO])[1]
    keys = {d.key for d in usa.declarations}
    for inventory in usa.inventories:
        for line in inventory["inventoryList"]:
            assert tuple(summary.summary_key(inventory, line)) == clearance_export.summary_key(inventory, line)
            assert summary.summary_key(inventory, line) in keys


def test_another_enterprise_is_its_own_application_and_not_shown_to_us(october):
    """E3, A6: the consignor is part of the key; `parties` limits the proposals to the viewer's enterprises."""
    everyone = october.proposals()
    assert [october.names(a) for a in everyone if a.key.ebcCode == OTHER] == [["other enterprise"]]
    assert all(a.key.ebcCode == DEMO for a in october.proposals(parties=[DEMO]))
    assert october.proposals(parties=["3301980001"]) == []


def test_other_months_have_their_own_proposals(october):
    assert [october.names(a) for a in october.proposals("2026-11")] == [["november"]]
    assert [october.names(a) for a in october.proposals("2026-09")] == [["september"]]


@pytest.mark.parametrize("refusal", ["100", "-703001", "-2"])
def test_an_inventory_listed_by_an_application_is_not_proposed_again_unless_customs_refused_it(october, refusal):
    """E3: listed by a declared application (answered or not): no longer proposed; listed by one customs refused
    (100 退单, a business refusal, a format error): proposed again."""
    usa, japan = october.application("usa"), october.application("japan")
    october.answered(usa, "2", "399")
    assert [october.names(a) for a in october.proposals(parties=[DEMO])] == [["usa two hs"]]

    october.answered(japan, "2", refusal)

    assert [october.names(a) for a in october.proposals(parties=[DEMO])] == [["japan"], ["usa two hs"]]
    october.application("japan")
    assert [october.names(a) for a in october.proposals(parties=[DEMO])] == [["usa two hs"]]


def test_the_application_document_lists_the_inventories():
    """E3: CEB701 summarised by consignor (summaryFlag 1) at the inventories' customs office, declared by their
    declarant."""
    inventory = examples.export_purchase("G1")["inventory"] | {"invtNo": "29282026E000000009"}
    [application] = summary.propose([inventory])
    document = application.document("2026-10 汇总申报")
    assert {k: document[k] for k in ("customsCode", "ebcCode", "agentCode", "declAgentCode", "summaryFlag")} == {
        "customsCode": "2928", "ebcCode": DEMO, "agentCode": DEMO, "declAgentCode": DEMO, "summaryFlag": "1"}
    assert document["summaryApplyList"] == [{"invtNo": "29282026E000000009"}]


@pytest.mark.parametrize(("today", "reminded", "overdue"), [
    (date(2026, 10, 31), False, False), (date(2026, 11, 1), True, False), (date(2026, 11, 10), True, False),
    (date(2026, 11, 11), True, True)])
def test_the_reminder_starts_on_the_first_and_the_deadline_is_the_tenth(today, reminded, overdue):
    """E3: due from the 1st of the next month, declared before the 10th (the 10th included)."""
    assert summary.deadline("2026-10") == date(2026, 11, 10)
    assert (summary.reminded("2026-10", today), summary.overdue("2026-10", today)) == (reminded, overdue)


def test_months_across_the_year_end():
    assert summary.previous_month(date(2027, 1, 5)) == "2026-12"
    assert summary.deadline("2026-12") == date(2027, 1, 10)
    with pytest.raises(ValueError):
        summary.parse_month("2026-13")
