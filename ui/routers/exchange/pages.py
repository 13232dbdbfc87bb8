"""报文跟踪 and 死信 consoles (X3, X5): every outgoing message with its stages, and the dead-letter list."""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import quote
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from domain.exchange.model import ReceiptFile
from domain.shared.rules import DeclarationRejected
from engine.exchange.service import DeadLetters
from projections.exchange.messages import SORTABLE
from ui.deps import PlatformDep, render
from ui.listing import ListQuery, ListRefused, parse
from ui.personal import personal_file, personal_page, reveal_context
from ui.security import require

router = APIRouter(prefix="/admin", include_in_schema=False)
SOURCE = re.compile(r"<source>([^<]*)</source>")
STATUSES = ("prepared", "delivered", "retrying", "dead", "resent", "discarded")


@router.get("/messages", response_class=HTMLResponse, dependencies=[require("X5:view")])
def messages(request: Request, platform: PlatformDep, q: str = "", message_type: str = "", date_from: str = "",
             date_to: str = "") -> Any:
    """#18: the lists' shared parameters (ui/listing.py): page size, jump to page, sortable columns, several
    statuses at once; a bad one is refused (422) naming it, the page still usable."""
    filters = {"q": q, "message_type": message_type, "date_from": date_from, "date_to": date_to}
    context = {"filters": filters, "statuses": STATUSES, "sortable": SORTABLE}
    try:
        lq = parse(request, SORTABLE, STATUSES)
    except ListRefused as refused:
        return render(request, "exchange/messages/list.html", context | {
            "rows": [], "total": 0, "lq": ListQuery(), "list_error": refused}, 422)
    rows, total = platform.exchange.messages_view.search(q, message_type, lq.statuses, date_from, date_to, lq.page,
                                                         lq.per_page, lq.sort, lq.descending)
    return render(request, "exchange/messages/list.html", context | {"rows": rows, "total": total, "lq": lq})


@router.get("/messages/{message_id}", response_class=HTMLResponse, dependencies=[require("X5:view")])
def message(request: Request, platform: PlatformDep, message_id: str) -> Any:
    """A message with its stages: the signed XML carries the buyers' ID numbers and phones, masked unless a holder
    of I3:view-personal asked with a reason, that view logged (#18)."""
    row = platform.exchange.messages_view.get(message_id)
    if row is None:
        raise HTTPException(404)
    stages = [{**stage, "source": _source(stage)} for stage in platform.exchange.messages_view.stages(message_id)]
    page = render(request, "exchange/messages/detail.html", {"m": row, "stages": stages, **reveal_context(request)})
    return personal_page(request, platform, page, [stage["xml"] or "" for stage in stages],
                         f"message {row['message_type']} {row['guid']}", (row["document_numbers"] or "").split())


@router.get("/messages/{message_id}/xml", dependencies=[require("X5:view")])
def message_xml(request: Request, platform: PlatformDep, message_id: str) -> Any:
    """The signed message as sent, downloaded: masked like its page unless a permitted user asked with a reason."""
    row = platform.exchange.messages_view.get(message_id)
    signed = next((s["xml"] for s in platform.exchange.messages_view.stages(message_id)
                   if s["stage"] == "prepared" and s["xml"]), None) if row else None
    if signed is None:
        raise HTTPException(404)
    xml = personal_file(request, platform, signed, f"message {row['message_type']} {row['guid']} XML",
                        (row["document_numbers"] or "").split())
    return Response(xml.encode("utf-8"), media_type="application/xml",
                    headers={"Content-Disposition": f'attachment; filename="{quote(row["guid"])}.xml"'})


def _source(stage: dict[str, Any]) -> str:
    """The receipt file a receipt stage came from (its recorded fields name it), for the raw XML link."""
    if stage["stage"] not in ("receipt", "format_error"):
        return ""
    found = SOURCE.search(stage["xml"] or "")
    return html.unescape(found.group(1)) if found else ""


@router.get("/receipt-files/{name}", dependencies=[require("X5:view")])
def receipt_file(request: Request, platform: PlatformDep, name: str, download: bool = False) -> Any:
    """原始回执: the receipt message as customs sent it, shown or downloaded; buyers' ID numbers and phones masked
    in both unless a permitted user asked with a reason (#18)."""
    try:
        kept = platform.store.repository.get(ReceiptFile.create_id(name))
    except AggregateNotFoundError:
        raise HTTPException(404, "没有这个回执文件 no such receipt file") from None
    what = f"receipt file {name}"
    if download:
        xml = personal_file(request, platform, kept.xml, what, [name])
        return Response(xml.encode("utf-8"), media_type="application/xml",
                        headers={"Content-Disposition": f'attachment; filename="{quote(name)}"'})
    page = render(request, "exchange/messages/receipt_file.html", {"f": kept, **reveal_context(request)})
    return personal_page(request, platform, page, [kept.xml], what, [name])


def _dead_letters(request: Request, platform: Any, notice: str = "", errors: Any = None,
                  status_code: int = 200) -> Any:
    return render(request, "exchange/messages/dead_letters.html",
                  {"rows": platform.exchange.messages_view.dead_letters(), "notice": notice, "errors": errors or []},
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
    platform.exchange.messages_view.run_once()
    platform.runner.wake.set()
    return _dead_letters(request, platform, notice=f"{done.guid} {action} ✓")
