"""The event on Kafka: the stored event's own JSON payload, with where it sits in the event store.

Topic: one per aggregate type, `cbec.<context>.<Aggregate>` (e.g. cbec.customs.ImportOrder); key: the
aggregate ID, so one document's events stay in order in one partition. Value (JSON, UTF-8):
  position           notification ID in the event store's log (a repeat after a relay crash has the same one)
  type               short event name, e.g. ImportOrder.Declared
  topic              the event class topic, e.g. domain.customs.model:ImportOrder.Declared
  aggregate_id       UUID
  aggregate_version  version of the aggregate this event made
  timestamp          ISO 8601, UTC
  payload            the event's state exactly as stored (eventsourcing JSON: Decimal, UUID and datetime
                     values appear as {"_type_": ..., "_data_": ...})"""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification, StoredEvent

from adapters.kafka.client import Record
from engine.store import first_released

PREFIX = "cbec"
RECEIPTS_TOPIC = f"{PREFIX}.customs.receipts"


def kafka_topic(event_topic: str) -> str:
    """'domain.customs.model:ImportOrder.Declared' -> 'cbec.customs.ImportOrder'. Classes that moved to another
    context keep the topic they were first released under (engine/store.py MOVED): consumers and the history kept on
    Kafka stay where they were."""
    module, _, qualname = first_released(event_topic).partition(":")
    parts = module.split(".")
    context = parts[1] if len(parts) > 2 and parts[0] == "domain" else parts[0]
    return f"{PREFIX}.{context}.{qualname.split('.')[0]}"


def to_record(notification: Notification) -> Record:
    payload = json.loads(notification.state)
    value = {
        "position": notification.id, "type": notification.topic.partition(":")[2], "topic": notification.topic,
        "aggregate_id": str(notification.originator_id), "aggregate_version": notification.originator_version,
        "timestamp": payload.get("timestamp", {}).get("_data_") if isinstance(payload.get("timestamp"), dict)
        else payload.get("timestamp"), "payload": payload,
    }
    return Record(kafka_topic(notification.topic), str(notification.originator_id).encode(),
                  json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def from_value(value: bytes, mapper: Any) -> tuple[int, Any]:
    """(position, domain event) from a record value, through the event store's own mapper."""
    data = json.loads(value)
    stored = StoredEvent(originator_id=UUID(data["aggregate_id"]), originator_version=data["aggregate_version"],
                         topic=data["topic"], state=json.dumps(data["payload"]).encode("utf-8"))
    return int(data["position"]), mapper.to_domain_event(stored)
