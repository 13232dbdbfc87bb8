"""P3 exactly once across workers: a worker that lost its partition in a rebalance (a zombie) and the worker
that took it over may both handle the same records; each order is still packed into one message only."""

from __future__ import annotations

from collections import Counter

from engine.customs import examples
from engine.exchange.processors import DeliverMessages, PrepareMessages
from engine.hosts.wire import to_record
from engine.hosts.worker import PartitionFeeder


def records_of(platform, event_name: str) -> list[bytes]:
    notifications = platform.store.recorder.select_notifications(1, 10_000)
    return [to_record(n).value for n in notifications if n.topic.endswith(event_name)]


def event_counts(platform) -> Counter:
    return Counter(n.topic.partition(":")[2] for n in platform.store.recorder.select_notifications(1, 10_000))


def test_two_workers_packing_overlapping_batches_pack_each_order_once(make_platform, database_url):
    platform = make_platform(database_url)
    platform.customs.import_orders.declare_many([examples.import_order(f"RACE{i}") for i in range(10)], "test")
    declared = records_of(platform, "ImportOrder.Declared")
    zombie = PartitionFeeder(platform, PrepareMessages(platform.store, platform.signing))
    successor = PartitionFeeder(platform, PrepareMessages(platform.store, platform.signing))

    assert zombie._feed_partition("prepare@orders:0-old", declared[:6]) == 6
    assert successor._feed_partition("prepare@orders:0", declared) == 4

    counts = event_counts(platform)
    assert counts["ImportOrder.Packed"] == 10 and counts["CustomsMessage.Prepared"] == 2


def test_a_record_seen_again_after_a_crash_is_skipped(make_platform):
    platform = make_platform()
    platform.customs.import_orders.declare_many([examples.import_order(f"AGAIN{i}") for i in range(3)], "test")
    feeder = PartitionFeeder(platform, PrepareMessages(platform.store, platform.signing))
    declared = records_of(platform, "ImportOrder.Declared")
    assert feeder._feed_partition("prepare@orders:1", declared) == 3
    assert feeder._feed_partition("prepare@orders:1", declared) == 0
    deliver = PartitionFeeder(platform, DeliverMessages(platform.store, platform.box))
    prepared = records_of(platform, "CustomsMessage.Prepared")
    assert deliver._feed_partition("deliver@messages:0", prepared) == 1
    deliver._feed_partition("deliver@messages:0-old", prepared)  # a zombie finds it delivered already
    assert event_counts(platform)["CustomsMessage.Delivered"] == 1
    assert len(list(platform.box.folder("outbox").glob("*.xml"))) == 1
