"""进口订单 read model: one row per CEB311 order with its current status, for the declarant console and BI.

Table import_orders: order_id (event-store aggregate id), ebp_code, order_no, ebc_code, ebc_name, buyer_name,
consignee, goods_value, actural_paid (decimal text), line_count, status (declared / prepared / sent, then the
customs returnStatus: 2, 120, 100, negative for format errors), return_info, return_time (YYYYMMDDhhmmssSSS),
message_guid, declared_by, declared_at (ISO 8601 with offset), updated_at."""

from __future__ import annotations

from typing import Any

from eventsourcing.utils import get_topic

from domain.customs.model import ImportOrder
from domain.exchange.model import CustomsMessage
from projections.base import Projector
from projections.query import Where

DDL = (
    """CREATE TABLE IF NOT EXISTS import_orders (
        order_id VARCHAR(36) PRIMARY KEY, ebp_code VARCHAR(18) NOT NULL, order_no VARCHAR(60) NOT NULL,
        ebc_code VARCHAR(18), ebc_name VARCHAR(100), buyer_name VARCHAR(60), consignee VARCHAR(100),
        goods_value VARCHAR(40), actural_paid VARCHAR(40), line_count INTEGER, status VARCHAR(16) NOT NULL,
        return_info VARCHAR(1000), return_time VARCHAR(17), message_guid VARCHAR(36), message_id VARCHAR(36),
        declared_by VARCHAR(100),
        declared_at VARCHAR(40) NOT NULL, updated_at VARCHAR(40) NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS import_orders_order_no ON import_orders (order_no)",
    "CREATE INDEX IF NOT EXISTS import_orders_status ON import_orders (status, declared_at)",
    "CREATE INDEX IF NOT EXISTS import_orders_declared_at ON import_orders (declared_at)",
    "CREATE INDEX IF NOT EXISTS import_orders_message ON import_orders (message_id)",
)

INSERT = """INSERT INTO import_orders (order_id, ebp_code, order_no, ebc_code, ebc_name, buyer_name, consignee,
    goods_value, actural_paid, line_count, status, return_info, return_time, message_guid, declared_by,
    declared_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'declared', '', '', '', ?, ?, ?)
    ON CONFLICT (order_id) DO NOTHING"""


class ImportOrdersView(Projector):
    name = "import_orders"
    tables = ("import_orders",)
    ddl = DDL
    topics = (get_topic(ImportOrder.Declared), get_topic(ImportOrder.ReceiptApplied),
              get_topic(CustomsMessage.Prepared), get_topic(CustomsMessage.Delivered),
              get_topic(ImportOrder.Redeclared))

    def apply(self, events: list[Any]) -> None:
        declared = [self._row(e) for e in events if isinstance(e, ImportOrder.Declared)]
        if declared:
            self.db.executemany(INSERT, declared)
        # #18: a receipt before a redeclaration of its order in the same batch is of the earlier version
        redeclared = {e.originator_id: e.originator_version for e in events if isinstance(e, ImportOrder.Redeclared)}
        receipts = [self._receipt(e) for e in events if isinstance(e, ImportOrder.ReceiptApplied) and e.supersedes
                    and e.originator_version > redeclared.get(e.originator_id, 0)]
        for e in events:
            if isinstance(e, ImportOrder.Redeclared):
                doc = e.document
                self.db.execute(
                    "UPDATE import_orders SET status = 'declared', return_info = '', return_time = '', "
                    "message_guid = '', message_id = NULL, buyer_name = ?, consignee = ?, goods_value = ?, "
                    "actural_paid = ?, line_count = ?, updated_at = ? WHERE order_id = ?",
                    (doc.get("buyerName"), doc.get("consignee"), str(doc.get("goodsValue")),
                     str(doc.get("acturalPaid")), len(doc.get("orderList") or []), e.timestamp.isoformat(),
                     str(e.originator_id)))
            elif isinstance(e, CustomsMessage.Prepared):
                self.db.executemany(
                    "UPDATE import_orders SET status = 'prepared', message_guid = ?, message_id = ?, updated_at = ? "
                    "WHERE order_id = ? AND status = 'declared'",
                    [(e.guid, str(e.originator_id), e.timestamp.isoformat(), str(i)) for i in e.document_ids])
            elif isinstance(e, CustomsMessage.Delivered):
                self.db.execute(
                    "UPDATE import_orders SET status = 'sent', updated_at = ? "
                    "WHERE message_id = ? AND status IN ('declared', 'prepared')",
                    (e.timestamp.isoformat(), str(e.originator_id)))
        if receipts:  # after the message events: a receipt's status must win over 'sent'
            self.db.executemany(
                "UPDATE import_orders SET status = ?, return_info = ?, return_time = ?, updated_at = ? "
                "WHERE order_id = ?", receipts)

    @staticmethod
    def _row(e: Any) -> tuple[Any, ...]:
        doc = e.document
        return (str(e.originator_id), e.ebp_code, e.order_no, doc.get("ebcCode"), doc.get("ebcName"),
                doc.get("buyerName"), doc.get("consignee"), str(doc.get("goodsValue")), str(doc.get("acturalPaid")),
                len(doc.get("orderList") or []), e.declared_by, e.declared_at.isoformat(), e.timestamp.isoformat())

    @staticmethod
    def _receipt(e: Any) -> tuple[str, ...]:
        r = e.receipt
        return (r["returnStatus"], r["returnInfo"][:1000], r["returnTime"], e.timestamp.isoformat(),
                str(e.originator_id))

    # queries ------------------------------------------------------------------------------------

    def search(self, q: str = "", status: str = "", date_from: str = "", date_to: str = "", page: int = 1,
               per_page: int = 20, ebc_codes: list[str] | None = None) -> tuple[list[dict[str, Any]], int]:
        """Orders matching an order-number fragment, a status and a declaration date range, newest first."""
        where = Where().contains(["order_no"], q).equals("status", status)
        where.between_dates("declared_at", date_from, date_to).one_of("ebc_code", ebc_codes)
        return where.page(self.db, "import_orders", "declared_at DESC, order_no DESC", page, per_page)

    def find(self, order_no: str) -> list[dict[str, Any]]:
        return self.db.query("SELECT * FROM import_orders WHERE order_no = ?", (order_no,))

    def counts(self) -> dict[str, int]:
        rows = self.db.query("SELECT status, COUNT(*) AS n FROM import_orders GROUP BY status")
        return {r["status"]: int(r["n"]) for r in rows}
