"""商品明细 read model (B4): one row per goods line of every declared order, for "top goods" statistics.

Table order_lines: document_id, gnum (line number), order_no, enterprise (ebcCode), day (declaration date,
Asia/Shanghai), item_no, item_name, gcode (HS code when the document carries one; CEB311 orders do not, so it is
empty for them), gmodel, unit, qty, total_price (decimal text), country. Primary key (document_id, gnum)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from eventsourcing.utils import get_topic

from domain.customs.model import ImportOrder
from projections.base import Projector

SHANGHAI = ZoneInfo("Asia/Shanghai")
DDL = (
    """CREATE TABLE IF NOT EXISTS order_lines (
        document_id VARCHAR(36) NOT NULL, gnum INTEGER NOT NULL, order_no VARCHAR(60) NOT NULL,
        enterprise VARCHAR(18), day VARCHAR(10) NOT NULL, item_no VARCHAR(60), item_name VARCHAR(250),
        gcode VARCHAR(10), gmodel VARCHAR(250), unit VARCHAR(3), qty VARCHAR(40), total_price VARCHAR(40),
        country VARCHAR(3), PRIMARY KEY (document_id, gnum))""",
    "CREATE INDEX IF NOT EXISTS order_lines_day ON order_lines (day, enterprise)",
)
INSERT = """INSERT INTO order_lines (document_id, gnum, order_no, enterprise, day, item_no, item_name, gcode, gmodel,
    unit, qty, total_price, country) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (document_id, gnum) DO NOTHING"""


class OrderLinesView(Projector):
    name = "order_lines"
    tables = ("order_lines",)
    ddl = DDL
    topics = (get_topic(ImportOrder.Declared),)

    def apply(self, events: list[Any]) -> None:
        self.db.executemany(INSERT, [row for e in events for row in self._rows(e)])

    @staticmethod
    def _rows(e: Any) -> list[tuple[Any, ...]]:
        doc = e.document
        day = e.declared_at.astimezone(SHANGHAI).date().isoformat()
        return [(str(e.originator_id), int(line.get("gnum") or n), e.order_no, doc.get("ebcCode"), day,
                 line.get("itemNo"), line.get("itemName"), line.get("gcode") or "", line.get("gmodel"),
                 line.get("unit"), str(line.get("qty")), str(line.get("totalPrice")), line.get("country"))
                for n, line in enumerate(doc.get("orderList") or [], start=1)]
