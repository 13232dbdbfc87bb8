"""装袋 read model (E7): the gross weight of every export waybill (CEB505), and the query of the bagging page: the
accepted parcels of a logistics enterprise that no bag holds yet, with their weight and their export inventory's
invtNo.

Table export_parcels: document_id (the CEB505 declaration), gross_weight (decimal text). Which parcels a bag lists
(document_parcels), the statuses and the customs numbers come from the documents read model
(projections/customs/documents.py):
a bag customs refused (100, negative codes) holds nothing."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from eventsourcing.utils import get_topic

from domain.customs.documents import BAG, EXPORT_INVENTORY, EXPORT_WAYBILL
from domain.customs.model import Declaration
from projections.base import Projector
from projections.query import Where

DDL = ("CREATE TABLE IF NOT EXISTS export_parcels (document_id VARCHAR(36) PRIMARY KEY, gross_weight VARCHAR(40))",)
REFUSED = "(d.status IN ('100', 'cancelled') OR SUBSTR(d.status, 1, 1) = '-')"  # no '%': psycopg placeholders
# accepted export waybills with their weight and the invtNo of their export inventory when customs gave one, that no
# bag customs did not refuse lists; the placeholders: the inventory, waybill and bag message types
PARCELS = (
    "SELECT w.document_id, w.number, w.logistics_code, w.logistics_no, w.status, w.declared_at, p.gross_weight, "
    "(SELECT MAX(i.invt_no) FROM customs_documents i WHERE i.message_type = ? AND i.logistics_no = w.logistics_no "
    "AND i.logistics_code = w.logistics_code AND i.invt_no IS NOT NULL AND i.status <> 'cancelled') AS invt_no "
    "FROM customs_documents w JOIN export_parcels p ON p.document_id = w.document_id "
    "WHERE w.message_type = ? AND w.status = '120' AND NOT EXISTS (SELECT 1 FROM document_parcels b "
    "JOIN customs_documents d ON d.document_id = b.document_id WHERE b.message_type = ? AND "
    f"b.logistics_no = w.logistics_no AND d.logistics_code = w.logistics_code AND NOT {REFUSED})"
)


def weight(value: Any) -> Decimal:
    try:
        return Decimal(str(value or 0))
    except InvalidOperation:
        return Decimal(0)


class ExportParcelsView(Projector):
    name = "export_parcels"
    tables = ("export_parcels",)
    ddl = DDL
    topics = (get_topic(Declaration.Declared),)

    def apply(self, events: list[Any]) -> None:
        rows = [(str(e.originator_id), _text(e.document, "grossWeight")) for e in events
                if e.message_type == EXPORT_WAYBILL.message]
        if rows:
            self.db.executemany("INSERT INTO export_parcels (document_id, gross_weight) VALUES (?, ?) "
                                "ON CONFLICT (document_id) DO NOTHING", rows)

    # queries ------------------------------------------------------------------------------------

    def unbagged(self, logistics_codes: list[str] | None, q: str = "", date_from: str = "", date_to: str = "",
                 page: int = 1, per_page: int = 100) -> tuple[list[dict[str, Any]], int]:
        """Accepted export waybills (CEB505, 120) of these logistics enterprises (None: all) that no bag holds, the
        oldest first, one page; q: part of the waybill number; dates: when they were declared."""
        where = self._where(logistics_codes, q, date_from, date_to)
        return where.page(self.db, f"({PARCELS}) AS parcels", "declared_at, logistics_no", page, per_page)

    def unbagged_all(self, logistics_codes: list[str] | None, q: str = "", date_from: str = "", date_to: str = "",
                     ids: list[str] | None = None, limit: int = 5000) -> list[dict[str, Any]]:
        """Every unbagged parcel of the filter (or those of the ids among them), oldest first, up to limit."""
        where = self._where(logistics_codes, q, date_from, date_to).one_of("document_id", ids)
        return self.db.query(f"SELECT * FROM ({PARCELS}) AS parcels WHERE {' AND '.join(where.parts)} "
                             "ORDER BY declared_at, logistics_no LIMIT ?", [*where.params, limit])

    @staticmethod
    def _where(logistics_codes: list[str] | None, q: str, date_from: str, date_to: str) -> Where:
        where = Where()
        where.params = [EXPORT_INVENTORY.message, EXPORT_WAYBILL.message, BAG.message]  # PARCELS' come first
        return where.one_of("logistics_code", logistics_codes).contains(["logistics_no"], q.strip()) \
            .between_dates("declared_at", date_from, date_to)


def _text(document: dict[str, Any], name: str) -> str | None:
    value = document.get(name)
    return None if value in (None, "") else str(value)
