"""Bulk JSON API (X1): POST /api/import/<document>/bulk and /api/export/<document>/bulk take up to 1,000 documents,
each with the client's own `clientId`, so a retried call never declares a document twice; GET /api/batches/<id>
and the page /declarant/bulk-batches/<id> show the progress of one call (engine/customs/bulk.py).

Posting needs the type's `declare` permission. A batch's type is only known once it is read, so its progress routes
ask for a logged-in or signed caller (SELF) and then for the type's `view` permission; another organisation's batch
is not found (A6).

No `from __future__ import annotations` here: the routes are made in functions, and FastAPI must see each route's
permission (a closure variable) in its annotations as objects, not as text to evaluate later."""

from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError
from fastapi import APIRouter, Body, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse

from domain.customs.documents import ALL_TYPES, of_message
from domain.identity.roles import SELF, Principal
from engine.bootstrap import Platform
from engine.customs.bulk import MAX_DOCUMENTS, BulkDeclarations, BulkProgress
from ui.deps import PlatformDep, render
from ui.routers.customs.documents import page_context
from ui.security import Allowed, require

router = APIRouter(tags=["api"])  # paths are whole: /api/import/..., /api/export/..., /api/batches/...


def bulk_of(platform: Platform) -> BulkDeclarations:
    return BulkDeclarations(platform.store, platform.customs.declarations, platform.customs.documents_view)


def _bulk(doc_type: Any) -> Any:
    def bulk(platform: PlatformDep, principal: Allowed(doc_type.permission("declare")),
             documents: list[Any] = Body(..., embed=True, min_length=1, max_length=MAX_DOCUMENTS)) -> Any:  # noqa: B008
        """Each document carries `clientId` (1-64 characters, unique in the call, scoped by the caller's
        organisation and the document type). A clientId already used with the same content answers the document
        declared then (`duplicate`), with different content an error on clientId; the others are checked and the
        valid ones stored. The answer: batchId, counts and per document accepted or its errors."""
        try:
            answer = bulk_of(platform).declare(doc_type, documents, principal)
        except IntegrityError:
            return JSONResponse(status_code=409, content={
                "detail": "其他调用同时申报了相同的单证，未保存，请重试 another call declared the same documents "
                          "meanwhile; nothing was stored, retry the call"})
        platform.runner.wake.set()
        return answer.as_json()
    return bulk


def progress_of(platform: Platform, batch_id: str, principal: Principal) -> BulkProgress:
    """The batch's progress, once the principal may view its type; 404 when not found (or not theirs)."""
    progress = bulk_of(platform).progress(batch_id, principal)
    if progress is None:
        raise HTTPException(404, f"批次 {batch_id} 不存在 batch not found")
    needed = of_message(progress.message_type).permission("view")
    if not principal.can(needed):
        raise HTTPException(403, f"无权操作 forbidden: {needed} is needed")
    return progress


@router.get("/api/batches/{batch_id}", summary="Progress of one bulk call: counts by status, done when all final")
def batch_progress(platform: PlatformDep, principal: Allowed(SELF), batch_id: UUID) -> Any:
    return progress_of(platform, str(batch_id), principal).as_json()


def batch_page(request: Request, platform: PlatformDep, batch_id: UUID) -> Any:
    """Counts by status, refreshed by the page itself until every document has its final answer."""
    progress = progress_of(platform, str(batch_id), request.state.principal)
    return render(request, "customs/documents/bulk_batch.html", page_context(of_message(progress.message_type)) | {
        "progress": progress, "batch_id": str(batch_id)})


def _register() -> None:
    for doc_type in ALL_TYPES:
        router.add_api_route(f"/api/{doc_type.direction}/{doc_type.slug}/bulk", _bulk(doc_type), methods=["POST"],
                             summary=f"Declare up to 1,000 {doc_type.name_en.lower()} ({doc_type.message}) with "
                                     "the client's own document IDs", name=f"bulk {doc_type.slug}")
    router.add_api_route("/declarant/bulk-batches/{batch_id}", batch_page, methods=["GET"], response_class=HTMLResponse,
                         dependencies=[require(SELF)], include_in_schema=False, name="bulk batch page")


_register()
