"""Kafka through kafka-python, using only what Apache Kafka offers (no broker-specific features).

Topics are created explicitly (a topic auto-created by a metadata request gets the broker's default
partition count) with unlimited retention, so consumers can replay the whole history from offset 0."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError

log = logging.getLogger(__name__)
FOREVER = {"retention.ms": "-1", "retention.bytes": "-1"}


@dataclass(frozen=True)
class Record:
    topic: str
    key: bytes
    value: bytes


def ensure_topics(bootstrap: str, names: Iterable[str], partitions: int, replication: int = 1) -> None:
    """Create the topics that do not exist yet, with unlimited retention."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="cbec-admin")
    try:
        existing = set(admin.list_topics())
        wanted = [NewTopic(name, partitions, replication, topic_configs=FOREVER)
                  for name in names if name not in existing]
        if wanted:
            try:
                admin.create_topics(wanted)
            except TopicAlreadyExistsError:
                pass  # another process created them first
            log.info("created topics %s", [t.name for t in wanted])
    finally:
        admin.close()


class Publisher:
    """Sends records and waits until the broker has acknowledged every one of them, in send order."""

    def __init__(self, bootstrap: str):
        self.producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5,
                                      max_in_flight_requests_per_connection=1, retries=5,
                                      batch_size=256 * 1024, compression_type=None)

    def publish(self, records: Sequence[Record], timeout: float = 60) -> None:
        futures = [self.producer.send(r.topic, key=r.key, value=r.value) for r in records]
        self.producer.flush(timeout)
        for future in futures:
            future.get(timeout)  # raises if the broker refused a record

    def close(self) -> None:
        self.producer.close()


def read_all(bootstrap: str, topics: Sequence[str], idle_ms: int = 2000) -> list[tuple[str, int, int, bytes, bytes]]:
    """Every record of the topics from offset 0 (for replays and audits): (topic, partition, offset, key, value)."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, consumer_timeout_ms=idle_ms,
                             auto_offset_reset="earliest")
    try:
        partitions = [TopicPartition(t, p) for t in topics for p in sorted(consumer.partitions_for_topic(t) or ())]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        return [(m.topic, m.partition, m.offset, m.key, m.value) for m in consumer]
    finally:
        consumer.close()
