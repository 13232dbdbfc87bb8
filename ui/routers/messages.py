"""报文跟踪 and 死信 consoles (X3, X5): every outgoing message with its stages, and the dead-letter list."""

from __future__ import annotations

import math
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse

from domain.customs.rules import DeclarationRejected
from engine.dead_letters import DeadLetters
from ui.deps import PlatformDep, render
from ui.security import require

router = APIRouter(prefix="/admin", include_in_schema=False)
PER_PAGE = 20
STATUSES = ("prepared", "delivered", "retrying", "dead", "resent", "discarded")


@router.get("/messages", response_class=HTMLResponse, dependencies=[require("X5:view")])
def messages(request: Request, platform: PlatformDep, q: str = "", message_type: str = "", status: str = "",
             date_from: str = "", date_to: str = "", page: int = 1) -> Any:
    rows, total = platform.messages_view.search(q, message_type, status, date_from, date_to, page, PER_PAGE)
    filters = {"q": q, "message_type": message_type, "status": status, "date_from": date_from, "date_to": date_to}
    return render(request, "messages/list.html", {"rows": rows, "total": total, "page": max(page, 1),
                                                  "pages": max(1, math.ceil(total / PER_PAGE)),
                                                  "filters": filters, "statuses": STATUSES})


@router.get("/messages/{message_id}", response_class=HTMLResponse, dependencies=[require("X5:view")])
def message(request: Request, platform: PlatformDep, message_id: str) -> Any:
    row = platform.messages_view.get(message_id)
    if row is None:
        raise HTTPException(404)
    return render(request, "messages/detail.html", {"m": row, "stages": platform.messages_view.stages(message_id)})


def _dead_letters(request: Request, platform: Any, notice: str = "", errors: Any = None,
                  status_code: int = 200) -> Any:
    return render(request, "messages/dead_letters.html", {"rows": platform.messages_view.dead_letters(),
                                                          "notice": notice, "errors": errors or []},
                  status_code=status_code)


@router.get("/dead-letters", response_class=HTMLResponse, dependencies=[require("X5:manage")])
def dead_letters(request: Request, platform: PlatformDep) -> Any:
    return _dead_letters(request, platform)


@router.post("/dead-letters/{message_id}/{action}", response_class=HTMLResponse,
             dependencies=[require("X5:manage")])
def act(request: Request, platform: PlatformDep, message_id: UUID, action: str, reason: str = Form("")) -> Any:
    if action not in ("resend", "discard"):
        raise HTTPException(404)
    service = DeadLetters(platform.store)
    try:
        done = getattr(service, action)(message_id, request.state.principal.name, reason)
    except DeclarationRejected as rejected:
        return _dead_letters(request, platform, errors=rejected.errors, status_code=422)
    platform.messages_view.run_once()
    platform.runner.wake.set()
    return _dead_letters(request, platform, notice=f"{done.guid} {action} ✓")
