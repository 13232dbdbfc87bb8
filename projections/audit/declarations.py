"""申报统计 read model (B4): how many documents were declared each day, by type, current status and enterprise.

Table declarations_daily: day (declaration date, YYYY-MM-DD in Asia/Shanghai), document_type (CEB311 ...),
enterprise (ebcCode), status (declared, prepared, sent, then the customs returnStatus: 2, 120, 100 ...), n
(documents of that day, type and enterprise now in that status). A document moves between rows as its status
changes; rows that fall to zero are removed. A document modified and declared again (修改重报, #18) counts on its
first declaration's day, back in declared, under the enterprise of its new version.
Table declaration_states: document_id, day, document_type, enterprise, status, message_id: each document's
current place in declarations_daily (this view's own state, readable too)."""

from __future__ import annotations

from collections import Counter
from typing import Any
from zoneinfo import ZoneInfo

from eventsourcing.utils import get_topic

from domain.customs import policies
from domain.customs.documents import of_message
from domain.customs.model import Declaration, ImportOrder
from domain.exchange.model import CustomsMessage
from projections.base import Projector

SHANGHAI = ZoneInfo("Asia/Shanghai")
COLUMNS = ("document_id", "day", "document_type", "enterprise", "status", "message_id")



DDL = (
    """CREATE TABLE IF NOT EXISTS declarations_daily (
        day VARCHAR(10) NOT NULL, document_type VARCHAR(10) NOT NULL, enterprise VARCHAR(18) NOT NULL,
        status VARCHAR(16) NOT NULL, n BIGINT NOT NULL, PRIMARY KEY (day, document_type, enterprise, status))""",
    """CREATE TABLE IF NOT EXISTS declaration_states (
        document_id VARCHAR(36) PRIMARY KEY, day VARCHAR(10) NOT NULL, document_type VARCHAR(10) NOT NULL,
        enterprise VARCHAR(18) NOT NULL, status VARCHAR(16) NOT NULL, message_id VARCHAR(36))""",
    "CREATE INDEX IF NOT EXISTS declaration_states_message ON declaration_states (message_id)",
)
COUNT = """INSERT INTO declarations_daily (day, document_type, enterprise, status, n) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (day, document_type, enterprise, status) DO UPDATE SET n = declarations_daily.n + excluded.n"""
STATE = """INSERT INTO declaration_states (document_id, day, document_type, enterprise, status, message_id)
    VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (document_id) DO UPDATE SET status = excluded.status,
    message_id = excluded.message_id, enterprise = excluded.enterprise"""
DOCUMENT_EVENTS = (ImportOrder.Declared, ImportOrder.ReceiptApplied, ImportOrder.Redeclared, Declaration.Declared,
                   Declaration.ReceiptApplied, Declaration.Redeclared)


class DeclarationsDailyView(Projector):
    name = "declarations_daily"
    tables = ("declarations_daily", "declaration_states")
    ddl = DDL
    topics = tuple(map(get_topic, (*DOCUMENT_EVENTS, CustomsMessage.Prepared, CustomsMessage.Delivered)))

    def apply(self, events: list[Any]) -> None:
        states = self._states(events)
        delta: Counter[tuple[str, str, str, str]] = Counter()
        changed: set[str] = set()

        def move(doc_id: str, status: str, allowed_from: tuple[str, ...] | None = None, enterprise: str = "") -> None:
            state = states.get(doc_id)
            if state is None or (allowed_from is not None and state["status"] not in allowed_from):
                return
            delta[(state["day"], state["document_type"], state["enterprise"], state["status"])] -= 1
            state["status"], state["enterprise"] = status, enterprise or state["enterprise"]
            delta[(state["day"], state["document_type"], state["enterprise"], status)] += 1
            changed.add(doc_id)

        for e in events:
            key = str(e.originator_id)
            if isinstance(e, ImportOrder.Declared | Declaration.Declared):
                if key not in states:
                    day = e.declared_at.astimezone(SHANGHAI).date().isoformat()
                    doc_type = of_message(getattr(e, "message_type", "CEB311"))
                    states[key] = {"document_id": key, "day": day, "document_type": doc_type.message,
                                   "enterprise": policies.sender_of(e.document, doc_type), "status": "declared",
                                   "message_id": None}
                    delta[(day, doc_type.message, states[key]["enterprise"], "declared")] += 1
                    changed.add(key)
            elif isinstance(e, CustomsMessage.Prepared):
                for doc_id in map(str, e.document_ids):
                    if states.get(doc_id, {}).get("status") == "declared":
                        states[doc_id]["message_id"] = key
                    move(doc_id, "prepared", ("declared",))
            elif isinstance(e, CustomsMessage.Delivered):
                for doc_id in [d for d, s in states.items() if s["message_id"] == key]:
                    move(doc_id, "sent", ("declared", "prepared"))
            elif isinstance(e, ImportOrder.ReceiptApplied | Declaration.ReceiptApplied) and e.supersedes:
                move(key, e.receipt["returnStatus"])
            elif isinstance(e, ImportOrder.Redeclared | Declaration.Redeclared) and key in states:
                # #18 修改重报: declared again, to be packed anew; the new version may name another sender
                states[key]["message_id"] = None
                sender = policies.sender_of(e.document, of_message(states[key]["document_type"]))
                move(key, "declared", enterprise=sender)
        self.db.executemany(STATE, [tuple(states[d][c] for c in COLUMNS) for d in sorted(changed)])
        self.db.executemany(COUNT, [(*k, n) for k, n in sorted(delta.items()) if n])
        if any(n < 0 for n in delta.values()):
            self.db.execute("DELETE FROM declarations_daily WHERE n = 0")

    def _states(self, events: list[Any]) -> dict[str, dict[str, Any]]:
        """The current state of every document the events touch (by id, or by the message carrying it)."""
        ids = {str(e.originator_id) for e in events if isinstance(e, DOCUMENT_EVENTS)}
        ids |= {str(d) for e in events if isinstance(e, CustomsMessage.Prepared) for d in e.document_ids}
        messages = sorted({str(e.originator_id) for e in events if isinstance(e, CustomsMessage.Delivered)})
        found: dict[str, dict[str, Any]] = {}
        for column, values in (("document_id", sorted(ids)), ("message_id", messages)):
            for start in range(0, len(values), 500):
                chunk = values[start:start + 500]
                rows = self.db.query(f"SELECT * FROM declaration_states WHERE {column} IN "
                                     f"({', '.join('?' * len(chunk))})", chunk)
                found |= {r["document_id"]: r for r in rows}
        return found
