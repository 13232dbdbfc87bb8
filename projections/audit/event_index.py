"""事件索引 read model (B1): one row per stored event of every aggregate, for the auditor's event browser.

Table event_index: notification_id (position in the event store, primary key), at (the event's time, ISO 8601
in Asia/Shanghai), originator_id (aggregate id), version (the aggregate's version after the event),
doc_type (aggregate class: ImportOrder, CustomsMessage, Enterprise, User, LogEntry, CodeList ...), event_type
(Declared, ReceiptApplied, Prepared ...), enterprise (customs code of the enterprise the document belongs to,
from the payload or from the document's first event), user_name (who acted: declared_by, actor, registered_by
or by; empty for the platform itself), document_key (order number, message guid, code, user name ...), topic."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from eventsourcing.utils import get_topic

from domain.customs import policies
from domain.customs.documents import BY_MESSAGE
from projections.base import Projector
from projections.query import Where

SHANGHAI = ZoneInfo("Asia/Shanghai")
USER_FIELDS = ("declared_by", "actor", "registered_by", "by")
KEY_FIELDS = ("order_no", "number", "tax_no", "guid", "code", "username", "app_id", "name")

DDL = (
    """CREATE TABLE IF NOT EXISTS event_index (
        notification_id BIGINT PRIMARY KEY, at VARCHAR(40) NOT NULL, originator_id VARCHAR(36) NOT NULL,
        version INTEGER NOT NULL, doc_type VARCHAR(60) NOT NULL, event_type VARCHAR(60) NOT NULL,
        enterprise VARCHAR(18), user_name VARCHAR(100), document_key VARCHAR(120), topic VARCHAR(200) NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS event_index_at ON event_index (at)",
    "CREATE INDEX IF NOT EXISTS event_index_enterprise ON event_index (enterprise, at)",
    "CREATE INDEX IF NOT EXISTS event_index_type ON event_index (doc_type, event_type, at)",
    "CREATE INDEX IF NOT EXISTS event_index_user ON event_index (user_name, at)",
    "CREATE INDEX IF NOT EXISTS event_index_originator ON event_index (originator_id, version)",
)
INSERT = """INSERT INTO event_index (notification_id, at, originator_id, version, doc_type, event_type, enterprise,
    user_name, document_key, topic) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (notification_id) DO NOTHING"""


def kinds_of(event: Any) -> tuple[str, str]:
    """(document type, event type) from the event class, e.g. ('ImportOrder', 'Declared')."""
    doc_type, _, event_type = type(event).__qualname__.rpartition(".")
    return doc_type or type(event).__qualname__, event_type


def user_of(event: Any) -> str:
    """Who acted, from the payload; '' when the platform itself did (processors, receipts)."""
    for name in USER_FIELDS:
        value = getattr(event, name, None)
        if isinstance(value, str) and value:
            return value
    return ""


def enterprise_of(event: Any) -> str:
    """The enterprise's customs code when the payload names one."""
    document = getattr(event, "document", None)
    message_type = getattr(event, "message_type", None)
    if isinstance(document, dict) and message_type in BY_MESSAGE:  # an import document: its sending enterprise
        return policies.sender_of(document, BY_MESSAGE[message_type])
    if isinstance(document, dict) and document.get("ebcCode"):
        return str(document["ebcCode"])
    doc_type, event_type = kinds_of(event)
    if doc_type == "CustomsMessage" and event_type == "Prepared":
        return str(event.sender)
    if doc_type == "Enterprise" and event_type == "Registered":
        return str(event.code)
    return ""


def key_of(event: Any) -> str:
    for name in KEY_FIELDS:
        value = getattr(event, name, None)
        if isinstance(value, str) and value:
            return value[:120]
    return ""


class EventIndexView(Projector):
    name = "event_index"
    tables = ("event_index",)
    ddl = DDL
    topics = ()  # every event

    _positions: dict[tuple[str, int], int] | None = None

    def apply_notifications(self, notifications: Sequence[Any]) -> None:
        """Events do not carry their position; the notifications do."""
        self._positions = {(str(n.originator_id), n.originator_version): n.id for n in notifications}
        try:
            super().apply_notifications(notifications)
        finally:
            self._positions = None

    def apply(self, events: list[Any]) -> None:
        positions = self._positions
        if positions is None:
            raise NotImplementedError("event_index is rebuilt from the event store, which knows each position")
        known = self._enterprises(e for e in events if e.originator_version > 1 and not enterprise_of(e))
        rows = []
        for e in events:
            originator = str(e.originator_id)
            enterprise = enterprise_of(e) or known.get(originator, "")
            if enterprise:
                known.setdefault(originator, enterprise)
            doc_type, event_type = kinds_of(e)
            rows.append((positions[(originator, e.originator_version)], e.timestamp.astimezone(SHANGHAI).isoformat(),
                         originator, e.originator_version, doc_type, event_type, enterprise, user_of(e)[:100],
                         key_of(e), get_topic(type(e))[:200]))
        self.db.executemany(INSERT, rows)

    def _enterprises(self, events: Iterable[Any]) -> dict[str, str]:
        ids = sorted({str(e.originator_id) for e in events})
        found: dict[str, str] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            rows = self.db.query(f"SELECT originator_id, enterprise FROM event_index WHERE originator_id IN "
                                 f"({', '.join('?' * len(chunk))}) AND version = 1", chunk)
            found |= {r["originator_id"]: r["enterprise"] for r in rows if r["enterprise"]}
        return found

    # queries ------------------------------------------------------------------------------------

    def search(self, enterprise: str = "", doc_type: str = "", event_type: str = "", user: str = "",
               date_from: str = "", date_to: str = "", page: int = 1, per_page: int = 50,
               enterprises: list[str] | None = None) -> tuple[list[dict[str, Any]], int]:
        """Events matching the filters, newest first. enterprises: tenancy (None = every enterprise)."""
        where = Where().equals("enterprise", enterprise).equals("doc_type", doc_type)
        where.equals("event_type", event_type).equals("user_name", user).between_dates("at", date_from, date_to)
        return where.one_of("enterprise", enterprises).page(self.db, "event_index", "notification_id DESC", page,
                                                             per_page)

    def choices(self) -> dict[str, list[str]]:
        """The values the browser's filters offer."""
        return {column: [r["v"] for r in self.db.query(
            f"SELECT DISTINCT {column} AS v FROM event_index WHERE {column} <> '' ORDER BY {column}")]
            for column in ("doc_type", "event_type", "enterprise")}

    def enterprise_of_document(self, originator_id: str) -> str | None:
        rows = self.db.query("SELECT enterprise FROM event_index WHERE originator_id = ? ORDER BY version LIMIT 1",
                             (originator_id,))
        return rows[0]["enterprise"] if rows else None
