"""SM2-with-SM3 (国密) backend choice: OpenSSL libcrypto when it has SM2, else pure-Python gmssl.

``CBEC_SM2_BACKEND=openssl|gmssl`` or an explicit ``backend`` argument overrides the automatic choice.
"""

import os
from typing import Protocol

from . import sm2_gmssl, sm2_openssl
from .certificate import Certificate
from .errors import SignatureError

BACKENDS = ("openssl", "gmssl")


class Sm2Key(Protocol):
    def sign(self, data: bytes) -> bytes: ...

    def decrypt(self, ciphertext: bytes) -> bytes: ...


def backend_name(backend: str | None = None) -> str:
    """The backend to use: the argument, else $CBEC_SM2_BACKEND, else openssl if available."""
    chosen = backend or os.environ.get("CBEC_SM2_BACKEND") or None
    if chosen is None:
        return "openssl" if sm2_openssl.available() else "gmssl"
    if chosen not in BACKENDS:
        raise SignatureError(f"unknown SM2 backend {chosen!r}; expected one of {BACKENDS}")
    return chosen


def load_private_key(
    pem: bytes, certificate: Certificate, password: bytes | None = None, backend: str | None = None
) -> Sm2Key:
    if backend_name(backend) == "openssl":
        return sm2_openssl.OpenSslSm2Key(pem, password)
    if password is not None:
        raise SignatureError("the gmssl SM2 fallback cannot read encrypted keys")
    return sm2_gmssl.GmsslSm2Key(pem, certificate.public_key)


def verify(certificate: Certificate, data: bytes, signature: bytes, backend: str | None = None) -> bool:
    """Check a raw 64-byte r||s signature with the SM2 key of ``certificate``."""
    if len(signature) != 64:
        return False
    if backend_name(backend) == "openssl":
        return sm2_openssl.verify(certificate.der, data, signature)
    return sm2_gmssl.verify(certificate.public_key, data, signature)


def encrypt(certificate: Certificate, plaintext: bytes, backend: str | None = None) -> bytes:
    """SM2 public-key encryption (GB/T 32918.4) for the key of ``certificate``: a DER SM2Cipher (GM/T 0009)."""
    if backend_name(backend) == "openssl":
        return sm2_openssl.encrypt(certificate.der, plaintext)
    return sm2_gmssl.encrypt(certificate.public_key, plaintext)
