"""Permission refusals as console pages (#18): a console route the user's roles do not open answers 403 with a page in
the user's language naming the missing permission, with a way back, instead of FastAPI's raw JSON. The JSON API (/api,
/v1) and signed machine calls keep the JSON answer {"detail": ...} they document."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import Response

from domain.identity.roles import PERMISSIONS
from ui.deps import render

NEEDED = re.compile(r"forbidden: ([A-Za-z]\d+:[a-z-]+) is needed")  # ui/security.py Require's refusal
API_PREFIXES = ("/api/", "/v1/", "/openapi.json")


def permission_refused(request: Request, exc: Any) -> str | None:
    """The permission a console request was refused for lacking; None for an API call or any other refusal."""
    if getattr(exc, "status_code", None) != 403 or request.url.path.startswith(API_PREFIXES):
        return None
    if request.headers.get("x-app-id"):
        return None
    found = NEEDED.search(str(getattr(exc, "detail", "")))
    return found.group(1) if found else None


def back_link(request: Request) -> str:
    """Where the user came from, when it is a page of this platform; else the home page."""
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc == request.url.netloc and referer.path.startswith("/") and referer.path != request.url.path:
        return referer.path + (f"?{referer.query}" if referer.query else "")
    return "/"


def page(request: Request, permission: str) -> Response:
    return render(request, "forbidden.html", {
        "permission": permission, "permission_names": PERMISSIONS.get(permission, (permission, permission)),
        "back": back_link(request)}, status_code=403)
