"""The signing service as ``cbec signer`` runs it: built from the environment in every uvicorn worker.

Callers are the platform's API clients (#4): requests signed with HMAC-SHA256 (headers X-App-Id,
X-Timestamp, X-Nonce, X-Signature, see docs/api-clients.md) by a client whose roles grant ``S1:sign``.
For systems not registered on the platform, an operator may also set ``$CBEC_SIGNER_API_KEY``; callers then
present it in an ``X-API-Key`` header (or ``Authorization: Bearer``).
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import FastAPI, Header, HTTPException, Request

from engine import bootstrap
from engine.settings import Settings
from engine.signing.service import SigningSetupError, service_from_env
from ui.routers.signing.api import create_signer_app
from ui.security import NotLoggedIn, Require


def static_api_key(expected: str) -> Callable[..., None]:
    """A FastAPI dependency that accepts only ``expected`` (compared in constant time)."""
    if not expected:
        raise SigningSetupError("an empty API key would let anyone sign")

    def authorize(x_api_key: Annotated[str | None, Header()] = None,
                  authorization: Annotated[str | None, Header()] = None) -> None:  # fmt: skip
        given = x_api_key or (authorization or "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), expected.encode()):
            detail = {"code": "unauthorized", "message_zh": "API 密钥无效", "message_en": "missing or wrong API key"}
            raise HTTPException(status_code=401, detail=detail)

    return authorize


def clients_or_static_key(static_key: str) -> Callable[..., Any]:
    """Signed requests of API clients holding S1:sign; or the static key, when one is configured."""
    signed = Require("S1:sign")
    static = static_api_key(static_key) if static_key else None

    async def authorize(request: Request) -> None:
        if static is not None and not request.headers.get("x-app-id"):
            static(request.headers.get("x-api-key"), request.headers.get("authorization"))
            return
        try:
            await signed(request)
        except NotLoggedIn:
            detail = {"code": "unauthorized", "message_zh": "请求未签名或签名无效",
                      "message_en": "sign the request as an API client (X-App-Id ...)"}
            raise HTTPException(status_code=401, detail=detail) from None

    return authorize


def app_from_env() -> FastAPI:
    """The app over ``$CBEC_KEYSTORE_DIR``, answering the platform's API clients (uvicorn factory)."""
    platform = bootstrap.build(Settings.from_env())
    app = create_signer_app(service_from_env(), clients_or_static_key(os.environ.get("CBEC_SIGNER_API_KEY", "")))
    app.state.platform = platform  # the identity of API clients, for ui.security
    return app
