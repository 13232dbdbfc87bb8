"""Read side of the import documents other than orders (I4-I11) and of the export documents (E1-E10): one document
from its history (fields, status, customs' numbers, receipts, the signed message, timeline, an inventory's tax bills),
the tax a declarant sees before declaring an inventory (I4, I7), one electronic tax bill (I7), and the accepted export
waybills no bag holds yet (E7)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from domain.customs.documents import DocumentType
from domain.customs.model import Declaration, TaxBill
from domain.exchange.model import CustomsMessage
from domain.identity.roles import Principal
from domain.shared import tax
from engine.customs.drafts import scope, visible
from engine.customs.queries import current_status, describe
from engine.store import EventStore
from projections.customs.bags import ExportParcelsView
from projections.customs.documents import CustomsDocumentsView


@dataclass
class DocumentDetail:
    document: Declaration
    status: str
    messages: list[CustomsMessage]
    timeline: list[dict[str, Any]]
    tax_bills: list[dict[str, Any]] = field(default_factory=list)


class DocumentQueries:
    def __init__(self, store: EventStore, view: CustomsDocumentsView, reference: Any):
        self.store, self.view, self.reference = store, view, reference
        self.parcels = ExportParcelsView(view.db, store)  # kept up to date when asked (unbagged), not by the runner

    def unbagged(self, principal: Principal, **criteria: Any) -> tuple[list[dict[str, Any]], int]:
        """装袋 (E7): one page of the principal's accepted export waybills that no bag holds yet (ExportParcelsView)."""
        self._catch_up()
        return self.parcels.unbagged(scope(principal), **criteria)

    def unbagged_all(self, principal: Principal, **criteria: Any) -> list[dict[str, Any]]:
        self._catch_up()
        return self.parcels.unbagged_all(scope(principal), **criteria)

    def _catch_up(self) -> None:
        self.view.run_once()
        while self.parcels.run_once():
            pass

    def detail(self, doc_type: DocumentType, document_id: str, principal: Principal) -> DocumentDetail | None:
        """None when there is no such document of this type or the principal may not see it (the same answer)."""
        document = self._load(document_id, Declaration)
        if document is None or document.message_type != doc_type.message or \
                not visible(principal, document.message_type, document.document):
            return None
        messages = [self.store.repository.get(document.message_id)] if document.message_id else []
        invt_no = document.numbers.get("invtNo", "") if doc_type.message == "CEB621" else ""
        bills = self.view.tax_bills(invt_nos=[invt_no], per_page=100)[0] if invt_no else []
        return DocumentDetail(document, current_status(document, messages), messages,
                              timeline(self.store, document, messages), bills)

    def tax_preview(self, inventory: dict[str, Any]) -> tax.TaxResult:
        """税费预估: the retail import tax at the HS codes' rates of the reference data (I1)."""
        index = self.reference.index()

        def rates(gcode: str) -> tax.Rates | None:
            entry = index.entry("hs_codes", gcode) if gcode else None
            return tax.rates_from(entry.attrs if entry is not None else None)

        return tax.retail_import_tax(inventory, rates)

    def tax_bill(self, invt_no: str, tax_no: str, principal: Principal) -> TaxBill | None:
        """One tax bill, when the principal may see the inventory it taxes."""
        rows, _ = self.view.tax_bills(invt_nos=[invt_no], q=tax_no, parties=scope(principal))
        if not any(r["tax_no"] == tax_no for r in rows):
            return None
        return self._load(str(TaxBill.create_id(invt_no, tax_no)), TaxBill)

    def _load(self, aggregate_id: str, kind: type) -> Any:
        try:
            found = self.store.repository.get(UUID(aggregate_id))
        except (AggregateNotFoundError, ValueError):
            return None
        return found if isinstance(found, kind) else None


def timeline(store: EventStore, document: Any, messages: list[CustomsMessage]) -> list[dict[str, Any]]:
    """The document's events and those of the messages that carried it, in time order."""
    events = list(store.events.get(document.id))
    for message in messages:
        events += list(store.events.get(message.id))
    return sorted((describe(e) for e in events), key=lambda item: item["at"])
