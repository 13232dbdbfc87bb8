"""签名审计 for auditors (#17 item 5): every use of a signing key, searched, paged and exported, on a console page
(/audit/signing, its export /audit/signing/export) and in the JSON API (/api/audit/signing).

All three need ``A9:signing-audit`` and read through engine.signing.audit_queries, which scopes every read to what
the caller's organisation may see: platform auditors everything, others the uses of their organisation's
enterprises' keys and of their organisation's callers. The signed content is never stored, only its SHA-256."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from engine.audit.exports import ExportRefused, export_list
from engine.signing.audit_queries import FiltersRefused, Found, parse_filters
from projections.signing.key_uses import columns
from ui.deps import PlatformDep, render
from ui.i18n import lang_of, translator
from ui.security import Allowed, require

PERMISSION = "A9:signing-audit"
FILTERS = ("time_from", "time_to", "caller", "organisation", "enterprise", "key_id", "operation", "outcome", "digest")
PER_PAGE, EXPORT_LIMIT = 50, 1_000_000
router = APIRouter()


def typed(request: Request) -> dict[str, str]:
    """The filters as the auditor typed them (to show them again and to page on)."""
    return {name: request.query_params.get(name, "").strip() for name in FILTERS}


@router.get("/audit/signing", response_class=HTMLResponse, include_in_schema=False,
            dependencies=[require(PERMISSION)])
def key_uses(request: Request, platform: PlatformDep, page: int = 1) -> Any:
    raw, page = typed(request), min(max(page, 1), 1_000_000)
    queries = platform.signing_audit
    try:
        found = queries.search(request.state.principal, parse_filters(raw), page, PER_PAGE)
        errors, status = [], 200
    except FiltersRefused as refused:
        found, errors, status = Found([], 0, 0), refused.errors, 422
    return render(request, "signing/key_uses.html", {
        "rows": found.rows, "total": found.total, "lost": found.lost, "page": page,
        "pages": max((found.total + PER_PAGE - 1) // PER_PAGE, 1), "filters": raw, "qs": urlencode(raw),
        "operations": queries.operations(), "errors": errors}, status_code=status)


@router.get("/audit/signing/export", include_in_schema=False, dependencies=[require(PERMISSION)])
def export_key_uses(request: Request, platform: PlatformDep, format: str = "csv") -> Response:  # noqa: A002
    """The filtered uses as CSV or Excel (Parquet too), headers in the auditor's language."""
    t = translator(lang_of(request, platform.settings.lang))
    try:
        found = platform.signing_audit.search(request.state.principal, parse_filters(typed(request)), 1, EXPORT_LIMIT)
        exported = export_list(found.rows, columns(), format, "signing-audit",
                               headers=[t(f"ku_col_{c}") for c in columns()])
    except FiltersRefused as refused:
        return JSONResponse(status_code=422, content=_refusal(refused))
    except ExportRefused as error:
        return Response(str(error), status_code=400)
    return Response(exported.content, media_type=exported.media_type,
                    headers={"Content-Disposition": f'attachment; filename="{exported.filename}"'})


@router.get("/api/audit/signing", tags=["audit"], summary="签名审计: the uses of signing keys the caller may see")
def key_uses_api(request: Request, platform: PlatformDep, principal: Allowed(PERMISSION),
                 page: int = Query(1, ge=1, le=1_000_000), per_page: int = Query(50, ge=1, le=500)) -> Any:
    """Newest first, with the same filters as the page: time_from, time_to (YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS],
    Asia/Shanghai unless a zone is given), caller, organisation, enterprise, key_id, operation, outcome ("ok",
    "refused" or a refusal code), digest (SHA-256 hex or its start). ``lost``: uses lost in the time range while the
    event store could not be written. Errors: 422 with one entry per field, in Chinese and English."""
    try:
        found = platform.signing_audit.search(principal, parse_filters(typed(request)), page, per_page)
    except FiltersRefused as refused:
        return JSONResponse(status_code=422, content=_refusal(refused))
    return {"total": found.total, "page": page, "perPage": per_page, "lost": found.lost,
            "items": [{c: row[c] for c in columns()} for row in found.rows]}


def _refusal(refused: FiltersRefused) -> dict[str, Any]:
    return {"detail": "查询条件有误 the search cannot be read", "errors": [e.as_dict() for e in refused.errors]}
