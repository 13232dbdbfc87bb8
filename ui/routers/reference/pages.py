"""管理员控制台 · 海关参数: the administrator's pages for the code lists (I1, I2): list, search, page, an entry's
history, edit with a reason, import Excel/CSV with a report, export Excel, the empty template.
Until logins exist (#4) the operator types their name; it is recorded with every change."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from domain.reference.lists import INSPECTION_MODES, LISTS, Reason, normalise
from domain.reference.model import ReferenceChangeRefused
from engine.reference.service import MAX_IMPORT_BYTES, UnreadableTable
from ui.deps import PlatformDep, render
from ui.routers.reference.api import for_list, permission_for, service_of
from ui.security import require

router = APIRouter(prefix="/admin/reference", include_in_schema=False)
PER_PAGE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("", response_class=HTMLResponse, dependencies=[require("I1:view")])
def lists(request: Request, platform: PlatformDep) -> Any:
    return render(request, "reference/lists.html", {"overview": service_of(platform).overview(),
                                                    "permission_for": permission_for})  # #18: offer what opens


@router.get("/{list_name}", response_class=HTMLResponse, dependencies=[for_list("view")])
def entries(request: Request, platform: PlatformDep, list_name: str, q: str = "", page: int = 1) -> Any:
    rows, total = service_of(platform, list_name).page(list_name, q.strip(), max(page, 1), PER_PAGE)
    spec = LISTS[list_name]
    return render(request, "reference/list.html", {
        "spec": spec, "manage": permission_for(list_name, "manage"), "rows": rows,
        "columns": [c for c in spec.columns if c.key not in ("source", "note")],
        "total": total, "page": max(page, 1), "pages": max((total + PER_PAGE - 1) // PER_PAGE, 1), "q": q})


@router.get("/{list_name}/entry", response_class=HTMLResponse, dependencies=[for_list("view")])
def entry(request: Request, platform: PlatformDep, list_name: str, code: str = "", saved: int = 0) -> Any:
    service = service_of(platform, list_name)
    found = service.entry(list_name, code) if code else None
    if code and found is None:
        return render(request, "reference/entry.html", _entry_context(list_name, {"code": code}, [], []) |
                      {"missing": True}, status_code=404)
    history = service.history(list_name, code) if found else []
    return render(request, "reference/entry.html",
                  _entry_context(list_name, found or {}, history, [], saved=saved))


@router.post("/{list_name}/entry", response_class=HTMLResponse, dependencies=[for_list("manage")])
async def save_entry(request: Request, platform: PlatformDep, list_name: str) -> Any:
    service = service_of(platform, list_name)
    form = {k: str(v) for k, v in (await request.form()).items()}
    values = {c.key: form[c.key] for c in LISTS[list_name].columns if c.key in form}
    try:
        changed = service.edit(list_name, values, by=_who(request, form.get("_operator", "")),
                               reason=form.get("_reason", ""))
    except ReferenceChangeRefused as refused:
        code = normalise(LISTS[list_name], values)["code"]
        existing = service.entry(list_name, code) if code else None
        history = service.history(list_name, code) if existing else []
        return render(request, "reference/entry.html", _entry_context(
            list_name, (existing or {}) | values, history, refused.reasons, reason=form.get("_reason", ""),
            is_new=existing is None), status_code=422)
    query = urlencode({"code": normalise(LISTS[list_name], values)["code"], "saved": 1 if changed else 2})
    return RedirectResponse(f"/admin/reference/{list_name}/entry?{query}", status_code=303)


def _who(request: Request, typed: str) -> str:
    """The logged-in user; the name typed in the form only where no login is in front of the console."""
    principal = getattr(request.state, "principal", None)
    return principal.name if principal is not None else (typed.strip() or "admin")


def _entry_context(list_name: str, values: dict[str, Any], history: list[dict[str, Any]], errors: list[Reason],
                   saved: int = 0, reason: str = "", is_new: bool | None = None) -> dict[str, Any]:
    return {"spec": LISTS[list_name], "manage": permission_for(list_name, "manage"), "values": values,
            "history": history, "errors": errors, "saved": saved,
            "reason": reason, "is_new": not history if is_new is None else is_new, "modes": INSPECTION_MODES,
            "missing": False}


@router.get("/{list_name}/import", response_class=HTMLResponse, dependencies=[for_list("manage")])
def import_form(request: Request, platform: PlatformDep, list_name: str) -> Any:
    service_of(platform, list_name)
    return render(request, "reference/import.html", {"spec": LISTS[list_name], "report": None, "error": "",
                                                     "complete": False})


@router.post("/{list_name}/import", response_class=HTMLResponse, dependencies=[for_list("manage")])
def import_file(request: Request, platform: PlatformDep, list_name: str,
                file: UploadFile = File(...), reason: str = Form(""), operator: str = Form(""),  # noqa: B008
                complete: str = Form("")) -> Any:
    """A sync endpoint: the table is read (within its bounds, MAX_IMPORT_BYTES at most) and imported on a worker
    thread, never on the event loop (#16 item 4). ``complete`` ticked: the file is customs' official list, so codes
    outside it are refused from now on (#18)."""
    service = service_of(platform, list_name)
    context: dict[str, Any] = {"spec": LISTS[list_name], "report": None, "error": "", "complete": bool(complete)}
    try:
        context["report"] = service.import_file(list_name, file.filename or "", file.file.read(MAX_IMPORT_BYTES + 1),
                                                _who(request, operator), reason.strip(), bool(complete))
    except UnreadableTable as error:
        context["error"] = str(error)
        return render(request, "reference/import.html", context, status_code=422)
    return render(request, "reference/import.html", context)


@router.get("/{list_name}/export.xlsx", dependencies=[for_list("view")])
def export(platform: PlatformDep, list_name: str) -> Response:
    data = service_of(platform, list_name).export_xlsx(list_name)
    return Response(data, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{list_name}.xlsx"'})


@router.get("/{list_name}/template.xlsx", dependencies=[for_list("view")])
def template(platform: PlatformDep, list_name: str) -> Response:
    data = service_of(platform, list_name).template_xlsx(list_name)
    return Response(data, media_type=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{list_name}-template.xlsx"'})
