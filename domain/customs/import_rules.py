"""Business rules of the import documents (I3-I11) the platform checks before sending, so that customs does not
have to refuse them: the spec's stated rules (RULES.md 2.2) per message type, and the checks of a cancellation or
return against the inventory it names. Pure functions: a document (dict of XSD field names) in, FieldErrors out."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from domain.customs import statuses
from domain.customs.rules import FieldError, check_import_order

Rule = Callable[[dict[str, Any]], list[FieldError]]


def _lines_required(list_name: str) -> Rule:
    def rule(document: dict[str, Any]) -> list[FieldError]:
        lines = document.get(list_name) or []
        if not lines:
            return [FieldError(list_name, "required", "至少需要一行表体（商品/明细）", "at least one line is required")]
        if len(lines) > 99:
            return [FieldError(list_name, "max_items", "表体不能超过99行", "at most 99 lines")]
        return []
    return rule


RULES: dict[str, list[Rule]] = {
    "CEB311": [check_import_order],
    "CEB621": [_lines_required("inventoryList")],
    "CEB625": [_lines_required("invtRefundList")],
    "CEB711": [_lines_required("deliveryList")],
}


def check(message_type: str, document: dict[str, Any]) -> list[FieldError]:
    return [e for rule in RULES.get(message_type, ()) for e in rule(document)]


def check_against_inventory(message_type: str, document: dict[str, Any], inventory: Any) -> list[FieldError]:
    """A cancellation (CEB623) or return (CEB625) names an inventory by invtNo: it must exist on the platform and be
    in a state customs takes the request in."""
    invt_no = str(document.get("invtNo") or "")
    if inventory is None:
        return [FieldError("invtNo", "inventory_exists", f"清单编号 {invt_no} 在平台上不存在或尚未取得海关清单编号",
                           f"no inventory with invtNo {invt_no} on the platform")]
    allowed = statuses.CANCELLABLE if message_type == "CEB623" else statuses.RETURNABLE
    if inventory.status not in allowed:
        what_zh = "撤单" if message_type == "CEB623" else "退货"
        return [FieldError("invtNo", "inventory_status",
                           f"清单 {invt_no} 当前状态为{statuses.label(inventory.status)}，不允许{what_zh}"
                           f"（允许的状态: {'、'.join(statuses.label(s) for s in sorted(allowed))}）",
                           f"inventory {invt_no} is {statuses.label(inventory.status, 'en')}; "
                           f"{'cancellation' if message_type == 'CEB623' else 'return'} needs one of "
                           f"{', '.join(statuses.label(s, 'en') for s in sorted(allowed))}")]
    return []
