"""打印 (#18): what a printed document or tax bill shows beyond its fields: the names of its codes (142 人民币,
502 美国, 122 罐, 1210 保税电商) from the customs code lists, in the reader's language, and the goods lines'
computed totals. A printout goes into a file or to a customs officer: a bare code means nothing there."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from domain.reference.rules import HS, UNITS

# which code list a field's code is in, by the field's name, for every document type (the CEB names are shared)
CODE_LISTS = {"currency": "currencies", "fCurrency": "currencies", "iCurrency": "currencies",
              "country": "countries", "tradeCountry": "countries", "unit": UNITS, "unit1": UNITS, "unit2": UNITS,
              "buyerIdType": "id_types", "payerIdType": "id_types", "customsCode": "customs_districts",
              "portCode": "customs_districts", "iePortCode": "customs_districts", "tradeMode": "trade_modes",
              "trafMode": "transport_modes", "POD": "ports", "gcode": HS}


class CodeNames:
    """Names of the codes in a document, read from the reference data as it stands (one lookup per code)."""

    def __init__(self, reference: Any):
        self.reference = reference

    def name(self, field: str, code: Any, lang: str = "zh-CN") -> str:
        list_name = CODE_LISTS.get(field)
        if list_name is None or code in (None, ""):
            return ""
        entry = self.reference.entry(list_name, str(code))
        if not entry:
            return ""
        return str((entry.get("name_en") if lang == "en" else None) or entry.get("name_zh") or entry.get("name") or "")

    def of(self, document: Mapping[str, Any], lang: str = "zh-CN") -> dict[str, Any]:
        """{field: name} of the head's coded fields, and {list key: [{field: name} per line]} of its lines."""
        names: dict[str, Any] = {}
        for field, value in document.items():
            if isinstance(value, list):
                names[field] = [{f: self.name(f, v, lang) for f, v in line.items() if f in CODE_LISTS}
                                for line in value if isinstance(line, Mapping)]
            elif field in CODE_LISTS:
                names[field] = self.name(field, value, lang)
        return names


def line_totals(lines: list[Mapping[str, Any]]) -> dict[str, Decimal]:
    """The sums of the lines' amounts (quantities in different units would add up to nothing): what a reader checks
    against the head's goods value or total tax."""
    totals: dict[str, Decimal] = {}
    for name in ("totalPrice", "taxPrice", "customsTax", "valueAddedTax", "consumptionTax"):
        values = [line.get(name) for line in lines if line.get(name) not in (None, "")]
        if values:
            totals[name] = sum((_decimal(v) for v in values), Decimal(0))
    return totals


def _decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return Decimal(0)


def computed_amounts(document: Mapping[str, Any], list_key: str | None) -> dict[str, Decimal]:
    """What a reader checks the declared amounts against (#18), shown beside them on forms and document pages: the
    goods lines' total (Σ totalPrice), the goods value it makes when the head has one, and an order's payable
    (goodsValue + freight + taxTotal - discount, RULES.md 2.2; from the declared goods value, as customs checks it).
    ui/static/totals.js computes the same on a form as the lines are typed."""
    lines = [line for line in document.get(list_key) or [] if isinstance(line, Mapping)] if list_key else []
    computed: dict[str, Decimal] = {}
    if lines:
        computed["linesTotal"] = line_totals(lines).get("totalPrice", Decimal(0))
        if "goodsValue" in document:
            computed["goodsValue"] = computed["linesTotal"]
    parts = [document.get(name) for name in ("goodsValue", "freight", "taxTotal", "discount")]
    if "acturalPaid" in document and all(p not in (None, "") for p in parts):
        goods, freight, tax, discount = map(_decimal, parts)
        computed["acturalPaid"] = goods + freight + tax - discount
    return computed


CHECKED_AMOUNTS = ("goodsValue", "acturalPaid")  # head amounts a computed value stands beside


def amount_checks(document: Mapping[str, Any], list_key: str | None, head: list[str]) -> list[dict[str, Any]]:
    """Per head amount of `head` that has a computed value: the computed one, the declared one and whether they
    agree (None when nothing is declared yet), for the page to show side by side."""
    computed = computed_amounts(document, list_key)
    rows = []
    for name in (n for n in CHECKED_AMOUNTS if n in head):
        declared = document.get(name)
        value = computed.get(name)
        agrees = None if value is None or declared in (None, "") else _decimal(declared) == value
        rows.append({"name": name, "computed": "" if value is None else str(value),
                     "declared": "" if declared is None else str(declared), "agrees": agrees})
    return rows
