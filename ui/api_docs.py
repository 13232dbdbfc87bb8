"""The API documentation pages of the platform and the signing service, offline (#17 item 11).

Swagger UI's script, style and icon ship with the package (ui/static/swagger, see its README.md): FastAPI's page
loads them from a CDN by default, which leaves /docs blank without internet. ``documented`` adds to an app's
OpenAPI document what FastAPI cannot know: how callers authenticate, and the refusals every protected route may
answer.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

SWAGGER_DIR = Path(__file__).parent / "static" / "swagger"
HMAC_HEADERS = {
    "AppId": ("X-App-Id", "API client app id (platform API clients, A6)"),
    "Timestamp": ("X-Timestamp", "Unix time of the request, within 300 s"),
    "Nonce": ("X-Nonce", "8 to 128 characters, never reused"),
    "Signature": ("X-Signature", "Base64 HMAC-SHA256 over method, path, timestamp, nonce and the body's SHA-256 "
                                 "hex, joined by newlines (docs/api-clients.md)"),
}


def swagger_page(title: str, openapi_url: str = "/openapi.json", assets: str = "/static/swagger") -> HTMLResponse:
    """Swagger UI over the app's own copy of its assets: nothing is fetched from elsewhere."""
    return get_swagger_ui_html(openapi_url=openapi_url, title=title, swagger_js_url=f"{assets}/swagger-ui-bundle.js",
                               swagger_css_url=f"{assets}/swagger-ui.css",
                               swagger_favicon_url=f"{assets}/favicon-32x32.png")


def hmac_schemes() -> dict[str, dict[str, str]]:
    """The four headers of a signed request, each an apiKey scheme (OpenAPI has no HMAC scheme): all four together."""
    return {name: {"type": "apiKey", "in": "header", "name": header, "description": text}
            for name, (header, text) in HMAC_HEADERS.items()}


def documented(app: FastAPI, schemes: dict[str, dict[str, str]], alternatives: list[list[str]],
               covered: Callable[[str], bool], refusals: dict[str, dict[str, Any]] | None = None) -> None:
    """Make ``app.openapi()`` carry the security ``schemes`` and, on every operation of a path ``covered`` says is
    protected, the requirement (any one of ``alternatives``, each a list of schemes presented together) and the
    ``refusals`` (status: OpenAPI response) it may answer, where the route does not describe that status itself."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        schema.setdefault("components", {})["securitySchemes"] = schemes
        requirement = [{name: [] for name in names} for names in alternatives]
        for path, operations in schema.get("paths", {}).items():
            if covered(path):
                for operation in operations.values():
                    operation["security"] = requirement
                    for status, response in (refusals or {}).items():
                        operation.setdefault("responses", {}).setdefault(status, response)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


# The platform's JSON API refusals (ui/app.py): a sentence in Chinese and English, and for invalid input each field
# with its rule (domain.shared.rules.FieldError).
PLATFORM_ERROR = {"type": "object", "required": ["detail"], "properties": {
    "detail": {"description": "中文 and English", "anyOf": [{"type": "string"}, {"type": "array"}]},
    "errors": {"type": "array", "items": {"type": "object", "properties": {
        name: {"type": "string"} for name in ("field", "rule", "message_zh", "message_en", "fix_zh", "fix_en")}}}}}


def platform_refusals() -> dict[str, dict[str, Any]]:
    """401, 403, 413 and 422 as the platform's JSON API answers them."""
    texts = {"401": "未登录或签名无效 not logged in, or the request signature is missing or wrong",
             "403": "无权操作 the role lacks the permission, or the document is another organisation's",
             "413": "请求体超过 CBEC_MAX_BODY_MB the body is over the limit; refused before it is read",
             "422": "输入无效 invalid input: each field and rule in zh and en"}
    return {status: {"description": text, "content": {"application/json": {"schema": PLATFORM_ERROR}}}
            for status, text in texts.items()}


def platform_schemes() -> dict[str, dict[str, str]]:
    """A console user's session cookie (commands echo its CSRF token in X-CSRF-Token), or a signed request."""
    return {"Session": {"type": "apiKey", "in": "cookie", "name": "cbec_session",
                        "description": "the console's login session; commands also send X-CSRF-Token"},
            **hmac_schemes()}
