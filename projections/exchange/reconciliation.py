"""数据校验 (X2, X5): the daily reconciliation of what the platform sent customs against what customs answered,
per message type and sending enterprise. Queries over two read models: customs_documents (every document, import
and export, with its newest customs status) and customs_message_stages (when its message was first delivered).

A document counts on the day (Asia/Shanghai, customs' time) its message first reached the transport. Of those:
receipted = any customs answer; final = a concluding status (statuses.is_final); rejected = 100 or a negative
code (format or processing error); missing = no answer yet."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from domain.shared import statuses
from projections.db import Database

SHANGHAI = ZoneInfo("Asia/Shanghai")
KINDS = ("sent", "receipted", "final", "rejected", "missing")
UNANSWERED = (statuses.DECLARED, statuses.PREPARED, statuses.SENT)
SENT_ON = """FROM customs_documents d JOIN (SELECT message_id, MIN(at) AS sent_at FROM customs_message_stages
    WHERE stage = 'delivered' GROUP BY message_id) s ON s.message_id = d.message_id
    WHERE s.sent_at >= ? AND s.sent_at < ?"""


def kinds_of(status: str) -> set[str]:
    """The columns a document with this status counts in."""
    if status in UNANSWERED:
        return {"sent", "missing"}
    found = {"sent", "receipted"}
    if statuses.is_final(status):
        found.add("final")
    if statuses.is_refused(status):
        found.add("rejected")
    return found


def day_bounds(day: date) -> tuple[str, str]:
    """The Shanghai day as UTC ISO text, the way the read models store event times."""
    start = datetime.combine(day, time(), tzinfo=SHANGHAI).astimezone(UTC)
    return start.isoformat(), (start + timedelta(days=1)).isoformat()


class Reconciliation:
    def __init__(self, db: Database):
        self.db = db

    def counts(self, day: date) -> list[dict[str, Any]]:
        """One row per message type and sender: its counts of KINDS, ordered by type and sender."""
        rows = self.db.query("SELECT d.message_type, COALESCE(d.sender, '') AS sender, d.status, COUNT(*) AS n "
                             f"{SENT_ON} GROUP BY d.message_type, d.sender, d.status", day_bounds(day))
        cells: dict[tuple[str, str], dict[str, Any]] = {}
        for r in rows:
            cell = cells.setdefault((r["message_type"], r["sender"]), {
                "message_type": r["message_type"], "sender": r["sender"]} | dict.fromkeys(KINDS, 0))
            for kind in kinds_of(r["status"]):
                cell[kind] += int(r["n"])
        return [cells[k] for k in sorted(cells)]

    def documents(self, day: date, message_type: str, sender: str, kind: str) -> list[dict[str, Any]]:
        """The documents behind one cell (drill-down), by number."""
        rows = self.db.query(f"SELECT d.*, s.sent_at {SENT_ON} AND d.message_type = ? AND COALESCE(d.sender, '') = ? "
                             "ORDER BY d.number", (*day_bounds(day), message_type, sender))
        return [r for r in rows if kind in kinds_of(r["status"])]
