"""进口单证 read model (I3-I12): one row per import document of every type, and one per electronic tax bill, for the
per-type consoles, the general query (综合查询), exports and BI.

Table import_documents: document_id, message_type (CEB311, CEB411, CEB511, CEB513, CEB621, CEB623, CEB625, CEB711),
number (the number users know it by: orderNo, payTransactionId, logisticsNo, copNo), ebp_code, order_no,
logistics_code, logistics_no, pay_code, pay_transaction_id, cop_no, pre_no, invt_no (customs' inventory number, from
the receipts), buyer_name, buyer_id_number, trade_mode, amount (acturalPaid / amountPaid / inventory goods total, as
decimal text), sender (the enterprise that signs and sends it), parties ("|code|code|": every enterprise named on it;
tenancy filters on it), status (declared / prepared / sent, then customs' returnStatus, or cancelled), return_info,
return_time, message_guid, message_id, declared_by, declared_at (ISO 8601), updated_at.
Table tax_bills: invt_no, tax_no, status (1 已生成 2 已汇总 3 作废), customs_tax, value_added_tax, consumption_tax,
total_tax, ebc_code, agent_code, return_time, ent_duty_no, issued_at, updated_at."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from eventsourcing.utils import get_topic

from domain.customs import documents as doc_types
from domain.customs.model import CustomsMessage, Declaration, ImportOrder, TaxBill
from projections.base import Projector
from projections.query import Where

DDL = (
    """CREATE TABLE IF NOT EXISTS import_documents (
        document_id VARCHAR(36) PRIMARY KEY, message_type VARCHAR(8) NOT NULL, number VARCHAR(60) NOT NULL,
        ebp_code VARCHAR(18), order_no VARCHAR(60), logistics_code VARCHAR(18), logistics_no VARCHAR(60),
        pay_code VARCHAR(18), pay_transaction_id VARCHAR(60), cop_no VARCHAR(20), pre_no VARCHAR(18),
        invt_no VARCHAR(20), buyer_name VARCHAR(60), buyer_id_number VARCHAR(60), trade_mode VARCHAR(4),
        amount VARCHAR(40), sender VARCHAR(18), parties VARCHAR(200) NOT NULL, status VARCHAR(16) NOT NULL,
        return_info VARCHAR(1000), return_time VARCHAR(17), message_guid VARCHAR(36), message_id VARCHAR(36),
        declared_by VARCHAR(100), declared_at VARCHAR(40) NOT NULL, updated_at VARCHAR(40) NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS import_documents_type ON import_documents (message_type, declared_at)",
    "CREATE INDEX IF NOT EXISTS import_documents_order ON import_documents (order_no)",
    "CREATE INDEX IF NOT EXISTS import_documents_logistics ON import_documents (logistics_no)",
    "CREATE INDEX IF NOT EXISTS import_documents_invt ON import_documents (invt_no)",
    "CREATE INDEX IF NOT EXISTS import_documents_buyer ON import_documents (buyer_id_number)",
    "CREATE INDEX IF NOT EXISTS import_documents_message ON import_documents (message_id)",
    """CREATE TABLE IF NOT EXISTS tax_bills (
        invt_no VARCHAR(20) NOT NULL, tax_no VARCHAR(50) NOT NULL, status VARCHAR(1) NOT NULL,
        customs_tax VARCHAR(40), value_added_tax VARCHAR(40), consumption_tax VARCHAR(40), total_tax VARCHAR(40),
        ebc_code VARCHAR(64), agent_code VARCHAR(18), return_time VARCHAR(17), ent_duty_no VARCHAR(50),
        issued_at VARCHAR(40) NOT NULL, updated_at VARCHAR(40) NOT NULL, PRIMARY KEY (invt_no, tax_no))""",
)
COLUMNS = ("document_id", "message_type", "number", "ebp_code", "order_no", "logistics_code", "logistics_no",
           "pay_code", "pay_transaction_id", "cop_no", "pre_no", "invt_no", "buyer_name", "buyer_id_number",
           "trade_mode", "amount", "sender", "parties", "status", "return_info", "return_time", "message_guid",
           "message_id", "declared_by", "declared_at", "updated_at")
INSERT = (f"INSERT INTO import_documents ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))}) "
          "ON CONFLICT (document_id) DO NOTHING")
TAX_INSERT = """INSERT INTO tax_bills (invt_no, tax_no, status, customs_tax, value_added_tax, consumption_tax,
    total_tax, ebc_code, agent_code, return_time, ent_duty_no, issued_at, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (invt_no, tax_no) DO NOTHING"""
# the text a general search looks in
SEARCHED = ["number", "order_no", "logistics_no", "pay_transaction_id", "invt_no", "cop_no", "buyer_id_number",
            "buyer_name"]


def _amount(message_type: str, doc: dict[str, Any]) -> str:
    if message_type == "CEB311":
        return str(doc.get("acturalPaid") or "")
    if message_type == "CEB411":
        return str(doc.get("amountPaid") or "")
    if message_type == "CEB621":
        return str(sum((Decimal(str(line.get("totalPrice") or 0)) for line in doc.get("inventoryList") or []),
                       Decimal(0)))
    return ""


class ImportDocumentsView(Projector):
    name = "import_documents"
    tables = ("import_documents", "tax_bills")
    ddl = DDL
    topics = tuple(map(get_topic, (
        ImportOrder.Declared, ImportOrder.ReceiptApplied, Declaration.Declared, Declaration.ReceiptApplied,
        Declaration.Cancelled, CustomsMessage.Prepared, CustomsMessage.Delivered, TaxBill.Issued,
        TaxBill.StatusChanged)))

    def apply(self, events: list[Any]) -> None:
        rows = [self._row(e) for e in events if isinstance(e, ImportOrder.Declared | Declaration.Declared)]
        if rows:
            self.db.executemany(INSERT, rows)
        for e in events:
            stamp = e.timestamp.isoformat()
            if isinstance(e, CustomsMessage.Prepared):
                self.db.executemany(
                    "UPDATE import_documents SET status = 'prepared', message_guid = ?, message_id = ?, updated_at = ? "
                    "WHERE document_id = ? AND status = 'declared'",
                    [(e.guid, str(e.originator_id), stamp, str(i)) for i in e.document_ids])
            elif isinstance(e, CustomsMessage.Delivered):
                self.db.execute("UPDATE import_documents SET status = 'sent', updated_at = ? "
                                "WHERE message_id = ? AND status IN ('declared', 'prepared')",
                                (stamp, str(e.originator_id)))
            elif isinstance(e, ImportOrder.ReceiptApplied | Declaration.ReceiptApplied):
                self._receipt(e, stamp)
            elif isinstance(e, Declaration.Cancelled):
                self.db.execute("UPDATE import_documents SET status = 'cancelled', return_info = ?, return_time = ?, "
                                "updated_at = ? WHERE document_id = ?",
                                (e.reason[:1000], e.return_time, stamp, str(e.originator_id)))
            elif isinstance(e, TaxBill.Issued):
                self.db.execute(TAX_INSERT, self._tax_row(e, stamp))
            elif isinstance(e, TaxBill.StatusChanged):
                bill = self.store.repository.get(e.originator_id, version=1)
                self.db.execute("UPDATE tax_bills SET status = ?, return_time = ?, "
                                "ent_duty_no = COALESCE(NULLIF(?, ''), ent_duty_no), updated_at = ? "
                                "WHERE invt_no = ? AND tax_no = ? AND "
                                "COALESCE(return_time, '') <= ?",
                                (e.status, e.return_time, e.ent_duty_no, stamp, bill.invt_no, bill.tax_no,
                                 e.return_time))

    def _receipt(self, e: Any, stamp: str) -> None:
        numbers = getattr(e, "numbers", None) or {}
        if numbers:
            self.db.execute("UPDATE import_documents SET pre_no = COALESCE(?, pre_no), invt_no = COALESCE(?, invt_no),"
                            " updated_at = ? WHERE document_id = ?",
                            (numbers.get("preNo"), numbers.get("invtNo"), stamp, str(e.originator_id)))
        if e.supersedes:
            r = e.receipt
            self.db.execute("UPDATE import_documents SET status = ?, return_info = ?, return_time = ?, updated_at = ? "
                            "WHERE document_id = ?",
                            (r["returnStatus"], r["returnInfo"][:1000], r["returnTime"], stamp, str(e.originator_id)))

    @staticmethod
    def _row(e: Any) -> tuple[Any, ...]:
        message_type = getattr(e, "message_type", "CEB311")
        doc_type = doc_types.of_message(message_type)
        doc = e.document
        number = getattr(e, "number", None) or e.order_no
        parties = "|" + "|".join(sorted({str(doc[f]) for f in doc_type.parties if doc.get(f)})) + "|"

        def text(name: str) -> str | None:
            value = doc.get(name)
            return None if value is None else str(value)

        buyer_name = text("buyerName") or text("payerName") or text("consignee")
        buyer_id = text("buyerIdNumber") or text("payerIdNumber")
        stamp = e.timestamp.isoformat()
        return (str(e.originator_id), message_type, number, text("ebpCode"), text("orderNo"), text("logisticsCode"),
                text("logisticsNo"), text("payCode"), text("payTransactionId"), text("copNo"), text("preNo"),
                text("invtNo") if message_type != "CEB621" else None, buyer_name, buyer_id, text("tradeMode"),
                _amount(message_type, doc), text(doc_type.sender) if doc_type.sender else None, parties, "declared",
                "", "", "", None, e.declared_by, e.declared_at.isoformat(), stamp)

    @staticmethod
    def _tax_row(e: Any, stamp: str) -> tuple[Any, ...]:
        d = e.document
        parts = [Decimal(str(d.get(n) or 0)) for n in ("customsTax", "valueAddedTax", "consumptionTax")]
        return (e.invt_no, e.tax_no, str(d.get("status") or "1"), *map(str, parts), str(sum(parts, Decimal(0))),
                d.get("ebcCode"), d.get("agentCode"), d.get("returnTime"), d.get("entDutyNo"), stamp, stamp)

    # queries ------------------------------------------------------------------------------------

    def search(self, message_type: str = "", q: str = "", status: str = "", date_from: str = "", date_to: str = "",
               page: int = 1, per_page: int = 20, parties: list[str] | None = None,
               buyer_id: str = "", order_no: str = "", logistics_no: str = "") -> tuple[list[dict[str, Any]], int]:
        """Documents of one type (or all) matching a number fragment, a status and a date range, newest first;
        `parties`: only documents naming one of these enterprises (None: no restriction); buyer_id, order_no and
        logistics_no: exactly that value."""
        where = Where().equals("message_type", message_type).contains(SEARCHED, q).equals("status", status)
        where.equals("buyer_id_number", buyer_id).between_dates("declared_at", date_from, date_to)
        where.equals("order_no", order_no).equals("logistics_no", logistics_no)
        where.any_of_tokens("parties", parties)
        return where.page(self.db, "import_documents", "declared_at DESC, number DESC", page, per_page)

    def of_purchase(self, ebp_code: str, order_no: str) -> list[dict[str, Any]]:
        """Every document of one purchase: those naming the order, and the waybills and inventories they name."""
        rows = self.db.query("SELECT * FROM import_documents WHERE order_no = ? AND (ebp_code = ? OR ebp_code IS NULL)"
                             " ORDER BY declared_at", (order_no, ebp_code))
        waybills = sorted({r["logistics_no"] for r in rows if r["logistics_no"]})
        if waybills:
            found = {r["document_id"] for r in rows}
            marks = ", ".join("?" * len(waybills))
            more = self.db.query(f"SELECT * FROM import_documents WHERE logistics_no IN ({marks}) ORDER BY declared_at",
                                 waybills)
            rows += [r for r in more if r["document_id"] not in found]
        return rows

    def inventory_id(self, invt_no: str) -> str | None:
        rows = self.db.query("SELECT document_id FROM import_documents WHERE message_type = 'CEB621' AND invt_no = ?",
                             (invt_no,))
        return rows[0]["document_id"] if rows else None

    def counted_inventories(self, buyer_id_number: str, year: int) -> list[str]:
        """The buyer's inventories declared in that calendar year that count towards the annual limit (I4): all but
        those customs refused (100, negative codes) or that were cancelled."""
        rows = self.db.query("SELECT document_id FROM import_documents WHERE message_type = 'CEB621' AND "
                             "buyer_id_number = ? AND declared_at >= ? AND declared_at < ? AND "
                             "status NOT IN ('100', 'cancelled') AND status NOT LIKE ?",
                             (buyer_id_number, f"{year:04d}-01-01", f"{year + 1:04d}-01-01", "-%"))
        return [r["document_id"] for r in rows]

    def tax_bills(self, invt_nos: list[str] | None = None, q: str = "", status: str = "", page: int = 1,
                  per_page: int = 20, parties: list[str] | None = None) -> tuple[list[dict[str, Any]], int]:
        where = Where().contains(["invt_no", "tax_no"], q).equals("status", status).one_of("invt_no", invt_nos)
        if parties is not None:
            where.parts.append("invt_no IN (SELECT invt_no FROM import_documents WHERE message_type = 'CEB621' AND "
                               + (" OR ".join("parties LIKE ?" for _ in parties) or "1 = 0") + ")")
            where.params += [f"%|{p}|%" for p in parties]
        return where.page(self.db, "tax_bills", "issued_at DESC, tax_no DESC", page, per_page)

    def counts(self, message_type: str = "") -> dict[str, int]:
        rows = self.db.query("SELECT status, COUNT(*) AS n FROM import_documents WHERE message_type = ? OR ? = '' "
                             "GROUP BY status", (message_type, message_type))
        return {r["status"]: int(r["n"]) for r in rows}
