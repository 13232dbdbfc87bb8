"""JSON API of the import documents other than orders (I4-I11, X1; orders: api.py) under /api/import/<document>, of
every export document (E1-E10) under /api/export/<document>, and of the electronic tax bills (I7). One set of routes
per document type, each with its feature's permission; field names are the XSD's.

Tenancy (A6): a caller sees a document when one of its enterprises is named on it (the type's `parties`) and
declares only for its own enterprises in the type's `sender` field.

No `from __future__ import annotations` here: the routes are made in functions, and FastAPI must see each route's
permission (a closure variable) in its annotations as objects, not as text to evaluate later."""

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Body, HTTPException, Query, Request
from fastapi.responses import JSONResponse

from domain.customs.documents import ALL_TYPES, ORDER, DocumentType
from domain.shared import statuses
from domain.shared.rules import DeclarationRejected
from engine.customs.api_json import plain
from engine.customs.drafts import scope
from engine.customs.queries import DocumentDetail
from ui.deps import PlatformDep
from ui.personal import personal_answer
from ui.security import Allowed

router = APIRouter(tags=["api"])  # paths are whole: /api/import/... and /api/export/...


@router.get("/api/import/tax-bills", summary="Search electronic tax bills (CEB816, I7)")
def search_tax_bills(platform: PlatformDep, principal: Allowed("I7:view"), q: str = "", status: str = "",
                     invt_no: str | None = Query(None, alias="invtNo"), page: int = Query(1, ge=1, le=1_000_000),
                     per_page: int = Query(20, ge=1, le=500)) -> dict[str, Any]:
    """q: part of the inventory or tax bill number; status 1 已生成, 2 已汇总, 3 作废."""
    rows, total = platform.customs.documents_view.tax_bills(invt_nos=[invt_no] if invt_no else None, q=q, status=status,
                                                    page=page, per_page=per_page, parties=scope(principal))
    return {"total": total, "page": page, "perPage": per_page, "items": rows}


@router.get("/api/import/tax-bills/{invt_no}/{tax_no}",
            summary="One electronic tax bill with its lines and status changes")
def get_tax_bill(platform: PlatformDep, principal: Allowed("I7:view"), invt_no: str, tax_no: str) -> Any:
    bill = platform.customs.document_queries.tax_bill(invt_no, tax_no, principal)
    if bill is None:
        raise HTTPException(404, f"电子税单 {tax_no} 不存在 tax bill not found")
    return plain({**bill.document, "status": bill.status, "entDutyNo": bill.ent_duty_no, "changes": bill.changes})


def rejected_json(doc_type: DocumentType, rejected: DeclarationRejected) -> JSONResponse:
    return JSONResponse(status_code=422, content={
        "detail": f"{doc_type.name_zh}未通过校验，未保存 the {doc_type.name_en.lower()} was not stored",
        "errors": [e.as_dict() for e in rejected.errors]})


def detail_json(found: DocumentDetail) -> dict[str, Any]:
    document = found.document
    return plain({
        **document.document, "documentId": str(document.id), "messageType": document.message_type,
        "number": document.number, "status": found.status, "statusLabel": statuses.label(found.status),
        "returnInfo": document.return_info, "numbers": document.numbers, "links": document.links,
        "declaredBy": document.declared_by, "declaredAt": document.declared_at.isoformat(),
        "receipts": document.receipts, "taxBills": found.tax_bills,
        "messages": [{"guid": m.guid, "messageId": str(m.id), "messageType": m.message_type,
                      "algorithm": m.algorithm, "file": m.delivered_as, "xml": m.xml} for m in found.messages],
        "timeline": [item | {"at": item["at"].isoformat()} for item in found.timeline]})


def _declare_one(doc_type: DocumentType) -> Any:
    def declare(platform: PlatformDep, principal: Allowed(doc_type.permission("declare")),
                document: dict[str, Any] = Body(...)) -> Any:  # noqa: B008
        """Checks the document (XSD field rules, codes, business rules, tenancy) and stores it; the processors then
        build, sign and send it. Errors: 422 with one entry per field, in Chinese and English."""
        try:  # #18: an inventory's three-document pre-check is answered as warnings (or refuses it, by setting)
            found = platform.customs.declarations[doc_type.message].precheck(document, principal)
            stored = platform.customs.declarations[doc_type.message].declare(document, declared_by=principal.name,
                                                                     principal=principal)
        except DeclarationRejected as rejected:
            return rejected_json(doc_type, rejected)
        platform.runner.wake.set()
        return {"documentId": str(stored.id), "number": stored.number, "guid": stored.guid, "status": stored.status,
                "statusLabel": statuses.label(stored.status), "warnings": [e.as_dict() for e in found] + [
                    e.as_dict() for e in platform.customs.declarations[doc_type.message].warnings(document)]}
    return declare


def _declare_batch(doc_type: DocumentType) -> Any:
    def declare_batch(platform: PlatformDep, principal: Allowed(doc_type.permission("declare")),
                      documents: list[dict[str, Any]] = Body(..., embed=True, max_length=1000)) -> Any:  # noqa: B008
        """Each document is checked on its own: the valid ones are stored together, the answer lists per document
        `accepted` or its errors. A retried call cannot declare a document twice (its key is unique)."""
        outcomes = platform.customs.declarations[doc_type.message].declare_many(documents, declared_by=principal.name,
                                                                        principal=principal)
        platform.runner.wake.set()
        return {"accepted": sum(o.stored for o in outcomes), "results": [
            {"index": o.index, "number": o.number, "documentId": o.document_id if o.stored else "",
             "accepted": o.stored, "errors": [e.as_dict() for e in o.errors],
             "warnings": [e.as_dict() for e in o.warnings]} for o in outcomes]}
    return declare_batch


def _search(doc_type: DocumentType) -> Any:
    def search(request: Request, platform: PlatformDep, principal: Allowed(doc_type.permission("view")), q: str = "",
               status: str = "", date_from: str = Query("", alias="from"), date_to: str = Query("", alias="to"),
               page: int = Query(1, ge=1, le=1_000_000), per_page: int = Query(20, ge=1, le=500)) -> dict[str, Any]:
        rows, total = platform.customs.documents_view.search(
            message_type=doc_type.message, q=q, status=status, date_from=date_from, date_to=date_to, page=page,
            per_page=per_page, parties=scope(principal))
        answer = {"total": total, "page": page, "perPage": per_page,
                  "items": [row | {"statusLabel": statuses.label(row["status"])} for row in rows]}
        return personal_answer(request, platform, answer, f"{doc_type.name_zh} {doc_type.slug} search API",
                               [r.get("number") for r in rows])
    return search


def _get(doc_type: DocumentType) -> Any:
    def get(request: Request, platform: PlatformDep, principal: Allowed(doc_type.permission("view")),
            document_id: UUID) -> Any:
        found = platform.customs.document_queries.detail(doc_type, str(document_id), principal)
        if found is None:
            raise HTTPException(404, f"{doc_type.name_zh} {document_id} 不存在 {doc_type.name_en.lower()} not found")
        return personal_answer(request, platform, detail_json(found), f"{doc_type.name_zh} {doc_type.slug} API",
                               [found.document.number])
    return get


def _register() -> None:
    for doc_type in ALL_TYPES:
        if doc_type is ORDER:  # api.py
            continue
        path = f"/api/{doc_type.direction}/{doc_type.slug}"
        what = f"{doc_type.name_en.lower()} ({doc_type.message}, {doc_type.feature})"
        router.add_api_route(path, _declare_one(doc_type), methods=["POST"], status_code=201,
                             summary=f"Declare a {what}", name=f"declare {doc_type.slug}")
        router.add_api_route(f"{path}/batch", _declare_batch(doc_type), methods=["POST"],
                             summary=f"Declare up to 1,000 of {what}", name=f"declare {doc_type.slug} batch")
        router.add_api_route(path, _search(doc_type), methods=["GET"], summary=f"Search {what}",
                             name=f"search {doc_type.slug}")
        router.add_api_route(f"{path}/{{document_id}}", _get(doc_type), methods=["GET"],
                             summary=f"One {what} with status, numbers, receipts and timeline",
                             name=f"get {doc_type.slug}")


_register()
