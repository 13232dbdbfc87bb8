"""cbec bench exchange: documents per second through the customs transports, file boxes, AMQP (RabbitMQ) and HTTP.

For each transport, on a temporary SQLite platform with the customs simulator answering at once: N declared
orders (100 per message) are run to their final receipt; then N/5 orders with one order per message, where the
per-message cost of the transport (publish and confirm, or write and fsync) dominates. Reported: the whole round
trip (prepare, sign, deliver, simulator, receipts, read model) in documents per second, and the deliver and
receipts steps alone (time spent in the step, from the runner's statistics). AMQP uses fresh queues on
CBEC_AMQP_URL, deleted afterwards; HTTP the simulator's gateway (adapters/customs_node/http.py) on a free local
port, in the same process."""

from __future__ import annotations

import os
import socket
import tempfile
import time
import uuid
from pathlib import Path

from engine import bootstrap
from engine.customs import examples
from engine.settings import Settings

Result = list[tuple[str, float | int, str]]
AMQP_URL = os.environ.get("CBEC_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")


def run(orders: int = 5000, amqp_url: str = AMQP_URL) -> Result:
    results: Result = [("orders", orders, "documents per run")]
    for per_message in (100, 1):
        for transport in ("filebox", "amqp", "http"):
            results += _one(transport, orders if per_message == 100 else max(1, orders // 5), amqp_url, per_message)
    return results


def _one(transport: str, orders: int, amqp_url: str, per_message: int) -> Result:
    prefix = f"cbec-bench-{uuid.uuid4().hex[:8]}"
    label = f"{transport}_{per_message}_per_message"
    env = {"CBEC_SIM_ACCEPT_DELAY": "0", "CBEC_TRANSPORT": transport, "CBEC_AMQP_URL": amqp_url,
           "CBEC_ORDERS_PER_MESSAGE": str(per_message),
           "CBEC_AMQP_OUT_QUEUE": prefix + ".out", "CBEC_AMQP_RECEIPT_QUEUE": prefix + ".receipts",
           "CBEC_HTTP_URL": f"http://127.0.0.1:{_free_port()}"}
    with tempfile.TemporaryDirectory(prefix="cbec-bench-exchange-") as tmp:
        platform = bootstrap.build(Settings.from_env(Path(tmp), env=env), with_simulator=True)
        try:
            platform.identity.enterprises.ensure_demo()
            for start in range(0, orders, 1000):
                batch = [examples.import_order(f"XB{i:07d}") for i in range(start, min(orders, start + 1000))]
                platform.customs.import_orders.declare_many(batch, "bench")
            started = time.perf_counter()
            while platform.customs.orders_view.counts().get("120", 0) < orders:
                if not platform.runner.run_once():
                    time.sleep(0.01)
            elapsed = time.perf_counter() - started
            stats = platform.runner.stats
            deliver, receipts = stats["deliver"], stats["receipts"]
            return [
                (f"{label}_round_trip", orders / elapsed, f"documents/s ({orders} declared -> 120 in the read model)"),
                (f"{label}_deliver", orders / deliver.seconds, "documents/s (deliver step alone)"),
                (f"{label}_deliver_messages", deliver.items / deliver.seconds, "messages/s (deliver step alone)"),
                (f"{label}_receipts", receipts.items / receipts.seconds, "receipt messages/s applied")]
        finally:
            _cleanup(platform, transport, prefix, amqp_url)


def _cleanup(platform: bootstrap.Platform, transport: str, prefix: str, amqp_url: str) -> None:
    platform.close()
    if transport == "amqp":
        import pika

        connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
        channel = connection.channel()
        for queue in (prefix + ".out", prefix + ".receipts", prefix + ".receipts.quarantine"):
            channel.queue_delete(queue)
        channel.exchange_delete(prefix + ".out")
        connection.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
