"""Key store (密钥库): signing keys per enterprise, encrypted at rest, rotated without downtime.

Layout under ``root``: ``<enterprise>/<key_id>/cert.pem`` plus ``key.pem`` (PKCS#8 encrypted with the store
passphrase; SM2 through libcrypto) or ``pkcs11.json`` (where the key lives on a token); ``<enterprise>/active``
names the key that signs. ``key_id`` is the certificate serial in hex (the customs KeyName). Rotation adds a
key and switches ``active`` atomically; every process notices at its next request, and older keys keep
verifying and decrypting. Loaded keys are cached: a key id's files never change.
"""

import dataclasses
import json
import os
import re
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from . import keys, sm2_openssl, sm2_pem
from .certificate import Certificate, load_certificate
from .errors import (
    CertificateExpiredError,
    CertificateNotYetValidError,
    InvalidInputError,
    SignatureError,
    UnknownKeyError,
    WrongPassphraseError,
)
from .identity import DEFAULT_COMMON_NAME, generate_identity

_NAME = re.compile(r"^[0-9A-Za-z_-]{1,64}$")
Passphrase = bytes | Callable[[str], bytes]


@dataclass(frozen=True)
class KeyInfo:
    """What the consoles show of a key; no secret in here."""

    enterprise: str
    key_id: str
    key_type: str
    kind: str
    subject: str
    not_before: datetime
    not_after: datetime
    active: bool
    revoked: bool = False

    def days_left(self, now: datetime) -> int:
        return (self.not_after - now).days


@dataclass(frozen=True)
class LoadedKey:
    """An opened private key with its certificate and validity."""

    enterprise: str
    key_id: str
    certificate: Certificate
    key: keys.PrivateKey
    not_before: datetime
    not_after: datetime

    def check_valid(self, now: datetime) -> None:
        """Refuse to sign with a certificate outside its validity period."""
        if now > self.not_after:
            raise CertificateExpiredError(
                f"证书 {self.key_id} 已于 {self.not_after:%Y-%m-%d} 过期",
                f"certificate {self.key_id} of {self.enterprise} expired on {self.not_after:%Y-%m-%d}",
            )
        if now < self.not_before:
            raise CertificateNotYetValidError(
                f"证书 {self.key_id} 自 {self.not_before:%Y-%m-%d} 起生效",
                f"certificate {self.key_id} is not valid before {self.not_before:%Y-%m-%d}",
            )


class KeyStore:
    """Keys per enterprise under ``root``; ``passphrase`` is the store passphrase or a function of the enterprise."""

    def __init__(self, root: str | Path, passphrase: Passphrase) -> None:
        self.root = Path(root)
        self._passphrase = passphrase
        self._loaded: dict[tuple[str, str], LoadedKey] = {}
        self._certificates: dict[tuple[str, str], Certificate] = {}
        self._active: dict[str, tuple[tuple[int, int], str]] = {}
        self._lock = threading.Lock()

    def add(self, enterprise: str, key_pem: bytes, cert_pem: bytes, password: bytes | None = None,
            activate: bool = True) -> KeyInfo:  # fmt: skip
        """Import a key and its certificate (PEM); the key is re-encrypted with the store passphrase."""
        certificate = load_certificate(cert_pem)
        _check_pair(keys.load_private_key(key_pem, certificate, password), certificate)
        encrypted = _encrypted(key_pem, certificate, password, self._secret(enterprise))
        return self._write(enterprise, certificate, {"key.pem": encrypted}, activate)

    def generate(self, enterprise: str, key_type: str = "RSA", common_name: str = DEFAULT_COMMON_NAME,
                 days: int = 3650, activate: bool = True) -> KeyInfo:  # fmt: skip
        """A fresh key pair and self-signed certificate; the key is encrypted before it reaches the disk."""
        algorithm = {"RSA": "RSA-SHA1", "SM2": "SM2-SM3"}.get(key_type)
        if algorithm is None:
            raise InvalidInputError(f"未知密钥类型 {key_type}", f"unknown key type {key_type}; use RSA or SM2")
        directory = self._enterprise_dir(enterprise, create=True)
        with tempfile.TemporaryDirectory(dir=directory, prefix=".new-") as scratch:
            key_path, cert_path = generate_identity(Path(scratch), algorithm, common_name, days=days,
                                                    passphrase=self._secret(enterprise))
            files = {"key.pem": key_path.read_bytes()}
            return self._write(enterprise, load_certificate(cert_path.read_bytes()), files, activate)

    def add_pkcs11(self, enterprise: str, cert_pem: bytes, module: str, token_label: str, key_label: str,
                   pin_env: str = "CBEC_PKCS11_PIN", activate: bool = True) -> KeyInfo:  # fmt: skip
        """Register a key that stays on a PKCS#11 token; its PIN is read from the environment variable ``pin_env``."""
        reference = {"module": module, "token_label": token_label, "key_label": key_label, "pin_env": pin_env}
        files = {"pkcs11.json": json.dumps(reference, indent=2).encode()}
        return self._write(enterprise, load_certificate(cert_pem), files, activate)

    def activate(self, enterprise: str, key_id: str) -> None:
        """Make ``key_id`` the key that signs for ``enterprise`` (atomic; other keys keep verifying)."""
        self._key_dir(enterprise, key_id)
        _write_atomically(self._enterprise_dir(enterprise) / "active", key_id.encode())

    def enterprises(self) -> list[str]:
        return sorted(p.name for p in self.root.iterdir() if p.is_dir()) if self.root.is_dir() else []

    def keys(self, enterprise: str) -> list[KeyInfo]:
        directory = self._enterprise_dir(enterprise)
        ids = sorted(p.name for p in directory.iterdir() if p.is_dir() and not p.name.startswith("."))
        return [self.info(enterprise, key_id) for key_id in ids]

    def active_id(self, enterprise: str) -> str:
        pointer = self._enterprise_dir(enterprise) / "active"
        try:
            status = pointer.stat()
        except FileNotFoundError as error:
            english = f"enterprise {enterprise} has no active key"
            raise UnknownKeyError(f"企业 {enterprise} 没有启用的密钥", english) from error
        stamp = (status.st_ino, status.st_mtime_ns)
        cached = self._active.get(enterprise)
        if cached is None or cached[0] != stamp:
            cached = (stamp, pointer.read_text().strip())
            self._active[enterprise] = cached
        return cached[1]

    def info(self, enterprise: str, key_id: str | None = None) -> KeyInfo:
        key_id = key_id or self.active_id(enterprise)
        directory = self._key_dir(enterprise, key_id)
        certificate = load_certificate((directory / "cert.pem").read_bytes())
        kind = "pkcs11" if (directory / "pkcs11.json").exists() else "file"
        info = _info(enterprise, certificate, kind, key_id == self._active_or_none(enterprise))
        return dataclasses.replace(info, revoked=(directory / "revoked").exists())

    def certificate(self, enterprise: str, key_id: str) -> Certificate:
        """The certificate of any key the enterprise ever had here (for verification after rotation)."""
        cached = self._certificates.get((enterprise, key_id))
        if cached is None:
            cached = load_certificate((self._key_dir(enterprise, key_id) / "cert.pem").read_bytes())
            self._certificates[(enterprise, key_id)] = cached
        return cached

    def load(self, enterprise: str, key_id: str | None = None) -> LoadedKey:
        """The private key (the active one unless ``key_id``), opened once with the passphrase or token PIN."""
        key_id = key_id or self.active_id(enterprise)
        cached = self._loaded.get((enterprise, key_id))
        if cached is not None:
            return cached
        with self._lock:
            if (enterprise, key_id) not in self._loaded:
                self._loaded[(enterprise, key_id)] = self._open(enterprise, key_id)
        return self._loaded[(enterprise, key_id)]

    def expiring(self, within_days: int = 30, now: datetime | None = None) -> list[KeyInfo]:
        """证书到期提醒: active keys whose certificate ends within ``within_days`` (or has ended), soonest first."""
        now = now or datetime.now(UTC)
        limit = now + timedelta(days=within_days)
        found = []
        for enterprise in self.enterprises():
            if self._active_or_none(enterprise) is not None and (info := self.info(enterprise)).not_after <= limit:
                found.append(info)
        return sorted(found, key=lambda info: info.not_after)

    def _open(self, enterprise: str, key_id: str) -> LoadedKey:
        directory = self._key_dir(enterprise, key_id)
        certificate = load_certificate((directory / "cert.pem").read_bytes())
        if (directory / "pkcs11.json").exists():
            key = _pkcs11_key(json.loads((directory / "pkcs11.json").read_text()))
        else:
            key = keys.load_private_key((directory / "key.pem").read_bytes(), certificate, self._secret(enterprise))
        info = self.info(enterprise, key_id)
        return LoadedKey(enterprise, key_id, certificate, key, info.not_before, info.not_after)

    def _write(self, enterprise: str, certificate: Certificate, files: dict[str, bytes], activate: bool) -> KeyInfo:
        target = self._enterprise_dir(enterprise, create=True) / certificate.key_id
        if target.exists():
            raise InvalidInputError(f"密钥 {certificate.key_id} 已存在", f"key {certificate.key_id} already exists")
        staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=".add-"))
        for name, data in {**files, "cert.pem": _pem(certificate)}.items():
            _write_private(staging / name, data)
        os.replace(staging, target)
        if activate:
            self.activate(enterprise, certificate.key_id)
        return self.info(enterprise, certificate.key_id)

    def _secret(self, enterprise: str) -> bytes:
        secret = self._passphrase(enterprise) if callable(self._passphrase) else self._passphrase
        if not secret:
            raise SignatureError("the key store needs a non-empty passphrase")
        return secret

    def _active_or_none(self, enterprise: str) -> str | None:
        try:
            return self.active_id(enterprise)
        except UnknownKeyError:
            return None

    def _enterprise_dir(self, enterprise: str, create: bool = False) -> Path:
        if not _NAME.match(enterprise or ""):
            raise InvalidInputError(f"企业编码无效 {enterprise!r}", f"invalid enterprise code {enterprise!r}")
        directory = self.root / enterprise
        if create:
            directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        elif not directory.is_dir():
            raise UnknownKeyError(f"企业 {enterprise} 没有密钥", f"no keys for enterprise {enterprise}")
        return directory

    def _key_dir(self, enterprise: str, key_id: str) -> Path:
        directory = self._enterprise_dir(enterprise) / (key_id or "").lower()
        if not re.fullmatch(r"[0-9a-f]{1,64}", (key_id or "").lower()) or not directory.is_dir():
            english = f"enterprise {enterprise} has no key {key_id}"
            raise UnknownKeyError(f"企业 {enterprise} 没有密钥 {key_id}", english)
        return directory


def _info(enterprise: str, certificate: Certificate, kind: str, active: bool) -> KeyInfo:
    parsed = x509.load_der_x509_certificate(certificate.der)
    return KeyInfo(enterprise, certificate.key_id, certificate.key_type, kind, parsed.subject.rfc4514_string(),
                   parsed.not_valid_before_utc, parsed.not_valid_after_utc, active)  # fmt: skip


def _encrypted(key_pem: bytes, certificate: Certificate, password: bytes | None, secret: bytes) -> bytes:
    if certificate.key_type == "SM2":
        return sm2_pem.encrypted_pem(sm2_openssl.OpenSslSm2Key(key_pem, password), secret)
    key = load_pem_private_key(key_pem, password)
    protection = serialization.BestAvailableEncryption(secret)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, protection)


def _check_pair(key: keys.PrivateKey, certificate: Certificate) -> None:
    probe, scheme = b"cbec key store pairing probe", keys.DEFAULT_SCHEMES[certificate.key_type]
    if not keys.verify(certificate, scheme, probe, key.sign(probe, scheme)):
        raise InvalidInputError("私钥与证书不匹配", "the private key does not belong to the certificate")


def _pkcs11_key(reference: dict[str, str]) -> keys.PrivateKey:
    from .pkcs11_token import Pkcs11PrivateKey

    variable = reference["pin_env"]
    pin = os.environ.get(variable)
    if not pin:
        raise WrongPassphraseError(f"未设置令牌口令 {variable}", f"the token PIN variable {variable} is not set")
    return Pkcs11PrivateKey(reference["module"], reference["token_label"], pin, reference["key_label"])


def _pem(certificate: Certificate) -> bytes:
    return x509.load_der_x509_certificate(certificate.der).public_bytes(serialization.Encoding.PEM)


def _write_private(path: Path, data: bytes) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)


def _write_atomically(path: Path, data: bytes) -> None:
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    os.replace(temporary, path)
