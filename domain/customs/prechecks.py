"""三单对碰, the platform's own pre-check (#18): before an inventory is accepted for sending, the documents customs will
match it against must be on the platform, not refused by customs, and agree with each other. Customs refuses an import
inventory whose order, payment or waybill it has not accepted with -621002 (四单回执解析失败), and one whose
documents disagree with -621003; an export inventory without its order, waybill and (B2C) receipt of payment with the
second code of its range. The pre-check says so before the inventory is signed and sent.

The facts (RULES.md 2.4 and the customs node's rules, domain/customs_node/rules.py and export_rules.py, which decide
as customs does):
- an import inventory (CEB621) names its order by ebpCode + orderNo, its waybill by logisticsCode + logisticsNo; the
  payment (CEB411) carries the order's ebpCode + orderNo (S22 p76);
- order acturalPaid == payment amountPaid (S22 p71); order consignee, consigneeTelephone and consigneeAddress == the
  waybill's (S22 p71-72); the waybill's orderNo is the inventory's (S18 p79);
- an export inventory (CEB603) names its order (ebpCode + orderNo) and waybill (logisticsCode + logisticsNo); the B2C
  modes 9610 and 1210 (1239) also need the receipt of payment (CEB403) of ebcCode + orderNo (RULES.md 2.3: INFERRED by
  the customs node's rules; 9710 B2B and 9810 overseas warehouse need none).
The goods lines against the order are the declaration's own rules (import_rules / export_rules check_against_order).

Each finding is a FieldError: the field names the document ("payment") or the field that disagrees
("waybill.consignee"), the rule is three_documents.missing, .refused or .mismatch. Whether they are warnings the
declarant confirms or refusals is the platform's setting (CBEC_THREE_DOCUMENT_CHECK), not decided here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from domain.shared.rules import FieldError, to_decimal

IMPORT_INVENTORY, EXPORT_INVENTORY = "CEB621", "CEB603"
CHECKED = (IMPORT_INVENTORY, EXPORT_INVENTORY)
CONSIGNEE = ("consignee", "consigneeTelephone", "consigneeAddress")
B2C_EXPORT_MODES = ("9610", "1210", "1239")  # orderType E: the receipt of payment is needed (customs_node rules)
MISSING, REFUSED, MISMATCH = "three_documents.missing", "three_documents.refused", "three_documents.mismatch"


@dataclass(frozen=True)
class Held:
    """A document the platform holds and the caller may see: its fields, and whether customs refused it."""

    document: Mapping[str, Any]
    refused: bool = False


@dataclass(frozen=True)
class _Part:
    """One of the documents an inventory needs: its field in findings, names and the key shown."""

    field: str
    message: str
    zh: str
    en: str
    key: str


def import_documents(inventory: Mapping[str, Any], order: Held | None, payment: Held | None,
                     waybill: Held | None) -> list[FieldError]:
    """The order, payment and waybill of an import inventory: each present and not refused, and in agreement."""
    order_key = f"{_text(inventory, 'ebpCode')}/{_text(inventory, 'orderNo')}"
    parts = ((_Part("order", "CEB311", "订单", "order", order_key), order),
             (_Part("payment", "CEB411", "支付单", "payment", f"订单 {order_key}"), payment),
             (_Part("waybill", "CEB511", "运单", "waybill", _waybill_key(inventory)), waybill))
    findings = [f for part, held in parts if (f := _presence(part, held, "-621002")) is not None]
    if order is not None and payment is not None:
        findings += _paid(order.document, payment.document)
    if order is not None and waybill is not None:
        findings += [_mismatch(f"waybill.{name}", "运单", "waybill", name, _text(waybill.document, name),
                               "订单", "order", _text(order.document, name))
                     for name in CONSIGNEE if _text(order.document, name) != _text(waybill.document, name)]
    if waybill is not None and _text(waybill.document, "orderNo") != _text(inventory, "orderNo"):
        findings.append(_mismatch("waybill.orderNo", "运单", "waybill", "orderNo", _text(waybill.document, "orderNo"),
                                  "清单", "inventory", _text(inventory, "orderNo")))
    return findings


def export_documents(inventory: Mapping[str, Any], order: Held | None, collection: Held | None,
                     waybill: Held | None) -> list[FieldError]:
    """The order, waybill and (B2C modes) receipt of payment of an export inventory: present and not refused."""
    order_no = _text(inventory, "orderNo")
    parts = [(_Part("order", "CEB303", "出口订单", "export order", f"{_text(inventory, 'ebpCode')}/{order_no}"),
              order),
             (_Part("waybill", "CEB505", "出口运单", "export waybill", _waybill_key(inventory)), waybill)]
    if _text(inventory, "tradeMode") in B2C_EXPORT_MODES:
        parts.insert(1, (_Part("collection", "CEB403", "收款单", "receipt of payment",
                               f"{_text(inventory, 'ebcCode')}/{order_no}"), collection))
    return [f for part, held in parts if (f := _presence(part, held, "-603002")) is not None]


def needs_collection(inventory: Mapping[str, Any]) -> bool:
    return _text(inventory, "tradeMode") in B2C_EXPORT_MODES


def _presence(part: _Part, held: Held | None, code: str) -> FieldError | None:
    if held is None:
        return FieldError(part.field, MISSING,
                          f"平台上没有本单位可见的{part.zh}({part.message}) {part.key}：海关将以 {code} 退回清单",
                          f"no {part.en} ({part.message}) {part.key} your organisation can see is on the platform: "
                          f"customs will refuse the inventory ({code})", part.key,
                          fix_zh=f"先申报{part.zh}，或确认它已由他方向海关申报",
                          fix_en=f"declare the {part.en} first, or confirm that another party declared it to customs")
    if held.refused:
        return FieldError(part.field, REFUSED, f"{part.zh}({part.message}) {part.key} 已被海关退回：海关将以 {code} "
                                               "退回清单",
                          f"customs refused the {part.en} ({part.message}) {part.key}: customs will refuse the "
                          f"inventory ({code})", part.key,
                          fix_zh=f"更正并重新申报{part.zh}", fix_en=f"correct and declare the {part.en} again")
    return None


def _paid(order: Mapping[str, Any], payment: Mapping[str, Any]) -> list[FieldError]:
    paid, amount = to_decimal(order.get("acturalPaid")), to_decimal(payment.get("amountPaid"))
    if paid is not None and amount is not None and paid == amount:
        return []
    return [_mismatch("payment.amountPaid", "支付单", "payment", "amountPaid", _text(payment, "amountPaid"),
                      "订单", "order", _text(order, "acturalPaid"), other_name="acturalPaid")]


def _mismatch(field: str, zh: str, en: str, name: str, value: str, other_zh: str, other_en: str, other: str,
              other_name: str = "") -> FieldError:
    """One disagreement customs' match would find (-621003), with both values."""
    other_name = other_name or name
    return FieldError(field, MISMATCH, f"{zh}{name}[{value}]与{other_zh}{other_name}[{other}]不一致：海关将以 -621003 "
                                       "退回清单",
                      f"the {en}'s {name} [{value}] differs from the {other_en}'s {other_name} [{other}]: customs "
                      "will refuse the inventory (-621003)", value,
                      fix_zh=f"更正{zh}或{other_zh}，使两者一致",
                      fix_en=f"correct the {en} or the {other_en} so they agree")


def _waybill_key(inventory: Mapping[str, Any]) -> str:
    return f"{_text(inventory, 'logisticsCode')}/{_text(inventory, 'logisticsNo')}"


def _text(doc: Mapping[str, Any] | None, name: str) -> str:
    value = (doc or {}).get(name)
    return "" if value is None else str(value).strip()
