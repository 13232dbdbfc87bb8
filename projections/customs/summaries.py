"""出口汇总申报 read model (E3): every export inventory (CEB603) with what the monthly summary needs, and the
inventories each summary application (CEB701) lists.

Table export_summary_inventories: document_id, invt_no (customs' number, from the receipts), parties ("|ebcCode|
agentCode|": who may summarise it), trade_mode, statistics_flag, status (declared, then customs' returnStatus, or
cancelled), departed_at (returnTime of the 899 结关 receipt), departed_month (YYYY-MM of it), summary_id (the summary
application listing it that customs has not refused), document (the inventory as declared, JSON).
Table export_summary_members: application_id (the CEB701 document), invt_no: every application's inventories.
A document modified and declared again (修改重报, #18) is shown as its new version: an inventory's values, an
application's inventories."""

from __future__ import annotations

import json
from typing import Any

from eventsourcing.utils import get_topic

from domain.customs import summary
from domain.customs.documents import EXPORT_INVENTORY, SUMMARY
from domain.customs.model import Declaration
from domain.shared import statuses
from projections.base import Projector
from projections.query import Where

DDL = (
    """CREATE TABLE IF NOT EXISTS export_summary_inventories (
        document_id VARCHAR(36) PRIMARY KEY, invt_no VARCHAR(20), parties VARCHAR(200) NOT NULL,
        trade_mode VARCHAR(4), statistics_flag VARCHAR(1), status VARCHAR(16) NOT NULL, departed_at VARCHAR(17),
        departed_month VARCHAR(7), summary_id VARCHAR(36), document TEXT NOT NULL)""",
    """CREATE INDEX IF NOT EXISTS export_summary_inventories_due
        ON export_summary_inventories (status, summary_id, departed_month)""",
    "CREATE INDEX IF NOT EXISTS export_summary_inventories_invt ON export_summary_inventories (invt_no)",
    """CREATE TABLE IF NOT EXISTS export_summary_members (
        application_id VARCHAR(36) NOT NULL, invt_no VARCHAR(20) NOT NULL, PRIMARY KEY (application_id, invt_no))""",
    "CREATE INDEX IF NOT EXISTS export_summary_members_invt ON export_summary_members (invt_no)",
)
def _parties(doc: dict[str, Any]) -> str:
    """Who may summarise an inventory: its e-commerce enterprise and its declaring agent, as |code|code|."""
    return "|" + "|".join(sorted({str(doc[f]) for f in ("ebcCode", "agentCode") if doc.get(f)})) + "|"


# the receipts that move an inventory (CEB604) or an application (CEB702), and format errors (CEB900) for either
RECEIPTS = {EXPORT_INVENTORY.receipt, SUMMARY.receipt, "CEB900"}


class ExportSummariesView(Projector):
    name = "export_summaries"
    tables = ("export_summary_inventories", "export_summary_members")
    ddl = DDL
    topics = tuple(map(get_topic, (Declaration.Declared, Declaration.ReceiptApplied, Declaration.Cancelled,
                                   Declaration.Redeclared)))

    def apply(self, events: list[Any]) -> None:
        for e in events:
            if isinstance(e, Declaration.Declared):
                self._declared(e)
            elif isinstance(e, Declaration.Redeclared):
                self._redeclared(e)
            elif isinstance(e, Declaration.ReceiptApplied) and e.receipt["messageType"] in RECEIPTS:
                self._receipt(e)
            elif isinstance(e, Declaration.Cancelled):
                self.db.execute("UPDATE export_summary_inventories SET status = 'cancelled' WHERE document_id = ?",
                                (str(e.originator_id),))

    def _declared(self, e: Any) -> None:
        doc = e.document
        if e.message_type == EXPORT_INVENTORY.message:
            parties = _parties(doc)
            self.db.execute(
                "INSERT INTO export_summary_inventories (document_id, invt_no, parties, trade_mode, statistics_flag, "
                "status, document) VALUES (?, ?, ?, ?, ?, 'declared', ?) ON CONFLICT (document_id) DO NOTHING",
                (str(e.originator_id), doc.get("invtNo"), parties, doc.get("tradeMode"), doc.get("statisticsFlag"),
                 json.dumps(doc, default=str, ensure_ascii=False)))
        elif e.message_type == SUMMARY.message:
            self._members(str(e.originator_id), doc)

    def _members(self, application_id: str, doc: dict[str, Any]) -> None:
        listed = {str(line["invtNo"]) for line in doc.get("summaryApplyList") or [] if line.get("invtNo")}
        self.db.executemany("INSERT INTO export_summary_members (application_id, invt_no) VALUES (?, ?) "
                            "ON CONFLICT (application_id, invt_no) DO NOTHING",
                            [(application_id, no) for no in sorted(listed)])
        self._listed(application_id, True)

    def _redeclared(self, e: Any) -> None:
        """An inventory of this view takes its new values, declared again; an application (the only other type here
        carries summaryApplyList) lists its new inventories, the ones it dropped free to summarise again. The event
        does not say its type: which table knows the document does."""
        key, doc = str(e.originator_id), e.document
        if self.db.query("SELECT 1 FROM export_summary_inventories WHERE document_id = ?", (key,)):
            self.db.execute(
                "UPDATE export_summary_inventories SET invt_no = COALESCE(invt_no, ?), parties = ?, trade_mode = ?, "
                "statistics_flag = ?, status = 'declared', departed_at = NULL, departed_month = NULL, document = ? "
                "WHERE document_id = ?",
                (doc.get("invtNo"), _parties(doc), doc.get("tradeMode"), doc.get("statisticsFlag"),
                 json.dumps(doc, default=str, ensure_ascii=False), key))
        elif "summaryApplyList" in doc:
            self._listed(key, False)
            self.db.execute("DELETE FROM export_summary_members WHERE application_id = ?", (key,))
            self._members(key, doc)

    def _listed(self, application_id: str, alive: bool) -> None:
        """The application's inventories are summarised by it while customs has not refused it (100 退单, negative
        codes); refused, they are free again."""
        if alive:
            self.db.execute("UPDATE export_summary_inventories SET summary_id = ? WHERE summary_id IS NULL AND invt_no "
                            "IN (SELECT invt_no FROM export_summary_members WHERE application_id = ?)",
                            (application_id, application_id))
        else:
            self.db.execute("UPDATE export_summary_inventories SET summary_id = NULL WHERE summary_id = ?",
                            (application_id,))

    def _receipt(self, e: Any) -> None:
        target = str(e.originator_id)
        if e.numbers.get("invtNo"):
            self.db.execute("UPDATE export_summary_inventories SET invt_no = ? WHERE document_id = ?",
                            (e.numbers["invtNo"], target))
        if not e.supersedes:
            return
        status, stamp = e.receipt["returnStatus"], e.receipt["returnTime"]
        if e.receipt["messageType"] != EXPORT_INVENTORY.receipt:
            self._listed(target, not statuses.is_refused(status))
        departed = status == summary.DEPARTED
        self.db.execute("UPDATE export_summary_inventories SET status = ?, "
                        "departed_at = CASE WHEN ? THEN ? ELSE departed_at END, "
                        "departed_month = CASE WHEN ? THEN ? ELSE departed_month END WHERE document_id = ?",
                        (status, departed, stamp, departed, summary.month_of(stamp), target))

    # queries ------------------------------------------------------------------------------------

    def due(self, month: str, parties: list[str] | None = None) -> list[dict[str, Any]]:
        """The inventories (documents with their invtNo) to summarise for the month: 9610, statisticsFlag B, 结关
        (899) in the month, not listed by a live application; `parties`: of these enterprises only (None: all)."""
        where = self._due(parties).equals("i.departed_month", month)
        rows = self.db.query(f"SELECT i.invt_no, i.document FROM export_summary_inventories i WHERE "
                             f"{' AND '.join(where.parts)} ORDER BY i.invt_no", where.params)
        return [json.loads(r["document"]) | {"invtNo": r["invt_no"]} for r in rows]

    def months_due(self, before: str, parties: list[str] | None = None) -> list[tuple[str, int]]:
        """Months before `before` (YYYY-MM) with inventories still to summarise, oldest first, with their count."""
        where = self._due(parties)
        where.parts.append("i.departed_month < ?")
        where.params.append(before)
        rows = self.db.query(f"SELECT i.departed_month AS month, COUNT(*) AS n FROM export_summary_inventories i "
                             f"WHERE {' AND '.join(where.parts)} GROUP BY i.departed_month ORDER BY i.departed_month",
                             where.params)
        return [(r["month"], int(r["n"])) for r in rows]

    def _due(self, parties: list[str] | None) -> Where:
        where = Where().equals("i.trade_mode", summary.SUMMARISED_MODE)
        where.equals("i.statistics_flag", summary.SUMMARY_FLAG).equals("i.status", summary.DEPARTED)
        where.any_of_tokens("i.parties", parties)
        where.parts += ["i.invt_no IS NOT NULL", "i.summary_id IS NULL"]
        return where

    def applications(self, month: str, parties: list[str] | None = None) -> list[str]:
        """The summary applications (document ids) listing inventories that departed in the month."""
        where = Where().equals("i.departed_month", month).any_of_tokens("i.parties", parties)
        rows = self.db.query("SELECT DISTINCT m.application_id FROM export_summary_members m "
                             "JOIN export_summary_inventories i ON i.invt_no = m.invt_no "
                             f"WHERE {' AND '.join(where.parts)}", where.params)
        return [r["application_id"] for r in rows]
