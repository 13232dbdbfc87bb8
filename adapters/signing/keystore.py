"""Key store (密钥库): signing keys per enterprise, sealed at rest, rotated without downtime (docs/signing.md).

Layout under ``root``: ``.passphrase-check`` (a known value sealed with the store passphrase: a wrong passphrase is
refused when the store opens, not at the first signature); ``<enterprise>/<key_id>/cert.pem`` plus ``key.sealed``
(the PKCS#8 key sealed with scrypt and AES-256-GCM, sealed.py), a legacy ``key.pem`` (PKCS#8 PBES2, still read;
``upgrade`` re-seals it) or ``pkcs11.json`` (where the key lives on a token), and ``revoked`` once revoked;
``<enterprise>/active`` names the key that signs; ``<enterprise>/.pending/<id>/`` holds a key whose certificate
request (CSR) waits for its CA. ``key_id`` is the certificate serial in hex (the customs KeyName). Rotation adds a
key and switches ``active`` atomically; every process notices at its next request, and older keys keep
verifying and decrypting. Loaded keys are cached: a key id's files never change (a passphrase change re-seals them
with the same key inside).
"""

import dataclasses
import fcntl
import hashlib
import json
import os
import re
import secrets
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from asn1crypto import csr as asn1_csr
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from . import der, keys, pkcs8, sealed
from .certificate import Certificate, load_certificate
from .errors import (
    CertificateExpiredError,
    CertificateNotYetValidError,
    InvalidInputError,
    KeyRevokedError,
    SignatureError,
    UnknownKeyError,
    UnsupportedAlgorithmError,
    WrongPassphraseError,
)
from .identity import DEFAULT_COMMON_NAME, CsrSubject, generate_csr, generate_identity

_NAME = re.compile(r"^[0-9A-Za-z_-]{1,64}$")
Passphrase = bytes | Callable[[str], bytes]
CHECK_FILE = ".passphrase-check"
_CHECK_VALUE = b"cbec key store passphrase check, version 1"
_NEXT = ".next"  # a file re-sealed with a new passphrase, waiting for the change to commit
_KEY_KIND, _CHECK_KIND = "private-key", "passphrase-check"
MAX_DAYS = 36500
_ALGORITHMS = {"RSA": "RSA-SHA1", "SM2": "SM2-SM3"}


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
    protection: str = ""  # "scrypt" (key.sealed), "pbkdf2" (a legacy key.pem: run upgrade), "token" (PKCS#11)

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
    revoked: bool = False

    def check_valid(self, now: datetime) -> None:
        """Refuse to sign with a revoked key or a certificate outside its validity period."""
        if self.revoked:
            raise KeyRevokedError(f"密钥 {self.key_id} 已吊销，不能签名",
                                  f"key {self.key_id} of {self.enterprise} is revoked and never signs")
        _check_validity(self.enterprise, self.key_id, self.not_before, self.not_after, now)


class KeyStore:
    """Keys per enterprise under ``root``; ``passphrase`` is the store passphrase (or a function of the enterprise,
    for stores keyed per enterprise: those have no store-wide check value).

    Opening checks the passphrase against ``.passphrase-check`` (writing it on first use, after opening one existing
    key to prove the passphrase) and finishes a passphrase change a crash interrupted; WrongPassphraseError then."""

    def __init__(self, root: str | Path, passphrase: Passphrase,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:  # fmt: skip
        self.root = Path(root)
        self._passphrase = passphrase
        self._now = now
        self._loaded: dict[tuple[str, str], LoadedKey] = {}
        self._certificates: dict[tuple[str, str], Certificate] = {}
        self._active: dict[str, tuple[tuple[int, int], str]] = {}
        self._lock = threading.Lock()
        self._check_stamp: tuple[int, int] | None = None
        if not callable(passphrase):
            self._open_store()

    # adding keys ------------------------------------------------------------------------------------------------

    def add(self, enterprise: str, key_pem: bytes, cert_pem: bytes, password: bytes | None = None,
            activate: bool = True) -> KeyInfo:  # fmt: skip
        """Import a key and its certificate (PEM); the key is sealed with the store passphrase. An expired
        certificate is refused, one not valid yet too unless it is added without activating (a renewal ahead)."""
        certificate = load_certificate(cert_pem)
        self._check_period(enterprise, certificate, activate)
        clear = pkcs8.clear_pem(key_pem, certificate.key_type, password)
        _check_pair(keys.load_private_key(clear, certificate), certificate)
        return self._write(enterprise, certificate, {"key.sealed": self._seal(enterprise, clear)}, activate)

    def generate(self, enterprise: str, key_type: str = "RSA", common_name: str = DEFAULT_COMMON_NAME,
                 days: int = 3650, activate: bool = True) -> KeyInfo:  # fmt: skip
        """A fresh key pair and self-signed certificate valid ``days`` (1 to 36500) from now; the key is sealed
        before it reaches the disk (the generator writes it under a one-time password in a private scratch
        folder)."""
        algorithm = _algorithm(key_type)
        _check_days(days)
        directory = self._enterprise_dir(enterprise, create=True)
        one_time = secrets.token_urlsafe(32).encode()
        with tempfile.TemporaryDirectory(dir=directory, prefix=".new-") as scratch:
            key_path, cert_path = generate_identity(Path(scratch), algorithm, common_name, days=days,
                                                    passphrase=one_time)  # fmt: skip
            certificate = load_certificate(cert_path.read_bytes())
            clear = pkcs8.clear_pem(key_path.read_bytes(), certificate.key_type, one_time)
        return self._write(enterprise, certificate, {"key.sealed": self._seal(enterprise, clear)}, activate)

    def add_pkcs11(self, enterprise: str, cert_pem: bytes, module: str, token_label: str, key_label: str,
                   pin_env: str = "CBEC_PKCS11_PIN", activate: bool = True) -> KeyInfo:  # fmt: skip
        """Register a key that stays on a PKCS#11 token; its PIN is read from the environment variable ``pin_env``.
        When that variable is set now, the token's key is checked to belong to the certificate before anything is
        written."""
        certificate = load_certificate(cert_pem)
        self._check_period(enterprise, certificate, activate)
        reference = {"module": module, "token_label": token_label, "key_label": key_label, "pin_env": pin_env}
        if certificate.key_type != "RSA":
            raise UnsupportedAlgorithmError("令牌密钥仅支持 RSA（SoftHSM2 无 SM2 机制）",
                                            "PKCS#11 keys are RSA only here: SoftHSM2 has no SM2 mechanism")
        if os.environ.get(pin_env):
            _check_pair(_pkcs11_key(reference), certificate)
        files = {"pkcs11.json": json.dumps(reference, indent=2).encode()}
        return self._write(enterprise, certificate, files, activate)

    # certificate requests ---------------------------------------------------------------------------------------

    def request(self, enterprise: str, subject: CsrSubject, key_type: str = "RSA") -> tuple[str, bytes]:
        """证书申请: a new key pair kept sealed as pending and its PKCS#10 request (PEM) for a CA; returns the pending
        id (from the public key) and the request. ``import_certificate`` turns it into a key once the CA answers."""
        algorithm = _algorithm(key_type)
        pending = self._enterprise_dir(enterprise, create=True) / ".pending"
        pending.mkdir(mode=0o700, exist_ok=True)
        one_time = secrets.token_urlsafe(32).encode()
        with tempfile.TemporaryDirectory(dir=pending, prefix=".new-") as scratch:
            key_path, csr_path = generate_csr(Path(scratch), algorithm, subject, one_time)
            csr_pem = csr_path.read_bytes()
            clear = pkcs8.clear_pem(key_path.read_bytes(), key_type, one_time)
        pending_id = _csr_key_id(csr_pem)
        staging = Path(tempfile.mkdtemp(dir=pending, prefix=".add-"))
        _write_private(staging / "key.sealed", self._seal(enterprise, clear))
        _write_private(staging / "csr.pem", csr_pem)
        _write_private(staging / "request.json", json.dumps({"key_type": key_type}).encode())
        os.replace(staging, pending / pending_id)
        return pending_id, csr_pem

    def pending(self, enterprise: str) -> list[str]:
        """The ids of the enterprise's certificate requests waiting for their certificate."""
        folder = self._enterprise_dir(enterprise) / ".pending"
        return sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) if folder.is_dir() else []

    def import_certificate(self, enterprise: str, cert_pem: bytes, activate: bool = False) -> KeyInfo:
        """The CA's certificate for a pending request: it must hold the public key of one of the enterprise's
        requests and be valid; the sealed key then becomes a normal key (active when asked)."""
        certificate = load_certificate(cert_pem)
        folder = self._enterprise_dir(enterprise) / ".pending" / _certificate_key_id(certificate)
        if not (folder / "key.sealed").is_file():
            raise InvalidInputError(f"企业 {enterprise} 没有与该证书公钥对应的证书申请",
                                    f"no pending request of {enterprise} holds this certificate's public key")
        self._check_period(enterprise, certificate, activate)
        container = (folder / "key.sealed").read_bytes()
        clear = sealed.unseal(container, self._secret(enterprise), _KEY_KIND)
        _check_pair(keys.load_private_key(clear, certificate), certificate)
        info = self._write(enterprise, certificate, {"key.sealed": container}, activate)
        shutil.rmtree(folder)
        return info

    # lifecycle --------------------------------------------------------------------------------------------------

    def activate(self, enterprise: str, key_id: str) -> None:
        """Make ``key_id`` the key that signs for ``enterprise`` (atomic; other keys keep verifying). A revoked key,
        or one whose certificate has expired or is not valid yet, is refused."""
        directory = self._key_dir(enterprise, key_id)
        if (directory / "revoked").exists():
            raise KeyRevokedError(f"密钥 {key_id} 已吊销，不能启用", f"key {key_id} is revoked and cannot be activated")
        self._check_period(enterprise, load_certificate((directory / "cert.pem").read_bytes()), True)
        _write_atomically(self._enterprise_dir(enterprise) / "active", directory.name.encode())

    def revoke(self, enterprise: str, key_id: str, reason: str) -> KeyInfo:
        """吊销: the key never signs again and is never the active one (revoking the active key leaves the enterprise
        without one until another is activated); signatures it made no longer verify as trusted."""
        directory = self._key_dir(enterprise, key_id)
        if not reason.strip():
            raise InvalidInputError("reason 吊销原因为必填项", "reason: say why the key is revoked")
        record = {"reason": reason.strip()[:500], "revoked_at": self._now().isoformat()}
        if not (directory / "revoked").exists():
            _write_atomically(directory / "revoked", json.dumps(record, ensure_ascii=False).encode())
        if self._active_or_none(enterprise) == directory.name:
            (self._enterprise_dir(enterprise) / "active").unlink(missing_ok=True)
        self._loaded.pop((enterprise, directory.name), None)
        return self.info(enterprise, directory.name)

    def delete(self, enterprise: str, key_id: str) -> None:
        """Remove a key that is not the active one, certificate and all: what it signed can no longer be checked
        against this store (raw signatures, QR codes and seals naming its id become unknown keys) and envelopes made
        for it can no longer be opened. Revoke instead to keep verification answering."""
        directory = self._key_dir(enterprise, key_id)
        if self._active_or_none(enterprise) == directory.name:
            raise InvalidInputError(f"密钥 {key_id} 正在使用，不能删除（先启用另一密钥）",
                                    f"key {key_id} is the active key: activate another one before deleting it")
        doomed = directory.with_name(f".deleted-{directory.name}-{secrets.token_hex(4)}")
        os.replace(directory, doomed)
        shutil.rmtree(doomed)
        self._loaded.pop((enterprise, directory.name), None)
        self._certificates.pop((enterprise, directory.name), None)

    def change_passphrase(self, new: bytes) -> int:
        """Re-seal every key, pending request and the check value with ``new``; returns the number of keys.

        Crash-safe: the new check value is written first as ``.passphrase-check.next`` (the change is in progress),
        then every ``key.sealed.next``; renaming the check value is the commit. Opening the store finishes an
        interrupted change: before the commit the ``.next`` files are removed (the old passphrase holds), after it
        they are renamed into place (the new one holds). Other processes must be restarted with the new
        passphrase."""
        if callable(self._passphrase):
            raise InvalidInputError("按企业口令的密钥库不能整体改口令",
                                    "a store keyed per enterprise has no store passphrase")
        if not new or new == self._passphrase:
            raise InvalidInputError("新口令不能为空且应不同于旧口令",
                                    "the new passphrase must not be empty and must differ from the old one")
        with self._locked():
            _write_private_replacing(self.root / (CHECK_FILE + _NEXT), sealed.seal(_CHECK_VALUE, new, _CHECK_KIND))
            count = 0
            for folder, current in self._sealed_keys():
                clear = self._clear_key(folder, current)
                _write_private_replacing(folder / ("key.sealed" + _NEXT), sealed.seal(clear, new, _KEY_KIND))
                count += 1
            os.replace(self.root / (CHECK_FILE + _NEXT), self.root / CHECK_FILE)  # the commit
            self._passphrase = new
            self._roll_forward()
        self._check_stamp = _stamp(self.root / CHECK_FILE)
        return count

    def upgrade(self) -> int:
        """Re-seal every legacy ``key.pem`` (PBKDF2 with 2,048 iterations) as ``key.sealed`` (scrypt); returns how
        many. Each is written next to the old file and renamed before the old one goes: a crash loses nothing."""
        count = 0
        with self._locked():
            for folder, current in self._sealed_keys():
                if current.name != "key.pem":
                    continue
                enterprise = folder.parent.parent.name if folder.parent.name == ".pending" else folder.parent.name
                _write_atomically(folder / "key.sealed", self._seal(enterprise, self._clear_key(folder, current)))
                current.unlink()
                count += 1
        return count

    # reading ----------------------------------------------------------------------------------------------------

    def enterprises(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and _NAME.match(p.name))

    def keys(self, enterprise: str | None = None) -> list[KeyInfo]:
        """The keys of ``enterprise``, or of every enterprise when None."""
        if enterprise is None:
            return [info for code in self.enterprises() for info in self.keys(code)]
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
        protection = "token" if kind == "pkcs11" else "scrypt" if (directory / "key.sealed").exists() else "pbkdf2"
        info = _info(enterprise, certificate, kind, directory.name == self._active_or_none(enterprise))
        return dataclasses.replace(info, revoked=(directory / "revoked").exists(), protection=protection)

    def is_revoked(self, enterprise: str, key_id: str) -> bool:
        return (self._key_dir(enterprise, key_id) / "revoked").exists()

    def certificate(self, enterprise: str, key_id: str) -> Certificate:
        """The certificate of any key the enterprise ever had here (for verification after rotation)."""
        cached = self._certificates.get((enterprise, key_id))
        if cached is None:
            cached = load_certificate((self._key_dir(enterprise, key_id) / "cert.pem").read_bytes())
            self._certificates[(enterprise, key_id)] = cached
        return cached

    def load(self, enterprise: str, key_id: str | None = None) -> LoadedKey:
        """The private key (the active one unless ``key_id``), opened once with the passphrase or token PIN. Whether
        it is revoked is looked up at every call (one stat), so a revocation by another process holds at once."""
        key_id = key_id or self.active_id(enterprise)
        cached = self._loaded.get((enterprise, key_id))
        if cached is None:
            with self._lock:
                if (enterprise, key_id) not in self._loaded:
                    self._loaded[(enterprise, key_id)] = self._open(enterprise, key_id)
            cached = self._loaded[(enterprise, key_id)]
        if os.path.exists(os.path.join(self.root, enterprise, cached.key_id, "revoked")):
            return dataclasses.replace(cached, revoked=True)
        return cached

    def expiring(self, within_days: int = 30, now: datetime | None = None) -> list[KeyInfo]:
        """证书到期提醒: active keys whose certificate ends within ``within_days`` (or has ended), soonest first."""
        now = now or self._now()
        limit = now + timedelta(days=within_days)
        found = []
        for enterprise in self.enterprises():
            if self._active_or_none(enterprise) is not None and (info := self.info(enterprise)).not_after <= limit:
                found.append(info)
        return sorted(found, key=lambda info: info.not_after)

    def health(self) -> str | None:
        """None when the store can be used, else why not; cheap enough for every health probe (a few stats, no key
        derivation): the folder and the check value must be readable, and the check value unchanged since this
        process opened the store (a passphrase changed elsewhere means this process must restart)."""
        check = self.root / CHECK_FILE
        if not os.access(self.root, os.R_OK | os.X_OK):
            return f"key store {self.root} cannot be read"
        if self._check_stamp is None:
            return None
        if not os.access(check, os.R_OK):
            return f"{check} cannot be read"
        if _stamp(check) != self._check_stamp:
            return "the key store passphrase was changed since this process started: restart it with the new one"
        return None

    # inside -----------------------------------------------------------------------------------------------------

    def _open_store(self) -> None:
        """Check the passphrase (see the class); create the folder and its check value when new."""
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        with self._locked():
            self._recover()
            check = self.root / CHECK_FILE
            if check.exists():
                try:
                    sealed.unseal(check.read_bytes(), self._secret(""), _CHECK_KIND)
                except WrongPassphraseError as error:
                    raise WrongPassphraseError(f"密钥库口令错误，无法打开 {self.root}",
                                               f"wrong passphrase for the key store {self.root}") from error
            else:
                first = next(iter(self._sealed_keys()), None)
                if first is not None:
                    self._clear_key(*first)  # proves the passphrase on a store older than check values
                _write_private_replacing(check, sealed.seal(_CHECK_VALUE, self._secret(""), _CHECK_KIND))
        self._check_stamp = _stamp(self.root / CHECK_FILE)

    def _recover(self) -> None:
        """Finish a passphrase change a crash interrupted: roll back before its commit, forward after it."""
        if (self.root / (CHECK_FILE + _NEXT)).exists():
            for leftover in self.root.glob("*/*/key.sealed" + _NEXT):
                leftover.unlink()
            for leftover in self.root.glob("*/.pending/*/key.sealed" + _NEXT):
                leftover.unlink()
            (self.root / (CHECK_FILE + _NEXT)).unlink()
        else:
            self._roll_forward()

    def _roll_forward(self) -> None:
        for pattern in ("*/*/key.sealed" + _NEXT, "*/.pending/*/key.sealed" + _NEXT):
            for ready in self.root.glob(pattern):
                os.replace(ready, ready.with_name("key.sealed"))
                (ready.parent / "key.pem").unlink(missing_ok=True)

    def _sealed_keys(self) -> Iterator[tuple[Path, Path]]:
        """(folder, file) of every key held in a file here, keys and pending requests, sealed or legacy."""
        for enterprise in self.enterprises():
            base = self.root / enterprise
            folders = [p for p in base.iterdir() if p.is_dir() and not p.name.startswith(".")]
            if (base / ".pending").is_dir():
                folders += [p for p in (base / ".pending").iterdir() if p.is_dir() and not p.name.startswith(".")]
            for folder in sorted(folders):
                for name in ("key.sealed", "key.pem"):
                    if (folder / name).is_file():
                        yield folder, folder / name
                        break

    def _clear_key(self, folder: Path, file: Path) -> bytes:
        """The unencrypted PKCS#8 of a sealed or legacy key file, in memory."""
        enterprise = folder.parent.parent.name if folder.parent.name == ".pending" else folder.parent.name
        if file.name == "key.sealed":
            return sealed.unseal(file.read_bytes(), self._secret(enterprise), _KEY_KIND)
        key_type = load_certificate((folder / "cert.pem").read_bytes()).key_type
        return pkcs8.clear_pem(file.read_bytes(), key_type, self._secret(enterprise))

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """One process at a time changes the passphrase or finishes a change (flock on ``.lock``)."""
        descriptor = os.open(self.root / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            yield
        finally:
            os.close(descriptor)

    def _open(self, enterprise: str, key_id: str) -> LoadedKey:
        directory = self._key_dir(enterprise, key_id)
        certificate = load_certificate((directory / "cert.pem").read_bytes())
        if (directory / "pkcs11.json").exists():
            key = _pkcs11_key(json.loads((directory / "pkcs11.json").read_text()))
        elif (directory / "key.sealed").exists():
            clear = sealed.unseal((directory / "key.sealed").read_bytes(), self._secret(enterprise), _KEY_KIND)
            key = keys.load_private_key(clear, certificate)
        else:
            key = keys.load_private_key((directory / "key.pem").read_bytes(), certificate, self._secret(enterprise))
        info = self.info(enterprise, key_id)
        return LoadedKey(enterprise, directory.name, certificate, key, info.not_before, info.not_after)

    def _seal(self, enterprise: str, clear: bytes) -> bytes:
        return sealed.seal(clear, self._secret(enterprise), _KEY_KIND)

    def _check_period(self, enterprise: str, certificate: Certificate, activating: bool) -> None:
        """An expired certificate is never added nor activated; one not valid yet is not activated."""
        info, now = _info(enterprise, certificate, "file", False), self._now()
        if activating or now > info.not_after:
            _check_validity(enterprise, certificate.key_id, info.not_before, info.not_after, now)

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


def _check_validity(enterprise: str, key_id: str, not_before: datetime, not_after: datetime, now: datetime) -> None:
    if now > not_after:
        raise CertificateExpiredError(f"证书 {key_id} 已于 {not_after:%Y-%m-%d} 过期",
                                      f"certificate {key_id} of {enterprise} expired on {not_after:%Y-%m-%d}")
    if now < not_before:
        raise CertificateNotYetValidError(f"证书 {key_id} 自 {not_before:%Y-%m-%d} 起生效",
                                          f"certificate {key_id} of {enterprise} is not valid before "
                                          f"{not_before:%Y-%m-%d}")


def _algorithm(key_type: str) -> str:
    algorithm = _ALGORITHMS.get(key_type)
    if algorithm is None:
        raise InvalidInputError(f"key_type 未知密钥类型 {key_type}",
                                f"key_type: unknown key type {key_type}; use RSA or SM2")
    return algorithm


def _check_days(days: int) -> None:
    """A certificate valid for at least one day: 0 or less made an expired key active (RSA) or a raw OpenSSL
    error (SM2)."""
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise InvalidInputError(f"days 有效天数应为 1 至 {MAX_DAYS} 的整数（给出 {days!r}）",
                                f"days: the validity must be a whole number of days from 1 to {MAX_DAYS} "
                                f"(got {days!r})")


def _certificate_key_id(certificate: Certificate) -> str:
    spki = asn1_x509.Certificate.load(certificate.der)["tbs_certificate"]["subject_public_key_info"]
    return hashlib.sha256(spki.dump()).hexdigest()[:16]


def _csr_key_id(csr_pem: bytes) -> str:
    blocks = [body for label, body in der.pem_blocks(csr_pem) if label == "CERTIFICATE REQUEST"]
    if not blocks:
        raise InvalidInputError("证书申请无法读取", "the certificate request cannot be read")
    spki = asn1_csr.CertificationRequest.load(blocks[0])["certification_request_info"]["subject_pk_info"]
    return hashlib.sha256(spki.dump()).hexdigest()[:16]


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        status = path.stat()
    except OSError:
        return None
    return status.st_ino, status.st_mtime_ns


def _info(enterprise: str, certificate: Certificate, kind: str, active: bool) -> KeyInfo:
    parsed = x509.load_der_x509_certificate(certificate.der)
    return KeyInfo(enterprise, certificate.key_id, certificate.key_type, kind, parsed.subject.rfc4514_string(),
                   parsed.not_valid_before_utc, parsed.not_valid_after_utc, active)  # fmt: skip


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


def _write_private_replacing(path: Path, data: bytes) -> None:
    """Like _write_atomically, owner-only: a reader sees the old file or the whole new one."""
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def validity(certificate: Certificate) -> tuple[datetime, datetime]:
    """(not before, not after) of a certificate, UTC."""
    parsed = x509.load_der_x509_certificate(certificate.der)
    return parsed.not_valid_before_utc, parsed.not_valid_after_utc
