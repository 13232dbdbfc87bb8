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

    def position(self) -> int:
        rows = self.db.query("SELECT last_id FROM projection_positions WHERE name = ?", (self.name,))
        return int(rows[0]["last_id"]) if rows else 0

    def run_once(self, limit: int = 2000) -> int:
        notifications = self.store.recorder.select_notifications(self.position() + 1, limit, topics=self.topics)
        if not notifications:
            return 0
        events = [self.store.mapper.to_domain_event(n) for n in notifications]
        with self.db.transaction():
            self.apply(events)
            self.db.execute(
                "INSERT INTO projection_positions (name, last_id) VALUES (?, ?) "
                "ON CONFLICT (name) DO UPDATE SET last_id = excluded.last_id", (self.name, notifications[-1].id))
        return len(events)

    def apply(self, events: list[Any]) -> None:
        raise NotImplementedError

    def rebuild(self) -> int:
        """Empty the view and replay the whole history into it."""
        with self.db.transaction():
            for table in self.tables:
                self.db.execute(f"DELETE FROM {table}")
            self.db.execute("DELETE FROM projection_positions WHERE name = ?", (self.name,))
        total = 0
        while count := self.run_once(5000):
            total += count
        return total
