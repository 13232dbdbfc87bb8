"""The signing service as ``cbec signer`` runs it: built from the environment in every uvicorn worker.

Until the HMAC-signed API keys of issue #4 exist, callers present the static key of
``$CBEC_SIGNER_API_KEY`` in an ``X-API-Key`` header (or ``Authorization: Bearer``).
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Callable
from typing import Annotated

from fastapi import FastAPI, Header, HTTPException

from engine.signing import SigningSetupError, service_from_env
from ui.signer_app import create_signer_app


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


def app_from_env() -> FastAPI:
    """The app over ``$CBEC_KEYSTORE_DIR`` with the static ``$CBEC_SIGNER_API_KEY`` check (uvicorn factory)."""
    return create_signer_app(service_from_env(), static_api_key(os.environ.get("CBEC_SIGNER_API_KEY", "")))
