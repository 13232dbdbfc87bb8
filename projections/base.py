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
        the same projector take turns instead of interleaving."""
        with self.db.transaction(exclusive=True):
            lock = " FOR UPDATE" if self.db.is_postgres else ""
            last = self.db.query(f"SELECT last_id FROM projection_positions WHERE name = ?{lock}", (self.name,))
            notifications = self.store.recorder.select_notifications(int(last[0]["last_id"]) + 1, limit,
                                                                     topics=self.topics)
            if not notifications:
                return 0
            self.apply([self.store.mapper.to_domain_event(n) for n in notifications])
            self.db.execute("UPDATE projection_positions SET last_id = ? WHERE name = ?",
                            (notifications[-1].id, self.name))
        return len(notifications)

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
