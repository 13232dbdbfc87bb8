"""cbec relay (P2): publishes every stored event to Kafka, in the order of the event store's notification log.

The relay records how far it has published (tracking "relay") in the event store's database after the broker
acknowledged the batch. A crash between the two repeats at most one batch on restart; consumers recognise the
repeats by their `position`, which is the same the second time. Only one relay may run per event store."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from eventsourcing.persistence import Tracking

from adapters.kafka.client import Publisher, Record
from engine.hosts.wire import to_record
from engine.store import EventStore

log = logging.getLogger(__name__)
NAME = "relay"


class Relay:
    def __init__(self, store: EventStore, publisher: Publisher, ensure_topics: Callable[[set[str]], None],
                 batch: int = 2000):
        self.store, self.publisher, self.ensure_topics, self.batch = store, publisher, ensure_topics, batch
        self.known_topics: set[str] = set()

    def run_once(self) -> int:
        notifications = self.store.recorder.select_notifications(self.store.position(NAME) + 1, self.batch)
        if not notifications:
            return 0
        records = [to_record(n) for n in notifications]
        self._topics_for(records)
        self.publisher.publish(records)
        self.store.save_tracked(Tracking(NAME, notifications[-1].id))
        return len(records)

    def _topics_for(self, records: list[Record]) -> None:
        new = {r.topic for r in records} - self.known_topics
        if new:
            self.ensure_topics(new)
            self.known_topics |= new

    def run_forever(self, interval: float = 0.2, stop: Callable[[], bool] = lambda: False) -> None:
        while not stop():
            started = time.perf_counter()
            count = self.run_once()
            if count:
                log.info("relayed %s events in %.3f s (position %s)", count, time.perf_counter() - started,
                         self.store.position(NAME))
            else:
                time.sleep(interval)
