"""Builders shared by the signing-service tests: a key store with one enterprise per situation.

Keys are generated here, per test session, never committed.
"""

from __future__ import annotations

import io
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from adapters.signing import generate_identity
from adapters.signing.keystore import KeyStore
from engine.signing.service import SigningService

PASSPHRASE = b"correct horse battery staple"
RSA_ENTERPRISE = "3301960001"
SM2_ENTERPRISE = "3301960002"
EXPIRED_ENTERPRISE = "3301960003"
OTHER_ENTERPRISE = "3301960004"
LOCKED_ENTERPRISE = "3301960005"


def make_store(root: Path) -> KeyStore:
    """RSA, SM2, expired-RSA and second-RSA enterprises under the test passphrase, plus one enterprise whose
    key was encrypted with another passphrase (so this store cannot open it)."""
    store = KeyStore(root, PASSPHRASE)
    store.generate(RSA_ENTERPRISE, "RSA", "杭州测试企业有限公司")
    store.generate(SM2_ENTERPRISE, "SM2", "杭州国密测试企业")
    add_expired(store, EXPIRED_ENTERPRISE)
    store.generate(OTHER_ENTERPRISE, "RSA", "宁波接收方企业")
    elsewhere = KeyStore(root.with_name(root.name + "-other"), b"another passphrase")
    elsewhere.generate(LOCKED_ENTERPRISE, "RSA", "口令不同的企业")
    (elsewhere.root / LOCKED_ENTERPRISE).rename(root / LOCKED_ENTERPRISE)
    return store


def add_expired(store: KeyStore, enterprise: str) -> None:
    """A key whose certificate ended yesterday: the store refuses to add one, so it is added by a store whose clock
    says the day before yesterday."""
    with tempfile.TemporaryDirectory() as scratch:
        key, cert = generate_identity(Path(scratch), "RSA-SHA1", "过期证书企业", days=-1)
        then = datetime.now(UTC) - timedelta(hours=36)
        KeyStore(store.root, PASSPHRASE, now=lambda: then).add(enterprise, key.read_bytes(), cert.read_bytes())


def make_service(root: Path) -> SigningService:
    return SigningService(make_store(root))


def blank_pdf() -> bytes:
    """A one-page A4 PDF drawn by Pillow."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (595, 842), "white").save(buffer, format="PDF")
    return buffer.getvalue()


def flipped(data: bytes, index: int) -> bytes:
    """``data`` with the byte at ``index`` changed."""
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1 :]
