"""平台签名密钥: the platform's own RSA key, which signs the audit chain's checkpoints (B2).

Kept in <data>/platform/ (key.pem, cert.pem), generated on first use. The key lives outside the database on
purpose: whoever can rewrite the database cannot forge a checkpoint without it."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509 import load_pem_x509_certificate

from adapters.signing import generate_identity

COMMON_NAME = "CBEC 平台审计签名 platform audit key"


class PlatformKey:
    def __init__(self, folder: Path):
        self.folder = folder
        self._private: rsa.RSAPrivateKey | None = None
        self._public: rsa.RSAPublicKey | None = None

    @property
    def cert_path(self) -> Path:
        return self.folder / "cert.pem"

    def exists(self) -> bool:
        return self.cert_path.is_file() and (self.folder / "key.pem").is_file()

    def ensure(self) -> None:
        if not self.exists():
            generate_identity(self.folder, "RSA-SHA1", COMMON_NAME)

    def public_key(self) -> rsa.RSAPublicKey:
        if self._public is None:
            key = load_pem_x509_certificate(self.cert_path.read_bytes()).public_key()
            assert isinstance(key, rsa.RSAPublicKey)
            self._public = key
        return self._public

    @property
    def key_id(self) -> str:
        """SHA-256 of the public key (DER), hex: names the key a checkpoint was signed with."""
        der = self.public_key().public_bytes(serialization.Encoding.DER,
                                             serialization.PublicFormat.SubjectPublicKeyInfo)
        return hashlib.sha256(der).hexdigest()

    def sign(self, data: bytes) -> str:
        """Base64 RSA PKCS#1 v1.5 signature over SHA-256 of data."""
        self.ensure()
        if self._private is None:
            key = serialization.load_pem_private_key((self.folder / "key.pem").read_bytes(), password=None)
            assert isinstance(key, rsa.RSAPrivateKey)
            self._private = key
        return base64.b64encode(self._private.sign(data, padding.PKCS1v15(), hashes.SHA256())).decode()

    def verify(self, data: bytes, signature: str) -> bool:
        if not self.exists():
            return False
        try:
            self.public_key().verify(base64.b64decode(signature), data, padding.PKCS1v15(), hashes.SHA256())
        except (InvalidSignature, ValueError):
            return False
        return True
