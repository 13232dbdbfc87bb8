"""FastAPI app factory: the consoles (HTML) and the JSON API over one platform instance (P5)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from engine.bootstrap import Platform
from ui.routers import health
from ui.routers.audit import dashboards as dashboards_console
from ui.routers.audit import pages as audit_console
from ui.routers.customs import api, tax_bills
from ui.routers.customs import bagging as bagging_pages
from ui.routers.customs import batch as declarant_batch
from ui.routers.customs import bulk_api as bulk_calls
from ui.routers.customs import documents as document_pages
from ui.routers.customs import documents_api as document_api
from ui.routers.customs import documents_batch as document_batches
from ui.routers.customs import exports as list_exports
from ui.routers.customs import pages as declarant
from ui.routers.customs import payment179 as payment179_console
from ui.routers.customs import query as query_console
from ui.routers.customs import summaries as summary_pages
from ui.routers.exchange import node as node_console
from ui.routers.exchange import pages as message_console
from ui.routers.exchange import reconciliation as reconciliation_console
from ui.routers.identity import auth
from ui.routers.identity import pages as admin
from ui.routers.reference import api as reference_api
from ui.routers.reference import pages as admin_reference
from ui.security import PUBLIC, NotLoggedIn, client_address

HERE = Path(__file__).parent
log = logging.getLogger(__name__)
COMMANDS = {"POST", "PUT", "PATCH", "DELETE"}


def create_app(platform: Platform) -> FastAPI:
    app = FastAPI(title="跨境电商综合服务平台 API", version="0.1.0",
                  description="Import declarations (CEB311 ...), receipts and read models. JSON field names are the "
                              "customs XSD element names. Machine clients sign requests (headers X-App-Id, "
                              "X-Timestamp, X-Nonce, X-Signature = Base64 HMAC-SHA256 over method, path, timestamp, "
                              "nonce and the SHA-256 of the body, joined by newlines).")
    app.state.platform = platform
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    # summaries before the document pages and API (/declarant/summaries/proposals is no document id); documents and
    # documents_batch before declarant: /declarant/orders/drafts ... are not order numbers
    app.include_router(summary_pages.router)
    app.include_router(summary_pages.api)
    # bulk_calls before api and documents_api: /api/import/orders/bulk is no order number
    for router in (auth, bulk_calls, api, document_api, list_exports, document_pages, document_batches, tax_bills,
                   declarant, declarant_batch, health, reference_api, admin_reference, admin, audit_console,
                   dashboards_console, message_console, query_console, payment179_console, bagging_pages):
        app.include_router(router.router)
    app.include_router(reconciliation_console.router)  # X2/X5: alerts, unmatched receipts, reconciliation
    app.include_router(node_console.router)  # X5: node configuration, link health and alerts
    app.add_exception_handler(NotLoggedIn, _not_logged_in)
    app.middleware("http")(_system_log)

    @app.get("/", include_in_schema=False, dependencies=[PUBLIC])
    def home(request: Request) -> RedirectResponse:
        principal = request.state.principal
        if principal is None:
            return RedirectResponse("/login")
        if principal.can("A3:manage") and not principal.can("I3:declare"):
            return RedirectResponse("/admin")
        return RedirectResponse(next((path for permission, path in LANDING if principal.can(permission)), "/account"))

    return app


# where "/" takes a user: the first console its role may open (declarants of each kind, then the read-only roles)
LANDING = (("I3:view", "/declarant/orders"), ("I4:view", "/declarant/inventories"),
           ("I8:view", "/declarant/waybills"), ("I10:view", "/declarant/payments"), ("I11:view", "/declarant/entries"),
           ("E1:view", "/declarant/export-orders"), ("E6:view", "/declarant/export-waybills"),
           ("E9:view", "/declarant/collections"), ("E10:view", "/declarant/arrivals"), ("B1:view", "/audit"),
           ("B4:view", "/dashboards"), ("X5:view", "/admin/messages"))


def _not_logged_in(request: Request, _: Exception) -> Any:
    if request.url.path.startswith("/api/"):
        return JSONResponse({"detail": "请先登录或签名请求 log in or sign the request"}, status_code=401)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target)}", status_code=303)


async def _system_log(request: Request, call_next: Any) -> Any:
    """系统日志: every command (who, when, what, outcome) and every error, as events (A4)."""
    try:
        response = await call_next(request)
    except Exception as error:
        _record(request, "error", "500", {"error": type(error).__name__})
        raise
    if response.status_code >= 500:
        _record(request, "error", str(response.status_code), {})
    elif request.method in COMMANDS and request.url.path not in ("/login",):
        _record(request, "command", str(response.status_code), {})
    return response


def _record(request: Request, kind: str, outcome: str, details: dict[str, Any]) -> None:
    principal = getattr(request.state, "principal", None)
    try:
        request.app.state.platform.identity.log(
            kind, principal.name if principal else "", principal.organisation if principal else "",
            client_address(request), f"{request.method} {request.url.path}", request.url.path, outcome, details)
    except Exception:  # the log must never take a request down with it
        log.exception("could not record a system log entry")
