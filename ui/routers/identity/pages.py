"""管理员控制台 (A1-A6, A4): organisations, users, enterprises, API clients and the system log.

Every page offers only what its user may do (the role pickers hold the roles the user may grant, a user's or a
client's actions show only where the user may manage it) and every refusal is a console page or a form error in the
user's language (ConsoleRoute); each change gives a reason, kept in the history and the system log (#18)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from domain.identity.model import ApiClient, Organisation, User
from domain.identity.roles import BUILTIN_ROLES, PERMISSIONS
from domain.shared.rules import DeclarationRejected, FieldError
from engine.audit.exports import ExportRefused, export_list
from engine.identity.enterprises import MAX_KEY_FILE
from engine.identity.service import acts_for
from projections.identity.system_log import KINDS
from projections.identity.system_log import SORTABLE as LOG_SORTABLE
from ui.deps import PlatformDep, render
from ui.listing import ListQuery, ListRefused, parse
from ui.routers.identity.console import ConsoleRoute, not_found
from ui.security import require

router = APIRouter(prefix="/admin", include_in_schema=False, route_class=ConsoleRoute)


def _page(request: Request, platform: Any, notice: str = "", errors: list[FieldError] | None = None,
          secret: tuple[str, str] | None = None, status_code: int = 200) -> Any:
    principal = request.state.principal
    identity = platform.identity
    users = [u for u in identity.users() if principal.sees_all or u.organisation == principal.organisation]
    organisations = [o for o in identity.organisations() if principal.sees_all or o.code == principal.organisation]
    enterprises = [e for e in identity.enterprises.all() if acts_for(principal, e)]
    clients = [c for c in identity.clients() if principal.sees_all or c.organisation == principal.organisation]
    return render(request, "identity/admin/index.html", {
        "users": users, "organisations": organisations, "enterprises": enterprises
        if principal.can("A5:manage") else [], "clients": clients if principal.can("A6:manage")
        else [], "roles": _roles(platform), "grantable": identity.grantable_roles(principal),
        "manageable": {u.username for u in users if identity.may_manage(principal, u)},
        "locked": identity.locked_users(), "permissions": PERMISSIONS, "custom_roles": identity.roles(),
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


# --- one user: roles, disable and enable, reset password, unlock (A3, #18) --------------------------------------

def _visible_user(request: Request, platform: Any, username: str) -> User:
    """A user of the caller's organisation (or any, for who sees all); any other is answered as not found."""
    principal, user = request.state.principal, platform.identity._get(User.create_id(username)) if username else None
    if user is None or not (principal.sees_all or user.organisation == principal.organisation):
        raise not_found(f"user {username[:60]}")
    return user


def _user_page(request: Request, platform: Any, username: str, notice: str = "", errors: list[FieldError] | None = None,
               temporary: str = "", status_code: int = 200) -> Any:
    user = _visible_user(request, platform, username)
    principal, identity = request.state.principal, platform.identity
    return render(request, "identity/admin/user.html", {
        "user": user, "roles": _roles(platform), "grantable": identity.grantable_roles(principal, user.organisation),
        "may_manage": identity.may_manage(principal, user), "itself": user.username == principal.name,
        "locked": user.username.lower() in identity.locked_users(), "history": identity.history(user.id),
        "notice": notice, "errors": errors or [], "temporary": temporary}, status_code=status_code)


def _user_action(request: Request, platform: Any, username: str, action: Callable[[], Any]) -> Any:
    """Run one command on a user and show the user's page: the outcome, or each refusal as a form error."""
    _visible_user(request, platform, username)
    try:
        result = action()
    except DeclarationRejected as rejected:
        return _user_page(request, platform, username, errors=rejected.errors, status_code=422)
    return _user_page(request, platform, username, notice=f"{username} ✓",
                      temporary=result if isinstance(result, str) else "")


@router.get("/users/{username}", response_class=HTMLResponse, dependencies=[require("A3:manage")])
def user_page(request: Request, platform: PlatformDep, username: str) -> Any:
    return _user_page(request, platform, username)


@router.post("/users/{username}/roles", response_class=HTMLResponse, dependencies=[require("A3:manage")])
def change_roles(request: Request, platform: PlatformDep, username: str, roles: list[str] = Form([]),
                 reason: str = Form("")) -> Any:
    """Other roles end the user's sessions."""
    principal = request.state.principal
    return _user_action(request, platform, username, lambda: platform.identity.change_roles(
        username, roles, by=principal, reason=reason))


@router.post("/users/{username}/deactivate", response_class=HTMLResponse, dependencies=[require("A3:manage")])
def deactivate_user(request: Request, platform: PlatformDep, username: str, reason: str = Form("")) -> Any:
    """A deactivated user cannot log in and its sessions end."""
    principal = request.state.principal
    return _user_action(request, platform, username, lambda: platform.identity.deactivate_user(
        username, by=principal, reason=reason))


@router.post("/users/{username}/reactivate", response_class=HTMLResponse, dependencies=[require("A3:manage")])
def reactivate_user(request: Request, platform: PlatformDep, username: str, reason: str = Form("")) -> Any:
    principal = request.state.principal
    return _user_action(request, platform, username, lambda: platform.identity.reactivate_user(
        username, by=principal, reason=reason))


@router.post("/users/{username}/reset-password", response_class=HTMLResponse, dependencies=[require("A3:manage")])
def reset_password(request: Request, platform: PlatformDep, username: str, reason: str = Form("")) -> Any:
    """The temporary password is on this answer only; the user must replace it at next login."""
    principal = request.state.principal
    return _user_action(request, platform, username, lambda: platform.identity.reset_password(
        username, by=principal, reason=reason))


@router.post("/users/{username}/unlock", response_class=HTMLResponse, dependencies=[require("A3:manage")])
def unlock_user(request: Request, platform: PlatformDep, username: str, reason: str = Form("")) -> Any:
    principal = request.state.principal
    return _user_action(request, platform, username, lambda: platform.identity.unlock_user(
        username, by=principal, reason=reason))


# --- organisations and enterprises: edit, renew the signing certificate (A1, A5, #18) -----------------------------

def _visible_organisation(request: Request, platform: Any, code: str) -> Organisation:
    principal = request.state.principal
    organisation = platform.identity._get(Organisation.create_id(code)) if code else None
    if organisation is None or not (principal.sees_all or organisation.code == principal.organisation):
        raise not_found(f"organisation {code[:60]}")
    return organisation


def _organisation_page(request: Request, platform: Any, code: str, notice: str = "",
                       errors: list[FieldError] | None = None, status_code: int = 200) -> Any:
    organisation = _visible_organisation(request, platform, code)
    return render(request, "identity/admin/organisation.html", {
        "organisation": organisation, "history": platform.identity.history(organisation.id), "notice": notice,
        "errors": errors or []}, status_code=status_code)


@router.get("/organisations/{code}", response_class=HTMLResponse, dependencies=[require("A1:manage")])
def organisation_page(request: Request, platform: PlatformDep, code: str) -> Any:
    return _organisation_page(request, platform, code)


@router.post("/organisations/{code}/edit", response_class=HTMLResponse, dependencies=[require("A1:manage")])
def edit_organisation(request: Request, platform: PlatformDep, code: str, name: str = Form(""),
                      contact: str = Form(""), reason: str = Form("")) -> Any:
    _visible_organisation(request, platform, code)
    try:
        platform.identity.edit_organisation(code, name, contact, by=request.state.principal, reason=reason)
    except DeclarationRejected as rejected:
        return _organisation_page(request, platform, code, errors=rejected.errors, status_code=422)
    return _organisation_page(request, platform, code, notice=f"{code} ✓")


def _visible_enterprise(request: Request, platform: Any, code: str) -> Any:
    principal = request.state.principal
    enterprise = platform.identity.enterprises.get(code) if code else None
    if enterprise is None or not acts_for(principal, enterprise):
        raise not_found(f"enterprise {code[:20]}")
    return enterprise


def _enterprise_page(request: Request, platform: Any, code: str, notice: str = "",
                     errors: list[FieldError] | None = None, status_code: int = 200) -> Any:
    enterprise = _visible_enterprise(request, platform, code)
    keystore = getattr(platform.identity.enterprises, "keystore", None)
    keys = keystore.keys(code) if keystore is not None and code in keystore.enterprises() else []
    return render(request, "identity/admin/enterprise.html", {
        "enterprise": enterprise, "history": platform.identity.history(enterprise.id), "keys": keys,
        "keystore": keystore is not None, "notice": notice, "errors": errors or []}, status_code=status_code)


@router.get("/enterprises/{code}", response_class=HTMLResponse, dependencies=[require("A5:manage")])
def enterprise_page(request: Request, platform: PlatformDep, code: str) -> Any:
    return _enterprise_page(request, platform, code)


@router.post("/enterprises/{code}/edit", response_class=HTMLResponse, dependencies=[require("A5:manage")])
def edit_enterprise(request: Request, platform: PlatformDep, code: str, name: str = Form(""),
                    kinds: list[str] = Form([]), dxp_id: str = Form(""), uscc: str = Form(""),
                    reason: str = Form("")) -> Any:
    _visible_enterprise(request, platform, code)
    try:
        platform.identity.edit_enterprise(code, name, kinds, dxp_id.strip(), uscc.strip(),
                                          by=request.state.principal, reason=reason)
    except DeclarationRejected as rejected:
        return _enterprise_page(request, platform, code, errors=rejected.errors, status_code=422)
    return _enterprise_page(request, platform, code, notice=f"{code} ✓")


@router.post("/enterprises/{code}/renew", response_class=HTMLResponse, dependencies=[require("A5:manage")])
async def renew_certificate(request: Request, platform: PlatformDep, code: str, overlap_hours: str = Form("0"),
                            reason: str = Form(""), certificate: UploadFile | None = None,
                            private_key: UploadFile | None = None) -> Any:
    """A CA-issued certificate and its key when both are uploaded, a generated key when neither is."""
    _visible_enterprise(request, platform, code)
    uploaded = [f for f in (private_key, certificate) if f is not None and f.filename]
    try:
        if len(uploaded) == 1:
            raise DeclarationRejected([FieldError("certificate", "required",
                                                  "请同时上传证书和私钥，或都不上传以生成新密钥",
                                                  "upload both the certificate and its key, or neither to generate "
                                                  "a new key")])
        limit = MAX_KEY_FILE + 1
        key_files = (await uploaded[0].read(limit), await uploaded[1].read(limit)) if uploaded else None
        info = platform.identity.renew_certificate(code, overlap_hours, by=request.state.principal, reason=reason,
                                                   key_files=key_files)
    except DeclarationRejected as rejected:
        return _enterprise_page(request, platform, code, errors=rejected.errors, status_code=422)
    return _enterprise_page(request, platform, code, notice=f"{code} {info.key_id} ✓")


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


# --- API clients: create, rotate the secret, revoke (A6, #18) -----------------------------------------------------

@router.post("/clients", response_class=HTMLResponse, dependencies=[require("A6:manage")])
def create_client(request: Request, platform: PlatformDep, name: str = Form(""), organisation: str = Form(""),
                  roles: list[str] = Form([])) -> Any:
    by = request.state.principal  # a client gets only the organisation and permissions its creator holds
    return _attempt(request, platform, lambda: platform.identity.register_client(
        name.strip(), organisation.strip(), roles, by), "✓")


def _visible_client(request: Request, platform: Any, app_id: str) -> ApiClient:
    principal = request.state.principal
    client = platform.identity._get(ApiClient.create_id(app_id)) if app_id else None
    if client is None or not (principal.sees_all or client.organisation == principal.organisation):
        raise not_found(f"client {app_id[:64]}")
    return client


def _client_page(request: Request, platform: Any, app_id: str, notice: str = "",
                 errors: list[FieldError] | None = None, secret: tuple[str, str] | None = None,
                 status_code: int = 200) -> Any:
    client = _visible_client(request, platform, app_id)
    return render(request, "identity/admin/client.html", {
        "client": client, "roles": _roles(platform), "history": platform.identity.history(client.id),
        "may_manage": platform.identity.may_manage_client(request.state.principal, client), "notice": notice,
        "errors": errors or [], "secret": secret}, status_code=status_code)


@router.get("/clients/{app_id}", response_class=HTMLResponse, dependencies=[require("A6:manage")])
def client_page(request: Request, platform: PlatformDep, app_id: str) -> Any:
    return _client_page(request, platform, app_id)


def _client_action(request: Request, platform: Any, app_id: str, action: Callable[[], Any]) -> Any:
    _visible_client(request, platform, app_id)
    try:
        result = action()
    except DeclarationRejected as rejected:
        return _client_page(request, platform, app_id, errors=rejected.errors, status_code=422)
    return _client_page(request, platform, app_id, notice=f"{app_id} ✓",
                        secret=result if isinstance(result, tuple) else None)


@router.post("/clients/{app_id}/revoke", response_class=HTMLResponse, dependencies=[require("A6:manage")])
def revoke_client(request: Request, platform: PlatformDep, app_id: str, reason: str = Form("")) -> Any:
    """A revoked client's signed requests are refused (e.g. a client issued before #16 item 3 was fixed)."""
    by = request.state.principal
    return _client_action(request, platform, app_id, lambda: platform.identity.revoke_client(app_id, by, reason))


@router.post("/clients/{app_id}/rotate", response_class=HTMLResponse, dependencies=[require("A6:manage")])
def rotate_client_secret(request: Request, platform: PlatformDep, app_id: str, overlap_hours: str = Form("0"),
                         reason: str = Form("")) -> Any:
    """A new secret, shown once; the old one keeps working for the overlap."""
    by = request.state.principal
    return _client_action(request, platform, app_id, lambda: platform.identity.rotate_client_secret(
        app_id, overlap_hours, by, reason))


# --- system log (A4) ----------------------------------------------------------------------------------------------

@router.get("/log", response_class=HTMLResponse, dependencies=[require("A4:view")])
def system_log(request: Request, platform: PlatformDep, q: str = "", date_from: str = "", date_to: str = "") -> Any:
    """#18: the lists' shared parameters (ui/listing.py): page size, jump to page, sortable columns, several kinds at
    once (kind=login&kind=personal); a bad one is refused (422) naming it, the page still usable."""
    context = {"roles": _roles(platform), "kinds": KINDS,
               "filters": {"q": q, "date_from": date_from, "date_to": date_to}}
    try:
        lq, kinds = parse(request, LOG_SORTABLE), _kinds(request)
    except ListRefused as refused:
        return render(request, "identity/admin/log.html", context | {
            "rows": [], "total": 0, "lq": ListQuery(), "chosen": [], "list_error": refused}, 422)
    rows, total = _log_rows(request, platform, q, kinds, date_from, date_to, lq.page, lq.per_page, lq.sort,
                            lq.descending)
    for row in rows:
        row["facts"] = _details(row.get("details"))
    return render(request, "identity/admin/log.html", context | {"rows": rows, "total": total, "lq": lq,
                                                                 "chosen": kinds})


def _kinds(request: Request) -> list[str]:
    """The kinds of entry asked for (kind, repeated; none: every kind); ListRefused names an unknown one."""
    chosen = [k for k in dict.fromkeys(request.query_params.getlist("kind")) if k]
    unknown = [k for k in chosen if k not in KINDS]
    if unknown:
        raise ListRefused("kind", "known-kind", f"kind 日志类型 {unknown[0][:20]!r} 不存在",
                          f"kind {unknown[0][:20]!r} is no kind of log entry")
    return chosen


def _log_rows(request: Request, platform: Any, q: str, kinds: list[str], date_from: str, date_to: str, page: int,
              per_page: int, sort: str = "", descending: bool = True) -> tuple[list[dict[str, Any]], int]:
    """The log as the principal may read it: its own organisation's entries unless its role sees all."""
    principal = request.state.principal
    platform.identity.log_view.run_once()
    return platform.identity.log_view.search(q=q, kind=kinds, date_from=date_from, date_to=date_to, page=page,
                                    per_page=per_page, organisation=None if principal.sees_all else
                                    principal.organisation, sort=sort, descending=descending)


LOG_COLUMNS = ["at", "kind", "actor", "organisation", "address", "action", "target", "outcome", "details"]


@router.get("/log/export", dependencies=[require("A4:view")])
def export_log(request: Request, platform: PlatformDep, q: str = "", date_from: str = "", date_to: str = "",
               format: str = "csv") -> Response:  # noqa: A002
    """The filtered system log (the kinds chosen on the page) as CSV, Excel or Parquet."""
    kinds = [k for k in request.query_params.getlist("kind") if k in KINDS]
    rows, _ = _log_rows(request, platform, q, kinds, date_from, date_to, 1, 100_000)
    try:
        exported = export_list(rows, LOG_COLUMNS, format, "system-log")
    except ExportRefused as error:
        raise HTTPException(422, str(error)) from error
    return Response(exported.content, media_type=exported.media_type,
                    headers={"Content-Disposition": f'attachment; filename="{exported.filename}"'})


def _details(text: Any) -> dict[str, Any]:
    """A log entry's details as a dict (they are JSON text in the read model)."""
    try:
        found = json.loads(text or "{}")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}
