"""打印 (#18): what a printed document or tax bill shows beyond its fields: the names of its codes (142 人民币,
502 美国, 122 罐, 1210 保税电商: engine/reference/names.py, shared with the document pages) in the reader's
language, and the goods lines' computed totals. A printout goes into a file or to a customs officer: a bare code
means nothing there."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from domain.customs.documents import BY_RECEIPT

STAGES = {"CEB900": ("报文格式校验回执", "format check receipt")}


def receipt_stage(message_type: str, lang: str = "zh-CN") -> str:
    """The name of a receipt's type: CEB622 清单回执, CEB900 报文格式校验回执 (printouts and document pages)."""
    if message_type in STAGES:
        zh, en = STAGES[message_type]
        return en if lang == "en" else zh
    answered = BY_RECEIPT.get(message_type)
    if answered is None:
        return ""
    return f"{answered.label(lang)} receipt" if lang == "en" else f"{answered.label(lang)}回执"


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
