"""商品明细 read model (B4): one row per goods line of every declared order, for "top goods" statistics.

Table order_lines: document_id, gnum (line number), order_no, enterprise (ebcCode), day (declaration date,
Asia/Shanghai), item_no, item_name, gcode (HS code when the document carries one; CEB311 orders do not, so it is
empty for them), gmodel, unit, qty, total_price (decimal text), country. Primary key (document_id, gnum). An order
modified and declared again (修改重报, #18) has its new version's lines, on its first declaration's day."""

from __future__ import annotations

from datetime import datetime
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


def day_of(moment: datetime) -> str:
    return moment.astimezone(SHANGHAI).date().isoformat()


class OrderLinesView(Projector):
    name = "order_lines"
    tables = ("order_lines",)
    ddl = DDL
    topics = (get_topic(ImportOrder.Declared), get_topic(ImportOrder.Redeclared))

    def apply(self, events: list[Any]) -> None:
        """Declared orders' lines in one statement per batch, the ones before a redeclaration written first."""
        rows: list[tuple[Any, ...]] = []
        for e in events:
            if isinstance(e, ImportOrder.Redeclared):
                self.db.executemany(INSERT, rows)
                rows = []
                self._redeclared(e)
            else:
                rows += self._rows(e, e.order_no, day_of(e.declared_at))
        self.db.executemany(INSERT, rows)

    def _redeclared(self, e: Any) -> None:
        """The new version's lines replace the old ones (a line may have gone), counted on the day first declared."""
        key = str(e.originator_id)
        days = self.db.query("SELECT day FROM order_lines WHERE document_id = ? LIMIT 1", (key,))
        self.db.execute("DELETE FROM order_lines WHERE document_id = ?", (key,))
        day = days[0]["day"] if days else day_of(e.at)
        self.db.executemany(INSERT, self._rows(e, e.number, day))

    @staticmethod
    def _rows(e: Any, order_no: str, day: str) -> list[tuple[Any, ...]]:
        doc = e.document
        return [(str(e.originator_id), int(line.get("gnum") or n), order_no, doc.get("ebcCode"), day,
                 line.get("itemNo"), line.get("itemName"), line.get("gcode") or "", line.get("gmodel"),
                 line.get("unit"), str(line.get("qty")), str(line.get("totalPrice")), line.get("country"))
                for n, line in enumerate(doc.get("orderList") or [], start=1)]
