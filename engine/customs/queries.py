"""Read side of the declarations for the consoles and the API: lists from the read models, one document from its
history. OrderQueries for the import orders (I3); DocumentQueries for the other import documents (I4-I11) and the
export documents (E1-E10): one document from its history (fields, status, customs' numbers, receipts, the signed
message, timeline, an inventory's tax bills), the tax a declarant sees before declaring an inventory (I4, I7), one
electronic tax bill (I7), and the accepted export waybills no bag holds yet (E7)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate
from lxml import etree

from adapters import ceb
from domain.customs.documents import ORDER, DocumentType
from domain.customs.model import Declaration, ImportOrder, TaxBill
from domain.exchange.model import CustomsMessage
from domain.identity.roles import Principal
from domain.shared import statuses, tax
from engine.customs.drafts import scope
from engine.customs.service import visible
from engine.store import EventStore
from projections.customs.bags import ExportParcelsView
from projections.customs.documents import CustomsDocumentsView
from projections.customs.import_orders import ImportOrdersView


@dataclass
class MessagePart:
    """#16 item 2: the signed message as a party that is not its sender sees it: the document's own node only, and
    how many other documents the message carries (their buyers, ID numbers and addresses are not shown)."""

    id: UUID
    guid: str
    message_type: str
    algorithm: str
    delivered_as: str
    delivered_at: Any
    xml: str
    others: int


Shown = CustomsMessage | MessagePart


def shown_messages(messages: list[CustomsMessage], doc_type: DocumentType, document: dict[str, Any],
                   principal: Principal | None) -> list[Shown]:
    """The messages that carried a document as the principal may see them: whole to the sender's organisation and
    to those who see every organisation (auditors, the platform's administrators); to another party, only the
    document's own node (`MessagePart`). Decided here, so every page and API that shows a document shows the same."""
    if principal is None or principal.sees_all:
        return list(messages)
    return [m if principal.may_see(m.sender) else _own_part(m, doc_type, document) for m in messages]


def _own_part(message: CustomsMessage, doc_type: DocumentType, document: dict[str, Any]) -> MessagePart:
    """The business node of the message whose key fields are the document's, with a note on the others."""
    key = [str(document.get(name) or "") for name in doc_type.key]
    node, count = "", 0
    try:
        parsed = ceb.parse(message.xml.encode("utf-8"))
        nodes = [c for c in parsed.root if isinstance(c.tag, str) and etree.QName(c).localname not in
                 ("BaseTransfer", "BaseSubscribe", "Signature")]
        count = len(parsed.documents)
        for element, found in zip(nodes, parsed.documents, strict=False):
            if [str(found.get(name) or "") for name in doc_type.key] == key:
                node = etree.tostring(element, encoding="unicode", pretty_print=True)
                break
    except (ceb.CodecError, ValueError):
        node = ""
    others = max(count - 1, 0)
    note = f"<!-- 本报文共载 {count} 份单证；其他 {others} 份属于发送企业的其他单证，不予显示。 " \
           f"The message carries {count} documents; the {others} other ones are the sender's and are not shown. -->"
    return MessagePart(message.id, message.guid, message.message_type, message.algorithm, message.delivered_as,
                       message.delivered_at, f"{note}\n{node}", others)


@dataclass
class OrderDetail:
    order: ImportOrder
    status: str
    messages: list[Shown]
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
        return OrderDetail(order, current_status(order, messages),
                           shown_messages(messages, ORDER, order.document, principal), self._timeline(order, messages))

    def _messages(self, message_id: UUID | None) -> list[CustomsMessage]:
        return [self.store.repository.get(message_id)] if message_id else []

    def _timeline(self, order: ImportOrder, messages: list[CustomsMessage]) -> list[dict[str, Any]]:
        events = list(self.store.events.get(order.id))
        for message in messages:
            events += list(self.store.events.get(message.id))
        return sorted((describe(e) for e in events), key=lambda item: item["at"])


def current_status(order: ImportOrder | Declaration, messages: list[CustomsMessage]) -> str:
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
    elif kind == "Redeclared":  # #18 修改重报: who changed it and why
        details = {"by": event.by, "reason": event.reason}
    return {"at": event.timestamp, "event": kind, "version": event.originator_version, "details": details}


Loaded = TypeVar("Loaded", bound=Aggregate)


@dataclass
class DocumentDetail:
    document: Declaration
    status: str
    messages: list[Shown]
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
        messages: list[CustomsMessage] = [self.store.repository.get(document.message_id)] if document.message_id else []
        invt_no = document.numbers.get("invtNo", "") if doc_type.message == "CEB621" else ""
        bills = self.view.tax_bills(invt_nos=[invt_no], per_page=100)[0] if invt_no else []
        return DocumentDetail(document, current_status(document, messages),
                              shown_messages(messages, doc_type, document.document, principal),
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

    def _load(self, aggregate_id: str, kind: type[Loaded]) -> Loaded | None:
        try:
            found: Aggregate = self.store.repository.get(UUID(aggregate_id))
        except (AggregateNotFoundError, ValueError):
            return None
        return found if isinstance(found, kind) else None


def timeline(store: EventStore, document: Any, messages: list[CustomsMessage]) -> list[dict[str, Any]]:
    """The document's events and those of the messages that carried it, in time order."""
    events = list(store.events.get(document.id))
    for message in messages:
        events += list(store.events.get(message.id))
    return sorted((describe(e) for e in events), key=lambda item: item["at"])
