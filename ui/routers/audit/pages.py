"""审计控制台 (B1, B2): read-only. Any document's history with the fields each event changed, its state as of any
moment and the difference between two moments; the global event browser; the tamper-evidence chain's state."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from domain.customs.model import ImportOrder
from engine import clock
from engine.audit.exports import ExportRefused, export_list
from engine.audit.history import personal_in
from ui.deps import PlatformDep, render
from ui.listing import log_personal
from ui.personal import page_reveal, reveal_context
from ui.security import require

router = APIRouter(prefix="/audit", include_in_schema=False)
EVENT_COLUMNS = ["notification_id", "at", "doc_type", "event_type", "enterprise", "user_name", "document_key",
                 "originator_id", "version"]
HISTORY_COLUMNS = ["version", "at", "event", "user", "field", "before", "after"]
EXPORT_LIMIT = 1_000_000


@router.get("", response_class=HTMLResponse, dependencies=[require("B1:view")])
def overview(request: Request, platform: PlatformDep) -> Any:
    audit = platform.audit
    checkpoint = audit.chain.last_checkpoint()
    return render(request, "audit/index.html", {
        "head": audit.chain.head(), "checkpoint": checkpoint,
        "signed": checkpoint is not None and audit.chain.checkpoint_signed(checkpoint),
        "verification": audit.chain.last_verification(), "verifying": dict(audit.verifying),
        "started": request.query_params.get("started") == "1"})


@router.post("/verify", dependencies=[require("B2:verify")])
def verify(platform: PlatformDep) -> RedirectResponse:
    platform.audit.verify_in_background()
    return RedirectResponse("/audit?started=1", status_code=303)


def _event_filters(request: Request, platform: Any, enterprise: str, doc_type: str, event_type: str, user: str,
                   date_from: str, date_to: str) -> dict[str, Any]:
    principal = request.state.principal
    platform.audit.catch_up("event_index")
    return {"enterprise": enterprise, "doc_type": doc_type, "event_type": event_type, "user": user,
            "date_from": date_from, "date_to": date_to,
            "enterprises": None if principal.sees_all else sorted(principal.enterprise_codes)}


@router.get("/events", response_class=HTMLResponse, dependencies=[require("B1:view")])
def events(request: Request, platform: PlatformDep, enterprise: str = "", doc_type: str = "", event_type: str = "",
           user: str = "", date_from: str = "", date_to: str = "", page: int = 1) -> Any:
    filters = _event_filters(request, platform, enterprise, doc_type, event_type, user, date_from, date_to)
    rows, total = platform.audit.events.search(**filters, page=max(page, 1), per_page=50)
    filters.pop("enterprises")
    return render(request, "audit/events.html", {
        "rows": rows, "total": total, "page": max(page, 1), "pages": max((total + 49) // 50, 1), "filters": filters,
        "choices": platform.audit.events.choices()})


@router.get("/events/export", dependencies=[require("B1:view")])
def export_events(request: Request, platform: PlatformDep, enterprise: str = "", doc_type: str = "",
                  event_type: str = "", user: str = "", date_from: str = "", date_to: str = "",
                  format: str = "csv") -> Response:  # noqa: A002
    filters = _event_filters(request, platform, enterprise, doc_type, event_type, user, date_from, date_to)
    rows, _ = platform.audit.events.search(**filters, page=1, per_page=EXPORT_LIMIT)
    return _export(rows, EVENT_COLUMNS, format, "events")


@router.get("/find", dependencies=[require("B1:view")])
def find(request: Request, platform: PlatformDep, q: str = "") -> Any:
    """A document number (order, payment transaction, waybill, inventory copNo or invtNo) or a document id to its
    history page."""
    text = q.strip()
    try:
        return RedirectResponse(f"/audit/documents/{UUID(text)}", status_code=303)
    except ValueError:
        pass
    platform.customs.orders_view.run_once()
    rows = platform.customs.orders_view.find(text)
    if rows:
        return RedirectResponse(f"/audit/documents/{ImportOrder.create_id(rows[0]['ebp_code'], text)}",
                                status_code=303)
    platform.customs.documents_view.run_once()
    found, _ = platform.customs.documents_view.search(q=text, per_page=50)
    exact = [r for r in found if text in (r["number"], r["invt_no"], r["logistics_no"], r["pay_transaction_id"])]
    if exact:
        return RedirectResponse(f"/audit/documents/{exact[0]['document_id']}", status_code=303)
    return render(request, "audit/not_found.html", {"doc_id": text}, status_code=404)


def _document(request: Request, platform: Any, doc_id: str) -> UUID | None:
    """The document's id when it exists and the principal may see it (the same answer otherwise)."""
    try:
        originator = UUID(doc_id)
    except ValueError:
        return None
    platform.audit.catch_up("event_index")
    enterprise = platform.audit.events.enterprise_of_document(str(originator))
    if enterprise is None or not request.state.principal.may_see(enterprise):
        return None
    return originator


def moment(text: str, default: datetime) -> datetime:
    """A datetime-local value (Shanghai time when it names no zone) or an ISO 8601 timestamp."""
    try:
        value = datetime.fromisoformat(text.strip().replace(" ", "T"))
    except ValueError:
        return default
    return value if value.tzinfo else value.replace(tzinfo=clock.SHANGHAI)


def _local_input(value: datetime) -> str:
    return value.astimezone(clock.SHANGHAI).strftime("%Y-%m-%dT%H:%M:%S")


def _whole(request: Request, platform: Any, originator: UUID, what: str) -> bool:
    """Are buyers' ID numbers and phones shown whole in this history (#18)? Only to a holder of I3:view-personal
    who gave a reason, and then the view is logged when the history carries any; masked otherwise."""
    _, reason = page_reveal(request)
    if reason is None:
        return False
    entries = platform.audit.history.entries(originator, True)
    if personal_in(change for entry in entries for change in entry.changes):
        log_personal(request, platform, f"{what} {originator}", [str(originator)], reason)
    return True


@router.get("/documents/{doc_id}", response_class=HTMLResponse, dependencies=[require("B1:view")])
def document(request: Request, platform: PlatformDep, doc_id: str, at: str = "", start: str = "",
             end: str = "") -> Any:
    originator = _document(request, platform, doc_id)
    history = platform.audit.history
    whole = originator is not None and _whole(request, platform, originator, "audit history")
    entries = history.entries(originator, whole) if originator else []
    if not entries:
        return render(request, "audit/not_found.html", {"doc_id": doc_id}, status_code=404)
    now = clock.now()
    first = entries[0].at
    when = moment(at, now) if at else now
    state, version = history.state_at(originator, when, whole)
    start_at, end_at = moment(start, first), moment(end, now)
    return render(request, "audit/document.html", {
        "doc_id": str(originator), "entries": entries, "state": state, "version": version,
        "at": _local_input(when), "start": _local_input(start_at), "end": _local_input(end_at),
        "compared": bool(start or end), **reveal_context(request),
        "changes": history.between(originator, start_at, end_at, whole) if start or end else []})


@router.get("/documents/{doc_id}/export", dependencies=[require("B1:view")])
def export_document(request: Request, platform: PlatformDep, doc_id: str, format: str = "csv") -> Response:  # noqa: A002
    originator = _document(request, platform, doc_id)
    whole = originator is not None and _whole(request, platform, originator, "audit history export")
    entries = platform.audit.history.entries(originator, whole) if originator else []
    if not entries:
        return Response("not found", status_code=404)
    rows = [{"version": e.version, "at": e.at.astimezone(clock.SHANGHAI).isoformat(),
             "event": f"{e.doc_type}.{e.event_type}", "user": e.user, "field": c.path,
             "before": None if c.before is None else str(c.before), "after": None if c.after is None else str(c.after)}
            for e in entries for c in e.changes]
    return _export(rows, HISTORY_COLUMNS, format, f"history-{originator}")


def _export(rows: list[dict[str, Any]], columns: list[str], fmt: str, name: str) -> Response:
    try:
        exported = export_list(rows, columns, fmt, name)
    except ExportRefused as error:
        return Response(str(error), status_code=400)
    return Response(exported.content, media_type=exported.media_type,
                    headers={"Content-Disposition": f'attachment; filename="{exported.filename}"'})
