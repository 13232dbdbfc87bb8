"""申报企业控制台 for every import document but the order (I4-I11) and every export document (E1-E10), from the table
of domain/customs/documents.py: list (declared documents and 暂存 drafts together), form (declare, save as draft, tax
preview for import inventories), document and draft pages. Import orders keep their own pages (declarant.py); their
drafts are listed here too.

Routes are made per document type, each with its feature's permission ("I4:view", "E7:declare" ...). This router is
included before declarant.py's, so /declarant/orders/drafts is not taken for an order number."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from domain.customs.documents import (
    ALL_TYPES,
    ARRIVAL,
    BAG,
    DEPARTURE,
    EXPORT_INVENTORY,
    INVENTORY,
    ORDER,
    DocumentType,
    of_message,
)
from domain.shared import formats, statuses
from domain.shared.rules import DeclarationRejected
from engine.customs.catalog import Catalog, Fields
from projections.customs.documents import SORTABLE
from ui.deps import PlatformDep, render
from ui.i18n import lang_of
from ui.i18n.amend import words
from ui.listing import ListQuery, ListRefused, may_reveal, parse, personal_rows
from ui.personal import personal_page, restored, reveal_context
from ui.routers.customs.actions import document_actions, versions_of
from ui.security import require

router = APIRouter(include_in_schema=False)  # the paths are whole: base_url(), list_url()
catalog = Catalog()
PER_PAGE = 20
HIDDEN = {"guid", "appType", "appTime", "appStatus", "preNo", "rkdNo"}  # made by the platform or by customs
# the enterprise kind whose code a new form starts with, when the user's organisation has one (the sender field takes
# the kind of the type's role: a bag's agentCode is the logistics enterprise's)
PREFILL = {"ebpCode": "platform", "ebcCode": "ecommerce", "agentCode": "ecommerce", "assureCode": "ecommerce",
           "ownerCode": "ecommerce", "declAgentCode": "ecommerce", "payCode": "payment", "logisticsCode": "logistics",
           "operatorCode": "site"}
INVENTORIES = {"import": INVENTORY, "export": EXPORT_INVENTORY}  # the inventory a cancellation or return names
# documents made from one of this type, their form prefilled from it (bagging.py): a bag's arrival and departure
FOLLOW_UPS = {BAG.message: (ARRIVAL, DEPARTURE)}
STATUSES = [statuses.DRAFT, statuses.DECLARED, statuses.PREPARED, statuses.SENT, "2", "120", "100", "300", "399",
            "500", "800", "899", statuses.CANCELLED]
LINE_FIELD = re.compile(r"(\w+)\.(\d+)\.(\w+)")
NOTICES = {"none_selected", "conflict", "discarded"}  # what the list says after a batch action sent the user back
CONFIRM = "confirm_missing_documents"  # #18: the declarant declares an inventory despite the three-document warnings


# #18: fields a declarant chooses from the values customs lists, shown as a select (value, zh, en). CEB303 orderType:
# E B2C 出口订单 (9610/1210), B B2B 出口订单 (9710), W 海外仓订仓单 (9810): RULES.md 2.1 CEB303, NOTES.md CEB303
CHOICES: dict[str, dict[str, list[tuple[str, str, str]]]] = {
    "CEB303": {"orderType": [("E", "E 一般出口 (9610) B2C出口订单", "E general export (9610), B2C order"),
                             ("B", "B 跨境电商B2B直接出口 (9710)", "B cross-border B2B direct export (9710)"),
                             ("W", "W 出口海外仓 (9810) 订仓单", "W export to an overseas warehouse (9810), booking")]}}


@dataclass(frozen=True)
class Form:
    """The fields a declarant fills in for one type: head, and the lines of its one list (if it has one)."""

    head: Fields
    list_key: str
    lines: Fields


def form_of(doc_type: DocumentType) -> Form:
    head, lists = catalog.specs(doc_type.message)
    hidden = (HIDDEN | set(doc_type.head_defaults)) - set(CHOICES.get(doc_type.message, {}))  # values customs fixes
    if doc_type in INVENTORIES.values():
        hidden.add("invtNo")  # customs assigns it; cancellations and returns name it
    list_key, line_specs = next(iter(lists.items()), ("", []))
    line_hidden = {"gnum", *doc_type.line_defaults}
    return Form([s for s in head if s.name not in hidden], list_key,
                [s for s in line_specs if s.name not in line_hidden])


def base_url(doc_type: DocumentType) -> str:
    return f"/declarant/{doc_type.slug}"


def list_url(doc_type: DocumentType) -> str:
    """Every type's list is at its base, orders too since #18 (one order console)."""
    return base_url(doc_type)


def page_context(doc_type: DocumentType) -> dict[str, Any]:
    """What every page of a type needs to link to the others."""
    return {"doc_type": doc_type, "base": base_url(doc_type), "list_url": list_url(doc_type),
            "is_order": doc_type is ORDER, "is_inventory": doc_type is INVENTORY}


def parse_form(form: dict[str, Any], list_key: str) -> dict[str, Any]:
    """Head fields by name; line fields named <list>.<n>.<field>, in the order of n; empty lines dropped."""
    head: dict[str, Any] = {}
    lines: dict[int, dict[str, Any]] = {}
    for name, value in form.items():
        match = LINE_FIELD.fullmatch(name)
        if match and match.group(1) == list_key:
            lines.setdefault(int(match.group(2)), {})[match.group(3)] = value
        elif not name.startswith("_") and not match and name != CONFIRM:
            head[name] = formats.from_picker(name, value) if isinstance(value, str) else value  # #18: picker values
    if list_key:
        head[list_key] = [lines[n] for n in sorted(lines) if any(str(v).strip() for v in lines[n].values())]
    return head


def prefilled(doc_type: DocumentType, platform: Any, principal: Any) -> dict[str, Any]:
    """A new document starts with the defaults and the user's own enterprises in their fields."""
    shown = {s.name for s in form_of(doc_type).head}
    values = {k: v for k, v in doc_type.head_defaults.items() if k in shown}
    firms = [e for e in platform.identity.enterprises.all() if principal.may_see(e.code)]
    for name, kind in (PREFILL | {doc_type.sender: doc_type.role}).items():
        firm = next((e for e in firms if kind in e.kinds), None)
        if name in shown and firm is not None:
            values[name], values[name.replace("Code", "Name")] = firm.code, firm.name
    return values


def add_page(to: APIRouter, path: str, endpoint: Any, permission: str, method: str = "GET") -> None:
    """One route of one document type, with the permission of its feature."""
    to.add_api_route(path, endpoint, methods=[method], response_class=HTMLResponse,
                     dependencies=[require(permission)], name=f"{method.lower()} {path}")


def _list_page(doc_type: DocumentType) -> Any:
    def listing(request: Request, platform: PlatformDep, q: str = "", date_from: str = "", date_to: str = "",
                buyer: str = "", notice: str = "") -> Any:
        """#18: one list per type (orders too): search, buyer search, several statuses, page size, jump, sorting;
        buyers' ID numbers and phones masked unless shown whole with a reason (logged)."""
        filters = {"q": q, "date_from": date_from, "date_to": date_to, "buyer": buyer}
        context = page_context(doc_type) | {"statuses": STATUSES, "filters": filters, "sortable": SORTABLE,
                                            "notice": notice if notice in NOTICES else ""}
        try:
            lq = listing_of(request)
            rows, total = platform.customs.drafts.listing(doc_type, request.state.principal, **filters,
                                                          **lq.criteria())
            rows, revealed = personal_rows(request, platform, rows, f"{doc_type.name_zh} {doc_type.slug} list")
        except ListRefused as refused:
            return render(request, "customs/documents/list.html", context | {
                "rows": [], "total": 0, "lq": ListQuery(), "revealed": False, "list_error": refused}, 422)
        return render(request, "customs/documents/list.html", context | {
            "rows": rows, "total": total, "lq": lq, "revealed": revealed, "may_reveal": may_reveal(
                request.state.principal)})
    return listing


def listing_of(request: Request) -> ListQuery:
    """The list parameters of a document list (ui/listing.py), its statuses and sortable columns."""
    return parse(request, SORTABLE, STATUSES)


def _drafts_moved(request: Request) -> Any:
    """The orders' drafts had their own list; it is the one order list now (#18): old links keep working."""
    query = request.url.query
    return RedirectResponse(f"{base_url(ORDER)}?{query or 'status=' + statuses.DRAFT}", status_code=301)


def form_page(request: Request, doc_type: DocumentType, values: dict[str, Any], errors: list[Any],
              tax: Any = None, status_code: int = 200, warnings: list[Any] | None = None, **extra: Any) -> Any:
    """The type's form; `extra`: what a form built from another document adds (#18: amending, form_action ...)."""
    form = form_of(doc_type)
    lines = (values.get(form.list_key) or [{}]) if form.list_key else []
    return render(request, "customs/documents/form.html", page_context(doc_type) | {
        "form": form, "values": values, "lines": lines, "errors": errors, "by_field": {e.field: e for e in errors},
        "tax": tax, "warnings": warnings or [], "picker_kind": formats.kind_of, "picker": formats.to_picker,
        "choices": CHOICES.get(doc_type.message, {}), **extra},
        status_code=status_code)


def _new_page(doc_type: DocumentType) -> Any:
    def new(request: Request, platform: PlatformDep) -> Any:
        return form_page(request, doc_type, prefilled(doc_type, platform, request.state.principal), [])
    return new


def _submit(doc_type: DocumentType) -> Any:
    async def submit(request: Request, platform: PlatformDep) -> Any:
        """_action: declare (default), draft (暂存), tax (inventories: the tax preview, nothing stored)."""
        form, principal = dict((await request.form()).items()), request.state.principal
        raw, action = parse_form(form, form_of(doc_type).list_key), form.get("_action")
        raw = restored(request, platform, raw, str(form.get("_personal_from") or ""))  # #18: masked in the form
        if action == "tax" and doc_type is INVENTORY:
            return form_page(request, doc_type, raw, [], tax=platform.customs.document_queries.tax_preview(raw))
        try:
            if action == "draft":
                draft = platform.customs.drafts.save(doc_type, raw, principal)
                return RedirectResponse(f"{base_url(doc_type)}/drafts/{draft.id}?saved=1", status_code=303)
            declarations = platform.customs.declarations[doc_type.message]
            if not form.get(CONFIRM):  # #18: an inventory's three-document warnings are shown, declared once confirmed
                [checked] = declarations.declare_many([raw], principal.name, principal, dry_run=True)
                if checked.ok and checked.warnings:
                    return form_page(request, doc_type, raw, [], status_code=409, warnings=checked.warnings)
            stored = declarations.declare(raw, declared_by=principal.name, principal=principal)
        except DeclarationRejected as rejected:
            return form_page(request, doc_type, raw, rejected.errors, status_code=422)
        platform.runner.wake.set()
        platform.customs.documents_view.run_once()
        return RedirectResponse(f"{base_url(doc_type)}/{stored.id}?created=1", status_code=303)
    return submit


def not_found(request: Request, doc_type: DocumentType, number: str) -> Any:
    return render(request, "customs/documents/not_found.html", page_context(doc_type) | {"number": number},
                  status_code=404)


def _detail_page(doc_type: DocumentType) -> Any:
    def detail(request: Request, platform: PlatformDep, document_id: UUID) -> Any:
        found = platform.customs.document_queries.detail(doc_type, str(document_id), request.state.principal)
        if found is None:
            return not_found(request, doc_type, str(document_id))
        document = found.document
        tax = platform.customs.document_queries.tax_preview(document.document) if doc_type is INVENTORY else None
        page = render(request, "customs/documents/detail.html", page_context(doc_type) | show(doc_type) | {
            "d": found, "doc": document.document | document.numbers, "tax": tax, "links": links(document, lang_of(
                request, platform.settings.lang)), "created": request.query_params.get("created") == "1",
            "follow_ups": follow_ups(doc_type, found, request.state.principal),
            **amend_context(request, doc_type, document, found.status, lang_of(request, platform.settings.lang)),
            "code_warnings": platform.customs.declarations[doc_type.message].code_warnings(document.document),
            **reveal_context(request)})
        return personal_page(request, platform, page, [document.document, *(m.xml for m in found.messages)],
                             f"{doc_type.name_zh} {doc_type.slug} {document.number}", [document.number])  # #18
    return detail


def amend_context(request: Request, doc_type: DocumentType, document: Any, status: str, lang: str) -> dict[str, Any]:
    """#18: the actions bar (修改重报, 复制新增, customs requests, the inventory built from it) and the versions."""
    return {"actions": document_actions(doc_type, document, status, request.state.principal),
            "versions": versions_of(document), "aw": words(lang),
            "modified": request.query_params.get("modified") == "1"}


def follow_ups(doc_type: DocumentType, found: Any, principal: Any) -> list[tuple[DocumentType, str]]:
    """运抵 / 离境 of a bag customs did not refuse, for a user who may declare them: (type, form url)."""
    if found.status == "100" or found.status.startswith("-"):
        return []
    return [(target, follow_up_url(doc_type, str(found.document.id), target))
            for target in FOLLOW_UPS.get(doc_type.message, ()) if principal.can(target.permission("declare"))]


def follow_up_url(source: DocumentType, document_id: str, target: DocumentType) -> str:
    return f"{base_url(source)}/{document_id}/{target.slug}"


def links(document: Any, lang: str) -> list[tuple[str, str]]:
    """The documents this one refers to (a cancellation's or a return's inventory), by name and page."""
    linked = {"inventory": INVENTORIES[of_message(document.message_type).direction]}
    return [(linked[role].label(lang), f"{base_url(linked[role])}/{aggregate_id}")
            for role, aggregate_id in document.links.items() if role in linked]


def show(doc_type: DocumentType) -> dict[str, Any]:
    """Every field of the type, for the pages that show a document as it is."""
    head, lists = catalog.specs(doc_type.message)
    list_key, lines = next(iter(lists.items()), ("", []))
    return {"head_fields": [s for s in head if s.name != "guid"], "list_key": list_key, "line_fields": lines}


def _draft_page(doc_type: DocumentType) -> Any:
    def draft_page(request: Request, platform: PlatformDep, draft_id: UUID) -> Any:
        draft = platform.customs.drafts.get(str(draft_id), request.state.principal)
        if draft is None:
            return not_found(request, doc_type, str(draft_id))
        tax = platform.customs.document_queries.tax_preview(draft.document) if doc_type is INVENTORY else None
        page = render(request, "customs/documents/draft.html", page_context(doc_type) | show(doc_type) | {
            "draft": draft, "doc": draft.document, "tax": tax, "saved": request.query_params.get("saved") == "1"})
        return personal_page(request, platform, page, [draft.document], f"{doc_type.name_zh} draft {draft_id}",
                             [str(draft_id)])  # #18
    return draft_page


def _register() -> None:
    for doc_type in ALL_TYPES:
        base, view, declare = base_url(doc_type), doc_type.permission("view"), doc_type.permission("declare")
        add_page(router, list_url(doc_type), _list_page(doc_type), view)
        if doc_type is ORDER:
            add_page(router, f"{base}/drafts", _drafts_moved, view)
        add_page(router, f"{base}/drafts/{{draft_id:uuid}}", _draft_page(doc_type), view)
        if doc_type is not ORDER:  # orders have their form and page in declarant.py
            add_page(router, f"{base}/new", _new_page(doc_type), declare)
            add_page(router, f"{base}/new", _submit(doc_type), declare, "POST")
            add_page(router, f"{base}/{{document_id:uuid}}", _detail_page(doc_type), view)


_register()
