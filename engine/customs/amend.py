"""修改重报, 复制新增 and documents built from the documents they follow (#18).

- Modify and declare again (修改重报): a document customs refused, or one whose message is not built yet, is checked
  with every rule a new declaration meets and recorded as a new version of the same aggregate, under the same
  number (customs keeps nothing of a refused document: RULES.md 2.5, the node's duplicate rule); the processors pack
  and send it again, receipts then apply to the new version (its guid). The earlier versions stay in its events and
  its `versions` (who, when, why, what customs said).
- Copy as new (复制新增): the values of a document without its number and the numbers customs assigned.
- Build from linked documents: an inventory (CEB621) from its order, payment and waybill; an export inventory
  (CEB603) from its export order and export waybill; a cancellation (CEB623/CEB605) or a return (CEB625/CEB213) from
  an inventory. Only documents the caller's organisation may see are read (A6): another organisation's are absent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from domain.customs import documents as types
from domain.customs.documents import DocumentType
from domain.customs.model import Declaration, ImportOrder, NotRedeclarable, check_redeclarable, redeclarable
from domain.customs.policies import ASSIGNED_NUMBERS
from domain.identity.roles import Principal
from domain.shared import statuses
from domain.shared.rules import DeclarationRejected, FieldError
from engine import clock
from engine.customs.catalog import Catalog
from engine.customs.drafts import stored_form
from engine.customs.service import Declarations, visible
from engine.store import EventStore
from projections.customs.documents import CustomsDocumentsView

REASON = "amendReason"  # the field a modification's reason is reported under (the form's _amend_reason)
PLATFORM_MADE = ("guid", "appTime")  # made again for every version
# what an inventory takes from its order's lines (CEB311 orderList -> CEB621 inventoryList), by the inventory's name
IMPORT_LINE = {"gnum": "gnum", "itemNo": "itemNo", "itemName": "itemName", "gname": "itemName", "gmodel": "gmodel",
               "barCode": "barCode", "unit": "unit", "qty": "qty", "price": "price", "totalPrice": "totalPrice",
               "currency": "currency", "country": "country"}
EXPORT_LINE = {"gnum": "gnum", "itemNo": "itemNo", "itemName": "itemName", "gname": "itemName", "barCode": "barCode",
               "unit": "unit", "qty": "qty", "price": "price", "totalPrice": "totalPrice", "currency": "currency"}
# head fields, by the inventory's name, and the source document's field they come from
IMPORT_FROM_ORDER = {"orderNo": "orderNo", "ebpCode": "ebpCode", "ebpName": "ebpName", "ebcCode": "ebcCode",
                     "ebcName": "ebcName", "buyerIdType": "buyerIdType", "buyerIdNumber": "buyerIdNumber",
                     "buyerName": "buyerName", "buyerTelephone": "buyerTelephone",
                     "consigneeAddress": "consigneeAddress", "freight": "freight", "currency": "currency"}
IMPORT_FROM_PAYMENT = {"buyerIdNumber": "payerIdNumber", "buyerName": "payerName"}
IMPORT_FROM_WAYBILL = {"logisticsCode": "logisticsCode", "logisticsName": "logisticsName",
                       "logisticsNo": "logisticsNo", "freight": "freight", "insuredFee": "insuredFee",
                       "billNo": "billNo", "grossWeight": "weight", "packNo": "packNo"}
EXPORT_FROM_ORDER = {"orderNo": "orderNo", "ebpCode": "ebpCode", "ebpName": "ebpName", "ebcCode": "ebcCode",
                     "ebcName": "ebcName", "ownerCode": "ebcCode", "ownerName": "ebcName", "freight": "freight"}
EXPORT_FROM_WAYBILL = {"logisticsCode": "logisticsCode", "logisticsName": "logisticsName",
                       "logisticsNo": "logisticsNo", "freight": "freight", "insuredFee": "insuredFee",
                       "grossWeight": "grossWeight", "packNo": "packNo"}
# a cancellation or a return names its inventory and repeats its parties and buyer (CEB623/625 heads)
FROM_INVENTORY = ("customsCode", "orderNo", "ebpCode", "ebpName", "ebcCode", "ebcName", "logisticsNo",
                  "logisticsCode", "logisticsName", "invtNo", "buyerIdType", "buyerIdNumber", "buyerName",
                  "buyerTelephone", "agentCode", "agentName", "copNo")
RETURN_LINE = ("gnum", "gcode", "gname", "qty", "unit")
# customs actions an inventory offers, by its direction: (target type, the states customs takes them in)
CUSTOMS_ACTIONS: dict[str, tuple[tuple[DocumentType, frozenset[str]], ...]] = {
    "CEB621": ((types.CANCELLATION, frozenset(statuses.CANCELLABLE)), (types.RETURN, frozenset(statuses.RETURNABLE))),
    "CEB603": ((types.EXPORT_CANCELLATION, frozenset(statuses.EXPORT_CANCELLABLE)),
               (types.EXPORT_RETURN, frozenset(statuses.EXPORT_RETURNABLE))),
}
# documents an inventory is built from: source type -> the inventory type
BUILDS_INVENTORY = {"CEB311": types.INVENTORY, "CEB411": types.INVENTORY, "CEB511": types.INVENTORY,
                    "CEB303": types.EXPORT_INVENTORY, "CEB505": types.EXPORT_INVENTORY}


@dataclass
class Prefill:
    """A document to declare, filled from the documents it follows: its values, the required fields still empty
    (head names, and line fields as inventoryList[1].gcode), and the documents used, by role (order, payment,
    waybill: their aggregate ids)."""

    document: dict[str, Any]
    missing: list[str] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)


def may_act(principal: Principal, doc_type: DocumentType, document: Mapping[str, Any]) -> bool:
    """#16: the caller's organisation acts for one of the document's actors (its sender, the owner of its number)."""
    return principal.sees_all or any(principal.may_see(code) for code in doc_type.actors(dict(document)))


def editable(doc_type: DocumentType, aggregate: Any) -> dict[str, Any]:
    """The document as the form shows it for 修改: its values as text, without what the platform makes again."""
    values = stored_form(dict(aggregate.document))
    return {k: v for k, v in values.items() if k not in PLATFORM_MADE}


def copied(doc_type: DocumentType, aggregate: Any) -> dict[str, Any]:
    """复制新增: the document's values without its own number (the last key field, the shown number, the numbers the
    platform generates) and the numbers customs assigned; a cancellation or a return keeps the inventory it names."""
    names_own = {doc_type.number, doc_type.key[-1], *doc_type.generated}
    if doc_type.message in statuses.INVENTORY_TYPES:
        names_own |= set(ASSIGNED_NUMBERS)
    else:
        names_own |= set(ASSIGNED_NUMBERS) - {"invtNo"}
    return {k: v for k, v in editable(doc_type, aggregate).items() if k not in names_own}


def customs_actions(doc_type: DocumentType, status: str, principal: Principal) -> list[DocumentType]:
    """撤销申请 / 退货申请 of an inventory in a state customs takes them in (statuses.CANCELLABLE, RETURNABLE and the
    export ones, as the customs node decides), for a user holding the target's declare permission."""
    return [target for target, states in CUSTOMS_ACTIONS.get(doc_type.message, ())
            if status in states and principal.can(target.permission("declare"))]


def from_inventory(target: DocumentType, inventory: Mapping[str, Any], numbers: Mapping[str, str]) -> dict[str, Any]:
    """A cancellation or return of the inventory: its head fields the target has, the invtNo customs gave it, and
    for a return every goods line (gnum, gcode, gname, qty, unit) to take back, which the declarant may cut."""
    document = {**inventory, **numbers}
    head = {name: stored_form(document[name]) for name in FROM_INVENTORY
            if name != "copNo" and document.get(name) not in (None, "")}
    if target is types.RETURN:
        head["invtRefundList"] = [{name: stored_form(line[name]) for name in RETURN_LINE if line.get(name) is not None}
                                  for line in inventory.get("inventoryList") or []]
    return head


class Amendments:
    """The service of 修改重报 and of the documents built from others. Reads the event store (the aggregates) and,
    to find the payment and waybill of an order, the customs_documents read model as it stands."""

    def __init__(self, store: EventStore, declarations: Mapping[str, Declarations], view: CustomsDocumentsView,
                 catalog: Catalog | None = None, now: Callable[[], datetime] = clock.now):
        self.store, self.declarations, self.view = store, declarations, view
        self.catalog, self.now = catalog or Catalog(), now

    # reading --------------------------------------------------------------------------------------------------

    def find(self, doc_type: DocumentType, document_id: str, principal: Principal) -> Any:
        """The document of that type the principal may see, else None (absent and not visible answer the same)."""
        found = self._get(document_id)
        if found is None or getattr(found, "message_type", types.ORDER.message) != doc_type.message:
            return None
        return found if visible(principal, doc_type.message, found.document) else None

    def order(self, ebp_code: str, order_no: str, principal: Principal) -> ImportOrder | None:
        return self.find(types.ORDER, str(ImportOrder.create_id(ebp_code, order_no)), principal)

    def _get(self, document_id: str) -> Any:
        try:
            return self.store.repository.get(UUID(str(document_id)))
        except (AggregateNotFoundError, ValueError):
            return None

    # 修改重报 ---------------------------------------------------------------------------------------------------

    def redeclare(self, doc_type: DocumentType, document_id: str, raw: Mapping[str, Any], reason: str,
                  principal: Principal) -> Any:
        """Check the modified document as a new declaration and record it as the document's next version, sent
        again by the processors. The key fields stay the document's (a new number is 复制新增). Raises
        DeclarationRejected naming the field and rule: not found or not the caller's to act on (one answer), a
        state customs does not take it again in, no reason, or any rule a declaration breaks; nothing is stored."""
        existing = self.find(doc_type, document_id, principal)
        if existing is None or not may_act(principal, doc_type, existing.document):
            raise DeclarationRejected([_absent(doc_type)])
        try:
            _check_state(existing)
        except NotRedeclarable as refused:
            raise DeclarationRejected([FieldError("status", "redeclarable", refused.message_zh,
                                                  refused.message_en, existing.status)]) from None
        if not reason.strip():
            raise DeclarationRejected([FieldError(REASON, "required", "请填写修改原因（将记入单证历史）",
                                                  "give the reason for the modification (it is kept in the history)")])
        key = doc_type.key_of(existing.document)
        document = {k: v for k, v in raw.items() if k not in PLATFORM_MADE} | dict(zip(doc_type.key, key, strict=True))
        [(outcome, new)] = self.declarations[doc_type.message].decide_many([document], principal.name, principal,
                                                                          replacing=key)
        if new is None:
            raise DeclarationRejected(outcome.errors)
        at = self.now()
        if isinstance(existing, ImportOrder):
            existing.redeclare(document=new.document, by=principal.name, at=at, reason=reason.strip())
        else:
            existing.redeclare(document=new.document, links=new.links, by=principal.name, at=at,
                               reason=reason.strip())
        try:
            self.store.save(existing, *{a.id: a for a in outcome.along}.values())
        except IntegrityError:
            raise DeclarationRejected([FieldError("status", "raced", "该单证刚被他人修改或收到海关回执，请刷新后重试",
                                                  "the document changed at the same moment (a receipt or another "
                                                  "modification): reload and try again")]) from None
        return existing

    # built from linked documents --------------------------------------------------------------------------------

    def inventory_from_order(self, ebp_code: str, order_no: str, principal: Principal,
                             logistics_no: str = "") -> Prefill | None:
        """清单 (CEB621) from its order, the order's payment and its waybill (the one named, else the one naming the
        order), as far as the principal may see them; None when the order is not one it may act on."""
        order = self.order(ebp_code, order_no, principal)
        if order is None or not may_act(principal, types.ORDER, order.document):
            return None
        related = self._of_purchase(ebp_code, order_no, principal)
        payment = _first(related, types.PAYMENT.message)
        waybill = _first([r for r in related if not logistics_no
                          or str(r.document.get("logisticsNo")) == logistics_no], types.WAYBILL.message)
        head = _taken(order.document, IMPORT_FROM_ORDER)
        if payment is not None:
            head = _taken(payment.document, IMPORT_FROM_PAYMENT) | head
        if waybill is not None:
            head |= _taken(waybill.document, IMPORT_FROM_WAYBILL)
        lines = [_line(line, IMPORT_LINE) for line in order.document.get("orderList") or []]
        document = head | {"inventoryList": lines}
        sources = {"order": str(order.id)} | ({"payment": str(payment.id)} if payment is not None else {}) | \
            ({"waybill": str(waybill.id)} if waybill is not None else {})
        return Prefill(document, self.missing(types.INVENTORY, document), sources)

    def export_inventory_from_order(self, ebp_code: str, order_no: str, principal: Principal,
                                    logistics_code: str = "", logistics_no: str = "") -> Prefill | None:
        """出口清单 (CEB603) from its export order (CEB303) and, when named, its export waybill (CEB505: it does not
        name the order, so the declarant says which)."""
        order = self.find(types.EXPORT_ORDER, str(Declaration.create_id("CEB303", (ebp_code, order_no))), principal)
        if order is None or not may_act(principal, types.EXPORT_ORDER, order.document):
            return None
        document = _taken(order.document, EXPORT_FROM_ORDER)
        sources = {"order": str(order.id)}
        if logistics_code and logistics_no:
            waybill = self.find(types.EXPORT_WAYBILL,
                                str(Declaration.create_id("CEB505", (logistics_code, logistics_no))), principal)
            if waybill is not None:
                document |= _taken(waybill.document, EXPORT_FROM_WAYBILL)
                sources["waybill"] = str(waybill.id)
        document["inventoryList"] = [_line(line, EXPORT_LINE) for line in order.document.get("orderList") or []]
        return Prefill(document, self.missing(types.EXPORT_INVENTORY, document), sources)

    def inventory_from(self, source: DocumentType, document_id: str, principal: Principal) -> Prefill | None:
        """The inventory built from one of its documents' pages: the order it names, then as above."""
        found = self.find(source, document_id, principal)
        if found is None:
            return None
        doc = found.document
        if source is types.EXPORT_WAYBILL:
            return None  # an export waybill names no order: built from the order's page
        if source is types.EXPORT_ORDER:
            return self.export_inventory_from_order(str(doc.get("ebpCode")), str(doc.get("orderNo")), principal)
        ebp_code = str(doc.get("ebpCode") or "")
        if source is types.WAYBILL:  # a waybill names the order number only: the order of that number it may see
            self.view.run_once()
            rows, _ = self.view.search(message_type="CEB311", order_no=str(doc.get("orderNo") or ""),
                                       parties=None if principal.sees_all else sorted(principal.enterprise_codes))
            ebp_code = next((r["ebp_code"] for r in rows if r["ebp_code"]), ebp_code)
            return self.inventory_from_order(ebp_code, str(doc.get("orderNo")), principal,
                                             str(doc.get("logisticsNo") or ""))
        return self.inventory_from_order(ebp_code, str(doc.get("orderNo") or ""), principal)

    def missing(self, doc_type: DocumentType, document: Mapping[str, Any]) -> list[str]:
        """The required fields the declarant still has to type: head fields the platform does not fill, and line
        fields, each as <list>[n].<field>."""
        head, lists = self.catalog.specs(doc_type.message)
        made = {*PLATFORM_MADE, "appType", "appStatus", *doc_type.head_defaults, *doc_type.generated}
        out = [s.name for s in head if s.required and s.name not in made and _empty(document.get(s.name))]
        for list_name, specs in lists.items():
            for n, line in enumerate(document.get(list_name) or [], start=1):
                out += [f"{list_name}[{n}].{s.name}" for s in specs if s.required and s.name != "gnum"
                        and s.name not in doc_type.line_defaults and _empty(line.get(s.name))]
        return out

    def _of_purchase(self, ebp_code: str, order_no: str, principal: Principal) -> list[Any]:
        """The payments and waybills of one purchase the principal may see, loaded from the event store."""
        self.view.run_once()
        rows = [r for r in self.view.of_purchase(ebp_code, order_no)
                if r["message_type"] in (types.PAYMENT.message, types.WAYBILL.message)]
        found = (self._get(r["document_id"]) for r in rows)
        return [d for d in found if d is not None and str(d.document.get("orderNo")) == order_no
                and visible(principal, d.message_type, d.document)]


def _check_state(existing: Any) -> None:
    check_redeclarable(existing.status, bool(existing.message_id), getattr(existing, "message_type", "CEB311"))


def modifiable(aggregate: Any) -> bool:
    return redeclarable(aggregate.status, bool(aggregate.message_id))


def _first(found: list[Any], message_type: str) -> Any:
    """The document of that type customs did not refuse, else any."""
    of_type = [d for d in found if d.message_type == message_type]
    return next((d for d in of_type if not statuses.is_refused(d.status)), of_type[0] if of_type else None)


def _taken(source: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
    return {target: stored_form(source[name]) for target, name in names.items()
            if not _empty(source.get(name))}


def _line(line: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
    return _taken(line, names)


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _absent(doc_type: DocumentType) -> FieldError:
    return FieldError("documentId", "exists", f"{doc_type.name_zh}不存在或无权操作",
                      f"no such {doc_type.name_en.lower()} that your organisation may act on")


def amendments(platform: Any) -> Amendments:
    """The service over a platform's customs room (made per call: it holds nothing of its own)."""
    return Amendments(platform.store, platform.customs.declarations, platform.customs.documents_view)


__all__ = ["Amendments", "Prefill", "amendments", "copied", "customs_actions", "editable", "from_inventory",
           "may_act", "modifiable"]
