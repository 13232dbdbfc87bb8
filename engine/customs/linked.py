"""What a declaration refers to, as the declaration service checks it (I4-I6, E4, E5, E7): the inventory of a
cancellation or a return, the order of an inventory, a buyer's earlier inventories (the annual limit)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from domain.customs.documents import EXPORT_INVENTORY, EXPORT_ORDER, EXPORT_WAYBILL
from domain.customs.model import Declaration, ImportOrder
from domain.shared import tax
from engine.store import EventStore
from projections.customs.documents import CustomsDocumentsView


class LinkedDocuments:
    """What a declaration refers to (the inventory of a cancellation or a return, the order of an inventory) and
    a buyer's earlier inventories (the annual limit), found through the read model, loaded from the event store."""

    def __init__(self, store: EventStore, view: CustomsDocumentsView):
        self.store, self.view = store, view

    def inventory_by_invt_no(self, invt_no: str) -> Declaration | None:
        self.view.run_once()
        found = self.view.inventory_id(invt_no) if invt_no else None
        return self.store.repository.get(UUID(found)) if found else None

    def order(self, ebp_code: str, order_no: str) -> ImportOrder | None:
        try:
            return self.store.repository.get(ImportOrder.create_id(ebp_code, order_no))
        except AggregateNotFoundError:
            return None

    def used_amount(self, buyer_id_number: str, year: int) -> Decimal:
        """Measured like customs measures the limits (tax.transaction_value: goods, freight and insurance), on the
        inventories as declared, less what approved returns gave back (tax.returned_value)."""
        self.view.run_once()
        inventories: list[Declaration] = [self.store.repository.get(UUID(i))
                       for i in self.view.counted_inventories(buyer_id_number, year)]
        used = sum((tax.transaction_value(inventory.document) for inventory in inventories), Decimal(0))
        numbered = {inventory.numbers["invtNo"]: inventory for inventory in inventories
                    if inventory.numbers.get("invtNo")}
        for refund_id in self.view.approved_returns(list(numbered)):
            refund: dict[str, Any] = self.store.repository.get(UUID(refund_id)).document
            used -= tax.returned_value(numbered[str(refund.get("invtNo"))].document, refund)
        return used

    def export_order(self, ebp_code: str, order_no: str) -> Declaration | None:
        try:
            return self.store.repository.get(Declaration.create_id(EXPORT_ORDER.message, (ebp_code, order_no)))
        except AggregateNotFoundError:
            return None

    def export_inventory_by_invt_no(self, invt_no: str) -> Declaration | None:
        self.view.run_once()
        found = self.view.inventory_id(invt_no, EXPORT_INVENTORY.message) if invt_no else None
        return self.store.repository.get(UUID(found)) if found else None

    def missing_export_waybills(self, logistics_code: str, logistics_nos: list[str]) -> list[str]:
        return [no for no in logistics_nos
                if Declaration.create_id(EXPORT_WAYBILL.message, (logistics_code, no)) not in self.store.repository]
