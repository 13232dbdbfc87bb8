"""一次购买 (I12 综合查询): every document of one retail import purchase, and the state of its three-document match
(三单对碰) as far as the platform can tell from what it holds: whether the order, the payment and the waybill are
there and how customs answered each, the comparisons customs makes that the platform can make too (RULES.md 2.4:
order acturalPaid = payment amountPaid; consignee, telephone and address of order = waybill; inventory lines =
order lines by gnum and gname; inventory logisticsNo = waybill), and the inventory's own customs status.

出口整票 (E11): the same for one export shipment (Shipment, Shipments): its order (CEB303), receipt of payment
(CEB403), waybill (CEB505) and inventory (CEB603), the export three documents (order, collection, waybill) and the
equalities the spec states (RULES.md 2.4: order and collection ebcCode = the inventory's; inventory lines = order lines
by gnum; inventory logisticsNo = waybill), and the documents that follow the parcel: bag, arrival, departure, summary
application with customs' summary results (CEB792), cancellation, return and its tally.

Tenancy (A6): a principal that does not see every organisation sees only the documents naming one of its
enterprises; the others are listed as present but hidden, and comparisons that need them are `unknown`."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate

from domain.customs import documents as doc_types
from domain.customs.model import LINES, Declaration, ImportOrder
from domain.identity.roles import Principal
from domain.shared import statuses
from domain.shared.rules import to_decimal
from engine.store import EventStore
from projections.customs.documents import CustomsDocumentsView

ACCEPTED, REFUSED, PENDING, MISSING, HIDDEN = "accepted", "refused", "pending", "missing", "hidden"
MATCH, MISMATCH, UNKNOWN = "match", "mismatch", "unknown"
MATCHED = (doc_types.ORDER, doc_types.PAYMENT, doc_types.WAYBILL)  # the three documents (三单)
EXPORT_MATCHED = (doc_types.EXPORT_ORDER, doc_types.COLLECTION, doc_types.EXPORT_WAYBILL)  # 出口三单
PURCHASE_TYPES = tuple(t for t in doc_types.IMPORT_TYPES if t is not doc_types.ENTRY)
# the export documents of one shipment (all); those that belong to one shipment only (bags, arrivals, departures and
# summaries list many parcels)
SHIPMENT_TYPES = doc_types.EXPORT_TYPES
EXPORTED = {t.message for t in SHIPMENT_TYPES}
ONE_SHIPMENT = (doc_types.EXPORT_ORDER, doc_types.COLLECTION, doc_types.EXPORT_WAYBILL, doc_types.EXPORT_INVENTORY,
                doc_types.EXPORT_CANCELLATION, doc_types.EXPORT_RETURN, doc_types.TALLY)
CONSIGNEE = {"consignee": "consignee", "consignee_phone": "consigneeTelephone",
             "consignee_address": "consigneeAddress"}  # the same field names on order and waybill
LIMIT = 200  # documents of one purchase at most (several attempts at each are possible)


def customs_state(status: str) -> str:
    """Customs' answer to one of the three documents: 120/399 accepted, 100 or a negative code refused."""
    if status in ("120", "399"):
        return ACCEPTED
    if statuses.is_refused(status):
        return REFUSED
    return PENDING


@dataclass
class Held:
    """One document the platform holds: its read-model row and, when the principal may see it, its aggregate."""

    doc_type: doc_types.DocumentType
    row: dict[str, Any]
    aggregate: Any = None

    @property
    def visible(self) -> bool:
        return self.aggregate is not None

    @property
    def document(self) -> dict[str, Any]:
        return self.aggregate.document if self.aggregate is not None else {}

    @property
    def status(self) -> str:
        return str(self.row["status"])

    @property
    def link(self) -> str:
        """The document's own page (the generic document pages; orders have theirs)."""
        if self.doc_type is doc_types.ORDER:
            return f"/declarant/orders/{self.row['order_no']}?ebpCode={self.row['ebp_code']}"
        return f"/declarant/{self.doc_type.slug}/{self.row['document_id']}"


@dataclass(frozen=True)
class Comparison:
    """One equality customs checks: the value on each side and whether they agree."""

    key: str  # what is compared, e.g. "paid", "consignee", "goods", "logistics_no"
    left: tuple[str, str, str]  # (document slug, field, value)
    right: tuple[str, str, str]
    state: str


@dataclass
class Purchase:
    ebp_code: str
    order_no: str
    held: dict[str, list[Held]] = field(default_factory=dict)  # by document slug, oldest first
    tax_bills: list[dict[str, Any]] = field(default_factory=list)
    matched: ClassVar[tuple[doc_types.DocumentType, ...]] = MATCHED
    inventory_type: ClassVar[doc_types.DocumentType] = doc_types.INVENTORY

    def current(self, doc_type: doc_types.DocumentType) -> Held | None:
        """The document of a kind that counts: the newest customs did not refuse, else the newest."""
        found = self.held.get(doc_type.slug, [])
        standing = [h for h in found if customs_state(h.status) != REFUSED and h.status != statuses.CANCELLED]
        counted = standing or found
        return counted[-1] if counted else None

    def parts(self) -> list[dict[str, Any]]:
        """Order, payment (export: collection), waybill: present or not, and customs' answer (hidden when the
        principal may not see)."""
        out = []
        for doc_type in self.matched:
            held = self.current(doc_type)
            state = MISSING if held is None else customs_state(held.status) if held.visible else HIDDEN
            out.append({"doc_type": doc_type, "held": held, "state": state,
                        "status": held.status if held and held.visible else ""})
        return out

    def inventory(self) -> Held | None:
        return self.current(self.inventory_type)

    def comparisons(self) -> list[Comparison]:
        order, payment = self.side(doc_types.ORDER), self.side(doc_types.PAYMENT)
        waybill, inventory = self.side(doc_types.WAYBILL), self.side(doc_types.INVENTORY)
        found = [compare("paid", (*order, "acturalPaid"), (*payment, "amountPaid"), amounts=True)]
        found += [compare(key, (*order, name), (*waybill, name)) for key, name in CONSIGNEE.items()]
        found += goods(inventory[1], order[1])
        found.append(compare("logistics_no", (*inventory, "logisticsNo"), (*waybill, "logisticsNo")))
        return found

    def side(self, doc_type: doc_types.DocumentType) -> tuple[doc_types.DocumentType, Held | None]:
        return doc_type, self.current(doc_type)


@dataclass
class Shipment(Purchase):
    """One export shipment (出口整票), known by its order's (ebpCode, orderNo)."""

    matched: ClassVar[tuple[doc_types.DocumentType, ...]] = EXPORT_MATCHED
    inventory_type: ClassVar[doc_types.DocumentType] = doc_types.EXPORT_INVENTORY

    def comparisons(self) -> list[Comparison]:
        order, collection = self.side(doc_types.EXPORT_ORDER), self.side(doc_types.COLLECTION)
        waybill, inventory = self.side(doc_types.EXPORT_WAYBILL), self.side(doc_types.EXPORT_INVENTORY)
        found = [compare("order_ebc", (*order, "ebcCode"), (*inventory, "ebcCode")),
                 compare("collection_ebc", (*collection, "ebcCode"), (*inventory, "ebcCode"))]
        found += export_goods(inventory[1], order[1])
        found.append(compare("logistics_no", (*inventory, "logisticsNo"), (*waybill, "logisticsNo")))
        return found

    def summary_results(self) -> list[tuple[Held, dict[str, Any]]]:
        """The customs declarations (汇总结果单 CEB792, one per declSeqNo) that the summary applications naming the
        inventory became, those whose lines list the inventory (or that list no lines)."""
        invt_nos = {h.row["invt_no"] for h in self.held.get(doc_types.EXPORT_INVENTORY.slug, []) if h.row["invt_no"]}
        return [(h, declaration) for h in self.held.get(doc_types.SUMMARY.slug, []) if h.visible
                for declaration in h.aggregate.summary_declarations
                if not declaration[LINES] or invt_nos & {line["invtNo"] for line in declaration[LINES]}]


Side = tuple[doc_types.DocumentType, "Held | None", str]  # which document, the one held, the field compared


def compare(key: str, left: Side, right: Side, amounts: bool = False) -> Comparison:
    a_value, b_value = _value(left[1], left[2]), _value(right[1], right[2])
    if not _visible(left[1]) or not _visible(right[1]):
        state = UNKNOWN
    elif amounts:
        state = MATCH if to_decimal(a_value) is not None and to_decimal(a_value) == to_decimal(b_value) else MISMATCH
    else:
        state = MATCH if a_value == b_value else MISMATCH
    return Comparison(key, (left[0].slug, left[2], a_value), (right[0].slug, right[2], b_value), state)


def goods(inventory: Held | None, order: Held | None) -> list[Comparison]:
    """Inventory lines against order lines, one-to-one by gnum: gname = the order's itemName (RULES.md 2.4)."""
    if inventory is None or order is None or not inventory.visible or not order.visible:
        return [Comparison("goods", ("inventories", "gname", ""), ("orders", "itemName", ""), UNKNOWN)]
    invt = _lines(inventory.document.get("inventoryList"), "gname")
    ordered = _lines(order.document.get("orderList"), "itemName")
    return [Comparison("goods", ("inventories", f"gnum {n} gname", invt.get(n, "")),
                       ("orders", f"gnum {n} itemName", ordered.get(n, "")),
                       MATCH if n in invt and n in ordered and invt[n] == ordered[n] else MISMATCH)
            for n in sorted(invt.keys() | ordered.keys())]


def export_goods(inventory: Held | None, order: Held | None) -> list[Comparison]:
    """Export inventory lines against order lines, one-to-one by gnum (RULES.md 2.4); the item numbers are shown."""
    if inventory is None or order is None or not inventory.visible or not order.visible:
        return [Comparison("export_goods", ("export-inventories", "gnum", ""), ("export-orders", "gnum", ""),
                           UNKNOWN)]
    invt = _lines(inventory.document.get("inventoryList"), "itemNo")
    ordered = _lines(order.document.get("orderList"), "itemNo")
    return [Comparison("export_goods", ("export-inventories", f"gnum {n} itemNo", invt.get(n, "")),
                       ("export-orders", f"gnum {n} itemNo", ordered.get(n, "")),
                       MATCH if n in invt and n in ordered else MISMATCH)
            for n in sorted(invt.keys() | ordered.keys())]


def _lines(lines: Any, name: str) -> dict[int, str]:
    return {int(line.get("gnum") or 0): str(line.get(name) or "") for line in lines or []}


def _visible(held: Held | None) -> bool:
    return held is not None and held.visible


def _value(held: Held | None, name: str) -> str:
    if held is None or not held.visible:
        return ""
    value = held.document.get(name)
    if isinstance(value, Decimal):
        return format(value, "f")
    return "" if value is None else str(value)


class Purchases:
    def __init__(self, store: EventStore, view: CustomsDocumentsView):
        self.store, self.view = store, view

    def get(self, ebp_code: str, order_no: str, principal: Principal | None = None) -> Purchase | None:
        """The purchase as the principal may see it; None when it holds nothing the principal may see."""
        purchase = self._held(Purchase(ebp_code, order_no), self.view.of_purchase(ebp_code, order_no), PURCHASE_TYPES,
                              principal)
        if purchase is None:
            return None
        invt_nos = [h.row["invt_no"] for h in purchase.held.get("inventories", []) if h.visible and h.row["invt_no"]]
        if invt_nos:
            purchase.tax_bills, _ = self.view.tax_bills(invt_nos=invt_nos, per_page=LIMIT)
        return purchase

    def _held(self, purchase: Purchase, rows: list[dict[str, Any]], types: tuple[doc_types.DocumentType, ...],
              principal: Principal | None) -> Any:
        """The purchase (or shipment) holding the rows of these types, loaded where the principal may see them;
        None when the principal may see none of them."""
        for row in rows[:LIMIT]:
            doc_type = doc_types.BY_MESSAGE.get(row["message_type"])
            if doc_type not in types:
                continue
            aggregate = self._load(row["document_id"]) if _may_see(principal, row) else None
            shown = row if aggregate is not None else _hidden(row)
            purchase.held.setdefault(doc_type.slug, []).append(Held(doc_type, shown, aggregate))
        return purchase if any(h.visible for found in purchase.held.values() for h in found) else None

    def key_of(self, document_id: str, principal: Principal | None = None) -> tuple[str, str] | None:
        """The (ebpCode, orderNo) of the purchase a document belongs to: waybills name only the order, delivery
        receipts only the waybill, so those are followed through the read model."""
        aggregate = self._load(document_id)
        if aggregate is None or not _may_see(principal, {"parties": _parties(aggregate)}):
            return None
        doc = aggregate.document
        order_no, logistics_no = str(doc.get("orderNo") or ""), str(doc.get("logisticsNo") or "")
        if doc.get("ebpCode") and order_no:
            return str(doc["ebpCode"]), order_no
        parties = None if principal is None or principal.sees_all else sorted(principal.enterprise_codes)
        for found in self._rows(order_no, logistics_no, parties):
            if found["ebp_code"] and found["order_no"]:
                return str(found["ebp_code"]), str(found["order_no"])
        return None

    def _rows(self, order_no: str, logistics_no: str, parties: list[str] | None) -> list[dict[str, Any]]:
        if order_no:
            return self.view.search(order_no=order_no, per_page=LIMIT, parties=parties)[0]
        rows = self.view.search(logistics_no=logistics_no, per_page=LIMIT)[0] if logistics_no else []
        orders = {r["order_no"] for r in rows if r["order_no"]}
        return [r for no in sorted(orders) for r in self.view.search(order_no=no, per_page=LIMIT, parties=parties)[0]]

    def _load(self, document_id: str) -> Declaration | ImportOrder | None:
        """An import document by its id; None for anything else."""
        try:
            found: Aggregate = self.store.repository.get(UUID(document_id))
        except (AggregateNotFoundError, ValueError):
            return None
        return found if isinstance(found, Declaration | ImportOrder) else None


def _hidden(row: dict[str, Any]) -> dict[str, Any]:
    """#16 item 6: a document the principal may not see is listed as present, without its numbers (its own, customs'
    invtNo, its id), parties or customs' words; its status stays for choosing which of a kind counts, never shown."""
    return {k: v if k in ("message_type", "status") else "" for k, v in row.items()}


def _may_see(principal: Principal | None, row: dict[str, Any]) -> bool:
    if principal is None or principal.sees_all:
        return True
    return any(f"|{code}|" in (row["parties"] or "") for code in principal.enterprise_codes)


def _parties(aggregate: Any) -> str:
    doc_type = doc_types.of_message(getattr(aggregate, "message_type", "CEB311"))
    return "|" + "|".join(str(aggregate.document.get(f) or "") for f in doc_type.parties) + "|"


class Shipments(Purchases):
    """Export shipments (E11) from the documents read model (its rows hold export documents too)."""

    def get(self, ebp_code: str, order_no: str, principal: Principal | None = None) -> Shipment | None:
        """The shipment as the principal may see it: the documents naming the order, then every document naming its
        parcel (waybill number) or its customs inventory number, in heads or lines; None when it holds nothing the
        principal may see."""
        rows = [r for r in self.view.of_purchase(ebp_code, order_no) if r["message_type"] in EXPORTED]
        logistics_nos = sorted({r["logistics_no"] for r in rows if r["logistics_no"]})
        invt_nos = sorted({r["invt_no"] for r in rows if r["invt_no"]})
        found = {r["document_id"] for r in rows}
        rows += [r for r in self.view.naming(logistics_nos, invt_nos) if r["document_id"] not in found]
        return self._held(Shipment(ebp_code, order_no), rows, SHIPMENT_TYPES, principal)

    def key_of(self, document_id: str, principal: Principal | None = None) -> tuple[str, str] | None:
        """The (ebpCode, orderNo) of the shipment an export document belongs to, through the export inventory or
        order naming the same parcel; None for bags, arrivals, departures and summaries (many shipments each)."""
        aggregate = self._load(document_id)
        if not isinstance(aggregate, Declaration) or aggregate.message_type not in {t.message for t in ONE_SHIPMENT} \
                or not _may_see(principal, {"parties": _parties(aggregate)}):
            return None
        doc = aggregate.document
        if doc.get("ebpCode") and doc.get("orderNo"):
            return str(doc["ebpCode"]), str(doc["orderNo"])
        parties = None if principal is None or principal.sees_all else sorted(principal.enterprise_codes)
        numbers = [str(doc.get(name) or aggregate.numbers.get(name) or "") for name in ("logisticsNo", "invtNo")]
        logistics_nos, invt_nos = ([n] if n else [] for n in numbers)
        for row in self.view.naming(logistics_nos, invt_nos, parties=parties):
            if row["message_type"] in (doc_types.EXPORT_INVENTORY.message, doc_types.EXPORT_ORDER.message) and \
                    row["ebp_code"] and row["order_no"]:
                return str(row["ebp_code"]), str(row["order_no"])
        return None
