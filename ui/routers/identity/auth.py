"""登录: log in, log out, change one's password."""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from domain.identity.rules import check_new_password
from domain.shared.rules import DeclarationRejected
from engine.identity.service import LoginRefused
from ui.deps import PlatformDep, render
from ui.i18n import lang_of
from ui.security import (
    LOGIN_CSRF_COOKIE,
    PUBLIC,
    SESSION_COOKIE,
    SESSION_MAX_AGE,
    client_address,
    csrf_token,
    new_session,
    require,
)

router = APIRouter(include_in_schema=False)


def _safe_next(target: str) -> str:
    return target if target.startswith("/") and not target.startswith("//") else "/"


def _login_page(request: Request, next_url: str, error: str = "", status_code: int = 200) -> Any:
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(24)
    response = render(request, "identity/auth/login.html", {"next": _safe_next(next_url), "error": error,
                                                   "login_csrf": token}, status_code=status_code)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict",
                        secure=request.app.state.platform.settings.cookie_secure)
    return response


@router.get("/login", response_class=HTMLResponse, dependencies=[PUBLIC])
def login_form(request: Request, next: str = "/") -> Any:  # noqa: A002 - the query parameter's name
    return _login_page(request, next)


@router.post("/login", response_class=HTMLResponse, dependencies=[PUBLIC])
def login(request: Request, platform: PlatformDep, username: str = Form(""), password: str = Form(""),
          next: str = Form("/"), login_csrf: str = Form("")) -> Any:  # noqa: A002
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, login_csrf):
        return _login_page(request, next, "页面已过期，请重新登录 the page expired: log in again", 403)
    try:
        principal = platform.identity.authenticate(username, password, client_address(request))
    except LoginRefused as refused:
        message = refused.message_en if request.cookies.get("lang") == "en" else refused.message_zh
        return _login_page(request, next, message, 401)
    # a temporary password from an administrator: the change of password first, nothing else until then
    target = "/account" if platform.identity.must_change_password(principal.name) else _safe_next(next)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(SESSION_COOKIE, new_session(request, principal.name), max_age=SESSION_MAX_AGE,
                        httponly=True, samesite="lax", secure=platform.settings.cookie_secure)
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout", dependencies=[require("self:session")])
def logout(request: Request, platform: PlatformDep) -> Any:
    """Ends every session of the user, not only this browser's cookie."""
    platform.identity.end_sessions(request.state.principal.name, by=request.state.principal.name)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


def _account(request: Request, errors: list[str], done: bool, status_code: int = 200) -> Any:
    identity = request.app.state.platform.identity
    required = identity.must_change_password(request.state.principal.name)
    return render(request, "identity/auth/account.html", {"errors": errors, "done": done, "required": required},
                  status_code)


@router.get("/account", response_class=HTMLResponse, dependencies=[require("self:session")])
def account(request: Request) -> Any:
    return _account(request, [], False)


@router.post("/account/password", response_class=HTMLResponse, dependencies=[require("self:session")])
def change_password(request: Request, platform: PlatformDep, current: str = Form(""), new: str = Form("")) -> Any:
    """The user's own new password (which also replaces a temporary one an administrator gave), refused in the
    user's language when the current one is wrong or the new one breaks the policy or repeats the current one."""
    principal, english = request.state.principal, lang_of(request, platform.settings.lang) == "en"
    try:
        platform.identity.authenticate(principal.name, current, client_address(request))
        errors = check_new_password(new, current, principal.name)
        if errors:
            raise DeclarationRejected(errors)
        platform.identity.change_password(principal.name, new, by=principal.name)
    except LoginRefused as refused:
        return _account(request, [refused.message_en if english else refused.message_zh], False, 400)
    except DeclarationRejected as rejected:
        return _account(request, [e.message("en" if english else "zh-CN") for e in rejected.errors], False, 400)
    # the new password ended every session of the user; this one goes on with a new cookie
    response = _account(request, [], True)
    response.set_cookie(SESSION_COOKIE, new_session(request, principal.name, csrf_token(request)),
                        max_age=SESSION_MAX_AGE, httponly=True, samesite="lax",
                        secure=platform.settings.cookie_secure)
    return response
