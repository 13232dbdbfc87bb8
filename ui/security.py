"""Who is calling, and may they? Sessions for people, signed requests for machine clients (A3, A6, A9).

Every route declares its permission with `require("I3:view")` (or `PUBLIC` for the login page and health):
a test walks all routes and fails on one without. People carry a session in a signed, HTTP-only,
same-site cookie that expires; every state-changing request with that cookie must echo the session's CSRF
token (form field `_csrf` or header `X-CSRF-Token`). A session also carries the user's session epoch when it
began; logout, a new password, other roles and deactivation move the epoch on, which ends every session the user
has (checked on each request, see `User.session_epoch`). Machine clients sign each request with HMAC-SHA256
over method, path, timestamp, nonce and body hash (headers X-App-Id, X-Timestamp, X-Nonce, X-Signature);
old timestamps and reused nonces are refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from domain.identity.roles import Principal

SESSION_COOKIE, LOGIN_CSRF_COOKIE = "cbec_session", "cbec_login_csrf"
SESSION_MAX_AGE = 8 * 3600
MAX_SKEW = 300
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


class NotLoggedIn(Exception):
    """No valid session or signature: HTML pages redirect to the login page, the API answers 401."""


def serializer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(request.app.state.platform.secret, salt="cbec-session")


def new_session(request: Request, username: str, csrf: str | None = None) -> str:
    """A session cookie for the user's current session epoch (csrf: keep the CSRF token of the session it
    replaces, so open pages keep working)."""
    epoch = request.app.state.platform.identity.session_epoch(username)
    return serializer(request).dumps({"u": username, "x": csrf or secrets.token_urlsafe(24), "e": epoch})


def session_of(request: Request) -> dict[str, str] | None:
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    try:
        return serializer(request).loads(cookie, max_age=SESSION_MAX_AGE)
    except BadSignature:
        return None


def csrf_token(request: Request) -> str:
    session = session_of(request)
    return session["x"] if session else ""


class Require:
    """A dependency that states the permission a route needs (None: public)."""

    def __init__(self, permission: str | None):
        self.permission = permission

    async def __call__(self, request: Request) -> Principal | None:
        principal = await identify(request)
        request.state.principal = principal
        if self.permission is None:
            return principal
        if principal is None:
            raise NotLoggedIn()
        if not principal.can(self.permission):
            raise HTTPException(403, f"无权操作 forbidden: {self.permission} is needed")
        return principal


def require(permission: str) -> Any:
    return Depends(Require(permission))


def Allowed(permission: str) -> Any:  # noqa: N802 - used as a type: `principal: Allowed("I3:view")`
    """The principal, once it has the permission."""
    return Annotated[Principal, Depends(Require(permission))]


PUBLIC = Depends(Require(None))


async def identify(request: Request) -> Principal | None:
    if hasattr(request.state, "identified"):
        return request.state.identified
    if request.method in UNSAFE and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        request.state.form_csrf = str((await request.form()).get("_csrf") or "")
    principal = await _from_signature(request) if request.headers.get("x-app-id") else _from_session(request)
    request.state.identified = principal
    return principal


def _from_session(request: Request) -> Principal | None:
    session = session_of(request)
    if session is None:
        return None
    if request.method in UNSAFE:
        _check_csrf(request, session["x"])
    return request.app.state.platform.identity.session_principal(session["u"], session.get("e"))


def _check_csrf(request: Request, expected: str) -> None:
    sent = request.headers.get("x-csrf-token") or getattr(request.state, "form_csrf", "")
    if not hmac.compare_digest(sent or "", expected):
        raise HTTPException(403, "CSRF校验失败，请刷新页面后重试 CSRF check failed: reload the page and try again")


async def _from_signature(request: Request) -> Principal:
    identity = request.app.state.platform.identity
    app_id = request.headers.get("x-app-id", "")
    timestamp, nonce = request.headers.get("x-timestamp", ""), request.headers.get("x-nonce", "")
    found = identity.client_secrets(app_id)  # the current secret, and the previous within a rotation's overlap
    if found is None or not timestamp.isdigit() or not 8 <= len(nonce) <= 128:
        raise HTTPException(401, "签名请求无效 invalid signed request")
    if abs(time.time() - int(timestamp)) > MAX_SKEW:
        raise HTTPException(401, "请求时间戳过期 request timestamp too old or in the future")
    principal, secrets_now = found
    body, sent = await request.body(), request.headers.get("x-signature", "")
    expected = [sign_request(s, request.method, _path(request), timestamp, nonce, body) for s in secrets_now]
    if not any([hmac.compare_digest(e, sent) for e in expected]):
        raise HTTPException(401, "签名不符 signature does not match")
    if not identity.use_nonce(app_id, nonce, 2 * MAX_SKEW):
        raise HTTPException(401, "随机数已使用 nonce already used (replay refused)")
    return principal


def _path(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def sign_request(secret: str, method: str, path: str, timestamp: str, nonce: str, body: bytes) -> str:
    """The signature a machine client sends:
    Base64(HMAC-SHA256(secret, method \\n path \\n timestamp \\n nonce \\n hex SHA-256 of the body))."""
    text = "\n".join([method.upper(), path, timestamp, nonce, hashlib.sha256(body).hexdigest()])
    return base64.b64encode(hmac.new(secret.encode(), text.encode(), hashlib.sha256).digest()).decode()


def client_address(request: Request) -> str:
    return request.client.host if request.client else ""
