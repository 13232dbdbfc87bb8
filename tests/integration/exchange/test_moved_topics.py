"""P1, P2, X3 (issue 15): aggregates that moved to another context (CustomsMessage and the alerts to
domain/exchange, the node link, the 179 payment data) keep working on a store written before the move: their old
events load, the processors and read models that follow them by topic find them, and Kafka keeps the topic names
consumers already read."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from uuid import uuid4

from eventsourcing.utils import get_topic

from domain.exchange.model import CustomsMessage, UnmatchedReceipt
from engine.hosts.wire import kafka_topic
from engine.store import MOVED


def _store_under_old_topic(platform, aggregate, old_class_topic: str) -> None:
    """Record an aggregate's events as a platform released before the move did: under the old module's topic."""
    new_class_topic = get_topic(type(aggregate))
    stored = []
    for event in aggregate.collect_events():
        record = platform.store.mapper.to_stored_event(event)
        assert record.topic.startswith(new_class_topic)
        stored.append(replace(record, topic=old_class_topic + record.topic[len(new_class_topic):]))
    platform.store.recorder.insert_events(stored)


def test_a_customs_message_stored_before_the_move_loads_and_is_tracked(make_platform):
    platform = make_platform()
    platform.runner.stop()
    guid = str(uuid4()).upper()
    message = CustomsMessage(guid=guid, message_type="CEB311", sender="3301960001", document_ids=[uuid4()],
                             document_numbers=["OLD-TOPIC-1"], xml="<old/>", algorithm="RSA-SHA1",
                             prepared_at=datetime(2026, 11, 1, tzinfo=UTC))
    _store_under_old_topic(platform, message, "domain.customs.model:CustomsMessage")
    stored_topics = {n.topic for n in platform.store.recorder.select_notifications(1, 1000)}
    assert "domain.customs.model:CustomsMessage.Prepared" in stored_topics

    loaded = platform.store.repository.get(message.id)
    assert isinstance(loaded, CustomsMessage) and loaded.guid == guid and loaded.awaiting_delivery

    # the message tracking read model follows CustomsMessage events by their (new) topics and finds the old one
    platform.exchange.messages_view.run_once()
    assert guid in {row["guid"] for row in platform.readmodels.query("SELECT guid FROM customs_messages")}
    # the delivery processor reads by topic too: it finds the message and delivers it
    events, position = platform.store.read("moved-topics-check", [get_topic(CustomsMessage.Prepared)])
    assert [e.originator_id for e in events] == [message.id] and position is not None


def test_an_alert_stored_before_the_move_loads(make_platform):
    platform = make_platform()
    platform.runner.stop()
    kept = UnmatchedReceipt(file_name="old.xml", message_type="CEB312", addressed_to="CEB311", key="X/1",
                            fields={"orderNo": "1"})
    _store_under_old_topic(platform, kept, "domain.customs.alerts:UnmatchedReceipt")
    assert platform.store.repository.get(kept.id).file_name == "old.xml"
    assert [r.id for r in platform.store.all_of(UnmatchedReceipt, "Kept")] == [kept.id]  # found by its topic


def test_kafka_topics_keep_the_names_they_were_released_with():
    assert kafka_topic(get_topic(CustomsMessage.Prepared)) == "cbec.customs.CustomsMessage"
    for old, new in MOVED.items():
        assert kafka_topic(new + ".Anything") == kafka_topic(old + ".Anything")
