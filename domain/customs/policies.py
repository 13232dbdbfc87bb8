"""Policies: pure decisions from events to the messages or commands they cause. No I/O, no clock."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from domain.customs.bagging import parcels_of
from domain.customs.documents import BAG, BY_RECEIPT, ORDER, DocumentType
from domain.customs.model import LINES
from domain.shared import statuses, tax
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


# What a receipt of one document causes elsewhere (X4): ApplyReceipts loads the aggregates an effect names and calls
# their methods; the aggregates refuse what would happen twice (an inventory ended again, a parcel another bag holds).

# a receipt that ends another document: (document type, status) -> its link to the ended one
ENDS = {("CEB623", "399"): "inventory", ("CEB605", "399"): "inventory"}
# an approved return (CEB626 399 审结) gives its goods back to the buyer's annual limit: its link to the inventory
GIVES_BACK = {("CEB625", "399"): "inventory"}
# numbers customs assigns that later messages name a document by (NumberIndex), by document type: the summary's
# sumNo (its CEB792 results), an inventory's invtNo (its cancellations and returns)
INDEXED = {"CEB701": "sumNo", "CEB621": "invtNo", "CEB603": "invtNo"}


@dataclass(frozen=True)
class IndexNumber:
    """Record that customs' number `number` (a `kind` of INDEXED) names the document `document_id`, unless recorded."""

    kind: str
    number: str
    document_id: str


@dataclass(frozen=True)
class EndInventory:
    """The cancellation `cancellation_no` customs approved ends the inventory (已撤销), unless it has ended."""

    inventory_id: str
    cancellation_no: str
    return_time: str
    reason: str


@dataclass(frozen=True)
class ReleaseParcels:
    """A bag customs refused holds its parcels (logisticsCode, logisticsNo) no more: those it still holds are free
    for another bag (E7)."""

    bag_id: str
    parcels: tuple[tuple[str, str], ...]
    reason: str


@dataclass(frozen=True)
class GiveBack:
    """The approved return `return_id` of the inventory `inventory_id` counts against the buyer's annual limit (I4,
    I6): recorded on the buyer's BuyerYear, whose key is the inventory's (`annual_limit_key`)."""

    inventory_id: str
    return_id: str


Effect = IndexNumber | EndInventory | ReleaseParcels | GiveBack


def consequences_of_receipt(document_type: str, document_id: str, number: str, links: Mapping[str, str],
                            body: Mapping[str, Any], numbers: Mapping[str, str], receipt: Receipt) -> list[Effect]:
    """What a receipt just applied to a document (of `document_type`, with its `links` to other documents, its
    `body` and the `numbers` customs assigned it so far) causes: a number indexed, an inventory ended by its approved
    cancellation (CEB624 / export CEB606 399), a refused bag's parcels released (100, a negative code), an approved
    return given back to the annual limit. The same receipt gives the same effects; carrying one out twice changes
    nothing (the aggregates check)."""
    status = receipt.return_status
    effects: list[Effect] = []
    kind = INDEXED.get(document_type, "")
    if kind and numbers.get(kind):
        effects.append(IndexNumber(kind, str(numbers[kind]), document_id))
    if document_type == BAG.message and statuses.is_refused(status):
        parcels = tuple((code, no) for _, code, no in parcels_of(dict(body)))
        effects.append(ReleaseParcels(document_id, parcels, f"{number} {status}"))
    ended = ENDS.get((document_type, status))
    if ended and links.get(ended):
        effects.append(EndInventory(links[ended], number, receipt.return_time, receipt.return_info))
    returned = GIVES_BACK.get((document_type, status))
    if returned and links.get(returned):
        effects.append(GiveBack(links[returned], document_id))
    return effects


def annual_limit_key(inventory: Mapping[str, Any], declared_at: datetime) -> tuple[str, int] | None:
    """(buyer ID number, calendar year) whose annual limit an inventory counts towards: the year it was declared
    in, on the platform's clock (Shanghai); None without a buyer."""
    buyer = str(inventory.get("buyerIdNumber") or "")
    return (buyer, declared_at.year) if buyer else None


def counts_toward_limit(status: str) -> bool:
    """An inventory counts towards its buyer's annual limit unless customs refused it (100, negative codes) or it
    was cancelled."""
    return not statuses.is_refused(status) and status != statuses.CANCELLED


def annual_use(inventories: Iterable[Any], returns: Iterable[Any]) -> Decimal:
    """What a buyer used of the year's limit (I4), measured as customs measures it (tax.transaction_value: goods,
    freight and insurance): the inventories that count (`counts_toward_limit`), less what the approved returns
    (399) of those inventories gave back (tax.returned_value). Each item has .status and .document; an inventory
    also .numbers (its invtNo, which a return names)."""
    counted = [i for i in inventories if counts_toward_limit(i.status)]
    used = sum((tax.transaction_value(i.document) for i in counted), Decimal(0))
    numbered = {i.numbers["invtNo"]: i for i in counted if i.numbers.get("invtNo")}
    for refund in returns:
        inventory = numbered.get(str(refund.document.get("invtNo") or ""))
        if refund.status == "399" and inventory is not None:
            used -= tax.returned_value(inventory.document, refund.document)
    return used


SUMMARY_RESULT_FIELDS = ("sumNo", "declSeqNo", "opDate", "decState", "decTmpNo", "decPreNo", "entryId", "grossWeight",
                         "netWeight")
SUMMARY_LINE_FIELDS = ("invtNo", "logisticsNo", "gseqno", "gnum", "gcode")


def summary_result(doc: Mapping[str, Any]) -> dict[str, Any]:
    """One SummaryResult of a CEB792 (汇总结果单) as the summary application records it: its head numbers and its
    lines, summaryResultList (a later result may have none)."""
    return {name: str(doc.get(name) or "") for name in SUMMARY_RESULT_FIELDS} | {
        LINES: [{name: str(line.get(name) or "") for name in SUMMARY_LINE_FIELDS} for line in doc.get(LINES) or []]}
