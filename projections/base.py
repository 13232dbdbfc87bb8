"""A projector follows the event store's notification log and records its position in the read model's
own transaction, so replaying never double-counts and any view can be rebuilt from history (P4, B3)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from projections.db import Database

POSITIONS = """CREATE TABLE IF NOT EXISTS projection_positions (
    name VARCHAR(100) PRIMARY KEY, last_id BIGINT NOT NULL)"""


class Projector:
    name = ""
    topics: Sequence[str] = ()
    tables: Sequence[str] = ()
    ddl: Sequence[str] = ()

    def __init__(self, db: Database, store: Any):
        self.db, self.store = db, store
        for statement in (POSITIONS, *self.ddl):
            self.db.execute(statement)
        self.db.execute("INSERT INTO projection_positions (name, last_id) VALUES (?, 0) ON CONFLICT (name) DO NOTHING",
                        (self.name,))

    def position(self) -> int:
        rows = self.db.query("SELECT last_id FROM projection_positions WHERE name = ?", (self.name,))
        return int(rows[0]["last_id"]) if rows else 0

    def run_once(self, limit: int = 2000) -> int:
        """Apply the next events. The position row is locked for the transaction, so two processes running
        the same projector take turns instead of interleaving.

        The position moves to the newest notification the query covered, matching or not, so a view of rare
        events does not scan the log's whole tail on every pass. Notifications are recorded in position order
        (one writer on SQLite, a table lock on PostgreSQL), so nothing at or below it can appear later."""
        with self.db.transaction(exclusive=True):
            lock = " FOR UPDATE" if self.db.is_postgres else ""
            last = int(self.db.query(f"SELECT last_id FROM projection_positions WHERE name = ?{lock}",
                                     (self.name,))[0]["last_id"])
            newest = self.store.recorder.max_notification_id() or 0
            if newest <= last:
                return 0
            notifications = self.store.recorder.select_notifications(last + 1, limit, stop=newest,
                                                                     topics=self.topics)
            if notifications:
                self.apply_notifications(notifications)
            reached = notifications[-1].id if len(notifications) == limit else newest
            self.db.execute("UPDATE projection_positions SET last_id = ? WHERE name = ?", (reached, self.name))
        return len(notifications)

    def apply_notifications(self, notifications: Sequence[Any]) -> None:
        """For views that need the positions too; the others implement apply()."""
        self.apply([self.store.mapper.to_domain_event(n) for n in notifications])

    def apply(self, events: list[Any]) -> None:
        raise NotImplementedError

    def clear(self) -> None:
        """Empty the view and forget its position."""
        with self.db.transaction(exclusive=True):
            for table in self.tables:
                self.db.execute(f"DELETE FROM {table}")
            self.db.execute("UPDATE projection_positions SET last_id = 0 WHERE name = ?", (self.name,))

    def rebuild(self) -> int:
        """Empty the view and replay the whole history of the event store into it."""
        self.clear()
        total = 0
        while count := self.run_once(5000):
            total += count
        return total
