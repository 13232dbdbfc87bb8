"""cbec bench e2e: N import orders through the whole embedded path, stage by stage.

declare (validate + store) -> prepare (build CEB311, XSD check, sign) -> deliver (outbox files) ->
customs simulator (parse, XSD, verify, rules, receipts) -> receipts (parse, apply) -> projection."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from engine import bootstrap
from engine.customs import examples
from engine.settings import Settings

BATCH = 500


def run(orders: int = 10_000, database_url: str | None = None) -> list[tuple[str, float | int, str]]:
    with tempfile.TemporaryDirectory(prefix="cbec-bench-") as tmp:
        env = {"CBEC_SIM_ACCEPT_DELAY": "0"} | ({"CBEC_DATABASE_URL": database_url} if database_url else {})
        platform = bootstrap.build(Settings.from_env(Path(tmp), env=env), with_simulator=True)
        try:
            return _measure(platform, orders)
        finally:
            platform.close()


def _measure(platform: bootstrap.Platform, orders: int) -> list[tuple[str, float | int, str]]:
    platform.identity.enterprises.ensure_demo()
    prefix = f"B{int(time.time())}"
    started = time.perf_counter()
    for start in range(0, orders, BATCH):
        batch = [examples.import_order(f"{prefix}{n:09d}") for n in range(start, min(start + BATCH, orders))]
        outcomes = platform.customs.import_orders.declare_many(batch, declared_by="bench")
        if not all(o.ok for o in outcomes):
            raise RuntimeError(f"bench order refused: {outcomes[0].errors}")
    declare_seconds = time.perf_counter() - started
    platform.runner.run_until_idle()
    total = time.perf_counter() - started
    accepted = platform.customs.orders_view.counts().get("120", 0)
    stats = platform.runner.stats
    lines: list[tuple[str, float | int, str]] = [
        ("orders", orders, "orders"), ("accepted_120", accepted, "orders"),
        ("throughput_end_to_end", orders / total, "orders/s"), ("total_time", total, "s"),
        ("stage_declare", declare_seconds, "s")]
    lines += [(f"stage_{name.replace(':', '_').replace('-', '_')}", s.seconds, "s") for name, s in stats.items()]
    return lines
