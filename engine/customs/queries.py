"""Read side for the consoles and the API: lists from the read model, one document from its history."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from domain.customs.model import ImportOrder
from domain.exchange.model import CustomsMessage
from domain.identity.roles import Principal
from domain.shared import statuses
from engine.store import EventStore
from projections.customs.import_orders import ImportOrdersView


@dataclass
class OrderDetail:
    order: ImportOrder
    status: str
    messages: list[CustomsMessage]
    timeline: list[dict[str, Any]]


class OrderQueries:
    def __init__(self, store: EventStore, view: ImportOrdersView):
        self.store, self.view = store, view

    def search(self, principal: Principal | None = None, **criteria: Any) -> tuple[list[dict[str, Any]], int]:
        if principal is not None and not principal.sees_all:
            criteria["ebc_codes"] = sorted(principal.enterprise_codes)
        return self.view.search(**criteria)

    def detail(self, order_no: str, ebp_code: str | None = None,
               principal: Principal | None = None) -> OrderDetail | None:
        """The order as its events tell it: fields, status, the signed messages that carried it, its timeline.
        None when it does not exist or the principal may not see it (A6: the same answer for both)."""
        rows = [r for r in self.view.find(order_no) if ebp_code in (None, r["ebp_code"])
                and (principal is None or principal.may_see(r["ebc_code"]))]
        if not rows:
            return None
        try:
            order: ImportOrder = self.store.repository.get(ImportOrder.create_id(rows[0]["ebp_code"], order_no))
        except AggregateNotFoundError:
            return None
        messages = self._messages(order.message_id)
        return OrderDetail(order, current_status(order, messages), messages, self._timeline(order, messages))

    def _messages(self, message_id: UUID | None) -> list[CustomsMessage]:
        return [self.store.repository.get(message_id)] if message_id else []

    def _timeline(self, order: ImportOrder, messages: list[CustomsMessage]) -> list[dict[str, Any]]:
        events = list(self.store.events.get(order.id))
        for message in messages:
            events += list(self.store.events.get(message.id))
        return sorted((describe(e) for e in events), key=lambda item: item["at"])


def current_status(order: ImportOrder, messages: list[CustomsMessage]) -> str:
    if order.status != statuses.DECLARED:
        return order.status
    if any(m.delivered_at for m in messages):
        return statuses.SENT
    return statuses.PREPARED if messages else statuses.DECLARED


def describe(event: Any) -> dict[str, Any]:
    """One line of a document's timeline: when, what, and the details a user checks."""
    kind = type(event).__name__
    details: dict[str, Any] = {}
    if kind == "ReceiptApplied":
        details = dict(event.receipt) | {"supersedes": event.supersedes}
    elif kind == "Prepared":
        details = {"guid": event.guid, "algorithm": event.algorithm, "documents": len(event.document_ids)}
    elif kind == "Delivered":
        details = {"file": event.file_name, "transport": event.transport}
    elif kind == "FormatRejected":
        details = dict(event.receipt)
    elif kind == "Packed":
        details = {"message": event.message_guid}
    elif kind == "Declared":
        details = {"by": event.declared_by}
    return {"at": event.timestamp, "event": kind, "version": event.originator_version, "details": details}
