"""综合查询 (I12): one search across every import document, its export, and the page of one purchase with the
state of its three-document match; HTML under /query, JSON under /api/import.
出口综合查询 (E11): the same for export documents and the page of one export shipment (order, collection, waybill,
inventory, bag, arrival, departure, summary and its results, cancellation, return); HTML under /export-query (not
/query/export: that is the import query's Excel file), JSON under /api/export."""

from __future__ import annotations

import math
from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from domain.customs import documents as doc_types
from domain.identity.roles import Principal
from domain.shared import statuses
from engine.audit.exports import ExportRefused, export_list
from engine.customs.api_json import plain
from engine.customs.catalog import Catalog
from engine.customs.purchases import ONE_SHIPMENT, PURCHASE_TYPES, Purchase, Purchases, Shipment, Shipments
from ui.deps import PlatformDep, render
from ui.i18n import lang_of, translator
from ui.listing import ListRefused, personal_rows
from ui.personal import personal_answer, personal_page, reveal_context
from ui.security import Allowed, require

router = APIRouter()
PER_PAGE = 20
catalog = Catalog()
EXPORT_LIMIT = 1_000_000
IMPORT_MESSAGES = [t.message for t in doc_types.IMPORT_TYPES]
EXPORT_MESSAGES = [t.message for t in doc_types.EXPORT_TYPES]
STATUSES = ["declared", "prepared", "sent", "2", "120", "399", "800", "899", "100", "cancelled"]
COLUMNS = ["message_type", "type_name", "number", "ebp_code", "order_no", "logistics_no", "invt_no",
           "pay_transaction_id", "buyer_name", "buyer_id_number", "amount", "status", "status_label", "return_info",
           "declared_at"]
EXPORT_COLUMNS = [c for c in COLUMNS if c not in ("pay_transaction_id", "buyer_name", "buyer_id_number", "amount")]
# what the search page differs in, by direction: its permission, its urls, its document types, the link to the whole
# purchase or shipment of a row (for the types that belong to one)
PAGES = {
    "import": {"permission": "I12:view", "url": "/query", "download": "/query/export", "types": doc_types.IMPORT_TYPES,
               "messages": IMPORT_MESSAGES, "whole": "/query/purchase-of", "whole_types": IMPORT_MESSAGES,
               "title": "query_title", "hint": "query_text_hint", "whole_label": "query_purchase", "columns": COLUMNS},
    "export": {"permission": "E11:view", "url": "/export-query", "download": "/export-query/download",
               "types": doc_types.EXPORT_TYPES, "messages": EXPORT_MESSAGES, "whole": "/export-query/shipment-of",
               "whole_types": [t.message for t in ONE_SHIPMENT], "title": "export_query_title",
               "hint": "export_query_text_hint", "whole_label": "query_shipment", "columns": EXPORT_COLUMNS},
}


def parties_of(principal: Principal) -> list[str] | None:
    """Tenancy (A6): the principal's enterprises, unless its role sees every organisation."""
    return None if principal.sees_all else sorted(principal.enterprise_codes)


def search(platform: Any, principal: Principal, criteria: dict[str, Any], page: int, per_page: int,
           direction: str = "import") -> tuple[list[dict[str, Any]], int]:
    """The documents of one direction (the read model holds both) the principal may see."""
    return platform.customs.documents_view.search(**criteria, page=page, per_page=per_page,
                                                  parties=parties_of(principal),
                                                  message_types=PAGES[direction]["messages"])


def described(rows: list[dict[str, Any]], lang: str = "zh-CN") -> list[dict[str, Any]]:
    """Rows with the document type's name and the status label, as lists and exports show them."""
    types = {row["message_type"]: doc_types.of_message(row["message_type"]) for row in rows}
    return [row | {"type_name": types[row["message_type"]].label(lang), "slug": types[row["message_type"]].slug,
                   "status_label": statuses.label(row["status"], lang)} for row in rows]


def criteria_of(q: str, message_type: str, status: str, date_from: str, date_to: str,
                buyer_id: str) -> dict[str, Any]:
    return {"q": q.strip(), "message_type": message_type if message_type in doc_types.BY_MESSAGE else "",
            "status": status, "date_from": date_from, "date_to": date_to, "buyer_id": buyer_id.strip()}


def _search_page(direction: str) -> Any:
    def page_of(request: Request, platform: PlatformDep, q: str = "", message_type: str = "", status: str = "",
                date_from: str = "", date_to: str = "", buyer_id: str = "", page: int = 1) -> Any:
        criteria = criteria_of(q, message_type, status, date_from, date_to, buyer_id)
        page = min(max(page, 1), 1_000_000)
        rows, total = search(platform, request.state.principal, criteria, page, PER_PAGE, direction)
        shown = render(request, "customs/query/search.html", {
            "rows": described(rows, lang_of(request, platform.settings.lang)), "total": total, "page": page,
            "pages": max(1, math.ceil(total / PER_PAGE)), "filters": criteria, "statuses": STATUSES,
            "direction": direction, "p": PAGES[direction], "types": PAGES[direction]["types"],
            **reveal_context(request)})
        return personal_page(request, platform, shown, rows, f"{PAGES[direction]['url']} query",
                             [r["number"] for r in rows])  # #18
    return page_of


def _download(direction: str) -> Any:
    def download(request: Request, platform: PlatformDep, q: str = "", message_type: str = "", status: str = "",
                 date_from: str = "", date_to: str = "", buyer_id: str = "",
                 format: str = "xlsx") -> Response:  # noqa: A002
        lang = lang_of(request, platform.settings.lang)
        criteria = criteria_of(q, message_type, status, date_from, date_to, buyer_id)
        rows, _ = search(platform, request.state.principal, criteria, 1, EXPORT_LIMIT, direction)
        t = translator(lang)
        try:
            rows, _ = personal_rows(request, platform, rows, f"{PAGES[direction]['download']} export")  # #18
            columns = PAGES[direction]["columns"]
            exported = export_list(described(rows, lang), columns, format,
                                   "general-query" if direction == "import" else "export-general-query",
                                   headers=[t(f"qcol_{c}") for c in columns])
        except ExportRefused as error:
            return Response(str(error), status_code=400)
        except ListRefused as refused:
            return Response(refused.message(lang), status_code=422)
        return Response(exported.content, media_type=exported.media_type,
                        headers={"Content-Disposition": f'attachment; filename="{exported.filename}"'})
    return download


for _direction, _page in PAGES.items():
    router.add_api_route(_page["url"], _search_page(_direction), methods=["GET"], include_in_schema=False,
                         response_class=HTMLResponse, dependencies=[require(_page["permission"])])
    router.add_api_route(_page["download"], _download(_direction), methods=["GET"], include_in_schema=False,
                         dependencies=[require(_page["permission"])])


@router.get("/query/purchase-of/{document_id}", include_in_schema=False, dependencies=[require("I12:view")])
def purchase_of(request: Request, platform: PlatformDep, document_id: str) -> Any:
    """From any document to the purchase it belongs to."""
    key = Purchases(platform.store, platform.customs.documents_view).key_of(document_id, request.state.principal)
    if key is None:
        raise HTTPException(404, "找不到该单证所属的订单 no purchase found for this document")
    return RedirectResponse(f"/query/purchases/{key[0]}/{key[1]}", status_code=303)


@router.get("/query/purchases/{ebp_code}/{order_no}", include_in_schema=False, response_class=HTMLResponse,
            dependencies=[require("I12:view")])
def purchase_page(request: Request, platform: PlatformDep, ebp_code: str, order_no: str) -> Any:
    purchases = Purchases(platform.store, platform.customs.documents_view)
    purchase = purchases.get(ebp_code, order_no, request.state.principal)
    if purchase is None:
        return render(request, "customs/query/not_found.html", {"ebp_code": ebp_code, "order_no": order_no},
                      status_code=404)
    page = render(request, "customs/query/purchase.html",
                  {"p": purchase, "types": PURCHASE_TYPES, "label": catalog.label, **reveal_context(request)})
    return personal_page(request, platform, page, held_documents(purchase), f"purchase {ebp_code} {order_no}",
                         [order_no])  # #18


@router.get("/api/import/query", tags=["api"], summary="General query across every import document (I12)")
def api_query(request: Request, platform: PlatformDep, principal: Allowed("I12:view"), q: str = "",
              message_type: str = Query("", alias="messageType"), status: str = "",
        date_from: str = Query("", alias="from"),
        date_to: str = Query("", alias="to"), buyer_id: str = Query("", alias="buyerIdNumber"),
        page: int = Query(1, ge=1, le=1_000_000), per_page: int = Query(20, ge=1, le=500)) -> dict[str, Any]:
    """Text `q` is looked for in order, inventory (invtNo), waybill and payment numbers and in the buyer's name
    (#18: not in ID numbers or phones; `buyerIdNumber` finds the whole ID number); every document type unless
    `messageType` (CEB311, CEB411 ...) is given."""
    criteria = criteria_of(q, message_type, status, date_from, date_to, buyer_id)
    rows, total = search(platform, principal, criteria, page, per_page)
    return personal_answer(request, platform, {"total": total, "page": page, "perPage": per_page,
                                               "items": described(rows)}, "/api/import/query",
                           [r["number"] for r in rows])


@router.get("/api/export/query", tags=["api"], summary="General query across every export document (E11)")
def api_export_query(request: Request, platform: PlatformDep, principal: Allowed("E11:view"), q: str = "",
                     message_type: str = Query("", alias="messageType"), status: str = "",
        date_from: str = Query("", alias="from"),
        date_to: str = Query("", alias="to"), page: int = Query(1, ge=1, le=1_000_000),
        per_page: int = Query(20, ge=1, le=500)) -> dict[str, Any]:
    """Text `q` is looked for in order, waybill, inventory (invtNo) and the documents' own numbers (copNo ...);
    every export document type unless `messageType` (CEB303, CEB603, CEB607 ...) is given."""
    criteria = criteria_of(q, message_type, status, date_from, date_to, "")
    rows, total = search(platform, principal, criteria, page, per_page, "export")
    return personal_answer(request, platform, {"total": total, "page": page, "perPage": per_page,
                                               "items": described(rows)}, "/api/export/query",
                           [r["number"] for r in rows])


@router.get("/export-query/shipment-of/{document_id}", include_in_schema=False, dependencies=[require("E11:view")])
def shipment_of(request: Request, platform: PlatformDep, document_id: str) -> Any:
    """From an export document of one shipment to the shipment."""
    key = Shipments(platform.store, platform.customs.documents_view).key_of(document_id, request.state.principal)
    if key is None:
        raise HTTPException(404, "找不到该单证所属的出口订单 no export shipment found for this document")
    return RedirectResponse(f"/export-query/shipments/{key[0]}/{key[1]}", status_code=303)


@router.get("/export-query/shipments/{ebp_code}/{order_no}", include_in_schema=False, response_class=HTMLResponse,
            dependencies=[require("E11:view")])
def shipment_page(request: Request, platform: PlatformDep, ebp_code: str, order_no: str) -> Any:
    shipments = Shipments(platform.store, platform.customs.documents_view)
    shipment = shipments.get(ebp_code, order_no, request.state.principal)
    if shipment is None:
        return render(request, "customs/query/not_found.html", {"ebp_code": ebp_code, "order_no": order_no},
                      status_code=404)
    page = render(request, "customs/query/shipment.html", {"p": shipment, "types": doc_types.EXPORT_TYPES,
                                                           "label": catalog.label, **reveal_context(request)})
    return personal_page(request, platform, page, held_documents(shipment), f"export shipment {ebp_code} {order_no}",
                         [order_no])  # #18


@router.get("/api/export/shipments/{ebp_code}/{order_no}", tags=["api"],
            summary="One export shipment: its documents, export three documents and summary results (E11)")
def api_shipment(request: Request, platform: PlatformDep, principal: Allowed("E11:view"), ebp_code: str,
                 order_no: str) -> Any:
    shipment = Shipments(platform.store, platform.customs.documents_view).get(ebp_code, order_no, principal)
    if shipment is None:
        raise HTTPException(404, f"出口订单 {order_no} 不存在 export shipment not found")
    return personal_answer(request, platform, shipment_json(shipment), f"export shipment {ebp_code} {order_no} API",
                           [order_no])


@router.get("/api/import/purchases/{ebp_code}/{order_no}", tags=["api"],
            summary="One purchase: its documents and three-document match")
def api_purchase(request: Request, platform: PlatformDep, principal: Allowed("I12:view"), ebp_code: str,
                 order_no: str) -> Any:
    purchase = Purchases(platform.store, platform.customs.documents_view).get(ebp_code, order_no, principal)
    if purchase is None:
        raise HTTPException(404, f"订单 {order_no} 不存在 purchase not found")
    return personal_answer(request, platform, purchase_json(purchase), f"purchase {ebp_code} {order_no} API",
                           [order_no])


def held_documents(purchase: Purchase) -> list[Any]:
    """The documents a purchase or shipment page shows (those the user may see), to mask their buyers (#18)."""
    return [part for found in purchase.held.values() for held in found for part in (held.row, held.document)]


def shipment_json(shipment: Shipment) -> dict[str, Any]:
    """As a purchase, with the customs declarations (CEB792 results) of the summaries naming the inventory."""
    found = {k: v for k, v in purchase_json(shipment).items() if k != "taxBills"}  # export parcels carry no tax bill
    return found | plain({"summaryResults": [{"summary": held.row["number"], "sumNo": held.aggregate.numbers.get(
        "sumNo", ""), "declaration": declaration} for held, declaration in shipment.summary_results()]})


def purchase_json(purchase: Purchase) -> dict[str, Any]:
    inventory = purchase.inventory()
    return plain({
        "ebpCode": purchase.ebp_code, "orderNo": purchase.order_no,
        "threeDocuments": [{"document": part["doc_type"].slug, "state": part["state"], "status": part["status"],
                            "number": part["held"].row["number"] if part["held"] else ""}
                           for part in purchase.parts()],
        "comparisons": [{"what": c.key, "state": c.state,
                         "left": {"document": c.left[0], "field": c.left[1], "value": c.left[2]},
                         "right": {"document": c.right[0], "field": c.right[1], "value": c.right[2]}}
                        for c in purchase.comparisons()],
        "inventory": None if inventory is None or not inventory.visible else {
            "invtNo": inventory.row["invt_no"], "status": inventory.status,
            "statusLabel": statuses.label(inventory.status), "returnInfo": inventory.row["return_info"]},
        "documents": {slug: [held_json(h) for h in found] for slug, found in purchase.held.items()},
        "taxBills": purchase.tax_bills})


def held_json(held: Any) -> dict[str, Any]:
    shown = {"documentId": held.row["document_id"], "number": held.row["number"], "visible": held.visible}
    if not held.visible:
        return shown
    return shown | {"status": held.status, "statusLabel": statuses.label(held.status),
                    "returnInfo": held.row["return_info"], "invtNo": held.row["invt_no"], "document": held.document,
                    "numbers": getattr(held.aggregate, "numbers", {}), "receipts": held.aggregate.receipts}
