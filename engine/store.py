"""The event store: the system of record. One eventsourcing application holds every aggregate;
processors record what they consumed (tracking) in the same transaction as what they produced."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.application import Application, ProcessingEvent
from eventsourcing.persistence import Notification, ProcessRecorder, Tracking
from eventsourcing.utils import get_topic, register_topic, resolve_topic

from engine.settings import Settings
from projections.db import private_sqlite_file

# Aggregates that moved between modules (issue 15), by the topic their events were first stored under. Old events
# load as the class where it is now, a read by topic finds the events stored under either name, and the Kafka
# topics (engine/hosts/wire.py) keep the names they were first released with.
MOVED = {
    "domain.customs.alerts:ReceiptAlert": "domain.exchange.model:ReceiptAlert",
    "domain.customs.alerts:UnmatchedReceipt": "domain.exchange.model:UnmatchedReceipt",
    "domain.customs.alerts:AlertMail": "domain.exchange.model:AlertMail",
    "domain.customs.alerts:ReceiptFile": "domain.exchange.model:ReceiptFile",
    "domain.customs.model:CustomsMessage": "domain.exchange.model:CustomsMessage",
    "domain.customs.node_link:NodeLink": "domain.exchange.node_link:NodeLink",
    "domain.customs.node_link:LinkAlert": "domain.exchange.node_link:LinkAlert",
    "domain.customs.payment_data:PaymentRawData": "domain.customs.payment179:PaymentRawData",
    "domain.customs.payment_data:PaymentDataRequest": "domain.customs.payment179:PaymentDataRequest",
}
for _old, _new in MOVED.items():
    register_topic(_old, resolve_topic(_new))


def first_released(topic: str) -> str:
    """The topic an event class was first stored under: 'domain.exchange.model:CustomsMessage.Prepared' ->
    'domain.customs.model:CustomsMessage.Prepared'; a topic that never moved is itself."""
    for old, new in MOVED.items():
        if topic == new or topic.startswith(new + "."):
            return old + topic[len(new):]
    return topic


def with_moved(topics: Sequence[str]) -> list[str]:
    """The topics and, for classes that moved, the names their older events are stored under."""
    return list(dict.fromkeys([*topics, *map(first_released, topics)]))


class EventStore(Application):
    """跨境电商平台事件库. The notification log orders every event of every aggregate."""

    name = "cbec"

    def construct_recorder(self) -> ProcessRecorder:
        recorder = self.factory.process_recorder()
        select = recorder.select_notifications

        def select_notifications(*args: Any, **kwargs: Any) -> Sequence[Notification]:
            """Filtering by topic also finds the events of moved classes stored under their old topics."""
            if len(args) > 3:
                args = (*args[:3], with_moved(args[3]), *args[4:])
            elif kwargs.get("topics"):
                kwargs["topics"] = with_moved(kwargs["topics"])
            return select(*args, **kwargs)

        recorder.select_notifications = select_notifications  # type: ignore[method-assign]
        return recorder

    def save_tracked(self, tracking: Tracking | None, *objs: Any) -> None:
        """Save aggregates' new events and the consumer's position atomically (exactly-once effects)."""
        processing: ProcessingEvent[UUID] = ProcessingEvent(tracking=tracking)
        processing.collect_events(*objs)
        if processing.events or tracking is not None:
            self._record(processing)

    def all_of(self, cls: type, created: str = "Registered") -> list[Any]:
        """Every aggregate of a type, in the order they were created, from the notification log."""
        found = self.recorder.select_notifications(1, 1_000_000, topics=[get_topic(getattr(cls, created))])
        return [self.repository.get(i) for i in dict.fromkeys(n.originator_id for n in found)]

    def position(self, consumer: str) -> int:
        return self.recorder.max_tracking_id(consumer) or 0  # type: ignore[attr-defined]

    def read(self, consumer: str, topics: Sequence[str], limit: int = 500) -> tuple[list[Any], int | None]:
        """Next events for a consumer after its recorded position, and the position they end at."""
        notifications: Sequence[Notification] = self.recorder.select_notifications(
            self.position(consumer) + 1, limit, topics=topics)
        if not notifications:
            return [], None
        return [self.mapper.to_domain_event(n) for n in notifications], notifications[-1].id


def open_store(settings: Settings) -> EventStore:
    _private_data_dir(settings)
    env = settings.event_store_env() | {"AGGREGATE_CACHE_MAXSIZE": "20000"}
    if env.get("POSTGRES_SCHEMA"):
        _create_schema(settings.database_url, env["POSTGRES_SCHEMA"])
    return EventStore(env=env)


def _private_data_dir(settings: Settings) -> None:
    """The data folder (keys, the secret, the SQLite files) is the owner's only (0700), and so is the SQLite event
    store file (0600): nothing the platform keeps is readable by other accounts of the machine."""
    settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    if settings.data_dir.stat().st_mode & 0o077:
        settings.data_dir.chmod(0o700)
    if settings.database_url.startswith("sqlite:///"):
        private_sqlite_file(Path(settings.database_url.removeprefix("sqlite:///")))


def _create_schema(url: str, schema: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(url.split("?", 1)[0], autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
