"""回执 read model (B4): one row per customs receipt the platform applied, with how long customs took.

Table receipts: receipt_id (aggregate id/version of the event that applied it), document_id, document_type
(ImportOrder for an order's receipt, Declaration for the other import documents' receipts, CustomsMessage for a
CEB900 format receipt), order_no (the document's number: orderNo, payTransactionId, logisticsNo, copNo), enterprise
(the sending enterprise: ebcCode, payCode, logisticsCode, agentCode, operatorCode), message_id, message_guid,
message_type (the receipt's type: CEB312, CEB622, CEB900 ...), return_status, return_time (YYYYMMDDhhmmssSSS,
Asia/Shanghai), return_info, current (1 when it set the document's status, 0 when an older or repeated status
arrived late), delivered_at (when the message carrying the document was handed to the customs transport, ISO 8601),
applied_at (when the platform applied the receipt), latency_ms (applied_at - delivered_at), return_latency_ms
(returnTime - delivered_at: the customs node's own answer time). Tables receipt_documents (document_id, order_no,
enterprise, message_id; a document modified and declared again, 修改重报 #18, takes its new version's number,
sender and message) and receipt_messages (message_id, guid, message_type, delivered_at) are this view's join
state, readable too."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from eventsourcing.utils import get_topic

from domain.customs import policies
from domain.customs.documents import of_message
from domain.customs.model import Declaration, ImportOrder
from domain.exchange.model import CustomsMessage
from projections.base import Projector

SHANGHAI = ZoneInfo("Asia/Shanghai")



DDL = (
    """CREATE TABLE IF NOT EXISTS receipts (
        receipt_id VARCHAR(50) PRIMARY KEY, document_id VARCHAR(36) NOT NULL, document_type VARCHAR(40) NOT NULL,
        order_no VARCHAR(60), enterprise VARCHAR(18), message_id VARCHAR(36), message_guid VARCHAR(36),
        message_type VARCHAR(10) NOT NULL, return_status VARCHAR(10) NOT NULL, return_time VARCHAR(17),
        return_info VARCHAR(1000), current INTEGER NOT NULL, delivered_at VARCHAR(40), applied_at VARCHAR(40) NOT NULL,
        latency_ms BIGINT, return_latency_ms BIGINT)""",
    "CREATE INDEX IF NOT EXISTS receipts_applied ON receipts (applied_at)",
    "CREATE INDEX IF NOT EXISTS receipts_latency ON receipts (message_type, return_status, latency_ms)",
    """CREATE TABLE IF NOT EXISTS receipt_documents (
        document_id VARCHAR(36) PRIMARY KEY, order_no VARCHAR(60), enterprise VARCHAR(18), message_id VARCHAR(36))""",
    """CREATE TABLE IF NOT EXISTS receipt_messages (
        message_id VARCHAR(36) PRIMARY KEY, guid VARCHAR(36), message_type VARCHAR(10), delivered_at VARCHAR(40))""",
)
UPSERT_DOCUMENT = """INSERT INTO receipt_documents (document_id, order_no, enterprise, message_id) VALUES (?, ?, ?, ?)
    ON CONFLICT (document_id) DO UPDATE SET order_no = excluded.order_no, enterprise = excluded.enterprise,
    message_id = excluded.message_id"""
UPSERT_MESSAGE = """INSERT INTO receipt_messages (message_id, guid, message_type, delivered_at) VALUES (?, ?, ?, ?)
    ON CONFLICT (message_id) DO UPDATE SET guid = excluded.guid, message_type = excluded.message_type,
    delivered_at = excluded.delivered_at"""
INSERT = """INSERT INTO receipts (receipt_id, document_id, document_type, order_no, enterprise, message_id,
    message_guid, message_type, return_status, return_time, return_info, current, delivered_at, applied_at,
    latency_ms, return_latency_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (receipt_id) DO NOTHING"""
DOCUMENT_COLUMNS = ("document_id", "order_no", "enterprise", "message_id")
MESSAGE_COLUMNS = ("message_id", "guid", "message_type", "delivered_at")


def local(moment: datetime) -> str:
    return moment.astimezone(SHANGHAI).isoformat()


def millis_between(start: str | None, end: datetime) -> int | None:
    return None if not start else round((end - datetime.fromisoformat(start)).total_seconds() * 1000)


def customs_moment(return_time: str) -> datetime | None:
    try:
        return datetime.strptime(return_time[:17], "%Y%m%d%H%M%S%f").replace(tzinfo=SHANGHAI)
    except ValueError:
        return None


class ReceiptsView(Projector):
    name = "receipts"
    tables = ("receipts", "receipt_documents", "receipt_messages")
    ddl = DDL
    topics = tuple(map(get_topic, (ImportOrder.Declared, ImportOrder.Packed, ImportOrder.ReceiptApplied,
                                   ImportOrder.Redeclared, Declaration.Declared, Declaration.Packed,
                                   Declaration.ReceiptApplied, Declaration.Redeclared, CustomsMessage.Prepared,
                                   CustomsMessage.Delivered, CustomsMessage.FormatRejected)))

    def apply(self, events: list[Any]) -> None:
        docs = self._load("receipt_documents", "document_id", {str(e.originator_id) for e in events if isinstance(
            e, ImportOrder.Packed | ImportOrder.ReceiptApplied | ImportOrder.Redeclared | Declaration.Packed
            | Declaration.ReceiptApplied | Declaration.Redeclared)})
        message_ids = {str(d["message_id"]) for d in docs.values() if d["message_id"]}
        message_ids |= {str(e.originator_id) for e in events if isinstance(
            e, CustomsMessage.Delivered | CustomsMessage.FormatRejected)}
        messages = self._load("receipt_messages", "message_id", message_ids)
        changed_docs: set[str] = set()
        changed_messages: set[str] = set()
        receipts = []
        for e in events:
            key = str(e.originator_id)
            if isinstance(e, ImportOrder.Declared | Declaration.Declared | ImportOrder.Redeclared
                          | Declaration.Redeclared):
                # #18 修改重报: a new version's number and sender; its message is the one that packs it next
                docs[key] = self._document(key, e)
                changed_docs.add(key)
            elif isinstance(e, ImportOrder.Packed | Declaration.Packed) and key in docs:
                docs[key]["message_id"] = str(e.message_id)
                changed_docs.add(key)
            elif isinstance(e, CustomsMessage.Prepared):
                messages[key] = {"message_id": key, "guid": e.guid, "message_type": e.message_type,
                                 "delivered_at": None}
                changed_messages.add(key)
            elif isinstance(e, CustomsMessage.Delivered) and key in messages:
                messages[key]["delivered_at"] = local(e.timestamp)
                changed_messages.add(key)
            elif isinstance(e, ImportOrder.ReceiptApplied | Declaration.ReceiptApplied | CustomsMessage.FormatRejected):
                receipts.append(self._receipt(e, docs, messages))
        self.db.executemany(UPSERT_DOCUMENT, [tuple(docs[k][c] for c in DOCUMENT_COLUMNS)
                                              for k in sorted(changed_docs)])
        self.db.executemany(UPSERT_MESSAGE, [tuple(messages[k][c] for c in MESSAGE_COLUMNS)
                                             for k in sorted(changed_messages)])
        self.db.executemany(INSERT, receipts)

    @staticmethod
    def _document(key: str, e: Any) -> dict[str, Any]:
        doc_type = of_message(getattr(e, "message_type", "CEB311"))
        return {"document_id": key, "order_no": getattr(e, "number", None) or e.order_no,
                "enterprise": policies.sender_of(e.document, doc_type), "message_id": None}

    @staticmethod
    def _receipt(e: Any, docs: dict[str, dict[str, Any]], messages: dict[str, dict[str, Any]]) -> tuple[Any, ...]:
        r, key = e.receipt, str(e.originator_id)
        if isinstance(e, ImportOrder.ReceiptApplied | Declaration.ReceiptApplied):
            doc = docs.get(key, {})
            message_id, current = doc.get("message_id"), int(bool(e.supersedes))
            document_type = "ImportOrder" if isinstance(e, ImportOrder.ReceiptApplied) else "Declaration"
        else:
            doc, message_id, document_type, current = {}, key, "CustomsMessage", 1
        message = messages.get(message_id or "", {})
        delivered = message.get("delivered_at")
        returned = customs_moment(r.get("returnTime", ""))
        return (f"{key}/{e.originator_version}", key, document_type, doc.get("order_no"), doc.get("enterprise"),
                message_id, message.get("guid"), r.get("messageType", ""), r.get("returnStatus", ""),
                r.get("returnTime", ""), (r.get("returnInfo") or "")[:1000], current, delivered,
                local(e.timestamp), millis_between(delivered, e.timestamp),
                millis_between(delivered, returned) if returned else None)

    def _load(self, table: str, key: str, ids: set[str]) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        ordered = sorted(ids)
        for start in range(0, len(ordered), 500):
            chunk = ordered[start:start + 500]
            rows = self.db.query(f"SELECT * FROM {table} WHERE {key} IN ({', '.join('?' * len(chunk))})", chunk)
            found |= {r[key]: r for r in rows}
        return found
