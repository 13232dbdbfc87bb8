"""打印 (#18): a print view of any document, with its goods lines, their totals and its receipts, and of a tax bill;
each with the Chinese field labels and the names of its codes, laid out for A4 by ui/static/print.css (@media print).
The browser prints it or saves it as PDF: no PDF library that lays out Chinese text is among the dependencies, and
nothing is rendered by a browser on the server. Each route has its document type's view permission and the document
query's tenancy: a document the caller may not see is not found. Buyers' ID numbers and phones are printed masked
(a printout leaves the platform's access log behind)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from domain.customs.documents import ALL_TYPES, ORDER, DocumentType
from domain.shared.personal import masked
from engine import clock
from engine.customs.printing import line_totals, receipt_stage
from engine.reference.names import CodeNames
from ui.deps import PlatformDep, render, templates
from ui.i18n import lang_of
from ui.routers.customs.documents import add_page, base_url, catalog, show
from ui.routers.customs.tax_bills import as_now
from ui.security import require

router = APIRouter(include_in_schema=False)
def customs_time(value: Any) -> str:
    """Customs' YYYYMMDDhhmmssSSS (Beijing time) as people read it: 2026-03-01 20:00:00."""
    text = str(value or "")
    if len(text) < 14 or not text[:14].isdigit():
        return text
    return f"{text[:4]}-{text[4:6]}-{text[6:8]} {text[8:10]}:{text[10:12]}:{text[12:14]}"


templates.env.filters["customs_time"] = customs_time


def _print(request: Request, platform: Any, doc_type: DocumentType, doc: dict[str, Any], status: str,
           receipts: list[Any], back: str) -> Any:
    lang = lang_of(request, platform.settings.lang)
    shown = show(doc_type)
    lines = doc.get(shown["list_key"]) or [] if shown["list_key"] else []
    return render(request, "customs/print/document.html", shown | {
        "doc_type": doc_type, "doc": masked(doc), "status": status, "receipts": receipts, "lines": lines, "back": back,
        "names": CodeNames(platform.reference).of(doc, lang), "totals": line_totals(lines),
        "printed_at": clock.now(), "receipt_stage": lambda m: receipt_stage(m, lang)})


def _document_print(doc_type: DocumentType) -> Any:
    def printed(request: Request, platform: PlatformDep, document_id: UUID) -> Any:
        found = platform.customs.document_queries.detail(doc_type, str(document_id), request.state.principal)
        if found is None:
            return render(request, "customs/documents/not_found.html", {
                "doc_type": doc_type, "number": str(document_id), "list_url": base_url(doc_type)}, status_code=404)
        document = found.document
        return _print(request, platform, doc_type, document.document | document.numbers, found.status,
                      list(document.receipts), f"{base_url(doc_type)}/{document_id}")
    return printed


@router.get("/declarant/orders/{order_no}/print", response_class=HTMLResponse, dependencies=[require("I3:view")])
def order_print(request: Request, platform: PlatformDep, order_no: str, ebpCode: str | None = None) -> Any:  # noqa: N803
    detail = platform.customs.queries.detail(order_no, ebpCode, request.state.principal)
    if detail is None:
        return render(request, "customs/orders/not_found.html", {"order_no": order_no}, status_code=404)
    order = detail.order
    return _print(request, platform, ORDER, order.document, detail.status, list(order.receipts),
                  f"/declarant/orders/{order_no}?ebpCode={order.ebp_code}")


@router.get("/declarant/tax-bills/{invt_no}/{tax_no}/print", response_class=HTMLResponse,
            dependencies=[require("I7:view")])
def tax_bill_print(request: Request, platform: PlatformDep, invt_no: str, tax_no: str) -> Any:
    bill = platform.customs.document_queries.tax_bill(invt_no, tax_no, request.state.principal)
    if bill is None:
        return render(request, "customs/documents/tax_bill.html", {"bill": None, "number": tax_no}, status_code=404)
    head, lists = catalog.specs("CEB816")
    doc = as_now(bill)
    lines = doc.get("taxListRd") or []
    return render(request, "customs/print/tax_bill.html", {
        "bill": bill, "doc": doc, "head_fields": [s for s in head if s.name != "guid"],
        "line_fields": lists["taxListRd"], "lines": lines, "totals": line_totals(lines),
        "back": f"/declarant/tax-bills/{invt_no}/{tax_no}", "printed_at": clock.now()})


def _register() -> None:
    for doc_type in ALL_TYPES:
        if doc_type is not ORDER:
            add_page(router, f"{base_url(doc_type)}/{{document_id:uuid}}/print", _document_print(doc_type),
                     doc_type.permission("view"))


_register()
