"""Application services of the import declaration system (跨境电商进口申报): load, decide, save."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from eventsourcing.application import AggregateNotFoundError

from domain.customs import rules
from domain.customs.model import ImportOrder
from domain.customs.rules import DeclarationRejected, FieldError
from domain.identity.model import Enterprise
from domain.identity.roles import Principal
from engine import clock
from engine.catalog import Catalog
from engine.store import EventStore

HEAD_DEFAULTS = {"appType": "1", "appStatus": "2", "orderType": "I", "currency": "142", "buyerIdType": "1"}
LINE_DEFAULTS = {"currency": "142"}


@dataclass
class Outcome:
    """What happened to one document of a batch: stored, or refused with its errors."""

    index: int
    order_no: str
    errors: list[FieldError]
    stored: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


class CodeCheck(Protocol):
    """The code rules of the reference data (I1): codes exist and are valid on the declaration date."""

    def check(self, message_type: str, document: Mapping[str, Any], on: date | None = None,
              skip: Collection[str] = ()) -> list[FieldError]: ...


class ImportOrders:
    """订单管理 (I3): declare CEB311 orders."""

    def __init__(self, store: EventStore, catalog: Catalog, now: Callable[[], datetime] = clock.now,
                 codes: CodeCheck | None = None):
        self.store = store
        self.catalog = catalog
        self.now = now
        self.codes = codes
        self._enterprises: dict[str, Enterprise] = {}

    def declare(self, raw: dict[str, Any], declared_by: str, principal: Principal | None = None) -> ImportOrder:
        """Check and store one order; raises DeclarationRejected with every broken rule, storing nothing.
        With a principal, the e-commerce enterprise must be one of its organisation's (A6)."""
        outcome, order = self._decide(0, raw, declared_by, set(), principal)
        if order is None:
            raise DeclarationRejected(outcome.errors)
        self.store.save(order)
        return order

    def declare_many(self, raws: Sequence[dict[str, Any]], declared_by: str, principal: Principal | None = None,
                     all_or_nothing: bool = False, dry_run: bool = False) -> list[Outcome]:
        """Batch declaration: valid orders are stored together in one transaction, invalid ones reported.
        all_or_nothing: one invalid order and none is stored; dry_run: check only."""
        seen: set[tuple[str, str]] = set()
        decided = [self._decide(i, raw, declared_by, seen, principal) for i, raw in enumerate(raws)]
        if not dry_run and not (all_or_nothing and any(order is None for _, order in decided)):
            self.store.save(*(order for _, order in decided if order is not None))
            for outcome, order in decided:
                outcome.stored = order is not None
        return [outcome for outcome, _ in decided]

    def _decide(self, index: int, raw: dict[str, Any], declared_by: str, seen: set[tuple[str, str]],
                principal: Principal | None = None) -> tuple[Outcome, ImportOrder | None]:
        moment = self.now()
        document = complete(raw, moment)
        errors = self.check(document)
        if principal is not None and not principal.may_see(str(document.get("ebcCode") or "")):
            errors.append(FieldError("ebcCode", "tenancy", f"无权为企业 {document.get('ebcCode')} 申报（不属于本单位）",
                                     f"you may not declare for enterprise {document.get('ebcCode')}"))
        key = (str(document.get("ebpCode", "")), str(document.get("orderNo", "")))
        if not errors and (key in seen or self._exists(*key)):
            errors = [FieldError("orderNo", "unique", f"订单编号 {key[1]} 已申报过（同一电商平台内唯一）",
                                 f"order {key[1]} was already declared on this platform")]
        outcome = Outcome(index, key[1], errors)
        if errors:
            return outcome, None
        seen.add(key)
        order = ImportOrder(ebp_code=key[0], order_no=key[1], document=to_values(document, self.catalog),
                            declared_by=declared_by, declared_at=moment)
        return outcome, order

    def check(self, document: dict[str, Any]) -> list[FieldError]:
        head, lists = self.catalog.specs("CEB311")
        errors = rules.check_fields(document, head)
        for list_name, line_specs in lists.items():
            lines = document.get(list_name) or []
            if not isinstance(lines, list) or not all(isinstance(line, dict) for line in lines):
                return errors + [FieldError(list_name, "shape", f"{list_name} 必须是商品明细对象的列表",
                                            f"{list_name} must be a list of line objects")]
            for i, line in enumerate(lines, start=1):
                errors += rules.check_fields(line, line_specs, prefix=f"{list_name}[{i}].")
        if self.codes is not None:
            errors += self.codes.check("CEB311", document, skip={e.field for e in errors})
        errors += rules.check_import_order(document)
        return errors + self._check_sender(document) if not errors else errors

    def _check_sender(self, document: dict[str, Any]) -> list[FieldError]:
        code = str(document.get("ebcCode"))
        if self.enterprise(code) is None:
            return [FieldError("ebcCode", "registered", f"电商企业 {code} 未在平台登记，无法加签发送",
                               f"e-commerce enterprise {code} is not registered on the platform")]
        return []

    def enterprise(self, code: str) -> Enterprise | None:
        """Registered enterprises are remembered: registration is never undone (yet), absence is re-checked."""
        if code not in self._enterprises:
            try:
                self._enterprises[code] = self.store.repository.get(Enterprise.create_id(code))
            except AggregateNotFoundError:
                return None
        return self._enterprises[code]

    def _exists(self, ebp_code: str, order_no: str) -> bool:
        return ImportOrder.create_id(ebp_code, order_no) in self.store.repository

    def get(self, ebp_code: str, order_no: str) -> ImportOrder | None:
        try:
            return self.store.repository.get(ImportOrder.create_id(ebp_code, order_no))
        except AggregateNotFoundError:
            return None


def complete(raw: dict[str, Any], moment: datetime) -> dict[str, Any]:
    """The document as declared, with the values customs fixes or the platform generates filled in."""
    document = {k: _clean(v) for k, v in raw.items() if k != "orderList"}
    for name, value in HEAD_DEFAULTS.items():
        document.setdefault(name, value)
    document.setdefault("guid", str(uuid.uuid4()).upper())
    document.setdefault("appTime", clock.customs_time(moment))
    lines = raw.get("orderList") or []
    document["orderList"] = [_complete_line(line, i) for i, line in enumerate(lines, start=1)] \
        if isinstance(lines, list) else lines
    return document


def _complete_line(line: Any, gnum: int) -> Any:
    if not isinstance(line, dict):
        return line
    done = {k: _clean(v) for k, v in line.items()}
    done.setdefault("gnum", gnum)
    for name, value in LINE_DEFAULTS.items():
        done.setdefault(name, value)
    return done


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def to_values(document: dict[str, Any], catalog: Catalog) -> dict[str, Any]:
    """Numbers as Decimal (or int), codes and names as str, empty optional fields dropped."""
    head, lists = catalog.specs("CEB311")
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
