"""进口单证 read model (I3-I12): one row per import document of every type, and one per electronic tax bill, for the
per-type consoles, the general query (综合查询), exports and BI.

Table customs_documents: document_id, message_type (CEB311, CEB411, CEB511, CEB513, CEB621, CEB623, CEB625, CEB711),
number (the number users know it by: orderNo, payTransactionId, logisticsNo, copNo), ebp_code, order_no,
logistics_code, logistics_no, pay_code, pay_transaction_id, cop_no, pre_no, invt_no (customs' inventory number, from
the receipts), buyer_name, buyer_id_number, trade_mode, amount (acturalPaid / amountPaid / inventory goods total, as
decimal text), sender (the enterprise that signs and sends it), parties ("|code|code|": every enterprise named on it;
tenancy filters on it), status (declared / prepared / sent, then customs' returnStatus, or cancelled), return_info,
return_time, message_guid, message_id, declared_by, declared_at (ISO 8601), updated_at, sum_no (a summary
application's sumNo, from its CEB702 receipt).
Table tax_bills: invt_no, tax_no, status (1 已生成 2 已汇总 3 作废), customs_tax, value_added_tax, consumption_tax,
total_tax, ebc_code, agent_code, return_time, ent_duty_no, issued_at, updated_at.
Table document_parcels: document_id, message_type, logistics_no, invt_no: the parcels the lines of a document list
(bag CEB607, arrival CEB507, departure CEB509, summary CEB701 and its CEB792 results, entry CEB711), so a shipment
finds them (E11).
Table summary_results (E3, CEB792 汇总结果单): one row per customs declaration a summary application became:
document_id (the summary application), sum_no, decl_seq_no, dec_state (of the newest result), op_date, entry_id,
dec_pre_no, gross_weight, net_weight, invt_nos ("|invtNo|invtNo|" of its lines), line_count, updated_at."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from eventsourcing.utils import get_topic

from domain.customs import documents as doc_types
from domain.customs.model import LINES, Declaration, ImportOrder, TaxBill
from domain.exchange.model import CustomsMessage
from projections.base import Projector
from projections.query import Where

DDL = (
    """CREATE TABLE IF NOT EXISTS customs_documents (
        document_id VARCHAR(36) PRIMARY KEY, message_type VARCHAR(8) NOT NULL, number VARCHAR(60) NOT NULL,
        ebp_code VARCHAR(18), order_no VARCHAR(60), logistics_code VARCHAR(18), logistics_no VARCHAR(60),
        pay_code VARCHAR(18), pay_transaction_id VARCHAR(60), cop_no VARCHAR(20), pre_no VARCHAR(18),
        invt_no VARCHAR(20), buyer_name VARCHAR(60), buyer_id_number VARCHAR(60), trade_mode VARCHAR(4),
        amount VARCHAR(40), sender VARCHAR(18), parties VARCHAR(200) NOT NULL, status VARCHAR(16) NOT NULL,
        return_info VARCHAR(1000), return_time VARCHAR(17), message_guid VARCHAR(36), message_id VARCHAR(36),
        declared_by VARCHAR(100), declared_at VARCHAR(40) NOT NULL, updated_at VARCHAR(40) NOT NULL,
        sum_no VARCHAR(18), buyer_telephone VARCHAR(50), consignee VARCHAR(100))""",
    "CREATE INDEX IF NOT EXISTS customs_documents_type ON customs_documents (message_type, declared_at)",
    # #18: the columns a list sorts by, and the buyer's phone it is searched by
    "CREATE INDEX IF NOT EXISTS customs_documents_number ON customs_documents (message_type, number)",
    "CREATE INDEX IF NOT EXISTS customs_documents_status ON customs_documents (message_type, status, declared_at)",
    "CREATE INDEX IF NOT EXISTS customs_documents_phone ON customs_documents (buyer_telephone)",
    "CREATE INDEX IF NOT EXISTS customs_documents_order ON customs_documents (order_no)",
    "CREATE INDEX IF NOT EXISTS customs_documents_logistics ON customs_documents (logistics_no)",
    "CREATE INDEX IF NOT EXISTS customs_documents_invt ON customs_documents (invt_no)",
    "CREATE INDEX IF NOT EXISTS customs_documents_buyer ON customs_documents (buyer_id_number)",
    "CREATE INDEX IF NOT EXISTS customs_documents_message ON customs_documents (message_id)",
    """CREATE TABLE IF NOT EXISTS tax_bills (
        invt_no VARCHAR(20) NOT NULL, tax_no VARCHAR(50) NOT NULL, status VARCHAR(1) NOT NULL,
        customs_tax VARCHAR(40), value_added_tax VARCHAR(40), consumption_tax VARCHAR(40), total_tax VARCHAR(40),
        ebc_code VARCHAR(64), agent_code VARCHAR(18), return_time VARCHAR(17), ent_duty_no VARCHAR(50),
        issued_at VARCHAR(40) NOT NULL, updated_at VARCHAR(40) NOT NULL, PRIMARY KEY (invt_no, tax_no))""",
    """CREATE TABLE IF NOT EXISTS document_parcels (document_id VARCHAR(36) NOT NULL, message_type VARCHAR(8) NOT NULL,
        logistics_no VARCHAR(60), invt_no VARCHAR(20))""",
    "CREATE INDEX IF NOT EXISTS document_parcels_logistics ON document_parcels (logistics_no)",
    "CREATE INDEX IF NOT EXISTS document_parcels_invt ON document_parcels (invt_no)",
    """CREATE TABLE IF NOT EXISTS summary_results (
        document_id VARCHAR(36) NOT NULL, sum_no VARCHAR(18) NOT NULL, decl_seq_no VARCHAR(18) NOT NULL,
        dec_state VARCHAR(3), op_date VARCHAR(17), entry_id VARCHAR(18), dec_pre_no VARCHAR(18),
        gross_weight VARCHAR(40), net_weight VARCHAR(40), invt_nos TEXT, line_count INTEGER NOT NULL,
        updated_at VARCHAR(40) NOT NULL, PRIMARY KEY (sum_no, decl_seq_no))""",
)
COLUMNS = ("document_id", "message_type", "number", "ebp_code", "order_no", "logistics_code", "logistics_no",
           "pay_code", "pay_transaction_id", "cop_no", "pre_no", "invt_no", "buyer_name", "buyer_id_number",
           "trade_mode", "amount", "sender", "parties", "status", "return_info", "return_time", "message_guid",
           "message_id", "declared_by", "declared_at", "updated_at", "sum_no", "buyer_telephone", "consignee")
# #18: columns added after the first release, added to an existing table when the view starts (a rebuild fills them)
ADDED = {"customs_documents": {"buyer_telephone": "VARCHAR(50)", "consignee": "VARCHAR(100)"}}
INSERT = (f"INSERT INTO customs_documents ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))}) "
          "ON CONFLICT (document_id) DO NOTHING")
# a later result keeps what an earlier one gave (lines, numbers); the newest (opDate) decides the state
RESULT_UPSERT = """INSERT INTO summary_results (document_id, sum_no, decl_seq_no, dec_state, op_date, entry_id,
    dec_pre_no, gross_weight, net_weight, invt_nos, line_count, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (sum_no, decl_seq_no) DO UPDATE SET
    dec_state = CASE WHEN excluded.op_date >= summary_results.op_date THEN excluded.dec_state
        ELSE summary_results.dec_state END,
    op_date = CASE WHEN excluded.op_date >= summary_results.op_date THEN excluded.op_date
        ELSE summary_results.op_date END,
    entry_id = COALESCE(excluded.entry_id, summary_results.entry_id),
    dec_pre_no = COALESCE(excluded.dec_pre_no, summary_results.dec_pre_no),
    invt_nos = CASE WHEN excluded.line_count > 0 THEN excluded.invt_nos ELSE summary_results.invt_nos END,
    line_count = CASE WHEN excluded.line_count > 0 THEN excluded.line_count ELSE summary_results.line_count END,
    updated_at = excluded.updated_at"""
TAX_INSERT = """INSERT INTO tax_bills (invt_no, tax_no, status, customs_tax, value_added_tax, consumption_tax,
    total_tax, ebc_code, agent_code, return_time, ent_duty_no, issued_at, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (invt_no, tax_no) DO NOTHING"""
# the text a general search looks in. #18: not the buyer's ID number or phone: a viewer who sees them masked could
# learn their digits by searching fragments; they are found whole through buyer_id / buyer_is (exact match)
SEARCHED = ["number", "order_no", "logistics_no", "pay_transaction_id", "invt_no", "cop_no", "buyer_name"]
# #18: a list's columns that sort (indexed, or ordered within a type's rows by the type index), by their URL name
SORTABLE = {"number": "number", "declared_at": "declared_at", "status": "status", "order_no": "order_no",
            "logistics_no": "logistics_no", "invt_no": "invt_no"}

# #18: the tax bill list's sortable columns
TAX_SORTABLE = {"tax_no": "tax_no", "invt_no": "invt_no", "status": "status", "issued_at": "issued_at"}


def buyer_is(where: Where, buyer: str) -> Where:
    """The buyer (payer, consignee) by name fragment, or by the whole ID number or phone: whole values only, so a
    viewer who sees them masked cannot learn their digits by searching for fragments."""
    if buyer:
        where.parts.append("(buyer_name LIKE ? OR buyer_id_number = ? OR buyer_telephone = ?)")
        where.params += [f"%{buyer}%", buyer, buyer]
    return where


def text_is(where: Where, q: str) -> Where:
    """The general search: a fragment of a number or of the buyer's name, or the buyer's whole ID number or phone
    (never a fragment of those: a viewer who sees them masked could otherwise learn their digits, #18)."""
    if q:
        where.parts.append("(" + " OR ".join(f"{c} LIKE ?" for c in SEARCHED)
                           + " OR buyer_id_number = ? OR buyer_telephone = ?)")
        where.params += [f"%{q}%"] * len(SEARCHED) + [q, q]
    return where


def add_missing_columns(db: Any, added: dict[str, dict[str, str]]) -> None:
    """ALTER TABLE ADD COLUMN for each column a table made by an older release lacks (CREATE TABLE IF NOT EXISTS
    leaves an existing table as it was); its old rows keep NULL there until the view is rebuilt."""
    for table, columns in added.items():
        if db.is_postgres:
            for name, kind in columns.items():
                db.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {name} {kind}")
            continue
        present = {row["name"] for row in db.query(f"PRAGMA table_info({table})")}
        for name, kind in columns.items():
            if name not in present:
                db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")


def _exists(db: Any, table: str) -> bool:
    """A table made by an earlier start (a new one gets every column from its CREATE TABLE)."""
    if db.is_postgres:
        # the schema the connection writes in (?schema=NAME: one per platform), not a same-named table of another
        return bool(db.query("SELECT 1 FROM information_schema.tables WHERE table_name = ? "
                             "AND table_schema = current_schema()", (table,)))
    return bool(db.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)))


def _amount(message_type: str, doc: dict[str, Any]) -> str:
    if message_type == "CEB311":
        return str(doc.get("acturalPaid") or "")
    if message_type == "CEB411":
        return str(doc.get("amountPaid") or "")
    if message_type == "CEB621":
        return str(sum((Decimal(str(line.get("totalPrice") or 0)) for line in doc.get("inventoryList") or []),
                       Decimal(0)))
    return ""


def _parcels(e: Any) -> list[tuple[str, str, str | None, str | None]]:
    """The parcels (logisticsNo, invtNo) the lines of a declared document name, or the lines of customs' summary
    result (CEB792) for a summary application (one given by a time window lists none itself), one row each."""
    if isinstance(e, Declaration.SummaryResulted):
        message_type, lists = doc_types.SUMMARY.message, [e.result[LINES]]
    else:
        message_type, lists = e.message_type, [v for v in e.document.values() if isinstance(v, list)]
    return [(str(e.originator_id), message_type, line.get("logisticsNo") and str(line["logisticsNo"]),
             line.get("invtNo") and str(line["invtNo"]))
            for lines in lists for line in lines
            if isinstance(line, dict) and (line.get("logisticsNo") or line.get("invtNo"))]


class CustomsDocumentsView(Projector):
    name = "customs_documents"
    tables = ("customs_documents", "tax_bills", "document_parcels", "summary_results")
    ddl = DDL
    topics = tuple(map(get_topic, (
        ImportOrder.Declared, ImportOrder.ReceiptApplied, Declaration.Declared, Declaration.ReceiptApplied,
        Declaration.Cancelled, ImportOrder.Redeclared, Declaration.Redeclared,
        Declaration.SummaryResulted, CustomsMessage.Prepared, CustomsMessage.Delivered,
        TaxBill.Issued, TaxBill.StatusChanged)))

    def __init__(self, db: Any, store: Any):
        add_missing_columns(db, {t: c for t, c in ADDED.items() if _exists(db, t)})
        super().__init__(db, store)

    def apply(self, events: list[Any]) -> None:
        rows = [self._row(e) for e in events if isinstance(e, ImportOrder.Declared | Declaration.Declared)]
        if rows:
            self.db.executemany(INSERT, rows)
        listed = [row for e in events if isinstance(e, Declaration.Declared | Declaration.SummaryResulted)
                  for row in _parcels(e)]
        if listed:
            self.db.executemany("INSERT INTO document_parcels (document_id, message_type, logistics_no, invt_no) "
                                "VALUES (?, ?, ?, ?)", listed)
        for e in events:
            stamp = e.timestamp.isoformat()
            if isinstance(e, CustomsMessage.Prepared):
                self.db.executemany(
                    "UPDATE customs_documents SET status = 'prepared', message_guid = ?, message_id = ?, "
                    "updated_at = ? "
                    "WHERE document_id = ? AND status = 'declared'",
                    [(e.guid, str(e.originator_id), stamp, str(i)) for i in e.document_ids])
            elif isinstance(e, CustomsMessage.Delivered):
                self.db.execute("UPDATE customs_documents SET status = 'sent', updated_at = ? "
                                "WHERE message_id = ? AND status IN ('declared', 'prepared')",
                                (stamp, str(e.originator_id)))
            elif isinstance(e, ImportOrder.ReceiptApplied | Declaration.ReceiptApplied):
                self._receipt(e, stamp)
            elif isinstance(e, ImportOrder.Redeclared | Declaration.Redeclared):
                self._redeclared(e, stamp)
            elif isinstance(e, Declaration.Cancelled):
                self.db.execute("UPDATE customs_documents SET status = 'cancelled', return_info = ?, return_time = ?, "
                                "updated_at = ? WHERE document_id = ?",
                                (e.reason[:1000], e.return_time, stamp, str(e.originator_id)))
            elif isinstance(e, Declaration.SummaryResulted):
                self.db.execute(RESULT_UPSERT, self._result_row(e, stamp))
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
            self.db.execute("UPDATE customs_documents SET pre_no = COALESCE(?, pre_no), invt_no = COALESCE(?, invt_no),"
                            " sum_no = COALESCE(?, sum_no), updated_at = ? WHERE document_id = ?",
                            (numbers.get("preNo"), numbers.get("invtNo"), numbers.get("sumNo"), stamp,
                             str(e.originator_id)))
        if e.supersedes:
            r = e.receipt
            self.db.execute("UPDATE customs_documents SET status = ?, return_info = ?, return_time = ?, updated_at = ? "
                            "WHERE document_id = ?",
                            (r["returnStatus"], r["returnInfo"][:1000], r["returnTime"], stamp, str(e.originator_id)))

    def _redeclared(self, e: Any, stamp: str) -> None:
        """#18 修改重报: the row shows the new version, declared again and not sent yet; declared_at and the numbers
        customs assigned stay."""
        row = dict(zip(COLUMNS, self._row(e), strict=False))
        kept = ("document_id", "message_type", "pre_no", "invt_no", "declared_by", "declared_at", "sum_no")
        changed = [c for c in COLUMNS if c not in kept]
        self.db.execute(f"UPDATE customs_documents SET {', '.join(f'{c} = ?' for c in changed)} WHERE document_id = ?",
                        (*(row[c] for c in changed), str(e.originator_id)))

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
        declared_by, declared_at = getattr(e, "declared_by", ""), getattr(e, "declared_at", e.timestamp)
        return (str(e.originator_id), message_type, number, text("ebpCode"), text("orderNo"), text("logisticsCode"),
                text("logisticsNo"), text("payCode"), text("payTransactionId"), text("copNo"), text("preNo"),
                text("invtNo") if message_type != "CEB621" else None, buyer_name, buyer_id, text("tradeMode"),
                _amount(message_type, doc), text(doc_type.sender) if doc_type.sender else None, parties, "declared",
                "", "", "", None, declared_by, declared_at.isoformat(), stamp, None,
                text("buyerTelephone") or text("consigneeTelephone"), text("consignee"))

    @staticmethod
    def _result_row(e: Any, stamp: str) -> tuple[Any, ...]:
        r = e.result
        lines = r[LINES]
        invt_nos = "|" + "|".join(dict.fromkeys(line["invtNo"] for line in lines)) + "|" if lines else ""
        return (str(e.originator_id), r["sumNo"], r["declSeqNo"], r["decState"], r["opDate"], r["entryId"] or None,
                r["decPreNo"] or None, r["grossWeight"], r["netWeight"], invt_nos, len(lines), stamp)

    @staticmethod
    def _tax_row(e: Any, stamp: str) -> tuple[Any, ...]:
        d = e.document
        parts = [Decimal(str(d.get(n) or 0)) for n in ("customsTax", "valueAddedTax", "consumptionTax")]
        return (e.invt_no, e.tax_no, str(d.get("status") or "1"), *map(str, parts), str(sum(parts, Decimal(0))),
                d.get("ebcCode"), d.get("agentCode"), d.get("returnTime"), d.get("entDutyNo"), stamp, stamp)

    # queries ------------------------------------------------------------------------------------

    def search(self, message_type: str = "", q: str = "", status: str = "", date_from: str = "", date_to: str = "",
               page: int = 1, per_page: int = 20, parties: list[str] | None = None,
               buyer_id: str = "", order_no: str = "", logistics_no: str = "",
               message_types: list[str] | None = None) -> tuple[list[dict[str, Any]], int]:
        """Documents of one type (or all, or those of `message_types`: one direction) matching a number fragment, a
        status and a date range, newest first; `parties`: only documents naming one of these enterprises (None: no
        restriction); buyer_id, order_no and logistics_no: exactly that value."""
        where = Where().equals("message_type", message_type).one_of("message_type", message_types)
        text_is(where, q).equals("status", status)
        where.equals("buyer_id_number", buyer_id).between_dates("declared_at", date_from, date_to)
        where.equals("order_no", order_no).equals("logistics_no", logistics_no)
        where.any_of_tokens("parties", parties)
        return where.page(self.db, "customs_documents", "declared_at DESC, number DESC", page, per_page)

    def of_purchase(self, ebp_code: str, order_no: str) -> list[dict[str, Any]]:
        """Every document of one purchase: those naming the order, and the waybills and inventories they name."""
        rows = self.db.query("SELECT * FROM customs_documents WHERE order_no = ? AND (ebp_code = ? OR ebp_code IS NULL)"
                             " ORDER BY declared_at", (order_no, ebp_code))
        waybills = sorted({r["logistics_no"] for r in rows if r["logistics_no"]})
        if waybills:
            found = {r["document_id"] for r in rows}
            marks = ", ".join("?" * len(waybills))
            more = self.db.query(f"SELECT * FROM customs_documents WHERE logistics_no IN ({marks}) "
                                 "ORDER BY declared_at",
                                 waybills)
            rows += [r for r in more if r["document_id"] not in found]
        return rows

    def naming(self, logistics_nos: list[str], invt_nos: list[str],
               parties: list[str] | None = None) -> list[dict[str, Any]]:
        """Documents that name one of these parcels (waybill or customs inventory numbers) in their head or in their
        lines (bags, arrivals, departures, summaries), oldest first; `parties` as in search."""
        if not logistics_nos and not invt_nos:
            return []
        where = Where().any_of_tokens("parties", parties)
        nos, invts = ", ".join("?" * len(logistics_nos)) or "NULL", ", ".join("?" * len(invt_nos)) or "NULL"
        found = (f"(logistics_no IN ({nos}) OR invt_no IN ({invts}) OR document_id IN (SELECT document_id "
                 f"FROM document_parcels WHERE logistics_no IN ({nos}) OR invt_no IN ({invts})))")
        params = [*logistics_nos, *invt_nos, *logistics_nos, *invt_nos, *where.params]
        return self.db.query(f"SELECT * FROM customs_documents WHERE {found} AND {' AND '.join(where.parts)} "
                             "ORDER BY declared_at", params)

    def inventory_id(self, invt_no: str, message_type: str = "CEB621") -> str | None:
        """The inventory (CEB621, or the export CEB603) customs numbered invt_no."""
        rows = self.db.query("SELECT document_id FROM customs_documents WHERE message_type = ? AND invt_no = ?",
                             (message_type, invt_no))
        return rows[0]["document_id"] if rows else None

    def counted_inventories(self, buyer_id_number: str, year: int) -> list[str]:
        """The buyer's inventories declared in that calendar year that count towards the annual limit (I4): all but
        those customs refused (100, negative codes) or that were cancelled."""
        rows = self.db.query("SELECT document_id FROM customs_documents WHERE message_type = 'CEB621' AND "
                             "buyer_id_number = ? AND declared_at >= ? AND declared_at < ? AND "
                             "status NOT IN ('100', 'cancelled') AND status NOT LIKE ?",
                             (buyer_id_number, f"{year:04d}-01-01", f"{year + 1:04d}-01-01", "-%"))
        return [r["document_id"] for r in rows]

    def approved_returns(self, invt_nos: list[str]) -> list[str]:
        """The returns (CEB625) customs approved (399) of these inventories: what they took back no longer counts
        towards the buyer's annual limit (I4, I6)."""
        found: list[str] = []
        for start in range(0, len(invt_nos), 500):
            chunk = invt_nos[start:start + 500]
            found += [r["document_id"] for r in self.db.query(
                "SELECT document_id FROM customs_documents WHERE message_type = 'CEB625' AND status = '399' AND "
                f"invt_no IN ({', '.join('?' * len(chunk))})", tuple(chunk))]
        return found

    def tax_bills(self, invt_nos: list[str] | None = None, q: str = "", status: str | list[str] = "", page: int = 1,
                  per_page: int = 20, parties: list[str] | None = None, sort: str = "",
                  descending: bool = True) -> tuple[list[dict[str, Any]], int]:
        """Tax bills by number fragment, status (one, or several at once, #18), inventory; sort: a TAX_SORTABLE
        column (KeyError otherwise), newest first by default."""
        statuses = [status] if isinstance(status, str) and status else list(status or [])
        where = Where().contains(["invt_no", "tax_no"], q).one_of("status", statuses or None)
        where.one_of("invt_no", invt_nos)
        if parties is not None:
            where.parts.append("invt_no IN (SELECT invt_no FROM customs_documents WHERE message_type = 'CEB621' AND "
                               + (" OR ".join("parties LIKE ?" for _ in parties) or "1 = 0") + ")")
            where.params += [f"%|{p}|%" for p in parties]
        direction = "DESC" if descending else "ASC"
        order = f"{TAX_SORTABLE[sort]} {direction}, " if sort else ""
        return where.page(self.db, "tax_bills", f"{order}issued_at {direction}, tax_no {direction}", page, per_page)

    def summary_results(self, document_id: str = "", sum_no: str = "", invt_no: str = "") -> list[dict[str, Any]]:
        """The customs declarations (CEB792) of a summary application, by its document id or sumNo, or those that
        include an inventory; in customs' order."""
        where = Where().equals("document_id", document_id).equals("sum_no", sum_no)
        where.any_of_tokens("invt_nos", [invt_no] if invt_no else None)
        rows, _ = where.page(self.db, "summary_results", "sum_no, decl_seq_no", 1, 1000)
        return rows

    def counts(self, message_type: str = "") -> dict[str, int]:
        rows = self.db.query("SELECT status, COUNT(*) AS n FROM customs_documents WHERE message_type = ? OR ? = '' "
                             "GROUP BY status", (message_type, message_type))
        return {r["status"]: int(r["n"]) for r in rows}
