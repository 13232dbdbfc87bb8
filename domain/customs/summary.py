"""汇总申报 (E3): how customs summarises a month's retail export inventories into customs declarations, and the
summary applications (汇总申请单 CEB701) the platform proposes for them.

Which inventories: 9610 inventories declared for summary (statisticsFlag B, 汇总申报) that left the country (899 结关)
in the month and are not listed in a summary application customs has not refused. Customs summarises "上月结关的
《申报清单》", so the month of an inventory is the month of its 899 receipt (returnTime, China time).

The summary rules (issue #7): the lines of inventories with the same e-commerce enterprise (收发货人 ebcCode), trade
mode, destination country (运抵国 country), exit port (portCode), 10-digit HS code (gcode), unit and currency make one
customs declaration: customs' own `domain.shared.rules.summary_key`, by which the simulator's CEB792 groups, named
here. A summary application lists whole inventories (CEB701 summaryApplyList) and customs splits it into
declarations, mapping each inventory line (invtNo, gnum) to one of them (CEB792 declSeqNo, RULES.md 2.1). So the
platform proposes one application per `application_key` - the head part of the summary key, and the customs office
the application is declared at - and shows the declarations customs will make of it: an inventory whose lines have
two HS codes is in one application and in two of its declarations.

Deadline: before the 10th of the next month (the 10th included); from the 1st of the next month the declarant is
reminded until the month's applications are declared."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from domain.customs.import_rules import _lines, _text
from domain.shared import rules as published
from domain.shared.rules import to_decimal

SUMMARISED_MODE = "9610"  # 一般出口; 9710/9810/1210 are not summarised this way (RULES.md 2.3)
SUMMARY_FLAG = "B"  # statisticsFlag B 汇总申报 (A 简化申报 is not summarised)
DEPARTED = "899"  # 结关
DEADLINE_DAY = 10


class SummaryKey(NamedTuple):
    """The lines of one customs declaration (报关单) made from summarised inventories."""

    ebcCode: str  # the XSD's field names
    tradeMode: str
    country: str
    portCode: str
    gcode: str
    unit: str
    currency: str


class ApplicationKey(NamedTuple):
    """The inventories of one summary application (CEB701): the head part of the summary key, at one customs office."""

    customsCode: str
    ebcCode: str
    tradeMode: str
    country: str
    portCode: str


def summary_key(inventory: Mapping[str, Any], line: Mapping[str, Any]) -> SummaryKey:
    """The customs declaration an inventory line (CEB603 InventoryList) is summarised into (summaryFlag 1)."""
    return SummaryKey(*published.summary_key(inventory, line))


def application_key(inventory: Mapping[str, Any]) -> ApplicationKey:
    return ApplicationKey(*(_text(inventory.get(name)) for name in ApplicationKey._fields))


@dataclass
class DeclarationGroup:
    """One customs declaration customs will make of an application: its key, inventories, lines and totals."""

    key: SummaryKey
    invt_nos: list[str] = field(default_factory=list)
    lines: int = 0
    qty: Decimal = Decimal(0)
    value: Decimal = Decimal(0)


@dataclass
class Application:
    """A proposed summary application: whole inventories (documents with their invtNo) of one application key."""

    key: ApplicationKey
    inventories: list[dict[str, Any]] = field(default_factory=list)

    @property
    def invt_nos(self) -> list[str]:
        return [_text(inventory.get("invtNo")) for inventory in self.inventories]

    @property
    def declarations(self) -> list[DeclarationGroup]:
        groups: dict[SummaryKey, DeclarationGroup] = {}
        for inventory in self.inventories:
            invt_no = _text(inventory.get("invtNo"))
            for line in _lines(inventory, "inventoryList"):
                key = summary_key(inventory, line)
                group = groups.setdefault(key, DeclarationGroup(key))
                if invt_no not in group.invt_nos[-1:]:
                    group.invt_nos.append(invt_no)
                group.lines += 1
                group.qty += _number(line.get("qty"))
                group.value += _number(line.get("totalPrice"))
        return sorted(groups.values(), key=lambda g: g.key)

    @property
    def values(self) -> dict[str, Decimal]:
        """The goods value by currency (lines may be priced in several)."""
        totals: dict[str, Decimal] = {}
        for group in self.declarations:
            totals[group.key.currency] = totals.get(group.key.currency, Decimal(0)) + group.value
        return totals

    def weight(self, name: str = "grossWeight") -> Decimal:
        return sum((_number(inventory.get(name)) for inventory in self.inventories), Decimal(0))

    @property
    def declarant(self) -> dict[str, Any]:
        """Who declares the application and the later customs declarations: the declarant (agentCode) of the
        application's last inventory (by invtNo, customs' serial)."""
        return self.inventories[-1]

    def document(self, note: str = "") -> dict[str, Any]:
        """The summary application (CEB701) listing the inventories: summarised by consignor (summaryFlag 1) and by
        the inventories' own goods names (itemNameFlag 1)."""
        agent, first = self.declarant, self.inventories[0]
        return {"customsCode": self.key.customsCode, "agentCode": agent.get("agentCode"),
                "agentName": agent.get("agentName"), "ebcCode": self.key.ebcCode, "ebcName": first.get("ebcName"),
                "declAgentCode": agent.get("agentCode"), "declAgentName": agent.get("agentName"),
                "summaryFlag": "1", "itemNameFlag": "1", "msgCount": 1, "msgSeqNo": 1,
                **({"note": note} if note else {}), "summaryApplyList": [{"invtNo": no} for no in self.invt_nos]}


def propose(inventories: Iterable[Mapping[str, Any]]) -> list[Application]:
    """The applications of these inventories (each a CEB603 document with its invtNo), by key, inventories in
    invtNo order."""
    applications: dict[ApplicationKey, Application] = {}
    for inventory in sorted(inventories, key=lambda i: _text(i.get("invtNo"))):
        key = application_key(inventory)
        applications.setdefault(key, Application(key)).inventories.append(dict(inventory))
    return [applications[key] for key in sorted(applications)]


# the month and its deadline ----------------------------------------------------------------------------------------

def month_of(return_time: str) -> str:
    """YYYY-MM of a customs time (YYYYMMDD...)."""
    return f"{return_time[:4]}-{return_time[4:6]}"


def parse_month(text: str) -> str:
    """A month written YYYY-MM (ValueError otherwise)."""
    year, _, month = text.partition("-")
    if len(year) != 4 or len(month) != 2 or not (year + month).isdigit() or not 1 <= int(month) <= 12 or \
            not 1900 <= int(year) < 9999:
        raise ValueError(f"month must be YYYY-MM, not {text!r}")
    return text


def next_month(month: str) -> date:
    """The first day of the month after `month`."""
    year, number = int(month[:4]), int(month[5:7])
    return date(year + number // 12, number % 12 + 1, 1)


def previous_month(today: date) -> str:
    first = today.replace(day=1)
    return f"{first.year - (first.month == 1):04d}-{(first.month - 2) % 12 + 1:02d}"


def deadline(month: str) -> date:
    """The last day to declare the month's applications: the 10th of the next month."""
    return next_month(month).replace(day=DEADLINE_DAY)


def reminded(month: str, today: date) -> bool:
    """The month is over: its applications are due (from the 1st of the next month)."""
    return today >= next_month(month)


def overdue(month: str, today: date) -> bool:
    return today > deadline(month)


def _number(value: Any) -> Decimal:
    return to_decimal(value) or Decimal(0)
