"""FastAPI app factory: the consoles (HTML) and the JSON API over one platform instance (P5)."""

from __future__ import annotations

import html
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import Scope

from domain.identity.roles import SELF
from domain.shared.rules import FieldError
from engine.bootstrap import Platform
from ui import forbidden
from ui.api_docs import documented, platform_refusals, platform_schemes, swagger_page
from ui.body_limit import BodyLimit
from ui.headers import SecurityHeaders
from ui.responses import ShanghaiJSON
from ui.routers import health
from ui.routers.audit import dashboards as dashboards_console
from ui.routers.audit import pages as audit_console
from ui.routers.customs import amend_api, amend_pages, api, tax_bills
from ui.routers.customs import bagging as bagging_pages
from ui.routers.customs import batch as declarant_batch
from ui.routers.customs import bulk_api as bulk_calls
from ui.routers.customs import documents as document_pages
from ui.routers.customs import documents_api as document_api
from ui.routers.customs import documents_batch as document_batches
from ui.routers.customs import exports as list_exports
from ui.routers.customs import home as declarant_home
from ui.routers.customs import pages as declarant
from ui.routers.customs import payment179 as payment179_console
from ui.routers.customs import print as print_views
from ui.routers.customs import query as query_console
from ui.routers.customs import summaries as summary_pages
from ui.routers.exchange import node as node_console
from ui.routers.exchange import pages as message_console
from ui.routers.exchange import reconciliation as reconciliation_console
from ui.routers.identity import auth
from ui.routers.identity import pages as admin
from ui.routers.reference import api as reference_api
from ui.routers.reference import pages as admin_reference
from ui.routers.signing import pages as signing_audit
from ui.security import PUBLIC, UNSAFE, NotLoggedIn, Require, client_address, require, session_of

HERE = Path(__file__).parent
log = logging.getLogger(__name__)
COMMANDS = {"POST", "PUT", "PATCH", "DELETE"}
UNLOGGED = "cbec.unlogged"  # scope key: the request was refused before the app, or its route logs it itself
TITLE = "跨境电商综合服务平台 API"


def create_app(platform: Platform) -> FastAPI:
    app = FastAPI(title=TITLE, version="0.1.0", docs_url=None, redoc_url=None, openapi_url=None,
                  default_response_class=ShanghaiJSON,  # #18: every moment answered is +08:00
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
    app.include_router(amend_api.router)  # #18, before documents_api: /api/import/inventories/prefill is no document
    app.include_router(amend_pages.router)  # #18: 修改重报, 复制新增, documents built from others
    # bulk_calls before api and documents_api: /api/import/orders/bulk is no order number
    for router in (auth, bulk_calls, api, document_api, list_exports, document_pages, document_batches, tax_bills,
                   declarant, declarant_batch, health, reference_api, admin_reference, admin, audit_console,
                   dashboards_console, message_console, query_console, payment179_console, bagging_pages):
        app.include_router(router.router)
    app.include_router(reconciliation_console.router)  # X2/X5: alerts, unmatched receipts, reconciliation
    app.include_router(node_console.router)  # X5: node configuration, link health and alerts
    app.include_router(signing_audit.router)  # #17 item 5: 签名审计, the uses of signing keys for auditors
    app.include_router(declarant_home.router)  # #18: 申报首页, the declarant's to-dos
    app.include_router(print_views.router)  # #18: 打印, print views of documents and tax bills
    app.add_exception_handler(NotLoggedIn, _not_logged_in)
    for refused in (RequestValidationError, StarletteHTTPException):
        app.add_exception_handler(refused, _unreadable_body)
    app.middleware("http")(_system_log)
    # #16: added last, so outermost: refusals before any body is read never reach the system log
    app.add_middleware(Guard, limit=platform.settings.max_body_mb * 1024 * 1024)
    app.add_middleware(SecurityHeaders)
    _api_docs(app, platform.settings.api_docs)

    @app.get("/", include_in_schema=False, dependencies=[PUBLIC])
    def home(request: Request) -> RedirectResponse:
        principal = request.state.principal
        if principal is None:
            return RedirectResponse("/login")
        if principal.can("A3:manage") and not principal.can("I3:declare"):
            return RedirectResponse("/admin")
        if declarant_home.is_declarant(principal):
            return RedirectResponse(declarant_home.HOME)
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


# what FastAPI (0.165, fastapi/routing.py) answers when reading a JSON body fails with anything but a JSONDecodeError:
# a RecursionError (an array nested 100,000 deep), a UnicodeDecodeError (bytes that are no UTF-8/16/32 text) ...
BODY_PARSE_FAILED = "There was an error parsing the body"
BODY_RULES = {
    "json": ("请求体不是有效的JSON文本（UTF-8编码），未处理",
             "the request body is not valid JSON text (UTF-8): nothing was done"),
    "depth": ("请求体的JSON嵌套层数过多，未处理", "the request body's JSON is nested too deep: nothing was done"),
}


async def _unreadable_body(request: Request, exc: Exception) -> Any:
    """#16: a JSON body that cannot be read (malformed, undecodable, nested too deep) is refused as the API refuses any
    malformed document, 422 with the field ("body") and the rule ("json", "depth") in zh and en, instead of FastAPI's
    English answers; every other validation error or HTTP error keeps FastAPI's own answer."""
    if isinstance(exc, RequestValidationError) and any(e.get("type") == "json_invalid" for e in exc.errors()):
        rule = "json"
    elif isinstance(exc, StarletteHTTPException) and exc.status_code == 400 and exc.detail == BODY_PARSE_FAILED:
        rule = "depth" if isinstance(exc.__cause__, RecursionError) else "json"
    elif isinstance(exc, RequestValidationError):
        return await request_validation_exception_handler(request, exc)
    elif permission := forbidden.permission_refused(request, exc):  # #18: a console page, the API keeps its JSON
        return forbidden.page(request, permission)
    else:
        return await http_exception_handler(request, exc)  # type: ignore[arg-type]
    zh, en = BODY_RULES[rule]
    return JSONResponse(status_code=422, content={"detail": f"{zh} {en}",
                                                  "errors": [FieldError("body", rule, zh, en).as_dict()]})


async def _system_log(request: Request, call_next: Any) -> Any:
    """系统日志: every command (who, when, what, outcome) and every error, as events (A4); not a request the Guard
    refused (an oversized body), nor one whose route logs it itself (customs' 179 call)."""
    try:
        response = await call_next(request)
    except Exception as error:
        _record(request, "error", "500", {"error": type(error).__name__})
        raise
    if request.scope.get(UNLOGGED):
        return response
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


# #16 items 15 and 17: the API documentation, security headers -------------------------------------------------------

def _api_docs(app: FastAPI, mode: str) -> None:
    """/docs and /openapi.json as CBEC_API_DOCS says: off, for logged-in users (default) or public."""
    if mode == "off":
        return
    allowed = PUBLIC if mode == "public" else require(SELF)
    documented(app, platform_schemes(), [["Session"], ["AppId", "Timestamp", "Nonce", "Signature"]],
               lambda path: path.startswith("/api/"), platform_refusals())

    @app.get("/openapi.json", include_in_schema=False, dependencies=[allowed])
    def openapi() -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.get("/docs", include_in_schema=False, dependencies=[allowed])
    def docs() -> HTMLResponse:
        return _swagger()


def _swagger() -> HTMLResponse:
    """Swagger UI over the assets the package ships (ui/static/swagger): /docs works without internet (#17 item 11)."""
    return swagger_page(TITLE)



# #16 items 11 and 12: what is refused before any body is read ------------------------------------------------------

class Guard(BodyLimit):
    """Before the app reads a body: a body larger than CBEC_MAX_BODY_MB is refused (413; by its Content-Length at
    once, or as soon as the bytes received pass the limit); customs' 179 call is admitted only from its registered
    sources within its rate (ui/routers/customs/payment179.py `refusal`); and a command (POST, PUT, PATCH, DELETE)
    to a protected route without a session or a signature is refused as not logged in, its body unread (FastAPI
    parses form fields, files and JSON before the route's permission check runs). None of these refusals is written
    to the event store. The body limit itself is ui.body_limit's, shared with the signing service."""

    def _cut(self, scope: Scope) -> None:
        scope[UNLOGGED] = True

    def _too_large_answer(self, request: Request) -> Response:
        mb = self.limit // (1024 * 1024)
        return _error(request, 413, f"请求体超过 {mb} MB 上限 (CBEC_MAX_BODY_MB) "
                                    f"the request body is larger than {mb} MB (CBEC_MAX_BODY_MB)")

    def _refusal(self, request: Request) -> Response | None:
        too_large = super()._refusal(request)
        if too_large is not None:
            return too_large
        if request.url.path == payment179_console.PLAT_DATA_OPEN:
            request.scope[UNLOGGED] = True  # refused: counted by the gate; admitted: the route logs the call itself
            return payment179_console.refusal(request)
        if request.method in UNSAFE and not request.headers.get("x-app-id") and session_of(request) is None \
                and not _public(request):
            return _not_logged_in(request, NotLoggedIn())
        return None


def _public(request: Request) -> bool:
    """Does the request go to a route that declares PUBLIC (no login needed: the login form, customs' 179 call)?"""
    if not hasattr(request.app.state, "public_routes"):
        request.app.state.public_routes = [
            route for route, inherited in api_routes(request.app.router.routes)
            if any(isinstance(d.dependency, Require) and d.dependency.permission is None
                   for d in (*route.dependencies, *inherited))]
    return any(r.matches(request.scope)[0] == Match.FULL for r in request.app.state.public_routes)


def api_routes(routes: list[Any], inherited: tuple[Any, ...] = ()) -> Iterator[tuple[APIRoute, tuple[Any, ...]]]:
    """Every APIRoute of the app with the dependencies the routers including it add: FastAPI 0.16x keeps an included
    router as one route holding the router (original_router), older versions copied its routes into the app."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route, inherited
        elif hasattr(route, "original_router"):
            yield from api_routes(route.original_router.routes, (*inherited, *route.include_context.dependencies))


def _error(request: Request, status: int, message: str) -> Response:
    if request.url.path.startswith("/api/"):
        return JSONResponse({"detail": message}, status_code=status)
    return HTMLResponse(f"<!DOCTYPE html><meta charset=\"utf-8\"><title>{status}</title><p>{html.escape(message)}</p>",
                        status_code=status)
