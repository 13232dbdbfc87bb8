"""申报首页 (#18): what a declarant has to act on when they log in, read over the read models as they stand.

To-dos: documents customs refused (100 退单, negative processing and CEB900 format codes), documents sent longer ago
than their receipt timeout without an answer, monthly summaries due (E3) and open receipt alerts of the
organisation's own messages; counts by status per document type; and the buyer annual limit check (I4: used and
remaining of the 26,000 yuan, on the same ledger the declaration check reads).

Tenancy: every count and row is of the documents naming one of the caller's enterprises (all for roles that see
every organisation), and of the document types the caller may view."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from domain.customs.documents import ALL_TYPES, BY_MESSAGE, ORDER, DocumentType
from domain.identity.roles import Principal
from domain.shared import tax
from domain.shared.personal import mask
from engine import clock
from engine.customs.drafts import scope
from engine.customs.linked import LinkedDocuments
from projections.query import Where

LISTED = 10  # rows of each to-do shown on the home page; the counts are whole
REFUSED = "(status = '100' OR status LIKE '-%')"


@dataclass(frozen=True)
class AnnualLimit:
    """A buyer's year against the personal annual limit: the ID is masked, the amounts in yuan."""

    buyer: str
    year: int
    used: Decimal
    limit: Decimal

    @property
    def remaining(self) -> Decimal:
        return max(self.limit - self.used, Decimal(0))


def document_url(row: dict[str, Any]) -> str:
    """The page of a customs_documents row: orders by their number and platform, the others by their id."""
    doc_type = BY_MESSAGE[row["message_type"]]
    if doc_type is ORDER:
        return f"/declarant/orders/{row['number']}?ebpCode={row.get('ebp_code') or ''}"
    return f"/declarant/{doc_type.slug}/{row['document_id']}"


def viewable(principal: Principal) -> list[DocumentType]:
    """The document types whose pages the caller may open: no to-do links to a page that would refuse them."""
    return [t for t in ALL_TYPES if principal.can(t.permission("view"))]


class DeclarantHome:
    """The home page's queries for one platform; each takes the caller and answers only what it may see."""

    def __init__(self, platform: Any):
        self.platform = platform
        self.db = platform.customs.documents_view.db

    def _where(self, principal: Principal) -> Where:
        types = [t.message for t in viewable(principal)]
        return Where().one_of("message_type", types).any_of_tokens("parties", scope(principal))

    def _rows(self, where: Where, condition: str, params: list[Any], order: str) -> tuple[list[dict[str, Any]], int]:
        clause = " AND ".join([*where.parts, condition])
        values = [*where.params, *params]
        total = self.db.query(f"SELECT COUNT(*) AS n FROM customs_documents WHERE {clause}", values)[0]["n"]
        rows = self.db.query(f"SELECT * FROM customs_documents WHERE {clause} ORDER BY {order} LIMIT ?",
                             [*values, LISTED])
        return [r | {"url": document_url(r)} for r in rows], int(total)

    def refused(self, principal: Principal) -> tuple[list[dict[str, Any]], int]:
        """Documents customs refused, newest answer first: the declarant corrects and declares them again."""
        return self._rows(self._where(principal), REFUSED, [], "updated_at DESC")

    def overdue(self, principal: Principal, now: datetime | None = None) -> tuple[list[dict[str, Any]], int]:
        """Documents sent longer ago than their type's receipt timeout (CBEC_RECEIPT_TIMEOUTS) with no answer."""
        moment = (now or clock.now()).astimezone(UTC)
        watch = self.platform.exchange.receipt_watch
        types = [t.message for t in viewable(principal)]
        parts = " OR ".join("(message_type = ? AND updated_at < ?)" for _ in types) or "1 = 0"
        params: list[Any] = [p for t in types
                             for p in (t, (moment - timedelta(seconds=watch.timeout_of(t))).isoformat())]
        return self._rows(self._where(principal), f"status = 'sent' AND ({parts})", params, "updated_at")

    def counts(self, principal: Principal) -> list[tuple[DocumentType, dict[str, int]]]:
        """Per document type the caller may view and has documents of: how many are in each status."""
        where = self._where(principal)
        rows = self.db.query("SELECT message_type, status, COUNT(*) AS n FROM customs_documents WHERE "
                             f"{' AND '.join(where.parts)} GROUP BY message_type, status", where.params)
        found: dict[str, dict[str, int]] = {}
        for r in rows:
            found.setdefault(r["message_type"], {})[r["status"]] = int(r["n"])
        return [(t, dict(sorted(found[t.message].items()))) for t in viewable(principal) if t.message in found]

    def alerts(self, principal: Principal) -> list[dict[str, Any]]:
        """Receipt-timeout alerts nobody acknowledged yet, of messages one of the caller's enterprises sent."""
        self.platform.exchange.alerts_view.run_once()
        where = Where().one_of("sender", scope(principal))
        return self.platform.exchange.alerts_view.db.query(
            f"SELECT * FROM receipt_alerts WHERE acknowledged_by = '' AND {' AND '.join(where.parts)} "
            "ORDER BY raised_at DESC LIMIT ?", [*where.params, LISTED])

    def summaries_due(self, principal: Principal) -> list[Any]:
        """Months whose export inventories still wait for their summary application (E3), for who declares them."""
        return self.platform.customs.summaries.reminders(principal) if principal.can("E3:declare") else []

    def annual_limit(self, buyer_id_number: str, year: int | None = None) -> AnnualLimit:
        """What the buyer used of the year's limit, as the inventory check counts it (refused and cancelled
        inventories do not count, approved returns give back)."""
        chosen = year or clock.now().astimezone(clock.SHANGHAI).year
        linked = LinkedDocuments(self.platform.store, self.platform.customs.documents_view)
        used = linked.used_amount(linked.annual_ledger(buyer_id_number, chosen))
        return AnnualLimit(str(mask(buyer_id_number)), chosen, used, tax.ANNUAL_LIMIT)

