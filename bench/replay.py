"""cbec bench replay: events replayed per second by a full rebuild of the read models (B3).

A temporary SQLite store is filled with synthetic history, fast: import orders saved in batches, each with its
four events (Declared, Packed, ReceiptApplied 2 申报中, ReceiptApplied 120 入库), and per 100 orders one customs
message (Prepared, with a short placeholder instead of the signed XML, and Delivered). Then each read model is
rebuilt as `cbec projections rebuild` does it: replayed into a shadow beside the live tables, then switched. The
audit chain's verification of the whole history is timed too."""

from __future__ import annotations

import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from domain.customs.model import ImportOrder
from domain.exchange.model import CustomsMessage
from domain.shared.receipts import Receipt
from engine import bootstrap, clock
from engine.customs import examples
from engine.hosts.rebuild import print_progress, rebuild_beside
from engine.settings import Settings

ORDERS_PER_MESSAGE = 100
EVENTS_PER_MESSAGE = ORDERS_PER_MESSAGE * 4 + 2
VIEWS = ("import_orders", "event_index", "receipts", "declarations_daily")


def run(events: int = 1_000_000, quiet: bool = False) -> list[tuple[str, float | int, str]]:
    with tempfile.TemporaryDirectory(prefix="cbec-bench-replay-") as tmp:
        platform = bootstrap.build(Settings.from_env(Path(tmp), env={}))
        try:
            started = time.perf_counter()
            generate(platform.store, events)
            stored = platform.store.recorder.max_notification_id() or 0
            results: list[tuple[str, float | int, str]] = [
                ("events", stored, "events"), ("generate", stored / (time.perf_counter() - started), "events/s")]
            views = platform.views()
            for name in VIEWS:
                started = time.perf_counter()
                applied = rebuild_beside(views[name], progress=None if quiet else print_progress(name))
                seconds = time.perf_counter() - started
                results += [(f"rebuild_{name}", stored / seconds, "events/s"), (f"rebuild_{name}_time", seconds, "s"),
                            (f"rebuild_{name}_applied", applied / seconds, "applied events/s")]
            assert platform.audit is not None
            started = time.perf_counter()
            platform.audit.chain.catch_up()
            results.append(("audit_chain", stored / (time.perf_counter() - started), "events/s"))
            verification = platform.audit.chain.verify(None if quiet else print_progress("audit verify"))
            results.append(("audit_verify", stored / verification.seconds, "events/s"))
            return results
        finally:
            platform.close()


def generate(store: Any, events: int) -> int:
    """About `events` events of synthetic import orders, in batches of one customs message (402 events)."""
    template = examples.import_order("TEMPLATE")
    run_id = uuid.uuid4().hex[:6].upper()
    total = 0
    for batch in range(max(1, events // EVENTS_PER_MESSAGE)):
        orders = [_order(template, f"R{run_id}{batch:07d}{n:03d}") for n in range(ORDERS_PER_MESSAGE)]
        guid = str(uuid.uuid4()).upper()
        message = CustomsMessage(guid=guid, message_type="CEB311", sender=template["ebcCode"],
                                 document_ids=[o.id for o in orders], document_numbers=[o.order_no for o in orders],
                                 xml="<CEB311Message/>", algorithm="RSA-SHA1", prepared_at=clock.now())
        message.delivered(file_name=f"CEB311Message_{guid}.xml", transport="bench", delivered_at=clock.now())
        for order in orders:
            order.packed(message_id=message.id, message_guid=guid)
            for status, info in (("2", "新增申报成功"), ("120", "海关入库成功")):
                order.apply_receipt(Receipt("CEB312", order.guid, status, clock.return_time(clock.now()), info))
        store.save(message, *orders)
        total += EVENTS_PER_MESSAGE
    return total


def _order(template: dict[str, Any], order_no: str) -> ImportOrder:
    document = template | {"orderNo": order_no, "guid": str(uuid.uuid4()).upper()}
    return ImportOrder(ebp_code=template["ebpCode"], order_no=order_no, document=document, declared_by="bench",
                       declared_at=clock.now())
