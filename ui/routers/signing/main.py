"""The signing service as ``cbec signer`` runs it: built from the environment in every uvicorn worker.

Callers are the platform's API clients (#4): requests signed with HMAC-SHA256 (headers X-App-Id,
X-Timestamp, X-Nonce, X-Signature, see docs/api-clients.md) by a client whose roles grant ``S1:sign``. A client uses
the keys of the enterprises its organisation owns; a platform service whose role grants ``S1:any-key`` uses any
(#17 item 2). For systems not registered on the platform, an operator may also set ``$CBEC_SIGNER_API_KEY``; callers
then present it in an ``X-API-Key`` header (or ``Authorization: Bearer``), and may use the keys of the enterprises
listed in ``$CBEC_SIGNER_API_KEY_ENTERPRISES`` (comma-separated codes, or ``*`` for all): without that setting, none.
"""

from __future__ import annotations

import hmac
import logging
import os
from collections.abc import Callable, Mapping
from typing import Annotated, Any

from fastapi import FastAPI, Header, HTTPException, Request

from domain.identity.roles import ANY_KEY, Principal
from engine import bootstrap
from engine.settings import Settings
from engine.signing.audit import KeyUseLog, key_use_log
from engine.signing.service import SigningService, SigningSetupError, service_from_env
from ui.routers.signing.api import Caller, create_signer_app
from ui.security import NotLoggedIn, Require

log = logging.getLogger("uvicorn.error")  # uvicorn shows its own logger: the operator sees the start-up warnings
STATIC = "static-key"


def static_enterprises(setting: str) -> frozenset[str] | None:
    """``$CBEC_SIGNER_API_KEY_ENTERPRISES``: ``*`` is every enterprise (None), else the codes listed (maybe none)."""
    if setting.strip() == "*":
        return None
    return frozenset(code.strip() for code in setting.split(",") if code.strip())


def static_api_key(expected: str, enterprises: frozenset[str] | None = frozenset()) -> Callable[..., Caller]:
    """A FastAPI dependency that accepts only ``expected`` (compared in constant time) and yields the static caller,
    limited to ``enterprises`` (None: all)."""
    if not expected:
        raise SigningSetupError("an empty API key would let anyone sign")
    caller = Caller(STATIC, "", enterprises)

    def authorize(x_api_key: Annotated[str | None, Header()] = None,
                  authorization: Annotated[str | None, Header()] = None) -> Caller:  # fmt: skip
        given = x_api_key or (authorization or "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), expected.encode()):
            detail = {"code": "unauthorized", "message_zh": "API 密钥无效", "message_en": "missing or wrong API key"}
            raise HTTPException(status_code=401, detail=detail)
        return caller

    return authorize


def caller_of(principal: Principal) -> Caller:
    """An API client uses its organisation's enterprises' keys; with S1:any-key (platform services), every key."""
    enterprises = None if principal.can(ANY_KEY) else principal.enterprise_codes
    return Caller(principal.name, principal.organisation, enterprises)


def clients_or_static_key(static_key: str, static_enterprises: frozenset[str] | None = frozenset()
                          ) -> Callable[..., Any]:  # fmt: skip
    """Signed requests of API clients holding S1:sign; or the static key, when one is configured. Yields the Caller,
    checked again on every call (a client's roles and its organisation's enterprises are read each time)."""
    signed = Require("S1:sign")
    static = static_api_key(static_key, static_enterprises) if static_key else None

    async def authorize(request: Request) -> Caller:
        if static is not None and not request.headers.get("x-app-id"):
            return static(request.headers.get("x-api-key"), request.headers.get("authorization"))
        try:
            principal = await signed(request)
        except NotLoggedIn:
            detail = {"code": "unauthorized", "message_zh": "请求未签名或签名无效",
                      "message_en": "sign the request as an API client (X-App-Id ...)"}
            raise HTTPException(status_code=401, detail=detail) from None
        assert principal is not None  # Require with a permission yields one or raises
        return caller_of(principal)

    return authorize


def signer_app(service: SigningService, env: Mapping[str, str], uses: KeyUseLog | None = None) -> FastAPI:
    """The service's app over ``service`` with the settings of ``env``: the static key and its enterprises, the body
    limit (CBEC_SIGNER_MAX_BODY_MB, default 16). Says at start-up when the static key may use no key at all."""
    static_key = env.get("CBEC_SIGNER_API_KEY", "")
    enterprises = static_enterprises(env.get("CBEC_SIGNER_API_KEY_ENTERPRISES", ""))
    if static_key and enterprises is not None and not enterprises:
        log.warning("CBEC_SIGNER_API_KEY is set but CBEC_SIGNER_API_KEY_ENTERPRISES is not: callers of the static key "
                    "may use no enterprise's key (list codes, or * for all) / 静态密钥未指定可用企业, 不能使用任何密钥")
    authorize = clients_or_static_key(static_key, enterprises)
    return create_signer_app(service, authorize, uses, max_body_mb=_max_body_mb(env))


def _max_body_mb(env: Mapping[str, str]) -> int:
    setting = env.get("CBEC_SIGNER_MAX_BODY_MB", "16")
    if not setting.isdigit() or int(setting) < 1:
        raise SigningSetupError(f"CBEC_SIGNER_MAX_BODY_MB must be a whole number of MB, at least 1 (not {setting!r})")
    return int(setting)


def app_from_env() -> FastAPI:
    """The app over ``$CBEC_KEYSTORE_DIR``, answering the platform's API clients (uvicorn factory); every call goes
    to this worker's key-use log over the platform's event store (#17 item 5)."""
    platform = bootstrap.build(Settings.from_env())
    app = signer_app(service_from_env(), os.environ, key_use_log(platform))
    app.state.platform = platform  # the identity of API clients, for ui.security
    return app
