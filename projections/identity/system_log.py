"""系统日志 read model (A4): logins, commands and errors, searchable and exportable.

Table system_log: entry_id, at (ISO 8601 with offset), kind (login / command / error), actor, organisation,
address (client IP), action, target (document or path), outcome (ok / failed / locked / refused / error
or an HTTP status), details (JSON text)."""

from __future__ import annotations

import json
from typing import Any

from eventsourcing.utils import get_topic

from domain.identity.model import LogEntry
from projections.base import Projector
from projections.query import Where

DDL = (
    """CREATE TABLE IF NOT EXISTS system_log (
        entry_id VARCHAR(36) PRIMARY KEY, at VARCHAR(40) NOT NULL, kind VARCHAR(20) NOT NULL,
        actor VARCHAR(100), organisation VARCHAR(60), address VARCHAR(60), action VARCHAR(200),
        target VARCHAR(200), outcome VARCHAR(40), details TEXT)""",
    "CREATE INDEX IF NOT EXISTS system_log_at ON system_log (at)",
    "CREATE INDEX IF NOT EXISTS system_log_actor ON system_log (actor, at)",
)


# #18: the log's sortable columns by their URL name (whitelisted: the name reaches ORDER BY only through this table)
SORTABLE = {"at": "at", "kind": "kind", "actor": "actor", "organisation": "organisation", "outcome": "outcome"}
KINDS = ("login", "command", "error", "personal")


class SystemLogView(Projector):
    name = "system_log"
    tables = ("system_log",)
    ddl = DDL
    topics = (get_topic(LogEntry.Recorded),)

    def apply(self, events: list[Any]) -> None:
        self.db.executemany(
            "INSERT INTO system_log (entry_id, at, kind, actor, organisation, address, action, target, outcome, "
            "details) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (entry_id) DO NOTHING",
            [(str(e.originator_id), e.at.isoformat(), e.kind, e.actor, e.organisation, e.address, e.action,
              e.target, e.outcome, json.dumps(e.details, ensure_ascii=False, default=str)) for e in events])

    def search(self, q: str = "", kind: str | list[str] = "", date_from: str = "", date_to: str = "", page: int = 1,
               per_page: int = 50, organisation: str | None = None, sort: str = "",
               descending: bool = True) -> tuple[list[dict[str, Any]], int]:
        """Entries matching q, of one kind or several at once (#18), of one organisation (None: all); sorted by a
        SORTABLE column (KeyError otherwise), newest first by default."""
        kinds = [kind] if isinstance(kind, str) and kind else list(kind or [])
        where = Where().contains(["actor", "action", "target", "address"], q).one_of("kind", kinds or None)
        # None: every organisation; any string, "" included, is that organisation only (equals() would drop "")
        where.one_of("organisation", None if organisation is None else [organisation])
        where.between_dates("at", date_from, date_to)
        direction = "DESC" if descending else "ASC"
        order = f"{SORTABLE[sort]} {direction}, " if sort else ""
        return where.page(self.db, "system_log", f"{order}at {direction}, entry_id", page, per_page)
