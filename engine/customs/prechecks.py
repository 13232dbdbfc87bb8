"""Finding the documents an inventory is matched against (三单对碰 pre-check, #18): the order, payment and waybill of
an import inventory, the order, receipt of payment and waybill of an export one, for domain/customs/prechecks.py.

Found by their keys in the event store (the order and the waybill, the export order, collection and waybill are keyed
by what the inventory names). A payment is keyed by payCode + payTransactionId, which the inventory does not carry:
it is found through the order's payCode and payTransactionId when the order gives them, else through the
customs_documents read model as it stands (the payments naming the order), without running its projector, as
engine/customs/linked.py reads it for what predates its indexes; whatever is found is loaded from the event store and
judged there.

Tenancy (A6, #16): only documents the caller's organisation may see count; one it may not see is reported exactly as
one that is absent, so the warning tells nothing of another organisation's documents."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from domain.customs import prechecks
from domain.customs.documents import COLLECTION, EXPORT_ORDER, EXPORT_WAYBILL, PAYMENT, WAYBILL
from domain.customs.model import Declaration, ImportOrder
from domain.shared import statuses
from domain.shared.rules import FieldError
from engine.store import EventStore
from projections.customs.documents import CustomsDocumentsView

Sees = Callable[[str, Mapping[str, Any]], bool]  # may the caller see this document (message type, fields)?


class ThreeDocuments:
    def __init__(self, store: EventStore, view: CustomsDocumentsView):
        self.store, self.view = store, view

    def findings(self, message_type: str, inventory: Mapping[str, Any], sees: Sees) -> list[FieldError]:
        """What customs' match would refuse the inventory for, as far as the caller may see; [] for other types."""
        ebp, order_no = _text(inventory, "ebpCode"), _text(inventory, "orderNo")
        logistics = (_text(inventory, "logisticsCode"), _text(inventory, "logisticsNo"))
        if message_type == prechecks.IMPORT_INVENTORY:
            order = self._held("CEB311", self._get(ImportOrder.create_id(ebp, order_no)), sees)
            waybill = self._held(WAYBILL.message, self._declared(WAYBILL.message, logistics), sees)
            return prechecks.import_documents(inventory, order, self._payment(ebp, order_no, order, sees), waybill)
        if message_type == prechecks.EXPORT_INVENTORY:
            order = self._held(EXPORT_ORDER.message, self._declared(EXPORT_ORDER.message, (ebp, order_no)), sees)
            collection = self._held(COLLECTION.message, self._declared(
                COLLECTION.message, (_text(inventory, "ebcCode"), order_no)), sees)
            waybill = self._held(EXPORT_WAYBILL.message, self._declared(EXPORT_WAYBILL.message, logistics), sees)
            return prechecks.export_documents(inventory, order, collection, waybill)
        return []

    def _payment(self, ebp: str, order_no: str, order: prechecks.Held | None, sees: Sees) -> prechecks.Held | None:
        """The order's payment: by the payment key the order names, else the payments the read model lists for the
        order; one customs did not refuse first."""
        candidates = []
        if order is not None and order.document.get("payCode") and order.document.get("payTransactionId"):
            candidates.append(self._declared(PAYMENT.message, (_text(order.document, "payCode"),
                                                               _text(order.document, "payTransactionId"))))
        if ebp and order_no:
            candidates += [self._get(UUID(row["document_id"])) for row in self.view.of_purchase(ebp, order_no)
                           if row["message_type"] == PAYMENT.message]
        found = [held for held in (self._held(PAYMENT.message, c, sees) for c in candidates)
                 if held is not None and _text(held.document, "ebpCode") == ebp
                 and _text(held.document, "orderNo") == order_no]
        return next((h for h in found if not h.refused), found[0] if found else None)

    @staticmethod
    def _held(message_type: str, aggregate: Any, sees: Sees) -> prechecks.Held | None:
        if aggregate is None or getattr(aggregate, "message_type", message_type) != message_type:
            return None
        if not sees(message_type, aggregate.document):
            return None  # #16: what the caller may not see is absent to it
        return prechecks.Held(aggregate.document, statuses.is_refused(str(aggregate.status)))

    def _declared(self, message_type: str, key: tuple[str, ...]) -> Any:
        return self._get(Declaration.create_id(message_type, key)) if all(key) else None

    def _get(self, aggregate_id: UUID) -> Any:
        try:
            return self.store.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None


def _text(doc: Mapping[str, Any] | None, name: str) -> str:
    value = (doc or {}).get(name)
    return "" if value is None else str(value).strip()
