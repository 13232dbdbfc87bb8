"""P2, P3 (Faust host), D1: PostgreSQL event store, every event on Kafka, Faust workers running the processors.

Real processes: `cbec relay`, two `cbec worker`, `cbec customs-sim`, against PostgreSQL and a Kafka-protocol
broker started by the fixture."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from kafka import KafkaAdminClient

from adapters import ceb
from adapters.kafka.client import read_all
from domain.exchange.model import CustomsMessage
from engine import bootstrap
from engine.customs import examples
from engine.customs.api_json import plain
from engine.hosts.replay import rebuild_from_kafka
from engine.hosts.wire import RECEIPTS_TOPIC
from engine.settings import Settings
from projections.customs.import_orders import ImportOrdersView
from projections.db import Database

ORDERS, CHUNK = 2000, 200


def cbec(env: dict[str, str], *args: str) -> None:
    result = subprocess.run([sys.executable, "-m", "engine.cli", *args], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]


def declare(env: dict[str, str], tmp_path: Path, prefix: str, start: int, count: int) -> None:
    batch = tmp_path / f"{prefix}{start}.json"
    orders = [plain(examples.import_order(f"{prefix}{i:05d}")) for i in range(start, start + count)]
    batch.write_text(json.dumps(orders))
    cbec(env, "order", "declare", str(batch))


def statuses(url: str) -> Counter:
    db = Database(url)
    try:
        return Counter({r["status"]: int(r["n"]) for r in
                        db.query("SELECT status, COUNT(*) AS n FROM import_orders GROUP BY status")})
    finally:
        db.close()


def wait_for(predicate, timeout: float, what: str):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def environment(tmp_path: Path, kafka: str, postgres_url: str) -> dict[str, str]:
    import os

    return os.environ | {"CBEC_DATA_DIR": str(tmp_path / "data"), "CBEC_DATABASE_URL": postgres_url,
                         "CBEC_KAFKA_BOOTSTRAP": kafka, "CBEC_ORDERS_PER_MESSAGE": "20", "CBEC_KAFKA_PARTITIONS": "6"}


def test_orders_reach_their_receipts_through_kafka_with_a_worker_killed_midway(tmp_path, kafka, postgres_url,
                                                                               processes):
    env = environment(tmp_path, kafka, postgres_url)
    cbec(env, "init")
    processes("relay", ["relay"], env)
    worker_a = processes("worker-a", ["worker"], env)
    processes("worker-b", ["worker"], env)
    processes("sim", ["customs-sim", "--boxes", str(tmp_path / "data" / "boxes"), "--delay", "0.2"], env)

    for start in range(0, ORDERS, CHUNK):
        declare(env, tmp_path, "DIST", start, CHUNK)
        if start == 3 * CHUNK:
            wait_for(lambda: statuses(postgres_url)["120"] > 0, 120, "the first receipts")
            worker_a.kill()
            worker_a.start()
    wait_for(lambda: statuses(postgres_url)["120"] == ORDERS, 300, f"{ORDERS} orders at 120")

    sent = Counter()
    for path in (tmp_path / "data" / "boxes" / "sent").glob("CEB311Message_*.xml"):
        sent.update(doc["orderNo"] for doc in ceb.parse(path.read_bytes()).documents)
    assert len(sent) == ORDERS and set(sent.values()) == {1}, "every order sent exactly once"

    platform = bootstrap.build(Settings.from_env(env=env))
    try:
        orders = [platform.customs.import_orders.get("3301960001", f"DIST{i:05d}") for i in range(ORDERS)]
        # receipt files travel on several partitions, so 2 may arrive after 120: returnTime decides the status
        receipts = Counter(tuple(sorted(r["returnStatus"] for r in order.receipts)) for order in orders)
        assert receipts == Counter({("120", "2"): ORDERS}), "every receipt applied exactly once"
        assert {order.status for order in orders} == {"120"}

        live = rows(platform.customs.orders_view)
        replayed = ImportOrdersView(Database(f"sqlite:///{tmp_path / 'replayed.sqlite'}"), platform.store)
        rebuild_from_kafka(kafka, replayed)
        assert rows(replayed) == live and len(live) == ORDERS, "the projection replayed from Kafka equals the live one"
    finally:
        platform.close()


def rows(view: ImportOrdersView) -> list[dict]:
    return [{k: v for k, v in r.items() if k != "updated_at"}
            for r in view.db.query("SELECT * FROM import_orders ORDER BY order_id")]


def test_a_relay_restarted_mid_stream_leaves_no_gap(tmp_path, kafka, postgres_url, processes):
    env = environment(tmp_path, kafka, postgres_url)
    cbec(env, "init")
    relay = processes("relay", ["relay"], env)
    for start in range(0, 1200, CHUNK):
        declare(env, tmp_path, "RELAY", start, CHUNK)
        if start == 2 * CHUNK:
            relay.kill()
            relay.start()
    platform = bootstrap.build(Settings.from_env(env=env))
    try:
        last = platform.store.recorder.max_notification_id()
        wait_for(lambda: platform.store.position("relay") == last, 60, "the relay to catch up")
        # PostgreSQL's sequence skips the ids of rolled-back inserts, so compare with the ids actually stored
        stored = {n.id for n in platform.store.recorder.select_notifications(1, 1_000_000)}
    finally:
        platform.close()
    admin = KafkaAdminClient(bootstrap_servers=kafka)
    topics = [t for t in admin.list_topics() if t.startswith("cbec.") and t != RECEIPTS_TOPIC]
    admin.close()
    positions = Counter(json.loads(value)["position"] for *_, value in read_all(kafka, topics))
    assert set(positions) == stored, "every event of the store is on Kafka, and nothing else"


AMQP_ORDERS = 400


def test_workers_deliver_and_pump_receipts_over_amqp_with_a_worker_killed_midway(tmp_path, kafka, postgres_url,
                                                                                  processes, amqp_env):
    """X3 in distributed mode: the Faust workers hand messages to RabbitMQ and the leader pumps the receipts from
    its queue onto Kafka; a worker killed midway loses and repeats nothing (the simulator's log of what it
    received is the witness)."""
    env = environment(tmp_path, kafka, postgres_url) | amqp_env | {"CBEC_ORDERS_PER_MESSAGE": "10"}
    boxes = tmp_path / "data" / "boxes"
    cbec(env, "init")
    processes("relay", ["relay"], env)
    worker = processes("worker", ["worker"], env)
    processes("sim", ["customs-sim", "--boxes", str(boxes), "--delay", "0.2"], env)

    for start in range(0, AMQP_ORDERS, CHUNK):
        declare(env, tmp_path, "AMQPD", start, CHUNK)
        if start == CHUNK:
            wait_for(lambda: statuses(postgres_url)["120"] > 0, 120, "the first receipts over AMQP")
            worker.kill()
            worker.start()
    wait_for(lambda: statuses(postgres_url)["120"] == AMQP_ORDERS, 300, f"{AMQP_ORDERS} orders at 120")

    assert not list((boxes / "outbox").iterdir()) and not list((boxes / "sent").iterdir()), "no file-box traffic"
    received = (boxes / ".customs-sim-received").read_text("utf-8").split()
    platform = bootstrap.build(Settings.from_env(env=env))
    try:
        sent = Counter()
        for name in set(received):
            guid = name.removeprefix("CEB311Message_").removesuffix(".xml")
            sent.update(platform.store.repository.get(CustomsMessage.create_id(guid)).document_numbers)
        assert len(sent) == AMQP_ORDERS and set(sent.values()) == {1}, "every order sent in exactly one message"
        orders = [platform.customs.import_orders.get("3301960001", f"AMQPD{i:05d}") for i in range(0, AMQP_ORDERS, 9)]
        assert {tuple(sorted(r["returnStatus"] for r in order.receipts)) for order in orders} == {("120", "2")}
    finally:
        platform.close()
