"""What a declaration refers to, as the declaration service checks it (I4-I6, E4, E5, E7): the inventory of a
cancellation or a return, the order of an inventory, a buyer's earlier inventories (the annual limit)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from domain.customs import policies
from domain.customs.documents import EXPORT_INVENTORY, EXPORT_ORDER, EXPORT_WAYBILL, INVENTORY
from domain.customs.model import BuyerYear, Declaration, ImportOrder, NumberIndex
from engine.store import EventStore
from projections.customs.documents import CustomsDocumentsView


class LinkedDocuments:
    """What a declaration refers to (the inventory of a cancellation or a return, the order of an inventory) and
    a buyer's earlier inventories (the annual limit), found in the event store: an inventory by the NumberIndex the
    receipt that gave it its invtNo recorded (policies.INDEXED), a buyer's inventories and approved returns by the
    buyer's BuyerYear ledger, recorded with each inventory and each approval. Nothing here runs a projector: the
    write path never catches up a read model.

    Fallback for what was stored before these indexes existed (an invtNo assigned, an inventory declared or a return
    approved by an earlier version): the customs_documents read model is read AS IT STANDS, without running its
    projector (the runner keeps it current, and it has long held such old documents). It is never backfilled into
    the indexes. Whatever is found either way is loaded from the event store and judged there (status, numbers), not
    on the read model's copy."""

    def __init__(self, store: EventStore, view: CustomsDocumentsView):
        self.store, self.view = store, view

    def inventory_by_invt_no(self, invt_no: str) -> Declaration | None:
        return self._inventory(invt_no, INVENTORY.message)

    def _inventory(self, invt_no: str, message_type: str) -> Declaration | None:
        """The inventory of that type customs numbered invt_no: by its NumberIndex, else (numbered before the index
        existed) by the read model as it stands."""
        if not invt_no:
            return None
        index = self._get(NumberIndex.create_id("invtNo", invt_no))
        found = self._get(UUID(index.document_id)) if index is not None else None
        if getattr(found, "message_type", "") == message_type:
            return found
        earlier = self.view.inventory_id(invt_no, message_type)
        return self._get(UUID(earlier)) if earlier else None

    def annual_ledger(self, buyer_id_number: str, year: int) -> BuyerYear:
        """The buyer's ledger of the year (a new one when none), to record a new inventory on in the same save."""
        ledger = self._get(BuyerYear.create_id(buyer_id_number, year))
        return ledger if ledger is not None else BuyerYear(buyer_id_number=buyer_id_number, year=year)

    def order(self, ebp_code: str, order_no: str) -> ImportOrder | None:
        return self._get(ImportOrder.create_id(ebp_code, order_no))

    def used_amount(self, ledger: BuyerYear) -> Decimal:
        """What the ledger's buyer used of its year's limit (policies.annual_use: the inventories that still count,
        less what approved returns gave back), on the inventories and returns this very ledger version lists, and
        those the read model lists as it stands (stored before the ledger existed)."""
        buyer, year = ledger.buyer_id_number, ledger.year
        inventories = self._load_all([*ledger.inventories, *self.view.counted_inventories(buyer, year)])
        numbered = [str(i.numbers["invtNo"]) for i in inventories if i.numbers.get("invtNo")]
        returns = self._load_all([*ledger.returns, *self.view.approved_returns(numbered)])
        return policies.annual_use(inventories, returns)

    def _load_all(self, ids: list[str]) -> list[Any]:
        found = (self._get(UUID(i)) for i in dict.fromkeys(ids))
        return [document for document in found if document is not None]

    def _get(self, aggregate_id: UUID) -> Any:
        try:
            return self.store.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None

    def export_order(self, ebp_code: str, order_no: str) -> Declaration | None:
        return self._get(Declaration.create_id(EXPORT_ORDER.message, (ebp_code, order_no)))

    def export_inventory_by_invt_no(self, invt_no: str) -> Declaration | None:
        return self._inventory(invt_no, EXPORT_INVENTORY.message)

    def export_waybill(self, logistics_code: str, logistics_no: str) -> Declaration | None:
        """The export waybill (CEB505) of that logistics enterprise, for the tenancy of what names it (#16)."""
        return self._get(Declaration.create_id(EXPORT_WAYBILL.message, (logistics_code, logistics_no)))

    def missing_export_waybills(self, logistics_code: str, logistics_nos: list[str]) -> list[str]:
        return [no for no in logistics_nos
                if Declaration.create_id(EXPORT_WAYBILL.message, (logistics_code, no)) not in self.store.repository]
