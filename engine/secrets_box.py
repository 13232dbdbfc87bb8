"""The platform's secret key (CBEC_SECRET_KEY): signs session cookies and seals stored secrets.

The embedded default needs no setting: a random key is made on first start and kept in the data folder
(readable by its owner only). Distributed deployments set CBEC_SECRET_KEY, the same on every host."""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM


def secret_key(configured: str, data_dir: Path) -> str:
    if configured:
        if len(configured) < 32:
            raise ValueError("CBEC_SECRET_KEY must have at least 32 characters")
        return configured
    path = data_dir / "secret.key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


class Sealer:
    """AES-GCM with a key derived from the secret key: for secrets the platform must read back later
    (API client secrets), so they are never stored or logged in clear."""

    def __init__(self, key: str):
        self._aead = AESGCM(hashlib.sha256(("cbec-seal:" + key).encode()).digest())

    def seal(self, plain: str) -> str:
        nonce = secrets.token_bytes(12)
        return base64.urlsafe_b64encode(nonce + self._aead.encrypt(nonce, plain.encode(), None)).decode()

    def open(self, sealed: str) -> str:
        raw = base64.urlsafe_b64decode(sealed)
        return self._aead.decrypt(raw[:12], raw[12:], None).decode()
