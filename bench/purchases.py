"""cbec bench import: retail import purchases end to end on the embedded default (#6).

A purchase is four messages: order CEB311, payment CEB411, waybill CEB511 and inventory CEB621. Each is declared
(checked and stored), built, signed, XSD-checked, delivered to the file boxes, answered by the customs node simulator
(three-document match, personal limits, 2 -> 120 -> 399 -> 800 and the CEB816 tax bill for the inventory) and its
receipts applied and projected. Buyers rotate over many ID numbers so annual limits are not what is measured."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from engine import bootstrap
from engine.customs import examples
from engine.settings import Settings

BATCH = 250  # purchases declared per round: 1,000 documents
ROLES = (("order", "CEB311"), ("payment", "CEB411"), ("waybill", "CEB511"), ("inventory", "CEB621"))


def run(purchases: int = 2000, database_url: str | None = None) -> list[tuple[str, float | int, str]]:
    with embedded("cbec-bench-import-", database_url) as platform:
        return _measure(platform, purchases)


@contextmanager
def embedded(prefix: str, database_url: str | None = None) -> Iterator[bootstrap.Platform]:
    """A platform in a temporary data folder with the demo enterprises and the customs simulator answering at once
    (the import and export benches)."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        env = {"CBEC_SIM_ACCEPT_DELAY": "0"} | ({"CBEC_DATABASE_URL": database_url} if database_url else {})
        platform = bootstrap.build(Settings.from_env(Path(tmp), env=env), with_simulator=True)
        try:
            from engine.demo import ensure_demo

            ensure_demo(platform.identity, platform.identity.enterprises)
            yield platform
        finally:
            platform.close()


def _purchases(prefix: str, start: int, stop: int) -> Iterator[dict[str, dict[str, Any]]]:
    for n in range(start, stop):
        yield examples.purchase(f"{prefix}{n:09d}", buyer_id=examples.buyer_id(n, f"19{80 + n // 1000 % 20}0101"))


def _measure(platform: bootstrap.Platform, purchases: int) -> list[tuple[str, float | int, str]]:
    prefix = f"P{int(time.time()) % 100000:05d}"
    started = time.perf_counter()
    declare_seconds = 0.0
    for start in range(0, purchases, BATCH):
        batch = list(_purchases(prefix, start, min(start + BATCH, purchases)))
        moment = time.perf_counter()
        for role, message in ROLES:
            declarations = platform.customs.declarations[message]
            outcomes = declarations.declare_many([p[role] for p in batch], declared_by="bench")
            refused = [o for o in outcomes if not o.ok]
            if refused:
                raise RuntimeError(f"bench {role} refused: {refused[0].errors}")
        declare_seconds += time.perf_counter() - moment
        platform.runner.run_once()
    platform.runner.run_until_idle()
    total = time.perf_counter() - started
    counts = platform.customs.documents_view.counts("CEB621")
    _, bills = platform.customs.documents_view.tax_bills(per_page=1)
    lines: list[tuple[str, float | int, str]] = [
        ("purchases", purchases, "purchases"), ("messages_per_purchase", len(ROLES), "messages"),
        ("inventories_released_800", counts.get("800", 0), "inventories"),
        ("inventories_other", sum(n for s, n in counts.items() if s != "800"), "inventories"),
        ("tax_bills", bills, "bills"),
        ("throughput_end_to_end", purchases / total, "purchases/s"),
        ("documents_per_second", purchases * len(ROLES) / total, "documents/s"),
        ("total_time", total, "s"), ("stage_declare", declare_seconds, "s")]
    lines += [(f"stage_{name.replace(':', '_').replace('-', '_')}", s.seconds, "s")
              for name, s in platform.runner.stats.items()]
    return lines
