"""回执告警, 未匹配回执 and 数据校验 consoles (X2, X5): receipt-timeout alerts (acknowledged by X5:manage), receipts
for nothing the platform sent, and the daily reconciliation per message type and enterprise, with drill-down and
Excel export."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from domain.customs import documents
from domain.shared.rules import DeclarationRejected
from engine import clock
from engine.audit.exports import export_list
from projections.exchange.reconciliation import KINDS, Reconciliation
from ui.deps import PlatformDep, render
from ui.security import require

router = APIRouter(prefix="/admin", include_in_schema=False)
DOCUMENT_COLUMNS = ("message_type", "number", "sender", "status", "return_info", "return_time", "message_guid",
                    "sent_at")


def _alerts(request: Request, platform: Any, notice: str = "", errors: Any = None, status_code: int = 200) -> Any:
    platform.exchange.alerts_view.run_once()
    platform.exchange.alert_mailer.view.run_once()
    return render(request, "exchange/reconciliation/alerts.html", {
        "rows": platform.exchange.alerts_view.alerts(),
        "notifications": platform.exchange.alert_mailer.view.notifications(),
        "link_alerts": platform.exchange.node_link.alerts(),  # X5: link health
        "settings": platform.settings, "notice": notice, "errors": errors or []}, status_code=status_code)


@router.get("/alerts", response_class=HTMLResponse, dependencies=[require("X5:view")])
def alerts(request: Request, platform: PlatformDep) -> Any:
    return _alerts(request, platform)


@router.post("/alerts/{alert_id}/acknowledge", response_class=HTMLResponse, dependencies=[require("X5:manage")])
def acknowledge(request: Request, platform: PlatformDep, alert_id: UUID, note: str = Form("")) -> Any:
    try:
        done = platform.exchange.receipt_watch.acknowledge(alert_id, request.state.principal.name, note)
    except DeclarationRejected as rejected:
        return _alerts(request, platform, errors=rejected.errors, status_code=422)
    return _alerts(request, platform, notice=f"{done.guid} ✓")


@router.get("/unmatched-receipts", response_class=HTMLResponse, dependencies=[require("X5:view")])
def unmatched(request: Request, platform: PlatformDep) -> Any:
    platform.exchange.alerts_view.run_once()
    return render(request, "exchange/reconciliation/unmatched.html",
                  {"rows": platform.exchange.alerts_view.unmatched()})


@router.get("/reconciliation", response_class=HTMLResponse, dependencies=[require("X5:view")])
def reconciliation(request: Request, platform: PlatformDep, date: str = "", fmt: str = "") -> Any:  # noqa: A002
    day = _day(date)
    rows = Reconciliation(platform.readmodels).counts(day)
    names = {e.code: e.name for e in platform.identity.enterprises.all()}
    rows = [r | {"sender_name": names.get(r["sender"], "")} for r in rows]
    if fmt:
        return _export(rows, ["message_type", "sender", "sender_name", *KINDS], f"reconciliation-{day}", fmt)
    totals = {k: sum(r[k] for r in rows) for k in KINDS}
    return render(request, "exchange/reconciliation/day.html", {"rows": rows, "day": day.isoformat(), "kinds": KINDS,
                                                       "totals": totals})


@router.get("/reconciliation/documents", response_class=HTMLResponse, dependencies=[require("X5:view")])
def cell(request: Request, platform: PlatformDep, date: str, message_type: str, sender: str = "",  # noqa: A002
         kind: str = "sent", fmt: str = "") -> Any:
    if kind not in KINDS or message_type not in documents.BY_MESSAGE:
        raise HTTPException(404)
    day = _day(date)
    rows = Reconciliation(platform.readmodels).documents(day, message_type, sender, kind)
    if fmt:
        return _export(rows, DOCUMENT_COLUMNS, f"reconciliation-{day}-{message_type}-{sender}-{kind}", fmt)
    slug = documents.of_message(message_type).slug
    return render(request, "exchange/reconciliation/documents.html", {
        "rows": rows, "day": day.isoformat(), "message_type": message_type, "sender": sender, "kind": kind,
        "slug": slug, "is_order": message_type == documents.ORDER.message})


def _day(text: str) -> date:
    if not text:
        return clock.now().date()
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise HTTPException(422, "date: YYYY-MM-DD") from error


def _export(rows: list[dict[str, Any]], columns: Any, name: str, fmt: str) -> Response:
    if fmt != "xlsx":
        raise HTTPException(422, "fmt: xlsx")
    exported = export_list(rows, list(columns), fmt, name)
    return Response(exported.content, media_type=exported.media_type,
                    headers={"Content-Disposition": f'attachment; filename="{exported.filename}"'})
