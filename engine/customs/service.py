"""Declaring import documents (I3-I11): one service for every type of `domain.customs.documents`.

Each document is completed (values customs fixes, numbers the platform generates), checked against the XSD field
rules of its message, the code rules of the reference data (I1), the business rules of its type
(`domain.customs.import_rules`) and the documents it refers to (an inventory for a cancellation or a return), then
stored as one event. A batch is stored in one transaction, or not at all (all_or_nothing), or only checked (dry_run).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from domain.customs import export_rules, import_rules, prechecks
from domain.customs import rules as document_rules
from domain.customs.bagging import PARCEL_LIST, PARCEL_NO, ParcelInBag, parcels_of
from domain.customs.documents import BAG, INVENTORY, ORDER, SITE, DocumentType, of_message
from domain.customs.drafts import parties
from domain.customs.model import BuyerYear, Declaration, ImportOrder
from domain.identity.model import Enterprise
from domain.identity.roles import Principal
from domain.shared import rules, tax
from domain.shared.rules import DeclarationRejected, FieldError
from engine import clock
from engine.customs.catalog import Catalog
from engine.customs.prechecks import ThreeDocuments
from engine.store import EventStore


@dataclass
class Outcome:
    """What happened to one document of a batch: stored, or refused with its errors."""

    index: int
    number: str
    errors: list[FieldError]
    stored: bool = False
    document_id: str = ""
    along: list[Any] = field(default_factory=list, repr=False, compare=False)  # saved with it (a bag's claims)
    key: tuple[str, ...] = ()  # the document's key fields, once its shape was read
    # accepted, but a code is not in an incomplete list, or an inventory's three-document findings (#18)
    warnings: list[FieldError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def order_no(self) -> str:  # the name the order API has always used
        return self.number


def visible(principal: Principal, message_type: str, document: dict[str, Any]) -> bool:
    """Tenancy (A6): one of the principal's enterprises is named on the document."""
    return principal.sees_all or any(principal.may_see(code) for code in parties(message_type, document))


class CodeCheck(Protocol):
    """The code rules of the reference data (I1): codes exist and are valid on the declaration date."""

    def check(self, message_type: str, document: Mapping[str, Any], on: date | None = None,
              skip: Collection[str] = ()) -> list[FieldError]: ...

    def warnings(self, message_type: str, document: Mapping[str, Any], on: date | None = None,
                 skip: Collection[str] = ()) -> list[FieldError]:
        """Codes accepted though a list known to be incomplete lacks them (#18)."""
        ...


class Linked(Protocol):
    """Finds the documents a declaration refers to (an inventory by its customs number, an order by its key) and
    what a buyer already bought this year (the annual limit, I4)."""

    def inventory_by_invt_no(self, invt_no: str) -> Declaration | None: ...

    def order(self, ebp_code: str, order_no: str) -> ImportOrder | None: ...

    def annual_ledger(self, buyer_id_number: str, year: int) -> BuyerYear:
        """The buyer's BuyerYear ledger (new when none): a declared inventory is recorded on it in the same save, so
        two declarations for one buyer at the same moment race on its version."""
        ...

    def used_amount(self, ledger: BuyerYear) -> Decimal:
        """The transaction value of the ledger's buyer's inventories declared in its year and not refused or
        cancelled, less approved returns; found without running a projector."""
        ...

    def export_order(self, ebp_code: str, order_no: str) -> Declaration | None:
        """The export order (CEB303) of an export inventory, by the order's key."""
        ...

    def export_inventory_by_invt_no(self, invt_no: str) -> Declaration | None:
        """The export inventory (CEB603) customs numbered invt_no, for its cancellation (CEB605) or return (CEB213)."""
        ...

    def missing_export_waybills(self, logistics_code: str, logistics_nos: list[str]) -> list[str]:
        """The numbers among logistics_nos that are not export waybills (CEB505) of that logistics enterprise."""
        ...

    def export_waybill(self, logistics_code: str, logistics_no: str) -> Declaration | None:
        """The export waybill (CEB505) of that logistics enterprise, for the tenancy of what names it (#16)."""
        ...


@dataclass
class _Batch:
    """What the documents of one batch decided so far, for the checks of the next ones: keys taken, and each
    buyer's used amount with the batch's accepted inventories added (the annual limit counts them too)."""

    keys: set[tuple[str, ...]] = field(default_factory=set)
    used: dict[str, Decimal] = field(default_factory=dict)
    bagged: dict[tuple[str, str], str] = field(default_factory=dict)  # parcel -> the batch's bag listing it (E7)
    ledgers: dict[str, BuyerYear] = field(default_factory=dict)  # buyer -> the BuyerYear its inventories go on (I4)
    replacing: tuple[str, ...] = ()  # #18: the key of the document a new version replaces (engine/customs/amend.py)


class Declarations:
    """申报: declare the documents of one type."""

    ATTEMPTS = 3  # decisions of one document whose save lost a race (`declare`)

    def __init__(self, store: EventStore, catalog: Catalog, doc_type: DocumentType,
                 now: Callable[[], datetime] = clock.now, codes: CodeCheck | None = None,
                 linked: Linked | None = None, documents: ThreeDocuments | None = None,
                 three_document_check: str = "warn"):
        self.store, self.catalog, self.doc_type, self.now = store, catalog, doc_type, now
        self.codes, self.linked = codes, linked
        self.documents, self.three_document_check = documents, three_document_check
        self._enterprises: dict[str, Enterprise] = {}

    def declare(self, raw: dict[str, Any], declared_by: str, principal: Principal | None = None) -> Any:
        """Check and store one document; raises DeclarationRejected with every broken rule, storing nothing.
        With a principal, the sending enterprise must be one of its organisation's (A6). Another save at the same
        moment on what this one records (the document, a bag's parcel claims, the buyer's BuyerYear) makes the save
        fail on a version number: the document is then decided again against what that save stored."""
        for attempt in range(1, self.ATTEMPTS + 1):
            outcome, document = self._decide(0, raw, declared_by, _Batch(), principal)
            if document is None:
                raise DeclarationRejected(outcome.errors)
            try:
                self.store.save(document, *_distinct(outcome.along))
                return document
            except IntegrityError:
                if attempt == self.ATTEMPTS:
                    raise DeclarationRejected([self._raced()]) from None
        raise AssertionError("unreachable")

    def declare_many(self, raws: Sequence[dict[str, Any]], declared_by: str, principal: Principal | None = None,
                     all_or_nothing: bool = False, dry_run: bool = False,
                     along: Callable[[list[Outcome]], Sequence[Any]] | None = None) -> list[Outcome]:
        """Batch declaration: valid documents are stored together in one transaction, invalid ones reported.
        all_or_nothing: one invalid document and none is stored; dry_run: check only; along: the aggregates that
        record the outcomes elsewhere (drafts submitted or refused), saved in the same transaction."""
        batch = _Batch()
        decided = [self._decide(i, raw, declared_by, batch, principal) for i, raw in enumerate(raws)]
        if not dry_run and not (all_or_nothing and any(doc is None for _, doc in decided)):
            extra = along([outcome for outcome, _ in decided]) if along else ()
            claims = _distinct([a for outcome, doc in decided if doc is not None for a in outcome.along])
            try:
                self.store.save(*(doc for _, doc in decided if doc is not None), *claims, *extra)
            except IntegrityError:
                raise DeclarationRejected([self._raced()]) from None
            for outcome, doc in decided:
                outcome.stored = doc is not None
        return [outcome for outcome, _ in decided]

    def decide_many(self, raws: Sequence[Any], declared_by: str, principal: Principal | None = None,
                    passthrough: bool = False, replacing: tuple[str, ...] = ()) -> list[tuple[Outcome, Any]]:
        """Check a batch without storing it: each outcome with its new document, None when refused. For a caller
        that stores the documents with more (a passthrough message of a drop folder, X1: `passthrough` marks them
        packed by that message, and a document it names that is not on the platform is not required; `replacing`:
        the key of a document being modified, #18, which is no duplicate of itself)."""
        batch = _Batch(replacing=replacing)
        return [self._decide(i, raw, declared_by, batch, principal, passthrough) for i, raw in enumerate(raws)]

    def _decide(self, index: int, raw: Any, declared_by: str, batch: _Batch,
                principal: Principal | None = None, passthrough: bool = False) -> tuple[Outcome, Any]:
        if not isinstance(raw, dict):
            return Outcome(index, "", [FieldError("document", "shape", "每个单证必须是一个对象（字段名: 值）",
                                                  "each document must be an object of field names and values")]), None
        moment = self.now()
        document = self.complete(raw, moment)
        errors = self.check(document)
        sender = str(document.get(self.doc_type.sender) or "")
        if principal is not None and not principal.may_see(sender):
            errors.append(FieldError(self.doc_type.sender, "tenancy", f"无权为企业 {sender} 申报（不属于本单位）",
                                     f"you may not declare for enterprise {sender}"))
        key = self.doc_type.key_of(document)
        number = str(document.get(self.doc_type.number) or "")
        owner = str(document.get(self.doc_type.owner_field) or "")
        if principal is not None and owner != sender and not principal.may_see(owner):
            errors.append(self.unusable(key))  # #16 item 6: a number belongs to the enterprise that owns it
        if not errors and (key in batch.keys or (key != batch.replacing and self.exists(key))):
            errors = [self._duplicate(key) if key in batch.keys or self._sees(principal, self.get_by_key(key))
                      else self.unusable(key)]  # "already declared" only to who may see that document
        links: dict[str, str] = {}
        if not errors:
            links, errors = self._links(document, batch, moment, passthrough, principal)
        warnings = self._three_documents(document, principal) if not errors and not passthrough else []
        if warnings and self.three_document_check == "refuse":
            errors = warnings
        outcome = Outcome(index, number, errors, key=key, warnings=[] if errors else warnings)
        if errors:
            return outcome, None
        if self.doc_type is BAG:
            outcome.along, outcome.errors = self._claim_parcels(key, number, document, batch)
            if outcome.errors:
                return outcome, None
        batch.keys.add(key)
        aggregate = self.new(key, number, to_values(document, self.catalog, self.doc_type.message), declared_by,
                             moment, links, passthrough=passthrough)
        outcome.document_id = str(aggregate.id)
        outcome.warnings += self.code_warnings(document)
        ledger = batch.ledgers.get(str(document.get("buyerIdNumber") or "")) if self.doc_type is INVENTORY else None
        if ledger is not None and ledger.count(str(aggregate.id)):  # saved with the inventory (I4)
            outcome.along.append(ledger)
        return outcome, aggregate

    def precheck(self, raw: dict[str, Any], principal: Principal | None = None) -> list[FieldError]:
        """#18: what customs' three-document match would refuse the inventory for (its order, payment and waybill
        missing, refused or disagreeing), before it is declared: the form asks the declarant to confirm them, the API
        answer lists them. [] for the other types."""
        return self._three_documents(self.complete(raw, self.now()), principal)

    def _three_documents(self, document: dict[str, Any], principal: Principal | None) -> list[FieldError]:
        if self.documents is None or self.doc_type.message not in prechecks.CHECKED:
            return []

        def sees(message_type: str, found: Mapping[str, Any]) -> bool:
            return principal is None or visible(principal, message_type, dict(found))

        return self.documents.findings(self.doc_type.message, document, sees)

    def _claim_parcels(self, key: tuple[str, ...], number: str, document: dict[str, Any],
                       batch: _Batch) -> tuple[list[Any], list[FieldError]]:
        """E7: each parcel of a bag is in no other bag customs has not refused (nor in another bag of this batch);
        the claims to record with the bag, or the parcels that are taken, each with the bag holding it."""
        bag_id = str(Declaration.create_id(self.doc_type.message, key))
        claims, errors = [], []
        for line, code, no in parcels_of(document):
            try:
                claim: ParcelInBag | None = self.store.repository.get(ParcelInBag.create_id(code, no))
            except AggregateNotFoundError:
                claim = None
            holder = batch.bagged.get((code, no)) or (claim.bag_no if claim is not None and claim.held else "")
            if holder:
                errors.append(FieldError(f"{PARCEL_LIST}[{line}].{PARCEL_NO}", "bagged",
                                         f"运单 {no} 已在总分单 {holder} 中，不能再装入另一个",
                                         f"parcel {no} is already in bag {holder}: it cannot go into another"))
                continue
            batch.bagged[(code, no)] = number
            if claim is None:
                claim = ParcelInBag(logistics_code=code, logistics_no=no, bag_id=bag_id, bag_no=number)
            else:
                claim.rebag(bag_id=bag_id, bag_no=number)
            claims.append(claim)
        return claims, errors

    def _raced(self) -> FieldError:
        """Someone recorded the same document, or one of a bag's parcels, in the same instant."""
        if self.doc_type is BAG:
            return FieldError(PARCEL_LIST, "bagged", "其中有运单刚被另一个总分单装入，请刷新后重新选择",
                              "a parcel was put into another bag at the same moment: reload and choose again")
        return FieldError(self.doc_type.key[-1], "unique", "该单证刚被他人同时申报，请刷新后查看",
                          "the document was declared by someone else at the same moment: reload to see it")

    def new(self, key: tuple[str, ...], number: str, document: dict[str, Any], declared_by: str,
            declared_at: datetime, links: dict[str, str], passthrough: bool = False) -> Any:
        return Declaration(message_type=self.doc_type.message, key=key, number=number, document=document,
                           declared_by=declared_by, declared_at=declared_at, links=links, passthrough=passthrough)

    def unusable(self, key: tuple[str, ...]) -> FieldError:
        """#16 item 6: the refusal of a number the caller may not use: its owner (an order's ebpCode) is not one of
        the caller's enterprises, or a document (or an open draft, engine/customs/drafts.py) the caller may not see has
        it. The same words for all, so they tell nothing about another organisation's documents."""
        field, shown = self.doc_type.owner_field, "/".join(key)
        if field not in self.doc_type.key:
            field = self.doc_type.key[-1]
        return FieldError(field, "number_owner",
                          f"{self.doc_type.name_zh} {shown} 的编号不能由本单位使用（编号属于其他企业或已被占用）",
                          f"{self.doc_type.name_en.lower()} {shown}: your organisation may not use this number (it "
                          "belongs to another enterprise or is taken)")

    def _sees(self, principal: Principal | None, existing: Any) -> bool:
        """Whether the principal may see an existing document (one of its parties is the principal's, A6)."""
        return principal is None or existing is None or visible(principal, self.doc_type.message, existing.document)

    def _may_act_on(self, principal: Principal | None, linked: Any, sender: str) -> bool:
        """#16 item 1: whether a declaration by `sender` for the principal may refer to a linked document: the
        principal's organisation acts for one of the linked document's actors (its sender, the owner of its number,
        an inventory's e-commerce enterprise). A supervised site reports whatever parcels pass through it: its
        arrivals and tallies may name anyone's (the sender registered as a site, `documents.SITE`)."""
        if principal is None or principal.sees_all or linked is None:
            return True
        if self.doc_type.role == SITE and SITE in (getattr(self.enterprise(sender), "kinds", None) or ()):
            return True
        linked_type = of_message(getattr(linked, "message_type", ORDER.message))
        return any(principal.may_see(code) for code in linked_type.actors(linked.document))

    def _duplicate(self, key: tuple[str, ...]) -> FieldError:
        field = self.doc_type.key[-1]
        shown = "/".join(key)
        return FieldError(field, "unique", f"{self.doc_type.name_zh} {shown} 已申报过，不能重复申报",
                          f"{self.doc_type.name_en.lower()} {shown} was already declared")

    def warnings(self, raw: dict[str, Any]) -> list[FieldError]:
        """What a document declared with `declare` was accepted with: codes missing from incomplete lists (#18)."""
        return self.code_warnings(self.complete(raw, self.now()))

    def code_warnings(self, document: dict[str, Any]) -> list[FieldError]:
        return self.codes.warnings(self.doc_type.message, document) if self.codes is not None else []

    def complete(self, raw: dict[str, Any], moment: datetime) -> dict[str, Any]:
        return complete(raw, moment, self.catalog, self.doc_type)

    def check(self, document: dict[str, Any]) -> list[FieldError]:
        message_type = self.doc_type.message
        head, lists = self.catalog.specs(message_type)
        errors = rules.check_fields(document, head)
        for list_name, line_specs in lists.items():
            lines = document.get(list_name) or []
            if not isinstance(lines, list) or not all(isinstance(line, dict) for line in lines):
                return errors + [FieldError(list_name, "shape", f"{list_name} 必须是明细对象的列表",
                                            f"{list_name} must be a list of line objects")]
            for i, line in enumerate(lines, start=1):
                errors += rules.check_fields(line, line_specs, prefix=f"{list_name}[{i}].")
        if self.codes is not None:
            errors += self.codes.check(message_type, document, skip={e.field for e in errors})
        failed = {e.field for e in errors}  # a field already wrong in shape or code is not judged again
        errors += [e for e in document_rules.check(message_type, document) if e.field not in failed]
        return errors + self._check_sender(document) if not errors else errors

    def _check_sender(self, document: dict[str, Any]) -> list[FieldError]:
        field = self.doc_type.sender
        code = str(document.get(field))
        if self.enterprise(code) is None:
            return [FieldError(field, "registered", f"企业 {code} 未在平台登记，无法加签发送",
                               f"enterprise {code} is not registered on the platform")]
        return []

    def _links(self, document: dict[str, Any], batch: _Batch, moment: datetime, passthrough: bool = False,
               principal: Principal | None = None) -> tuple[dict[str, str], list[FieldError]]:
        """The documents this one refers to. The inventory a cancellation (CEB623, CEB605) or a return (CEB625,
        CEB213) names: it must be on the platform, known to customs by its invtNo, and in a state customs takes the
        request in; a return's lines must be its lines. An inventory (CEB621): `_check_inventory`; the export
        inventory and the parcel lists: `_check_export`; a summary's inventories and a tally's parcel: `_check_named`.
        #16 item 1: every linked document must be one the principal may act on (`_may_act_on`); one it may not is
        treated as absent, so the refusal says nothing of it (its state, its goods); in a passthrough message, where
        an absent one is let through to customs, it is refused with the words said of an absent one."""
        if self.linked is None:
            return {}, []
        message_type = self.doc_type.message
        sender = str(document.get(self.doc_type.sender) or "")

        def acted_on(found: Any) -> Any:
            return found if self._may_act_on(principal, found, sender) else None

        usable = acted_on if principal is not None and not principal.sees_all else None

        if message_type == "CEB621":
            return {}, _check_inventory(self.linked, document, batch, moment.year, usable)
        if message_type in export_rules.PARCEL_LISTS or message_type == "CEB603":
            return {}, _check_export(self.linked, message_type, document, passthrough, usable)
        if message_type in ("CEB701", "CEB215"):
            return {}, _check_named(self.linked, document, usable)
        if message_type not in {*import_rules.CANCELLATIONS, *import_rules.RETURNS}:
            return {}, []
        invt_no = str(document.get("invtNo") or "")
        found = self.linked.inventory_by_invt_no(invt_no) if self.doc_type.direction == "import" \
            else self.linked.export_inventory_by_invt_no(invt_no)
        inventory = usable(found) if usable is not None else found
        if found is None and passthrough:  # declared elsewhere: customs judges it
            return {}, []
        errors = import_rules.check_against_inventory(self.doc_type.message, document, inventory)
        return ({"inventory": str(inventory.id)} if inventory is not None and not errors else {}), errors

    def enterprise(self, code: str) -> Enterprise | None:
        """Registered enterprises are remembered: registration is never undone (yet), absence is re-checked."""
        if code not in self._enterprises:
            try:
                self._enterprises[code] = self.store.repository.get(Enterprise.create_id(code))
            except AggregateNotFoundError:
                return None
        return self._enterprises[code]

    def exists(self, key: tuple[str, ...]) -> bool:
        return Declaration.create_id(self.doc_type.message, key) in self.store.repository

    def get_by_key(self, key: tuple[str, ...]) -> Any:
        try:
            return self.store.repository.get(Declaration.create_id(self.doc_type.message, key))
        except AggregateNotFoundError:
            return None


class ImportOrders(Declarations):
    """订单管理 (I3): CEB311 orders, stored as ImportOrder aggregates (their event topics predate the others)."""

    def __init__(self, store: EventStore, catalog: Catalog, now: Callable[[], datetime] = clock.now,
                 codes: CodeCheck | None = None):
        super().__init__(store, catalog, ORDER, now, codes)

    def new(self, key: tuple[str, ...], number: str, document: dict[str, Any], declared_by: str,
            declared_at: datetime, links: dict[str, str], passthrough: bool = False) -> ImportOrder:
        return ImportOrder(ebp_code=key[0], order_no=key[1], document=document, declared_by=declared_by,
                           declared_at=declared_at, passthrough=passthrough)

    def _duplicate(self, key: tuple[str, ...]) -> FieldError:
        return FieldError("orderNo", "unique", f"订单编号 {key[1]} 已申报过（同一电商平台内唯一）",
                          f"order {key[1]} was already declared on this platform")

    def get(self, ebp_code: str, order_no: str) -> ImportOrder | None:
        return self.get_by_key((ebp_code, order_no))


def _check_inventory(linked: Linked, document: dict[str, Any], batch: _Batch, year: int,
                     usable: Callable[[Any], Any] | None = None) -> list[FieldError]:
    """An inventory against its order when the order is on the platform (lines one-to-one, same goods names),
    then the buyer's annual limit over the inventories declared this year, this batch's included (I4): measured on
    the buyer's BuyerYear ledger as loaded here, the same version the accepted inventory is then recorded on. An
    order the declarant may not act on is not compared (#16: its goods are not told)."""
    order = linked.order(str(document.get("ebpCode") or ""), str(document.get("orderNo") or ""))
    order = usable(order) if usable is not None else order
    errors = import_rules.check_against_order(document, order.document) if order is not None else []
    buyer = str(document.get("buyerIdNumber") or "")
    if errors or not buyer:
        return errors
    if buyer not in batch.used:
        batch.ledgers[buyer] = linked.annual_ledger(buyer, year)
        batch.used[buyer] = linked.used_amount(batch.ledgers[buyer])
    errors = import_rules.check_annual_limit(document, batch.used[buyer])
    if not errors:
        batch.used[buyer] += tax.transaction_value(document)
    return errors


def _distinct(aggregates: Sequence[Any]) -> list[Any]:
    """Each aggregate once (the inventories of one buyer in a batch share its BuyerYear)."""
    return list({a.id: a for a in aggregates}.values())


def _check_export(linked: Linked, message_type: str, document: dict[str, Any], passthrough: bool = False,
                  usable: Callable[[Any], Any] | None = None) -> list[FieldError]:
    """An export inventory (CEB603) against its order when the order is on the platform; a bag, an arrival or a
    departure against the export waybills declared on the platform (E2, E7, E8, E10); not in a passthrough message,
    whose parcels may have been declared elsewhere. #16: an order or a waybill the declarant may not act on counts as
    not declared on the platform (a passthrough message may not name it either)."""
    if message_type == "CEB603":
        order = linked.export_order(str(document.get("ebpCode") or ""), str(document.get("orderNo") or ""))
        order = usable(order) if usable is not None else order
        return export_rules.check_against_order(document, order.document) if order is not None else []
    list_name = export_rules.PARCEL_LISTS[message_type]
    listed = export_rules.listed_waybills(document, list_name)
    code = str(document.get("logisticsCode") or "")
    missing = linked.missing_export_waybills(code, listed) if listed and not passthrough else []
    foreign = [] if usable is None else [
        no for no in listed if no not in missing and (found := linked.export_waybill(code, no)) is not None
        and usable(found) is None]
    return export_rules.check_waybills(document, list_name, [no for no in listed if no in {*missing, *foreign}])


def _check_named(linked: Linked, document: dict[str, Any], usable: Callable[[Any], Any] | None) -> list[FieldError]:
    """#16: the export inventories a summary (CEB701) lists and the inventory and waybill a tally (CEB215) names,
    when they are on the platform, are documents the declarant may act on; one it may not is refused with the words
    said of an inventory that is not on the platform."""
    errors: list[FieldError] = []
    if usable is None:
        return errors
    lines = document.get("summaryApplyList")
    named = [(f"summaryApplyList[{i}].invtNo", str(line.get("invtNo") or ""))
             for i, line in enumerate(lines if isinstance(lines, list) else [], start=1) if isinstance(line, dict)]
    if document.get("invtNo"):
        named.append(("invtNo", str(document["invtNo"])))
    for name, invt_no in named:
        found = linked.export_inventory_by_invt_no(invt_no) if invt_no else None
        if found is not None and usable(found) is None:
            errors.append(_absent_inventory(name, invt_no))
    logistics_no = str(document.get("logisticsNo") or "")
    waybill = linked.export_waybill(str(document.get("logisticsCode") or ""), logistics_no) if logistics_no else None
    if waybill is not None and usable(waybill) is None:
        errors.append(FieldError("logisticsNo", "waybills_declared",
                                 f"运单号 {logistics_no} 未在平台申报为该物流企业的出口运单(CEB505)",
                                 f"logisticsNo {logistics_no} is not an export waybill (CEB505) of that logistics "
                                 "enterprise declared on the platform", logistics_no))
    return errors


def _absent_inventory(field: str, invt_no: str) -> FieldError:
    """The words import_rules.check_against_inventory says of an inventory that is not on the platform."""
    return FieldError(field, "inventory_exists", f"清单编号 {invt_no} 在平台上不存在或尚未取得海关清单编号",
                      f"no inventory with invtNo {invt_no} on the platform", invt_no)


def complete(raw: dict[str, Any], moment: datetime, catalog: Catalog | None = None,
             doc_type: DocumentType = ORDER) -> dict[str, Any]:
    """The document as declared, with the values customs fixes or the platform generates filled in."""
    _, lists = (catalog or Catalog()).specs(doc_type.message)
    document = {k: _clean(v) for k, v in raw.items() if k not in lists}
    for name, value in doc_type.head_defaults.items():
        if document.get(name) is None:
            document[name] = value
    for name in doc_type.generated:
        if document.get(name) is None:
            document[name] = f"{doc_type.message[3:]}{uuid.uuid4().hex[:17].upper()}"
    if document.get("guid") is None:
        document["guid"] = str(uuid.uuid4()).upper()
    if document.get("appTime") is None:
        document["appTime"] = clock.customs_time(moment)
    for list_name in lists:
        lines = raw.get(list_name) or []
        document[list_name] = [_complete_line(line, i, doc_type) for i, line in enumerate(lines, start=1)] \
            if isinstance(lines, list) else lines
    return document


def _complete_line(line: Any, gnum: int, doc_type: DocumentType) -> Any:
    if not isinstance(line, dict):
        return line
    done = {k: _clean(v) for k, v in line.items()}
    if done.get("gnum") is None:
        done["gnum"] = gnum
    for name, value in doc_type.line_defaults.items():
        if done.get(name) is None:
            done[name] = value
    return done


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def to_values(document: dict[str, Any], catalog: Catalog, message_type: str = "CEB311") -> dict[str, Any]:
    """Numbers as Decimal (or int), codes and names as str, empty optional fields dropped."""
    head, lists = catalog.specs(message_type)
    converted = _convert(document, head)
    for list_name, line_specs in lists.items():
        converted[list_name] = [_convert(line, line_specs) for line in document.get(list_name) or []]
    return converted


def _convert(doc: dict[str, Any], specs: Sequence[rules.FieldSpec]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for spec in specs:
        value = doc.get(spec.name)
        if value is None:
            continue
        number = rules.to_decimal(value) if spec.kind != "string" else None
        out[spec.name] = int(number) if spec.kind == "int" and number is not None else \
            number if number is not None else str(value)
    return out
