"""cbec worker: the distributed host (Faust). It feeds the same processors as the embedded runner with events
from Kafka instead of the event store's log. Each processor records its effects with the consumed position,
per partition, in the event store: a record seen again after a crash or a rebalance is skipped.

Agents: prepare (cbec.customs.ImportOrder), prepare-documents (cbec.customs.Declaration: every other import
document), deliver (cbec.customs.CustomsMessage), receipts
(cbec.customs.receipts). On the leader only: the receipt pump (receipts from the customs transport -> receipts
topic, acknowledged to the transport once Kafka has them) and the read-model projections, which follow the event
store's log in order.

Delivery and the receipt pump use the platform's customs transport (file boxes, AMQP or HTTP, X3): each on its own
single thread, because a transport connection (pika's, say) must not be used by two threads at once."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Any

import faust
from eventsourcing.persistence import IntegrityError, Tracking
from eventsourcing.utils import get_topic

from adapters.customs.transport import TransportDown
from adapters.kafka.client import ensure_topics
from domain.customs.model import Declaration, ImportOrder
from domain.exchange.model import CustomsMessage
from engine import bootstrap
from engine.exchange.processors import DeliverMessages, PrepareMessages, RetryDeliveries
from engine.hosts.embedded import Runner
from engine.hosts.wire import RECEIPTS_TOPIC, from_value, kafka_topic
from engine.settings import Settings

log = logging.getLogger(__name__)
BATCH, WITHIN, ATTEMPTS = 500, 0.3, 5
# How the worker hosts the steps of bootstrap.STEPS: EVERY_WORKER steps are Kafka agents; these LEADER steps have
# timers of their own (the views the customs path reads, kept close behind; retries on the delivering thread), and the
# other LEADER steps run in the leader's runner.
AGENTS = ("prepare", "deliver", "receipts")
OWN_TIMERS = ("projection:import_orders", "projection:customs_documents", "projection:export_summaries",
              "projection:messages", "retry-deliveries")


def leader_steps(platform: bootstrap.Platform) -> list[tuple[str, Callable[[], int]]]:
    """The embedded runner's steps the leader worker's runner takes (bootstrap.STEPS says LEADER)."""
    return [(name, step) for name, step in platform.runner.steps
            if bootstrap.STEPS.get(name) is bootstrap.Host.LEADER and name not in OWN_TIMERS]


class PartitionFeeder:
    """Turns a batch of Kafka records into processor calls: per partition, only positions not yet recorded."""

    def __init__(self, platform: bootstrap.Platform, processor: Any):
        self.store, self.processor = platform.store, processor
        self.wanted = set(processor.topics)

    def feed(self, records: list[tuple[str, int, bytes]]) -> int:
        by_partition: dict[tuple[str, int], list[bytes]] = defaultdict(list)
        for kafka_topic_name, partition, value in records:
            by_partition[(kafka_topic_name, partition)].append(value)
        return sum(self._feed_partition(f"{self.processor.consumer}@{t}:{p}", values)
                   for (t, p), values in by_partition.items())

    def _feed_partition(self, consumer: str, values: list[bytes]) -> int:
        decoded = [from_value(v, self.store.mapper) for v in values]
        for attempt in range(1, ATTEMPTS + 1):
            done = self.store.position(consumer)
            fresh = [(pos, event) for pos, event in decoded if pos > done]
            events = [event for _, event in fresh if get_topic(type(event)) in self.wanted]
            if attempt > 1:
                events = self.processor.pending(events)
            if not fresh:
                return 0
            try:
                self.processor.handle(events, Tracking(consumer, max(pos for pos, _ in fresh)))
                return len(events)
            except IntegrityError:
                # another worker (one that lost this partition in a rebalance) recorded some of these first
                log.warning("%s lost a race on %s events; retrying with what is left", consumer, len(events))
        raise RuntimeError(f"{consumer}: could not record its batch after {ATTEMPTS} attempts")


def create_app(settings: Settings, platform: bootstrap.Platform | None = None) -> faust.App:
    platform = platform or bootstrap.build(settings)
    partitions = settings.kafka_partitions
    order_topic = kafka_topic(get_topic(ImportOrder.Declared))
    document_topic = kafka_topic(get_topic(Declaration.Declared))
    message_topic = kafka_topic(get_topic(CustomsMessage.Prepared))
    ensure_topics(settings.kafka_bootstrap, [order_topic, document_topic, message_topic, RECEIPTS_TOPIC], partitions)
    app = faust.App(
        "cbec-worker", broker=f"kafka://{settings.kafka_bootstrap}", store="memory://", web_enabled=False,
        value_serializer="raw", key_serializer="raw", topic_partitions=partitions, topic_allow_declare=False,
        broker_session_timeout=10, broker_heartbeat_interval=2, consumer_auto_offset_reset="earliest",
        producer_acks=-1, broker_commit_every=200, broker_commit_interval=1.0)
    app.platform = platform  # type: ignore[attr-defined]
    preparer = PrepareMessages(platform.store, platform.signing, settings.orders_per_message)
    prepare = PartitionFeeder(platform, preparer)
    deliverer = DeliverMessages(platform.store, platform.transport, settings.dxp_envelope,
                                max_attempts=settings.delivery_max_attempts, retry_base=settings.delivery_retry_base,
                                link=platform.exchange.node_link.current)
    deliver = PartitionFeeder(platform, deliverer)
    delivering = ThreadPoolExecutor(1, thread_name_prefix="cbec-deliver")  # the transport's one thread out
    pump_transport = platform.exchange.node_link.link_transport()  # the configured link, its own connections
    pumping = ThreadPoolExecutor(1, thread_name_prefix="cbec-receipts")
    retry = RetryDeliveries(deliverer, platform.exchange.messages_view.due) if platform.exchange.messages_view else None
    receipts_topic = app.topic(RECEIPTS_TOPIC, partitions=partitions)

    def _agent(name: str, kafka_topic_name: str, feeder: PartitionFeeder, executor: Executor | None = None) -> None:
        async def agent(stream: faust.StreamT) -> None:
            # faust has take_events on Stream, the class of what agents get, but not on StreamT, their annotation
            async for events in stream.take_events(BATCH, within=WITHIN):  # type: ignore[attr-defined]
                records = [(e.message.topic, e.message.partition, e.value) for e in events]
                await blocking(feeder.feed, records, executor=executor)
        app.agent(app.topic(kafka_topic_name, partitions=partitions), name=name)(agent)

    _agent("prepare", order_topic, prepare)
    _agent("prepare-documents", document_topic, PartitionFeeder(platform, preparer))
    _agent("deliver", message_topic, deliver, delivering)

    @app.agent(receipts_topic, name="receipts")
    async def receipts(stream: faust.StreamT) -> None:
        async for events in stream.take_events(100, within=WITHIN):  # type: ignore[attr-defined]  # as above
            files = [(e.key.decode("utf-8"), e.value) for e in events]
            problems = await blocking(platform.exchange.receipts.handle, files)
            for name, data in files:
                if name in problems:
                    platform.box.quarantine_bytes(name, data, problems[name])

    @app.timer(0.3, on_leader=True)
    async def pump_receipts() -> None:
        """Receipts from the customs transport go onto their own topic; only once Kafka has them are they
        acknowledged to the transport (a file moved aside, an AMQP delivery acked), so a crash in between hands
        them out again and applying them twice changes nothing."""
        try:
            incoming = await blocking(pump_transport.fetch, 200, executor=pumping)
        except TransportDown as error:
            log.warning("receipts not fetched: %s", error)
            return
        for receipt in incoming:
            await (await receipts_topic.send(key=receipt.name.encode("utf-8"), value=receipt.data))
            await blocking(pump_transport.ack, receipt, executor=pumping)

    @app.timer(0.5, on_leader=True)
    async def project() -> None:
        for view in (platform.customs.orders_view, platform.customs.documents_view, platform.customs.summaries_view):
            while view is not None and await blocking(view.run_once):
                pass

    leader = Runner(leader_steps(platform))

    @app.timer(1.0, on_leader=True)
    async def run_leader_steps() -> None:
        """The embedded runner's steps that follow the event store or the file system rather than a Kafka topic:
        179 uploads (I13), drop folders (X1), the receipt watch and its alerts (X2/X5). Each records its own
        position, so a new leader carries on where the old one stopped."""
        await blocking(leader.run_once)

    @app.timer(1.0, on_leader=True)
    async def retry_deliveries() -> None:
        """Refused deliveries and operators' resends (X3), due by the messages read model."""
        if retry is not None:
            while await blocking(platform.exchange.messages_view.run_once):
                pass
            await blocking(retry.run_once, executor=delivering)

    # mode's SignalHandlerT (mypy_extensions VarArg/NamedArg) matches no function, not even (*Any, **Any) -> None
    @app.on_before_shutdown.connect  # type: ignore[arg-type]
    async def close_transports(app: faust.App, **_: Any) -> None:
        for executor in (delivering, pumping):
            executor.shutdown(wait=True)
        pump_transport.close()

    return app


async def blocking(function: Callable[..., Any], *args: Any, executor: Executor | None = None) -> Any:
    """Database and file work off the event loop, so heartbeats keep flowing."""
    return await asyncio.get_running_loop().run_in_executor(executor, function, *args)


def run(settings: Settings) -> None:
    app = create_app(settings)
    worker = faust.Worker(app, loglevel="INFO", quiet=True)
    worker.execute_from_commandline()
