"""管理员控制台 (A1-A6, A4): organisations, users, enterprises, API clients and the system log."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from domain.identity.roles import BUILTIN_ROLES, PERMISSIONS
from domain.shared.rules import DeclarationRejected, FieldError
from engine.audit.exports import ExportRefused, export_list
from engine.identity.enterprises import MAX_KEY_FILE
from ui.deps import PlatformDep, render
from ui.security import require

router = APIRouter(prefix="/admin", include_in_schema=False)


def _page(request: Request, platform: Any, notice: str = "", errors: list[FieldError] | None = None,
          secret: tuple[str, str] | None = None, status_code: int = 200) -> Any:
    principal = request.state.principal
    users = [u for u in platform.identity.users() if principal.sees_all or u.organisation == principal.organisation]
    organisations = [o for o in platform.identity.organisations()
                     if principal.sees_all or o.code == principal.organisation]
    enterprises = [e for e in platform.identity.enterprises.all()
                   if principal.sees_all or e.organisation == principal.organisation]
    clients = [c for c in platform.identity.clients() if principal.sees_all or c.organisation == principal.organisation]
    return render(request, "identity/admin/index.html", {
        "users": users, "organisations": organisations, "enterprises": enterprises
        if principal.can("A5:manage") else [], "clients": clients if principal.can("A6:manage")
        else [], "roles": _roles(platform), "permissions": PERMISSIONS, "custom_roles": platform.identity.roles(),
        "notice": notice, "errors": errors or [], "secret": secret},
        status_code=status_code)


def _roles(platform: Any) -> dict[str, tuple[str, str, Any, bool]]:
    """Built-in and custom roles by name: (Chinese name, English name, permissions, sees every organisation)."""
    custom = {r.name: (r.name_zh, r.name_en, frozenset(r.permissions), False) for r in platform.identity.roles()}
    return BUILTIN_ROLES | custom


@router.post("/roles", response_class=HTMLResponse, dependencies=[require("A2:manage")])
def define_role(request: Request, platform: PlatformDep, name: str = Form(""), name_zh: str = Form(""),
                name_en: str = Form(""), permissions: list[str] = Form([])) -> Any:
    by = request.state.principal  # a role holds only permissions its author holds
    return _attempt(request, platform, lambda: platform.identity.define_role(
        name.strip(), name_zh.strip(), name_en.strip(), permissions, by), f"{name} ✓")


@router.get("", response_class=HTMLResponse, dependencies=[require("A3:manage")])
def index(request: Request, platform: PlatformDep) -> Any:
    return _page(request, platform)


def _attempt(request: Request, platform: Any, action: Any, notice: str) -> Any:
    try:
        result = action()
    except DeclarationRejected as rejected:
        return _page(request, platform, errors=rejected.errors, status_code=422)
    return _page(request, platform, notice=notice, secret=result if isinstance(result, tuple) else None)


@router.post("/organisations", response_class=HTMLResponse, dependencies=[require("A1:manage")])
def create_organisation(request: Request, platform: PlatformDep, code: str = Form(""), name: str = Form("")) -> Any:
    by = request.state.principal.name
    return _attempt(request, platform, lambda: platform.identity.register_organisation(code.strip(), name.strip(), by),
                    f"{code} ✓")


@router.post("/users", response_class=HTMLResponse, dependencies=[require("A3:manage")])
def create_user(request: Request, platform: PlatformDep, username: str = Form(""), display_name: str = Form(""),
                organisation: str = Form(""), roles: list[str] = Form([]), password: str = Form("")) -> Any:
    principal = request.state.principal  # the service grants only the organisation and permissions it holds
    return _attempt(request, platform, lambda: platform.identity.register_user(
        username.strip(), display_name.strip(), organisation.strip(), roles, password, by=principal),
        f"{username} ✓")


@router.post("/users/{username}/roles", response_class=HTMLResponse, dependencies=[require("A3:manage")])
def change_roles(request: Request, platform: PlatformDep, username: str, roles: list[str] = Form([])) -> Any:
    """Other roles end the user's sessions."""
    principal = request.state.principal
    return _attempt(request, platform, lambda: platform.identity.change_roles(username, roles, by=principal),
                    f"{username} ✓")


@router.post("/users/{username}/deactivate", response_class=HTMLResponse, dependencies=[require("A3:manage")])
def deactivate_user(request: Request, platform: PlatformDep, username: str, reason: str = Form("")) -> Any:
    """A deactivated user cannot log in and its sessions end."""
    principal = request.state.principal
    return _attempt(request, platform, lambda: platform.identity.deactivate_user(username, by=principal,
                                                                                  reason=reason), f"{username} ✓")


@router.post("/enterprises", response_class=HTMLResponse, dependencies=[require("A5:manage")])
async def create_enterprise(request: Request, platform: PlatformDep, code: str = Form(""), name: str = Form(""),
                            kinds: list[str] = Form([]), uscc: str = Form(""), dxp_id: str = Form(""),
                            organisation: str = Form(""), algorithm: str = Form("RSA-SHA1"),
                            certificate: UploadFile | None = None, private_key: UploadFile | None = None,
                            generate: str = Form("")) -> Any:
    """Everything is checked before a key file is written, and no path is built from the form (#16 item 10)."""
    code, name, principal = code.strip(), name.strip(), request.state.principal
    key_files = None
    if not generate:
        if not (certificate and certificate.filename and private_key and private_key.filename):
            return _page(request, platform, status_code=422, errors=[FieldError(
                "certificate", "required", "请上传证书和私钥，或选择生成测试密钥",
                "upload the certificate and key, or generate a test key")])
        limit = MAX_KEY_FILE + 1  # one byte more than allowed, so the service sees a file too large
        key_files = (await private_key.read(limit), await certificate.read(limit))
    return _attempt(request, platform, lambda: platform.identity.register_enterprise(
        code, name, kinds, dxp_id.strip(), algorithm, uscc.strip(), organisation.strip(), key_files, by=principal),
        f"{code} ✓")


@router.post("/clients", response_class=HTMLResponse, dependencies=[require("A6:manage")])
def create_client(request: Request, platform: PlatformDep, name: str = Form(""), organisation: str = Form(""),
                  roles: list[str] = Form([])) -> Any:
    by = request.state.principal  # a client gets only the organisation and permissions its creator holds
    return _attempt(request, platform, lambda: platform.identity.register_client(
        name.strip(), organisation.strip(), roles, by), "✓")


@router.post("/clients/{app_id}/revoke", response_class=HTMLResponse, dependencies=[require("A6:manage")])
def revoke_client(request: Request, platform: PlatformDep, app_id: str) -> Any:
    """A revoked client's signed requests are refused (e.g. a client issued before #16 item 3 was fixed)."""
    by = request.state.principal
    return _attempt(request, platform, lambda: platform.identity.revoke_client(app_id, by), f"{app_id} ✓")


@router.get("/log", response_class=HTMLResponse, dependencies=[require("A4:view")])
def system_log(request: Request, platform: PlatformDep, q: str = "", kind: str = "", date_from: str = "",
               date_to: str = "", page: int = 1) -> Any:
    rows, total = _log_rows(request, platform, q, kind, date_from, date_to, page, 50)
    return render(request, "identity/admin/log.html", {"rows": rows, "total": total, "page": max(page, 1),
                                              "pages": max((total + 49) // 50, 1),
                                              "filters": {"q": q, "kind": kind, "date_from": date_from,
                                                          "date_to": date_to}})


def _log_rows(request: Request, platform: Any, q: str, kind: str, date_from: str, date_to: str, page: int,
              per_page: int) -> tuple[list[dict[str, Any]], int]:
    principal = request.state.principal
    platform.identity.log_view.run_once()
    return platform.identity.log_view.search(q=q, kind=kind, date_from=date_from, date_to=date_to, page=page,
                                    per_page=per_page, organisation=None if principal.sees_all else
                                    principal.organisation)


LOG_COLUMNS = ["at", "kind", "actor", "organisation", "address", "action", "target", "outcome", "details"]


@router.get("/log/export", dependencies=[require("A4:view")])
def export_log(request: Request, platform: PlatformDep, q: str = "", kind: str = "", date_from: str = "",
               date_to: str = "", format: str = "csv") -> Response:  # noqa: A002
    """The filtered system log as CSV, Excel or Parquet."""
    rows, _ = _log_rows(request, platform, q, kind, date_from, date_to, 1, 100_000)
    try:
        exported = export_list(rows, LOG_COLUMNS, format, "system-log")
    except ExportRefused as error:
        raise HTTPException(422, str(error)) from error
    return Response(exported.content, media_type=exported.media_type,
                    headers={"Content-Disposition": f'attachment; filename="{exported.filename}"'})
