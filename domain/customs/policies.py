"""Policies: pure decisions from events to the messages or commands they cause. No I/O, no clock."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from domain.customs.documents import BY_RECEIPT, ORDER, DocumentType
from domain.shared.receipts import Receipt

T = TypeVar("T")

# receipt message -> (document message it answers, the receipt node's fields naming that document)
RECEIPT_TARGETS: dict[str, tuple[str, tuple[str, ...]]] = {
    receipt: (doc_type.message, doc_type.key) for receipt, doc_type in BY_RECEIPT.items()}
# numbers customs assigns and reports in receipts (清单 preNo/invtNo, 入库明细单 rkdNo, 汇总申请单 sumNo)
ASSIGNED_NUMBERS = ("preNo", "invtNo", "rkdNo", "sumNo")


def sender_of(document: dict[str, Any], doc_type: DocumentType = ORDER) -> str:
    """The enterprise that transmits and signs a document: for an order the e-commerce enterprise (电商企业), for
    the others the field the document table names (payment, logistics enterprise, declarant, site operator)."""
    if doc_type is ORDER:
        return str(document.get("ebcCode") or document.get("ebpCode"))
    return str(document.get(doc_type.sender) or "")


def assigned_numbers(receipt_doc: dict[str, Any]) -> dict[str, str]:
    return {k: str(receipt_doc[k]) for k in ASSIGNED_NUMBERS if receipt_doc.get(k)}


def group_for_messages(items: Iterable[T], sender: Any, per_message: int) -> list[list[T]]:
    """Documents in declaration order, grouped by sender, at most per_message (customs: 100) a message."""
    groups: dict[str, list[list[T]]] = {}
    ordered: list[list[T]] = []
    for item in items:
        chunks = groups.setdefault(sender(item), [])
        if not chunks or len(chunks[-1]) >= per_message:
            chunks.append([])
            ordered.append(chunks[-1])
        chunks[-1].append(item)
    return ordered


def receipts_of(message_type: str, documents: Sequence[dict[str, Any]],
                source: str) -> list[tuple[tuple[str, ...], Receipt]]:
    """Each receipt node of a customs receipt message, with the key of the document it answers."""
    target = RECEIPT_TARGETS.get(message_type)
    if target is None:
        return []
    return [(tuple(str(doc.get(k, "")) for k in target[1]), _receipt(message_type, doc, source)) for doc in documents]


def _receipt(message_type: str, doc: dict[str, Any], source: str) -> Receipt:
    return Receipt(message_type=message_type, guid=str(doc.get("guid", "")),
                   return_status=str(doc.get("returnStatus", "")), return_time=str(doc.get("returnTime", "")),
                   return_info=str(doc.get("returnInfo", "")), source=source)


def format_receipt(doc: dict[str, Any], source: str) -> Receipt:
    """CEB900 报文格式校验回执: addressed to a whole message, by its guid."""
    return _receipt("CEB900", doc, source)
