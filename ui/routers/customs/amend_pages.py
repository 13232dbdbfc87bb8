"""#18 on the declarant console: 修改重报 (modify and declare again), 复制新增 (copy as new), and the forms of documents
built from another one (an inventory's cancellation or return, an inventory from its order, payment or waybill, an
export inventory from its export order). Each form is the type's ordinary form (customs/documents/form.html),
prefilled; only documents the user's organisation may see are read, and a link is only offered where it may be used
(ui/routers/customs/actions.py)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from domain.customs import documents as types
from domain.customs.documents import ALL_TYPES, ORDER, DocumentType
from domain.shared.rules import DeclarationRejected
from engine.customs.amend import (
    BUILDS_INVENTORY,
    CUSTOMS_ACTIONS,
    amendments,
    copied,
    customs_actions,
    editable,
    from_inventory,
    may_act,
    modifiable,
)
from ui.deps import PlatformDep
from ui.i18n import lang_of
from ui.i18n.amend import words
from ui.personal import kept_personal, personal_page, sources_field
from ui.routers.customs.documents import add_page, base_url, form_of, form_page, not_found, parse_form, prefilled

router = APIRouter(include_in_schema=False)
REASON_FIELD = "_amend_reason"


def detail_url(doc_type: DocumentType, document: Any) -> str:
    """The document's page: an order's is by its number (ui/routers/customs/pages.py)."""
    if doc_type is ORDER:
        return f"/declarant/orders/{document.order_no}?ebpCode={document.ebp_code}"
    return f"{base_url(doc_type)}/{document.id}"


def _words(request: Request, platform: Any) -> Any:
    return words(lang_of(request, platform.settings.lang))


def _acted_on(request: Request, platform: Any, doc_type: DocumentType, document_id: UUID) -> Any:
    """The document, when the user's organisation may see and act on it; None otherwise (one answer for both)."""
    principal = request.state.principal
    found = amendments(platform).find(doc_type, str(document_id), principal)
    return found if found is not None and may_act(principal, doc_type, found.document) else None


def amend_form(request: Request, platform: Any, doc_type: DocumentType, document: Any, values: dict[str, Any],
               errors: list[Any], reason: str = "", status_code: int = 200) -> Any:
    return form_page(request, doc_type, values, errors, status_code=status_code, amending=True,
                     form_action=f"{base_url(doc_type)}/{document.id}/modify", amend_reason=reason,
                     aw=_words(request, platform), amend_number=_number_of(document),
                     amend_locked=[*doc_type.key, doc_type.number])


def _number_of(document: Any) -> str:
    """The number the document is declared under (an order's is its orderNo), named in the modify form's title."""
    return str(getattr(document, "number", "") or getattr(document, "order_no", ""))


def _modify_form(doc_type: DocumentType) -> Any:
    def modify_form(request: Request, platform: PlatformDep, document_id: UUID) -> Any:
        """The form with the document's current values; refused (409) in a state customs does not take it again."""
        document = _acted_on(request, platform, doc_type, document_id)
        if document is None:
            return not_found(request, doc_type, str(document_id))
        if not modifiable(document):
            return shown_form(request, platform, document, _not_modifiable(request, platform, doc_type, document))
        return shown_form(request, platform, document,
                          amend_form(request, platform, doc_type, document, editable(doc_type, document), []))
    return modify_form


def shown_form(request: Request, platform: Any, document: Any, page: Any) -> Any:
    """#18: a form prefilled from a document shows its buyer's ID number and phone masked (unless revealed with a
    reason, logged); 修改重报 keeps the stored value of a field that comes back masked (kept_personal)."""
    return personal_page(request, platform, page, [document.document], f"form from {document.id}",
                         [str(getattr(document, "number", "") or getattr(document, "order_no", ""))])


def _not_modifiable(request: Request, platform: Any, doc_type: DocumentType, document: Any) -> Any:
    try:
        amendments(platform).redeclare(doc_type, str(document.id), {}, "-", request.state.principal)
    except DeclarationRejected as refused:
        return amend_form(request, platform, doc_type, document, editable(doc_type, document), refused.errors,
                          status_code=409)
    raise AssertionError("a document that is not modifiable was modified")


def _modify(doc_type: DocumentType) -> Any:
    async def modify(request: Request, platform: PlatformDep, document_id: UUID) -> Any:
        form = dict((await request.form()).items())
        raw, reason = parse_form(form, form_of(doc_type).list_key), str(form.get(REASON_FIELD) or "")
        document = _acted_on(request, platform, doc_type, document_id)
        if document is None:
            return not_found(request, doc_type, str(document_id))
        raw = kept_personal(raw, document.document)  # #18: what the form showed masked stays as stored
        try:
            changed = amendments(platform).redeclare(doc_type, str(document_id), raw, reason,
                                                     request.state.principal)
        except DeclarationRejected as rejected:
            return shown_form(request, platform, document,
                              amend_form(request, platform, doc_type, document, raw, rejected.errors, reason, 422))
        platform.runner.wake.set()
        platform.customs.documents_view.run_once()
        platform.customs.orders_view.run_once()
        separator = "&" if "?" in detail_url(doc_type, changed) else "?"
        return RedirectResponse(f"{detail_url(doc_type, changed)}{separator}modified=1", status_code=303)
    return modify


def _copy(doc_type: DocumentType) -> Any:
    def copy(request: Request, platform: PlatformDep, document_id: UUID) -> Any:
        """复制新增: the new-document form with this one's values but its numbers."""
        document = _acted_on(request, platform, doc_type, document_id)
        if document is None:
            return not_found(request, doc_type, str(document_id))
        values = prefilled(doc_type, platform, request.state.principal) | copied(doc_type, document)
        return shown_form(request, platform, document, form_page(request, doc_type, values, [],
                                                                 personal_from=sources_field([document.id])))
    return copy


def _from_inventory(source: DocumentType, target: DocumentType) -> Any:
    def from_inventory_page(request: Request, platform: PlatformDep, document_id: UUID) -> Any:
        """撤销申请 / 退货申请 of an inventory, in a state customs takes it in."""
        principal = request.state.principal
        found = platform.customs.document_queries.detail(source, str(document_id), principal)
        if found is None or not may_act(principal, source, found.document.document) or \
                target not in customs_actions(source, found.status, principal):
            return not_found(request, source, str(document_id))
        inventory = found.document
        values = prefilled(target, platform, principal) | from_inventory(target, inventory.document,
                                                                         inventory.numbers)
        return shown_form(request, platform, inventory, form_page(request, target, values, [],
                                                                  personal_from=sources_field([inventory.id])))
    return from_inventory_page


def _inventory_from(source: DocumentType, target: DocumentType) -> Any:
    def inventory_page(request: Request, platform: PlatformDep, document_id: UUID) -> Any:
        """生成清单: the inventory form from the order, its payment and its waybill, as far as the user may see them."""
        principal = request.state.principal
        prefill = amendments(platform).inventory_from(source, str(document_id), principal)
        if prefill is None:
            return not_found(request, source, str(document_id))
        values = prefilled(target, platform, principal) | prefill.document
        aw = _words(request, platform)
        used = "、".join(aw(f"role_{role}") for role in prefill.sources)
        missing = ", ".join(m for m in prefill.missing if m not in values)
        page = form_page(request, target, values, [], prefill_note=f"{aw('prefilled_from')}{used}。"
                         f"{aw('still_missing')}{missing}", personal_from=sources_field(prefill.sources.values()))
        return personal_page(request, platform, page, [prefill.document], f"{target.slug} from {document_id}",
                             [str(document_id)])  # #18
    return inventory_page


def _register() -> None:
    for doc_type in ALL_TYPES:
        base, declare = base_url(doc_type), doc_type.permission("declare")
        add_page(router, f"{base}/{{document_id:uuid}}/modify", _modify_form(doc_type), declare)
        add_page(router, f"{base}/{{document_id:uuid}}/modify", _modify(doc_type), declare, "POST")
        add_page(router, f"{base}/{{document_id:uuid}}/copy", _copy(doc_type), declare)
        for target, _states in CUSTOMS_ACTIONS.get(doc_type.message, ()):
            add_page(router, f"{base}/{{document_id:uuid}}/{target.slug}", _from_inventory(doc_type, target),
                     target.permission("declare"))
        built = BUILDS_INVENTORY.get(doc_type.message)
        if built is not None and doc_type is not types.EXPORT_WAYBILL:
            add_page(router, f"{base}/{{document_id:uuid}}/{built.slug}", _inventory_from(doc_type, built),
                     built.permission("declare"))


_register()
