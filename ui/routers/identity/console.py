"""Refusals of the administrator's console as console pages (#18): a permission the user lacks, a failed CSRF
check or something that is not theirs to see is answered with a page in the user's language, never FastAPI's raw
JSON; and a user who must replace a temporary password is sent to the change of password."""

from __future__ import annotations

import re
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.routing import APIRoute

from domain.identity.roles import PERMISSIONS
from ui.deps import render

PERMISSION = re.compile(r"\b([A-Z]\d+:[a-z]+)\b")


class ConsoleRoute(APIRoute):
    """A console route whose 403 (raised by the permission check in ui/security.py or by the route) and 404 become
    console pages; a JSON client of the same path gets the same status."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except HTTPException as refused:
                if refused.status_code not in (403, 404):
                    raise
                return refusal_page(request, refused.status_code, str(refused.detail))

        return route


def refusal_page(request: Request, status_code: int, detail: str = "") -> Response:
    """The page of a refusal: what was refused and why, in the user's language."""
    principal = getattr(request.state, "principal", None)
    identity = request.app.state.platform.identity
    if principal is not None and request.method == "GET" and identity.must_change_password(principal.name):
        return RedirectResponse("/account", status_code=303)
    found = PERMISSION.search(detail)
    permission = found.group(1) if found else ""
    reason = "csrf" if "CSRF" in detail else "not_found" if status_code == 404 else "permission"
    return render(request, "identity/admin/refused.html", {
        "reason": reason, "permission": permission, "permission_names": PERMISSIONS.get(permission, ("", ""))},
        status_code=status_code)


def not_found(what: str) -> HTTPException:
    """What the user may not see is answered as what does not exist: no other organisation's names leak."""
    return HTTPException(404, f"not found: {what}")
