"""AMQP transport to RabbitMQ (X3, X4): messages for customs go to one durable queue, receipts come from another.

Messages are persistent and published with publisher confirms, so `deliver` returns only once the broker has
them; a broker that cannot route or take a message raises TransportDown. Receipts are read with manual
acknowledgement: `ack` only after the platform has recorded them, so a crash hands them out again (applying a
receipt twice changes nothing). Outgoing messages go through a direct exchange bound to the queue; the customs
side (or the simulator's `down` fault) can unbind it to refuse messages."""

from __future__ import annotations

import logging
import threading
from typing import Any

import pika
from pika.exceptions import AMQPError

from adapters.customs.transport import Incoming, TransportDown

log = logging.getLogger(__name__)
logging.getLogger("pika").setLevel(logging.WARNING)  # pika logs every connection at INFO


class AmqpChannel:
    """One lazily opened, self-healing blocking connection with confirms and the two durable queues."""

    def __init__(self, url: str, out_queue: str, receipt_queue: str):
        self.url, self.out_queue, self.receipt_queue = url, out_queue, receipt_queue
        self.exchange = out_queue
        self.connection: Any = None
        self.channel: Any = None
        self.after_open: Any = None  # called with the fresh channel, e.g. to (un)bind as the simulator wants

    def open(self) -> Any:
        if self.channel is not None and self.channel.is_open:
            return self.channel
        self.close()
        try:
            self.connection = pika.BlockingConnection(pika.URLParameters(self.url))
            channel, created = self._declare()
            self.channel = channel
            if created:  # whoever creates the outgoing queue binds it; later only the customs side (un)binds
                self.bind(True)
            if self.after_open is not None:
                self.after_open()
        except AMQPError as error:
            self.close()
            raise TransportDown(f"AMQP broker unreachable: {error!r}") from error
        return self.channel

    def _declare(self) -> tuple[Any, bool]:
        channel = self.connection.channel()
        try:
            channel.queue_declare(self.out_queue, passive=True)
            created = False
        except pika.exceptions.ChannelClosedByBroker:  # 404: not there yet
            channel, created = self.connection.channel(), True
        channel.confirm_delivery()
        for queue in (self.out_queue, self.receipt_queue, self.receipt_queue + ".quarantine"):
            channel.queue_declare(queue, durable=True)
        channel.exchange_declare(self.exchange, exchange_type="direct", durable=True)
        return channel, created

    def bind(self, up: bool) -> None:
        if up:
            self.channel.queue_bind(self.out_queue, self.exchange, routing_key=self.out_queue)
        else:
            self.channel.queue_unbind(self.out_queue, self.exchange, routing_key=self.out_queue)

    def publish(self, queue: str, name: str, data: bytes, headers: dict[str, str] | None = None,
                exchange: str = "") -> None:
        channel = self.open()
        properties = pika.BasicProperties(delivery_mode=pika.DeliveryMode.Persistent, message_id=name,
                                          content_type="application/xml", headers={"name": name, **(headers or {})})
        try:
            channel.basic_publish(exchange, queue, data, properties, mandatory=True)
        except (pika.exceptions.UnroutableError, pika.exceptions.NackError) as error:
            raise TransportDown(f"broker refused {name}: {type(error).__name__}") from error
        except AMQPError as error:
            self.close()
            raise TransportDown(f"AMQP publish failed: {error!r}") from error

    def get(self, queue: str, limit: int) -> list[Incoming]:
        channel = self.open()
        found: list[Incoming] = []
        try:
            while len(found) < limit:
                method, properties, body = channel.basic_get(queue, auto_ack=False)
                if method is None:
                    break
                name = (properties.headers or {}).get("name") or properties.message_id or f"{method.delivery_tag}"
                found.append(Incoming(str(name), body, method.delivery_tag))
        except AMQPError as error:
            self.close()  # unacknowledged ones go back to the queue with the connection
            raise TransportDown(f"AMQP receive failed: {error!r}") from error
        return found

    def ack(self, incoming: Incoming) -> None:
        try:
            self.channel.basic_ack(incoming.token)
        except (AMQPError, AttributeError):  # the channel went away: the broker hands the receipt out again
            log.warning("could not acknowledge %s; it will come again (and change nothing)", incoming.name)
            self.close()

    def close(self) -> None:
        connection, self.connection, self.channel = self.connection, None, None
        if connection is not None and connection.is_open:
            try:
                connection.close()
            except AMQPError:
                log.debug("closing the AMQP connection failed", exc_info=True)


class AmqpTransport:
    name = "amqp"

    def __init__(self, url: str, out_queue: str, receipt_queue: str):
        self.amqp = AmqpChannel(url, out_queue, receipt_queue)
        self.status_amqp = AmqpChannel(url, out_queue, receipt_queue)  # opened by status() only
        self.status_lock = threading.Lock()

    def deliver(self, name: str, data: bytes) -> bool:
        """Publish once confirmed. The broker cannot say whether this name was sent before; the customs side
        recognises a repeated message by its name (the guid)."""
        self.amqp.publish(self.amqp.out_queue, name, data, exchange=self.amqp.exchange)
        return True

    def fetch(self, limit: int = 200) -> list[Incoming]:
        return self.amqp.get(self.amqp.receipt_queue, limit)

    def ack(self, incoming: Incoming) -> None:
        self.amqp.ack(incoming)

    def reject(self, incoming: Incoming, reason: str) -> None:
        log.warning("receipt %s quarantined: %s", incoming.name, reason)
        self.amqp.publish(self.amqp.receipt_queue + ".quarantine", incoming.name, incoming.data,
                          headers={"reason": reason[:500]})
        self.amqp.ack(incoming)

    def status(self) -> dict[str, Any]:
        """The link as the broker shows it (the keys of `HttpTransport.status`): messages waiting in the outgoing
        queue (the backlog) and in the receipt queue, by passive declares on a connection of its own (a console
        thread never shares the processors' channel). AMQP tells no ages or times (null), nor whether customs
        unbound the queue (down is false). TransportDown when the broker cannot be asked."""
        with self.status_lock:
            try:
                backlog, waiting = self._depths()
            except (AMQPError, TransportDown):  # the idle status connection may have been dropped: reopen once
                self.status_amqp.close()
                try:
                    backlog, waiting = self._depths()
                except AMQPError as error:
                    self.status_amqp.close()
                    raise TransportDown(f"AMQP broker cannot tell the queue depths: {error!r}") from error
        return {"backlog": backlog, "oldest_backlog_seconds": None, "receipts_waiting": waiting,
                "last_message_in": None, "last_receipt_out": None, "down": False}

    def close(self) -> None:
        self.amqp.close()
        self.status_amqp.close()

    def _depths(self) -> tuple[int, int]:
        channel = self.status_amqp.open()
        return (channel.queue_declare(self.amqp.out_queue, passive=True).method.message_count,
                channel.queue_declare(self.amqp.receipt_queue, passive=True).method.message_count)
