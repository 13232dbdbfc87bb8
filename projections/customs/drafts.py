"""暂存 read model (I3-I11): one row per draft, listed together with the declared documents of `customs_documents`
(status 'draft' there), and the documents of each declaration batch with their current status.

Table customs_drafts: draft_id, message_type, number, ebp_code, order_no, logistics_no, pay_transaction_id, invt_no,
cop_no, buyer_name, buyer_id_number, amount, parties ("|code|code|", as in customs_documents), status (draft,
submitted, discarded), errors (the last refusal, one line per field), saved_by, saved_at (ISO 8601), batch_id (the
batch that last declared it), document_id (the declared document, once submitted), updated_at."""

from __future__ import annotations

from typing import Any

from eventsourcing.utils import get_topic

from domain.customs import documents as doc_types
from domain.customs.drafts import OPEN, Draft, parties
from projections.base import Projector
from projections.customs.documents import SEARCHED, SORTABLE, _amount, _exists, add_missing_columns, buyer_is
from projections.query import Where

# the columns both lists share, with the document's values of the draft's (rows of both keep their order)
LISTED = ("message_type", "number", "ebp_code", "order_no", "logistics_no", "pay_transaction_id", "invt_no", "cop_no",
          "buyer_name", "buyer_id_number", "amount", "parties", "status", "buyer_telephone", "consignee")
COLUMNS = ("draft_id", *LISTED, "saved_by", "saved_at", "updated_at")
DDL = (
    "CREATE TABLE IF NOT EXISTS customs_drafts (draft_id VARCHAR(36) PRIMARY KEY, message_type VARCHAR(8) NOT NULL, "
    "number VARCHAR(60) NOT NULL, ebp_code VARCHAR(18), order_no VARCHAR(60), logistics_no VARCHAR(60), "
    "pay_transaction_id VARCHAR(60), invt_no VARCHAR(20), cop_no VARCHAR(20), buyer_name VARCHAR(60), "
    "buyer_id_number VARCHAR(60), amount VARCHAR(40), parties VARCHAR(200) NOT NULL, status VARCHAR(16) NOT NULL, "
    "errors TEXT, saved_by VARCHAR(100), saved_at VARCHAR(40) NOT NULL, batch_id VARCHAR(36), "
    "document_id VARCHAR(36), updated_at VARCHAR(40) NOT NULL, buyer_telephone VARCHAR(50), consignee VARCHAR(100))",
    "CREATE INDEX IF NOT EXISTS customs_drafts_type ON customs_drafts (message_type, status, saved_at)",
    "CREATE INDEX IF NOT EXISTS customs_drafts_batch ON customs_drafts (batch_id)",
)
ADDED = {"customs_drafts": {"buyer_telephone": "VARCHAR(50)", "consignee": "VARCHAR(100)"}}  # #18, as in documents
INSERT = (f"INSERT INTO customs_drafts ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))}) "
          "ON CONFLICT (draft_id) DO NOTHING")
# a draft's id stands in the document_id column, its saving for the declaring
DOCUMENTS = (f"SELECT document_id, {', '.join(LISTED)}, return_info, declared_by, declared_at, "
             "CAST('document' AS VARCHAR(8)) AS kind FROM customs_documents")
DRAFTS = (f"SELECT draft_id AS document_id, {', '.join(LISTED)}, errors AS return_info, saved_by AS declared_by, "
          f"saved_at AS declared_at, CAST('draft' AS VARCHAR(8)) AS kind FROM customs_drafts WHERE status = '{OPEN}'")
BATCH = ("SELECT r.draft_id, r.message_type, r.number, r.status AS draft_status, r.errors, r.document_id, "
         "r.updated_at, COALESCE(d.status, CASE WHEN r.status = 'submitted' THEN 'declared' ELSE r.status END) "
         "AS status, d.return_info FROM customs_drafts r "
         "LEFT JOIN customs_documents d ON d.document_id = r.document_id")


def _text(document: dict[str, Any], *names: str) -> str | None:
    return next((str(document[n]) for n in names if document.get(n) not in (None, "")), None)


def parties_of(message_type: str, document: dict[str, Any]) -> str:
    """"|code|code|": the enterprises named in the fields of the type's `parties`."""
    return "|" + "|".join(parties(message_type, document)) + "|"


def error_lines(errors: list[dict[str, str]]) -> str:
    return "\n".join(f"{e['field']}: {e['message_zh']}" for e in errors)[:4000]


class DraftsView(Projector):
    name = "customs_drafts"
    tables = ("customs_drafts",)
    ddl = DDL
    topics = tuple(map(get_topic, (Draft.Saved, Draft.Refused, Draft.Submitted, Draft.Discarded)))

    def __init__(self, db: Any, store: Any):
        add_missing_columns(db, {t: c for t, c in ADDED.items() if _exists(db, t)})
        super().__init__(db, store)

    def apply(self, events: list[Any]) -> None:
        for e in events:
            stamp, draft_id = e.timestamp.isoformat(), str(e.originator_id)
            if isinstance(e, Draft.Saved):
                self.db.execute(INSERT, self._row(e, stamp))
            elif isinstance(e, Draft.Refused):
                self.db.execute("UPDATE customs_drafts SET errors = ?, batch_id = ?, updated_at = ? WHERE draft_id = ?",
                                (error_lines(e.errors), e.batch, stamp, draft_id))
            elif isinstance(e, Draft.Submitted):
                self.db.execute("UPDATE customs_drafts SET status = 'submitted', errors = '', batch_id = ?, "
                                "document_id = ?, updated_at = ? WHERE draft_id = ?",
                                (e.batch, e.document_id, stamp, draft_id))
            elif isinstance(e, Draft.Discarded):
                self.db.execute("UPDATE customs_drafts SET status = 'discarded', updated_at = ? WHERE draft_id = ?",
                                (stamp, draft_id))

    @staticmethod
    def _row(e: Any, stamp: str) -> tuple[Any, ...]:
        doc, message_type = e.document, e.message_type
        number = _text(doc, doc_types.of_message(message_type).number) or ""
        return (str(e.originator_id), message_type, number, _text(doc, "ebpCode"), _text(doc, "orderNo"),
                _text(doc, "logisticsNo"), _text(doc, "payTransactionId"), _text(doc, "invtNo"), _text(doc, "copNo"),
                _text(doc, "buyerName", "payerName", "consignee"), _text(doc, "buyerIdNumber", "payerIdNumber"),
                _amount(message_type, doc) or None, parties_of(message_type, doc), OPEN,
                _text(doc, "buyerTelephone", "consigneeTelephone"), _text(doc, "consignee"), e.by,
                e.saved_at.isoformat(), stamp)

    # queries ------------------------------------------------------------------------------------

    def listing(self, message_type: str, q: str = "", status: str | list[str] = "", date_from: str = "",
                date_to: str = "", page: int = 1, per_page: int = 20, parties: list[str] | None = None,
                buyer: str = "", sort: str = "", descending: bool = True) -> tuple[list[dict[str, Any]], int]:
        """Declared documents and open drafts of one type in one list, newest first: statuses (one, or several at
        once, #18) 'draft' lists the drafts, any other the documents in it, none both. Row 'kind' says which a row
        is. buyer: name fragment, or whole ID number or phone; sort: a SORTABLE column (KeyError otherwise)."""
        wanted = [status] if isinstance(status, str) and status else list(status or [])
        documents = [s for s in wanted if s != OPEN]
        source = f"{DOCUMENTS} UNION ALL {DRAFTS}" if not wanted or (OPEN in wanted and documents) else (
            DRAFTS if OPEN in wanted else DOCUMENTS)
        where = Where().equals("message_type", message_type).contains(SEARCHED, q)
        where.one_of("status", wanted or None).between_dates("declared_at", date_from, date_to)
        buyer_is(where, buyer).any_of_tokens("parties", parties)
        direction = "DESC" if descending else "ASC"
        order = f"{SORTABLE[sort]} {direction}, " if sort else ""
        return where.page(self.db, f"({source}) AS listed", f"{order}declared_at {direction}, number {direction}",
                          page, per_page)

    def open_ids(self, message_type: str, q: str = "", date_from: str = "", date_to: str = "",
                 parties: list[str] | None = None, limit: int = 1000) -> list[str]:
        """The open drafts a filtered list shows, oldest first (the order they were saved in): 'declare all'."""
        where = Where().equals("message_type", message_type).equals("status", OPEN).contains(SEARCHED, q)
        where.between_dates("saved_at", date_from, date_to).any_of_tokens("parties", parties)
        rows = self.db.query(f"SELECT draft_id FROM customs_drafts WHERE {' AND '.join(where.parts)} "
                             "ORDER BY saved_at, draft_id LIMIT ?", [*where.params, limit])
        return [r["draft_id"] for r in rows]

    def open_numbers(self, message_type: str, numbers: list[str]) -> dict[str, set[str]]:
        """Which of these numbers an open draft of the type already has, each with the enterprises named on that draft
        (its parties: who may see it, A6)."""
        found: dict[str, set[str]] = {}
        for start in range(0, len(numbers), 500):
            chunk = numbers[start:start + 500]
            rows = self.db.query(f"SELECT number, parties FROM customs_drafts WHERE message_type = ? AND "
                                 f"status = '{OPEN}' AND number IN ({', '.join('?' * len(chunk))})",
                                 [message_type, *chunk])
            for row in rows:
                found.setdefault(row["number"], set()).update(p for p in str(row["parties"] or "").split("|") if p)
        return found

    def batch(self, batch_id: str, parties: list[str] | None = None) -> list[dict[str, Any]]:
        """The drafts one declaration batch took, each with the current status of the document it became ('draft'
        while refused); the read model of the documents may lag a moment behind: 'declared' until it catches up."""
        where = Where().equals("r.batch_id", batch_id).any_of_tokens("r.parties", parties)
        return self.db.query(f"{BATCH} WHERE {' AND '.join(where.parts)} ORDER BY r.saved_at, r.draft_id", where.params)
