"""报文跟踪 read model (X3, X5): every outgoing customs message and the stages of its journey.

Table customs_messages: message_id, guid, message_type, sender, document_numbers (space separated, for search),
doc_count, status (prepared, delivered, retrying, dead, resent, discarded), customs_status (the newest receipt's
returnStatus, -1 for a CEB900), attempts, last_error, next_try_at (Unix seconds, for the retrier),
prepared_at, updated_at (ISO 8601). Table customs_message_stages: one row per stage with its time, a detail
line and the raw XML where the stage has one. Table customs_message_docs maps documents to their message."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID
from xml.sax.saxutils import escape

from eventsourcing.utils import get_topic

from domain.customs.model import Declaration, ImportOrder
from domain.exchange.model import CustomsMessage
from projections.base import Projector
from projections.query import Where

DDL = (
    """CREATE TABLE IF NOT EXISTS customs_messages (
        message_id VARCHAR(36) PRIMARY KEY, guid VARCHAR(36) NOT NULL, message_type VARCHAR(16) NOT NULL,
        sender VARCHAR(18), document_numbers TEXT, doc_count INTEGER, status VARCHAR(16) NOT NULL,
        customs_status VARCHAR(8) NOT NULL, attempts INTEGER NOT NULL, last_error VARCHAR(1000),
        next_try_at DOUBLE PRECISION, prepared_at VARCHAR(40) NOT NULL, updated_at VARCHAR(40) NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS customs_messages_guid ON customs_messages (guid)",
    "CREATE INDEX IF NOT EXISTS customs_messages_status ON customs_messages (status, next_try_at)",
    "CREATE INDEX IF NOT EXISTS customs_messages_prepared ON customs_messages (prepared_at)",
    """CREATE TABLE IF NOT EXISTS customs_message_stages (
        message_id VARCHAR(36) NOT NULL, at VARCHAR(40) NOT NULL, stage VARCHAR(20) NOT NULL,
        detail VARCHAR(2000), xml TEXT)""",
    "CREATE INDEX IF NOT EXISTS customs_message_stages_id ON customs_message_stages (message_id, at)",
    "CREATE INDEX IF NOT EXISTS customs_message_stages_stage ON customs_message_stages (stage, at)",  # X5 health
    """CREATE TABLE IF NOT EXISTS customs_message_docs (
        document_id VARCHAR(36) PRIMARY KEY, message_id VARCHAR(36) NOT NULL)""",
)

# #18: the list's sortable columns by their URL name (whitelisted: the name reaches ORDER BY only through this table)
SORTABLE = {"prepared_at": "prepared_at", "guid": "guid", "message_type": "message_type", "status": "status",
            "customs_status": "customs_status", "attempts": "attempts", "updated_at": "updated_at"}
STATUS_OF = {"Delivered": "delivered", "DeliveryFailed": "retrying", "DeadLettered": "dead", "Resent": "resent",
             "Discarded": "discarded"}


class MessagesView(Projector):
    name = "messages"
    tables = ("customs_messages", "customs_message_stages", "customs_message_docs")
    ddl = DDL
    topics = tuple(get_topic(getattr(CustomsMessage, n)) for n in ("Prepared", "FormatRejected", *STATUS_OF)) + (
        get_topic(ImportOrder.ReceiptApplied), get_topic(Declaration.ReceiptApplied))

    def apply(self, events: list[Any]) -> None:
        for e in events:
            kind = type(e).__name__
            if isinstance(e, CustomsMessage.Prepared):
                self._prepared(e)
            elif kind == "FormatRejected":
                self._stage(e.originator_id, e.timestamp, "format_error", _receipt_line(e.receipt), _xml(e.receipt))
                self._update(e.originator_id, e.timestamp, "customs_status = ?", ("-1",))
            elif kind in STATUS_OF:
                self._transition(e, kind)
        self._receipts([e for e in events if isinstance(e, ImportOrder.ReceiptApplied | Declaration.ReceiptApplied)])

    def _prepared(self, e: Any) -> None:
        mid, at = str(e.originator_id), e.timestamp.isoformat()
        self.db.execute("INSERT INTO customs_messages VALUES (?, ?, ?, ?, ?, ?, 'prepared', '', 0, '', NULL, ?, ?) "
                        "ON CONFLICT (message_id) DO NOTHING",
                        (mid, e.guid, e.message_type, e.sender, " ".join(e.document_numbers),
                         len(e.document_ids), at, at))
        self.db.executemany("INSERT INTO customs_message_docs VALUES (?, ?) ON CONFLICT (document_id) DO NOTHING",
                            [(str(d), mid) for d in e.document_ids])
        self._stage(e.originator_id, e.timestamp, "prepared", f"{e.algorithm} signed, {len(e.document_ids)} docs",
                    e.xml)

    def _transition(self, e: Any, kind: str) -> None:
        status = STATUS_OF[kind]
        detail = {"Delivered": lambda: f"{getattr(e, 'transport', '')} {getattr(e, 'file_name', '')}",
                  "DeliveryFailed": lambda: f"attempt {e.attempt}: {e.error}; next {e.next_try_at.isoformat()}",
                  "DeadLettered": lambda: f"after {e.attempts} attempts: {e.reason}",
                  "Resent": lambda: f"{e.by}: {e.reason}", "Discarded": lambda: f"{e.by}: {e.reason}"}[kind]()
        self._stage(e.originator_id, e.timestamp, status, detail, "")
        next_try = {"DeliveryFailed": lambda: e.next_try_at.timestamp(), "Resent": lambda: e.timestamp.timestamp()}
        attempts = {"DeliveryFailed": lambda: e.attempt, "DeadLettered": lambda: e.attempts, "Resent": lambda: 0}
        sets, params = ["status = ?", "next_try_at = ?"], [status, next_try[kind]() if kind in next_try else None]
        if kind in attempts:
            sets.append("attempts = ?")
            params.append(attempts[kind]())
        if kind in ("DeliveryFailed", "DeadLettered"):
            sets.append("last_error = ?")
            params.append((getattr(e, "error", "") or getattr(e, "reason", ""))[:1000])
        self._update(e.originator_id, e.timestamp, ", ".join(sets), tuple(params))

    def _receipts(self, events: list[Any]) -> None:
        """After the message events of the batch, so a message prepared in it is known; in bulk, as receipts
        come by the thousand."""
        ids = [str(e.originator_id) for e in events]
        owner: dict[str, str] = {}
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            rows = self.db.query("SELECT document_id, message_id FROM customs_message_docs WHERE document_id IN "
                                 f"({', '.join('?' * len(chunk))})", chunk)
            owner |= {r["document_id"]: r["message_id"] for r in rows}
        mine = [(owner[str(e.originator_id)], e) for e in events if str(e.originator_id) in owner]
        self.db.executemany("INSERT INTO customs_message_stages VALUES (?, ?, 'receipt', ?, ?)",
                            [(mid, e.timestamp.isoformat(), _receipt_line(e.receipt)[:2000], _xml(e.receipt))
                             for mid, e in mine])
        latest = {mid: (e.receipt["returnStatus"], e.timestamp.isoformat()) for mid, e in mine if e.supersedes}
        self.db.executemany("UPDATE customs_messages SET customs_status = ?, updated_at = ? WHERE message_id = ?",
                            [(status, at, mid) for mid, (status, at) in latest.items()])

    def _stage(self, message_id: UUID, at: datetime, stage: str, detail: str, xml: str) -> None:
        self.db.execute("INSERT INTO customs_message_stages VALUES (?, ?, ?, ?, ?)",
                        (str(message_id), at.isoformat(), stage, detail[:2000], xml))

    def _update(self, message_id: UUID, at: datetime, sets: str, params: tuple[Any, ...]) -> None:
        self.db.execute(f"UPDATE customs_messages SET {sets}, updated_at = ? WHERE message_id = ?",
                        (*params, at.isoformat(), str(message_id)))

    # queries ------------------------------------------------------------------------------------

    def search(self, q: str = "", message_type: str = "", status: str | list[str] = "", date_from: str = "",
               date_to: str = "", page: int = 1, per_page: int = 20, sort: str = "",
               descending: bool = True) -> tuple[list[dict[str, Any]], int]:
        """Messages whose guid or a document number contains q, in one status or several at once (#18); sorted by a
        SORTABLE column (KeyError otherwise), newest first by default."""
        statuses = [status] if isinstance(status, str) and status else list(status or [])
        where = Where().contains(["guid", "document_numbers"], q.strip()).equals("message_type", message_type)
        where.one_of("status", statuses or None).between_dates("prepared_at", date_from, date_to)
        direction = "DESC" if descending else "ASC"
        order = f"{SORTABLE[sort]} {direction}, " if sort else ""
        return where.page(self.db, "customs_messages", f"{order}prepared_at {direction}, guid", page, per_page)

    def get(self, message_id: str) -> dict[str, Any] | None:
        rows = self.db.query("SELECT * FROM customs_messages WHERE message_id = ?", (message_id,))
        return rows[0] if rows else None

    def stages(self, message_id: str) -> list[dict[str, Any]]:
        return self.db.query("SELECT * FROM customs_message_stages WHERE message_id = ? ORDER BY at",
                             (message_id,))

    def dead_letters(self) -> list[dict[str, Any]]:
        return self.db.query("SELECT * FROM customs_messages WHERE status = 'dead' ORDER BY updated_at")

    def last_stage(self, *stages: str) -> dict[str, Any] | None:
        """The newest stage of these kinds (delivered; receipt, format_error) with its message: the link health's
        last message out and last receipt in (X5). One index lookup per kind."""
        found = [row for stage in stages for row in self.db.query(
            "SELECT s.at, s.stage, s.detail, m.message_id, m.guid, m.message_type FROM customs_message_stages s "
            "JOIN customs_messages m ON m.message_id = s.message_id WHERE s.stage = ? ORDER BY s.at DESC LIMIT 1",
            (stage,))]
        return max(found, key=lambda r: r["at"], default=None)

    def due(self, now: datetime, limit: int = 100) -> list[UUID]:
        """Messages whose retry (or resend) is due: for the retrier."""
        rows = self.db.query("SELECT message_id FROM customs_messages WHERE status IN ('retrying', 'resent') "
                             "AND next_try_at <= ? ORDER BY next_try_at LIMIT ?", (now.timestamp(), limit))
        return [UUID(r["message_id"]) for r in rows]


def _receipt_line(receipt: dict[str, str]) -> str:
    return f"{receipt.get('messageType')} {receipt.get('returnStatus')} {receipt.get('returnTime')} " \
           f"{receipt.get('returnInfo', '')[:500]}"


def _xml(receipt: dict[str, str]) -> str:
    """The receipt entry's fields as recorded (the receipt file itself is not kept in the event)."""
    fields = "".join(f"\n  <{k}>{escape(str(v))}</{k}>" for k, v in receipt.items() if k != "key")
    return f"<Receipt>{fields}\n</Receipt>"
