"""申报首页 (#18): the page a declarant lands on: to-dos (refused documents, receipts overdue, summaries due, open
alerts), counts by status per document type, and the buyer annual limit check. The queries are
engine/customs/home.py's; every one answers only the caller's organisation's documents and viewable types.

Also registers, for every template, `status_class` (the colour class of a status) and the words of ui/i18n/home.py."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from domain.customs.documents import ALL_TYPES, BY_MESSAGE
from domain.identity.roles import SELF, Principal
from engine import clock
from engine.customs.home import DeclarantHome
from ui.deps import PlatformDep, render, templates
from ui.i18n import TEXT, lang_of
from ui.i18n.home import TEXT as HOME_TEXT
from ui.routers.customs.documents import STATUSES
from ui.security import require
from ui.statuses import CLASSES, status_class

router = APIRouter(include_in_schema=False)
HOME = "/declarant"
LIMIT_CHECK = "I4:declare"  # who declares inventories needs to know what a buyer has left
YEAR = re.compile(r"\d{4}")

TEXT.update(HOME_TEXT)
templates.env.globals["status_class"] = status_class
templates.env.globals["status_classes"] = CLASSES


def is_declarant(principal: Principal) -> bool:
    """A user of an enterprise who declares some document: they land on the home page; administrators, auditors and
    BI readers keep their own landing."""
    return not principal.sees_all and any(principal.can(t.permission("declare")) for t in ALL_TYPES)


def doc_labeller(lang: str) -> Any:
    """A message type's document name in the user's language (CEB621 -> 进口清单), the code itself when unknown."""
    return lambda message: BY_MESSAGE[message].label(lang) if message in BY_MESSAGE else message


def _page(request: Request, platform: Any, limit: Any = None, limit_form: dict[str, str] | None = None,
          limit_error: str = "", status_code: int = 200) -> Any:
    principal = request.state.principal
    home = DeclarantHome(platform)
    refused, refused_total = home.refused(principal)
    overdue, overdue_total = home.overdue(principal)
    return render(request, "customs/home.html", {
        "refused": refused, "refused_total": refused_total, "overdue": overdue, "overdue_total": overdue_total,
        "summaries_due": home.summaries_due(principal), "alerts": home.alerts(principal),
        "counts": home.counts(principal), "may_check_limit": principal.can(LIMIT_CHECK), "limit": limit,
        "limit_form": limit_form or {"year": str(clock.now().year)}, "limit_error": limit_error,
        "this_year": clock.now().year, "list_statuses": STATUSES,
        "doc_label": doc_labeller(lang_of(request, platform.settings.lang))}, status_code=status_code)


@router.get(HOME, response_class=HTMLResponse, dependencies=[require(SELF)])
def home_page(request: Request, platform: PlatformDep) -> Any:
    return _page(request, platform)


@router.post(f"{HOME}/annual-limit", response_class=HTMLResponse, dependencies=[require(LIMIT_CHECK)])
async def annual_limit(request: Request, platform: PlatformDep) -> Any:
    """POST, so the buyer's ID number stays out of URLs and access logs; answered on the home page, masked."""
    form = await request.form()
    buyer, year = str(form.get("buyer") or "").strip().upper(), str(form.get("year") or "").strip()
    shown = {"year": year}
    if not buyer:
        return _page(request, platform, limit_form=shown, limit_error="home_limit_missing", status_code=422)
    if year and not YEAR.fullmatch(year):
        return _page(request, platform, limit_form=shown, limit_error="home_limit_year_bad", status_code=422)
    found = DeclarantHome(platform).annual_limit(buyer, int(year) if year else None)
    return _page(request, platform, limit=found, limit_form={"year": str(found.year)})
