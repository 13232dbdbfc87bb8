"""节点配置 console (X5): the customs node link's configuration (X5:manage changes it, with a reason), the history of
changes, the health of each direction (transport, last message out, last receipt in, backlog, stale or down) and
the link alerts, acknowledged by X5:manage."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from domain.exchange.node_link import FIELDS, STALE_MINUTES, TRANSPORTS
from domain.shared.rules import DeclarationRejected
from ui.deps import PlatformDep, render
from ui.security import require

router = APIRouter(prefix="/admin", include_in_schema=False)


def _page(request: Request, platform: Any, values: dict[str, Any] | None = None, errors: Any = None,
          reason: str = "", saved: int = 0, status_code: int = 200) -> Any:
    service = platform.exchange.node_link
    config = service.current()
    return render(request, "exchange/node/link.html", {
        "config": config, "values": values or config.as_dict(), "configured": service.configured(),
        "fields": FIELDS, "transports": TRANSPORTS, "stale_range": STALE_MINUTES, "errors": errors or [],
        "reason": reason, "saved": saved, "history": service.history(),
        "health": service.health(), "alerts": service.alerts()[:20]}, status_code=status_code)


@router.get("/node", response_class=HTMLResponse, dependencies=[require("X5:view")])
def node(request: Request, platform: PlatformDep, saved: int = 0) -> Any:
    return _page(request, platform, saved=saved)


@router.post("/node", response_class=HTMLResponse, dependencies=[require("X5:manage")])
async def configure(request: Request, platform: PlatformDep) -> Any:
    form = {k: str(v) for k, v in (await request.form()).items()}
    values = {name: form.get(name, "") for name in FIELDS}  # an unticked checkbox is not sent: envelope off
    reason = form.get("reason", "")
    try:
        _, changed = platform.exchange.node_link.configure(request.state.principal.name, reason, **values)
    except DeclarationRejected as rejected:
        shown = values | {"dxp_envelope": values["dxp_envelope"] in ("1", "on", "true")}
        return _page(request, platform, values=shown, errors=rejected.errors, reason=reason, status_code=422)
    platform.runner.wake.set()
    return RedirectResponse(f"/admin/node?saved={1 if changed else 2}", status_code=303)


@router.post("/node/alerts/{alert_id}/acknowledge", response_class=HTMLResponse, dependencies=[require("X5:manage")])
def acknowledge(request: Request, platform: PlatformDep, alert_id: UUID, note: str = Form(""),
                back: str = Form("")) -> Any:
    """From this page or the alerts console (`back`), which the operator returns to."""
    try:
        platform.exchange.node_link.acknowledge(alert_id, request.state.principal.name, note)
    except DeclarationRejected as rejected:
        return _page(request, platform, errors=rejected.errors, status_code=422)
    return RedirectResponse("/admin/alerts" if back == "/admin/alerts" else "/admin/node?saved=3", status_code=303)
