"""P3 exactly once: kill -9 the platform in the middle of a batch, restart it, and every order is sent once
(same guid, one message) and every receipt applied once."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter

from adapters import ceb
from engine import bootstrap
from engine.customs import examples
from engine.customs.api_json import plain
from engine.demo import DEMO_ORDERS
from engine.settings import Settings
from projections.db import Database
from tests.e2e.conftest import Server

ORDERS = 1500


def wait_for(predicate, timeout: float, step: float = 0.05):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"condition not met within {timeout} s")


def count(server: Server, status: str) -> int:
    """Orders in a status, read from the read model the consoles use."""
    db = Database(Settings.from_env(server.data, env=server.env).readmodel_url())
    try:
        return int(db.query("SELECT COUNT(*) AS n FROM import_orders WHERE status = ?", (status,))[0]["n"])
    except Exception:  # the table is created by the server at start
        return 0
    finally:
        db.close()


def declare_kill_and_restart(server, prefix: str, orders: int, timeout: float = 180) -> None:
    """Declare a batch through the CLI, kill -9 the platform once the first receipts are in, restart it, and
    wait until every order (and the demo orders) has its 120."""
    batch = server.data.parent / f"{prefix}.json"
    batch.write_text(json.dumps([plain(examples.import_order(f"{prefix}{i:05d}")) for i in range(orders)]), "utf-8")
    subprocess.run([sys.executable, "-m", "engine.cli", "order", "declare", str(batch), "--data", str(server.data)],
                   env=server.env, check=True, capture_output=True)
    done_before_kill = wait_for(lambda: count(server, "120"), timeout=60)
    server.kill()
    assert done_before_kill < orders, "the batch finished before the kill; the test proved nothing"
    server.start()
    wait_for(lambda: count(server, "120") == orders + DEMO_ORDERS, timeout=timeout, step=0.5)
    server.stop()


def test_a_killed_platform_resumes_without_losing_or_repeating(tmp_path, database_url, make_server):
    env = {"CBEC_DATABASE_URL": database_url, "CBEC_ORDERS_PER_MESSAGE": "5", "CBEC_SIM_ACCEPT_DELAY": "0.2"}
    data = tmp_path / "data"
    declare_kill_and_restart(make_server(data, env), "KILL", ORDERS)

    sent = Counter()
    for path in (data / "boxes" / "sent").glob("CEB311Message_*.xml"):
        sent.update(doc["orderNo"] for doc in ceb.parse(path.read_bytes()).documents)
    assert len(sent) == ORDERS + DEMO_ORDERS and set(sent.values()) == {1}
    assert not list((data / "boxes" / "outbox").glob("*.xml"))

    platform = bootstrap.build(Settings.from_env(data, env=env))
    try:
        for i in range(ORDERS):
            order = platform.customs.import_orders.get("3301960001", f"KILL{i:05d}")
            assert [r["returnStatus"] for r in order.receipts] == ["2", "120"], order.order_no
    finally:
        platform.close()
