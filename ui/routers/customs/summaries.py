"""汇总申报 (E3) console and API: a month's proposed summary applications (CEB701) with the reminder from the 1st of the
next month, declaring them in one step, and the results customs sends back (sumNo, CEB792 declarations).

Pages: /declarant/summaries/proposals?month=YYYY-MM (E3:view; declaring needs E3:declare) and
/declarant/summaries/results?month=YYYY-MM. API: GET and POST /api/export/summaries/proposals?month=YYYY-MM, GET
/api/export/summaries/results?month=YYYY-MM. Both routers are included before the document pages and API, whose
/declarant/summaries/{id} and /api/export/summaries/{id} would take "proposals" for a document id.

The nav reminder: `summary_reminders(request)`, a template global base.html calls for declarants."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

from domain.customs import summary
from domain.customs_node import export_rules as clearance_export
from domain.shared.rules import FieldError
from engine.customs.api_json import plain
from engine.customs.summaries import Declared, Month, Reminder, key_text
from ui.deps import PlatformDep, render, templates
from ui.i18n import lang_of
from ui.security import Allowed, require

router = APIRouter(prefix="/declarant/summaries", include_in_schema=False)
api = APIRouter(prefix="/api/export/summaries", tags=["api"])
MONTH = Query(None, description="YYYY-MM; default the last month", pattern=r"^\d{4}-\d{2}$")


def chosen_month(platform: Any, month: str | None) -> str:
    """The month asked for (YYYY-MM), or the last one; ValueError for anything else."""
    return summary.parse_month(month) if month else platform.customs.summaries.last_month()


def summary_reminders(request: Request) -> list[Reminder]:
    """The months the logged-in declarant still has to summarise (for the nav); none on a platform without E3."""
    platform = request.app.state.platform
    principal = getattr(request.state, "principal", None)
    if principal is None or not principal.can("E3:declare"):
        return []
    return platform.customs.summaries.reminders(principal)


templates.env.globals["summary_reminders"] = summary_reminders


def dec_state(value: str, lang: str) -> str:
    zh, en = clearance_export.DEC_STATES.get(value, (value, value))
    return f"{value} {en if lang == 'en' else zh}".strip()


# pages --------------------------------------------------------------------------------------------------------------

@router.get("/proposals", response_class=HTMLResponse, dependencies=[require("E3:view")])
def proposals_page(request: Request, platform: PlatformDep, month: str = "") -> Any:
    try:
        chosen = chosen_month(platform, month)
    except ValueError:
        return proposals(request, platform, platform.customs.summaries.last_month(),
                         [FieldError("month", "format", "月份格式应为 YYYY-MM", "month must be YYYY-MM", month)], 422)
    return proposals(request, platform, chosen)


def proposals(request: Request, platform: Any, month: str, errors: list[FieldError] | None = None,
              status_code: int = 200) -> Any:
    principal = request.state.principal
    return render(request, "customs/summaries/proposals.html", {
        "m": platform.customs.summaries.month(month, principal),
        "reminders": platform.customs.summaries.reminders(principal),
        "errors": errors or [], "key_text": key_text, "previous": shifted(month, -1), "following": shifted(month, 1)},
        status_code=status_code)


@router.post("/proposals", response_class=HTMLResponse, dependencies=[require("E3:declare")])
async def declare(request: Request, platform: PlatformDep) -> Any:
    """申报: the month's proposals ticked on the page (key), as they stand now."""
    form, principal = await request.form(), request.state.principal
    try:
        month = summary.parse_month(str(form.get("month") or ""))
    except ValueError:
        return proposals_page(request, platform, str(form.get("month") or ""))
    keys = [str(k) for k in form.getlist("key")]
    outcomes = platform.customs.summaries.declare(month, principal.name, principal, keys)
    refused = [e for o in outcomes for e in o.errors]
    if refused:
        return proposals(request, platform, month, refused, 422)
    platform.runner.wake.set()
    return RedirectResponse(f"/declarant/summaries/results?month={month}&declared={len(outcomes)}", status_code=303)


@router.get("/results", response_class=HTMLResponse, dependencies=[require("E3:view")])
def results_page(request: Request, platform: PlatformDep, month: str = "", declared: int = 0) -> Any:
    try:
        chosen = chosen_month(platform, month)
    except ValueError:
        return proposals_page(request, platform, month)
    lang = lang_of(request, platform.settings.lang)
    return render(request, "customs/summaries/results.html", {
        "m": platform.customs.summaries.month(chosen, request.state.principal), "declared_now": declared,
        "dec_state": lambda value: dec_state(value, lang), "previous": shifted(chosen, -1),
        "following": shifted(chosen, 1)})


def shifted(month: str, by: int) -> str:
    index = int(month[:4]) * 12 + int(month[5:7]) - 1 + by
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


# API ----------------------------------------------------------------------------------------------------------------

@api.get("/proposals", summary="The summary applications (CEB701) to declare for a month, with the reminder (E3)")
def get_proposals(platform: PlatformDep, principal: Allowed("E3:view"), month: str | None = MONTH) -> dict[str, Any]:
    """reminder: the month is over (from the 1st of the next month) and applications are still to declare; overdue:
    past the deadline (the 10th of the next month). reminders: every such month."""
    found = platform.customs.summaries.month(api_month(platform, month), principal)
    reminders = platform.customs.summaries.reminders(principal)
    return month_json(found) | {"reminders": [reminder_json(r) for r in reminders]}


@api.post("/proposals", summary="Declare the month's proposed summary applications (E3)", status_code=201)
def post_proposals(platform: PlatformDep, principal: Allowed("E3:declare"), month: str | None = MONTH,
                   key: list[str] | None = Query(None, description="only these applications (their `key`)")) -> Any:
    chosen = api_month(platform, month)
    outcomes = platform.customs.summaries.declare(chosen, principal.name, principal, key)
    refused = [e for o in outcomes for e in o.errors]
    if refused:
        return JSONResponse(status_code=422, content={
            "detail": "汇总申请单未通过校验，未保存 the summary applications were not stored",
            "errors": [e.as_dict() for e in refused]})
    platform.runner.wake.set()
    return {"month": chosen, "declared": [o.document_id for o in outcomes]}


@api.get("/results", summary="The month's summary applications with sumNo and their CEB792 declarations (E3)")
def get_results(platform: PlatformDep, principal: Allowed("E3:view"), month: str | None = MONTH) -> dict[str, Any]:
    found = platform.customs.summaries.month(api_month(platform, month), principal)
    return {"month": found.month, "applications": [declared_json(d) for d in found.declared]}


def api_month(platform: Any, month: str | None) -> str:
    try:
        return chosen_month(platform, month)
    except ValueError as error:
        raise HTTPException(422, "月份格式应为 YYYY-MM month must be YYYY-MM") from error


def month_json(found: Month) -> dict[str, Any]:
    due = bool(found.proposals)
    return {"month": found.month, "deadline": found.deadline.isoformat(), "reminder": found.reminded and due,
            "overdue": found.overdue and due, "proposals": [application_json(a) for a in found.proposals],
            "declared": [declared_json(d) for d in found.declared]}


def application_json(application: summary.Application) -> dict[str, Any]:
    declarations = application.declarations
    return plain({
        "key": key_text(application.key), **application.key._asdict(),
        "ebcName": application.inventories[0].get("ebcName"), "agentCode": application.declarant.get("agentCode"),
        "invtNos": application.invt_nos, "inventoryCount": len(application.inventories),
        "lineCount": sum(d.lines for d in declarations), "values": application.values,
        "grossWeight": application.weight("grossWeight"), "netWeight": application.weight("netWeight"),
        "declarations": [{**d.key._asdict(), "invtNos": d.invt_nos, "lines": d.lines, "qty": d.qty, "value": d.value}
                         for d in declarations]})


def declared_json(found: Declared) -> dict[str, Any]:
    return {"documentId": found.document_id, "copNo": found.number, "status": found.status, "sumNo": found.sum_no,
            "returnInfo": found.return_info, "invtNos": found.invt_nos, "declaredAt": found.declared_at.isoformat(),
            "results": [{"declSeqNo": r.decl_seq_no, "entryId": r.entry_id, "decState": r.dec_state,
                         "invtNos": r.invt_nos} for r in found.results]}


def reminder_json(reminder: Reminder) -> dict[str, Any]:
    return {"month": reminder.month, "inventories": reminder.inventories, "deadline": reminder.deadline.isoformat(),
            "overdue": reminder.overdue}
