"""cbec bench export: retail export parcels through the 9610 flow on the embedded default (#7).

A parcel is four messages: order CEB303, receipt of payment CEB403, waybill CEB505 and inventory CEB603. Parcels are
then bagged, BAG_SIZE to a master waybill (CEB607), and each bag has one arrival at the supervised site (CEB507) and
one departure (CEB509). Every document is declared (checked and stored), built, signed, XSD-checked, delivered to the
file boxes, answered by the customs node simulator and its receipts applied and projected. The bench reports the
inventories by the status they end in, whatever the simulator makes of them: the figures say how far it got."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from bench.purchases import embedded
from engine import bootstrap
from engine.customs import examples

BATCH = 250  # parcels declared per round: 1,000 documents
BAG_SIZE = 100  # parcels under one master waybill
ROLES = (("order", "CEB303"), ("collection", "CEB403"), ("waybill", "CEB505"), ("inventory", "CEB603"))
PER_BAG = (("bag", "CEB607"), ("arrival", "CEB507"), ("departure", "CEB509"))  # declared in this order, one stage each
FINAL = "899"  # 结关: where an exported inventory ends
Result = list[tuple[str, float | int, str]]


def run(parcels: int = 2000, database_url: str | None = None) -> Result:
    with embedded("cbec-bench-export-", database_url) as platform:
        return _measure(platform, parcels)


def _declare(platform: bootstrap.Platform, message_type: str, documents: Sequence[dict[str, Any]]) -> None:
    outcomes = platform.customs.declarations[message_type].declare_many(list(documents), declared_by="bench")
    refused = [o for o in outcomes if not o.ok]
    if refused:
        raise RuntimeError(f"bench {message_type} refused: {refused[0].errors}")


def _measure(platform: bootstrap.Platform, parcels: int) -> Result:
    prefix = f"X{int(time.time()) % 100000:05d}"
    clock = _Clock()
    started = time.perf_counter()
    logistics_nos: list[str] = []
    for start in range(0, parcels, BATCH):
        batch = [examples.export_purchase(f"{prefix}{n:09d}") for n in range(start, min(start + BATCH, parcels))]
        logistics_nos += [p["waybill"]["logisticsNo"] for p in batch]
        for role, message in ROLES:
            clock.time(_declare, platform, message, [p[role] for p in batch])
        platform.runner.run_once()
    platform.runner.run_until_idle()
    bags = [logistics_nos[i:i + BAG_SIZE] for i in range(0, len(logistics_nos), BAG_SIZE)]
    invt_nos = _invt_nos(platform)
    builders = {"bag": lambda nos, bill: examples.bag(nos, bill, _of(nos, invt_nos)), "arrival": examples.arrival,
                "departure": examples.departure}
    for role, message in PER_BAG:
        clock.time(_declare, platform, message, _per_bag(bags, prefix, builders[role]))
        platform.runner.run_until_idle()
    total = time.perf_counter() - started
    return _figures(platform, parcels, len(bags), total, clock.seconds)


def _per_bag(bags: list[list[str]], prefix: str, build: Callable[[list[str], str], dict[str, Any]]) -> list[dict]:
    """One document per bag, each bag its own master waybill number."""
    return [build(nos, f"{prefix[1:]}-{i:08d}") for i, nos in enumerate(bags, start=1)]


def _invt_nos(platform: bootstrap.Platform) -> dict[str, str]:
    """The customs inventory number of each parcel, where customs gave one (a bag may list it)."""
    rows, _ = platform.customs.documents_view.search(message_type="CEB603", per_page=10_000_000)
    return {r["logistics_no"]: r["invt_no"] for r in rows if r["invt_no"]}


def _of(logistics_nos: list[str], invt_nos: dict[str, str]) -> list[str] | None:
    return [invt_nos[no] for no in logistics_nos] if all(no in invt_nos for no in logistics_nos) else None


def _figures(platform: bootstrap.Platform, parcels: int, bags: int, total: float, declare_seconds: float) -> Result:
    documents = parcels * len(ROLES) + bags * len(PER_BAG)
    lines: Result = [
        ("parcels", parcels, "parcels"), ("bags", bags, "bags"), ("messages_per_parcel", len(ROLES), "messages"),
        ("documents", documents, "documents"),
        (f"inventories_final_{FINAL}", platform.customs.documents_view.counts("CEB603").get(FINAL, 0), "inventories")]
    lines += [(f"{name}_status_{status.replace('-', 'minus_')}", n, "documents")
              for name, message in (*ROLES, *PER_BAG)
              for status, n in sorted(platform.customs.documents_view.counts(message).items())]
    lines += [("throughput_end_to_end", parcels / total, "parcels/s"),
              ("documents_per_second", documents / total, "documents/s"),
              ("total_time", total, "s"), ("stage_declare", declare_seconds, "s")]
    lines += [(f"stage_{name.replace(':', '_').replace('-', '_')}", s.seconds, "s")
              for name, s in platform.runner.stats.items()]
    return lines


class _Clock:
    """Adds up the time spent in what it is handed (the declaring stage)."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def time(self, work: Callable[..., None], *args: Any) -> None:
        moment = time.perf_counter()
        work(*args)
        self.seconds += time.perf_counter() - moment
