"""Replays from Kafka (B3 with P2): the topics keep the whole history, so a read model can be rebuilt from
offset 0 without touching the event store. Records are put back in event-store order by their position;
a record repeated by a relay restart carries the same position and is applied once."""

from __future__ import annotations

from collections.abc import Sequence

from eventsourcing.utils import get_topic

from adapters.kafka.client import read_all
from engine.hosts.wire import from_value, kafka_topic
from projections.base import Projector

BATCH = 2000


def rebuild_from_kafka(bootstrap: str, view: Projector) -> int:
    """Empty the view and apply every event of its topics from offset 0; returns the events applied."""
    wanted = set(view.topics)
    topics = sorted({kafka_topic(t) for t in wanted})
    by_position: dict[int, bytes] = {}
    for _topic, _partition, _offset, _key, value in read_all(bootstrap, topics):
        position, event = from_value(value, view.store.mapper)
        if get_topic(type(event)) in wanted:
            by_position.setdefault(position, value)
    ordered = [from_value(by_position[p], view.store.mapper)[1] for p in sorted(by_position)]
    view.clear()
    positions = sorted(by_position)
    for start in range(0, len(ordered), BATCH):
        _apply(view, ordered[start:start + BATCH], positions[min(start + BATCH, len(positions)) - 1])
    return len(ordered)


def _apply(view: Projector, events: Sequence[object], last_position: int) -> None:
    """The live projector then goes on from the event store after the last position replayed."""
    with view.db.transaction(exclusive=True):
        view.apply(list(events))
        view.db.execute("UPDATE projection_positions SET last_id = ? WHERE name = ?", (last_position, view.name))
