"""Whom a verification trusts (#17 items 1 and 8): the signer certificate a signature carries proves nothing by itself.

Anyone can make a certificate with an enterprise's serial and sign with it; a signature is the enterprise's only when
its certificate *is* one of the key store's (the same DER, so the same key, issuer, serial and validity) of a key
that is not revoked and whose validity covers the time of signing, or when it chains, valid and unrevoked, to a
configured trust list (a folder of CA certificates and their CRLs). ``SignerTrust.decide`` answers which, and why
not; the verifiers (verify, dsig_verify, cms_signed, pdf_seal, qr) ask it after the cryptographic check.

The key store changes rarely and verification is hot, so its certificates are indexed once and re-read only for an
enterprise whose folder or key folders changed (a new key, a rotation, a ``revoked`` file): one ``stat`` per key
folder of the matched enterprise and a dict lookup per decision.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from cryptography import x509

from . import der
from .certificate import Certificate, parse_certificate
from .errors import SignatureError, SigningError

REVOCATION_MODES = ("soft-fail", "hard-fail", "require")
_CERTIFICATE_SUFFIXES = (".pem", ".crt", ".cer", ".der")


@dataclass(frozen=True)
class SignerName:
    """Who a certificate names, for callers to apply their own policy: RFC 4514 subject and issuer, serial in hex."""

    subject: str
    serial: str
    issuer: str


@lru_cache(maxsize=512)
def signer_name(certificate: bytes) -> SignerName:
    """Subject, serial and issuer of a DER certificate (cached: the same signers come back all day)."""
    parsed = x509.load_der_x509_certificate(certificate)
    return SignerName(parsed.subject.rfc4514_string(), parse_certificate(certificate).key_name,
                      parsed.issuer.rfc4514_string())  # fmt: skip


@dataclass(frozen=True)
class TrustDecision:
    """``trusted`` or not and, when not, ``detail`` says why in English; ``enterprise`` and ``key_id`` name the key
    store's key the certificate is (None when trusted through the trust list only)."""

    trusted: bool
    detail: str = ""
    enterprise: str | None = None
    key_id: str | None = None


class Trust(Protocol):
    def decide(self, certificate: bytes, signed_at: datetime | None = None) -> TrustDecision:
        """Whether a signature by ``certificate`` (DER) made at ``signed_at`` (None: now) is trusted."""
        ...


class KeyStoreLike(Protocol):
    """What trust reads of adapters.signing.keystore.KeyStore: certificates and key states, never private keys."""

    root: Path

    def enterprises(self) -> list[str]: ...

    def keys(self, enterprise: str) -> Sequence[_KeyInfoLike]: ...

    def certificate(self, enterprise: str, key_id: str) -> Certificate: ...


class _KeyInfoLike(Protocol):
    @property
    def key_id(self) -> str: ...

    @property
    def active(self) -> bool: ...

    @property
    def revoked(self) -> bool: ...

    @property
    def not_before(self) -> datetime: ...

    @property
    def not_after(self) -> datetime: ...


@dataclass(frozen=True)
class StoreKey:
    """One key of the store as trust sees it."""

    enterprise: str
    key_id: str
    certificate: Certificate
    active: bool
    revoked: bool
    not_before: datetime
    not_after: datetime

    def covers(self, moment: datetime) -> bool:
        return self.not_before <= moment <= self.not_after

    def refusal(self, moment: datetime) -> str:
        """Why a signature by this key at ``moment`` is not trusted; "" when it is."""
        if self.revoked:
            return f"key {self.key_id} of enterprise {self.enterprise} is revoked"
        if not self.covers(moment):
            return (f"key {self.key_id} of enterprise {self.enterprise} was not valid at {moment:%Y-%m-%d %H:%M:%S}Z "
                    f"(valid {self.not_before:%Y-%m-%d} to {self.not_after:%Y-%m-%d})")  # fmt: skip
        return ""


@dataclass
class _Enterprise:
    """An enterprise's keys as read, with the modification times of its folder and key folders when read: a key
    added, removed or activated changes the first, a key marked revoked its own folder's."""

    folder: int
    key_folders: dict[str, int] = field(default_factory=dict)
    keys: list[StoreKey] = field(default_factory=list)


class KeyStoreTrust:
    """Trust in exactly the key store's certificates of keys not revoked and valid at the time of signing."""

    def __init__(self, keystore: KeyStoreLike, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.keystore, self._now = keystore, now
        self._enterprises: dict[str, _Enterprise] = {}
        self._by_der: dict[bytes, list[StoreKey]] = {}
        self._lock = threading.Lock()

    def decide(self, certificate: bytes, signed_at: datetime | None = None) -> TrustDecision:
        moment = signed_at or self._now()
        found = self._lookup(certificate)
        if not found:
            return TrustDecision(False, _unknown(certificate))
        usable = [key for key in found if not key.refusal(moment)]
        key = (usable or found)[0]
        return TrustDecision(bool(usable), key.refusal(moment), key.enterprise, key.key_id)

    def keys_of(self, enterprise: str, key_id: str | None = None) -> list[StoreKey]:
        """Every key the enterprise has here (current state), the active one first; only ``key_id`` if given (then
        only its folder is checked for changes: the hot path of a raw verification)."""
        keys = self._fresh(enterprise, key_id).keys
        if key_id is not None:
            return [key for key in keys if key.key_id == key_id]
        return sorted(keys, key=lambda key: not key.active)

    def usable(self, enterprise: str, key_id: str | None, moment: datetime | None = None,
               check_validity: bool = True) -> tuple[list[StoreKey], str]:  # fmt: skip
        """Keys that may have made a signature of ``enterprise`` at ``moment`` (None: now): ``key_id`` only, if given,
        else every key, the active one first; never a revoked one, and only valid at ``moment`` when
        ``check_validity``. When there is none, why."""
        moment = moment or self._now()
        keys = self.keys_of(enterprise, key_id.lower() if key_id is not None else None)
        usable = [key for key in keys if not (key.revoked or (check_validity and not key.covers(moment)))]
        if usable:
            return usable, ""
        if not keys:
            return [], f"enterprise {enterprise} has no key {key_id or ''}".rstrip()
        return [], "; ".join(key.refusal(moment) for key in keys)

    def _lookup(self, certificate: bytes) -> list[StoreKey]:
        found = self._by_der.get(certificate)
        if found is None:
            self._refresh_all()
            return self._by_der.get(certificate, [])
        for enterprise in {key.enterprise for key in found}:
            self._fresh(enterprise)
        return self._by_der.get(certificate, [])

    def _refresh_all(self) -> None:
        enterprises = set(self.keystore.enterprises())
        for enterprise in enterprises:
            self._fresh(enterprise)
        gone = set(self._enterprises) - enterprises
        if gone:
            with self._lock:
                for enterprise in gone:
                    self._enterprises.pop(enterprise, None)
                self._reindex()

    def _fresh(self, enterprise: str, key_id: str | None = None) -> _Enterprise:
        """The enterprise's keys, re-read when its folder or a key folder changed (only ``key_id``'s, if given)."""
        folder = os.path.join(self.keystore.root, enterprise)  # strings, not Paths: this runs per verification
        cached = self._enterprises.get(enterprise)
        if cached is not None and cached.folder == _mtime(folder):
            names = [key_id] if key_id in cached.key_folders else list(cached.key_folders)
            if all(_mtime(os.path.join(folder, name)) == cached.key_folders[name] for name in names):
                return cached
        loaded = _Enterprise(_mtime(folder), _key_folders(folder))
        loaded.keys = self._read(enterprise) if loaded.folder else []
        with self._lock:
            self._enterprises[enterprise] = loaded
            self._reindex()
        return loaded

    def _read(self, enterprise: str) -> list[StoreKey]:
        try:
            infos = self.keystore.keys(enterprise)
            return [StoreKey(enterprise, info.key_id, self.keystore.certificate(enterprise, info.key_id), info.active,
                             info.revoked, info.not_before, info.not_after) for info in infos]  # fmt: skip
        except (SigningError, OSError):
            return []

    def _reindex(self) -> None:
        index: dict[bytes, list[StoreKey]] = {}
        for loaded in self._enterprises.values():
            for key in loaded.keys:
                index.setdefault(key.certificate.der, []).append(key)
        self._by_der = index


def _mtime(path: str) -> int:
    """Modification time in ns; 0 when the path is gone."""
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return 0


def _key_folders(folder: str) -> dict[str, int]:
    """Modification times of the key folders of an enterprise folder, taken before the keys are read (a change in
    between is seen at the next check)."""
    try:
        with os.scandir(folder) as entries:
            return {entry.name: entry.stat().st_mtime_ns for entry in entries
                    if entry.is_dir() and not entry.name.startswith(".")}  # fmt: skip
    except OSError:
        return {}


def _unknown(certificate: bytes) -> str:
    name = signer_name(certificate)
    return (f"the signer certificate (subject {name.subject}, serial {name.serial}, issuer {name.issuer}) is not a "
            "certificate of the key store")  # fmt: skip


class TrustList:
    """Certificates trusted as anchors (CA certificates, or a signer's own certificate pinned) and CRLs, from PEM/DER
    files or a folder of them (``*.pem *.crt *.cer *.der``, CRLs ``*.crl``), re-read when the folder changes.

    A signer certificate is trusted when a path from it to an anchor validates at the time of signing (pyhanko-
    certvalidator: signatures, validity, basic constraints, no fetching). Revocation follows ``revocation_mode``
    (soft-fail, hard-fail, require: pyhanko-certvalidator's meaning), and a CRL of the signer's issuer found here is
    always checked, whether or not the certificate names a distribution point."""

    def __init__(self, paths: Iterable[str | Path], revocation_mode: str = "soft-fail",
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:  # fmt: skip
        if revocation_mode not in REVOCATION_MODES:
            raise ValueError(f"revocation mode {revocation_mode!r}: use one of {', '.join(REVOCATION_MODES)}")
        self.paths, self.revocation_mode, self._now = [Path(p) for p in paths], revocation_mode, now
        self._stamp: tuple[tuple[str, int], ...] | None = None
        self._anchors: list[bytes] = []
        self._crls: list[bytes] = []
        self._crl_issuers: set[bytes] = set()
        self._lock = threading.Lock()

    @property
    def anchors(self) -> list[bytes]:
        self._refresh()
        return self._anchors

    def decide(self, certificate: bytes, signed_at: datetime | None = None) -> TrustDecision:
        self._refresh()
        if not self._anchors:
            return TrustDecision(False, "the trust list holds no certificate")
        try:
            asyncio.run(self._validate(certificate, signed_at or self._now()))
        except Exception as error:  # noqa: BLE001 - certvalidator reports every failed check as its own kind
            return TrustDecision(False, f"the trust list does not vouch for the signer: {error}")
        return TrustDecision(True)

    async def _validate(self, certificate: bytes, moment: datetime) -> None:
        from asn1crypto import x509 as asn1_x509
        from pyhanko_certvalidator import CertificateValidator, ValidationContext
        from pyhanko_certvalidator.policy_decl import (
            CertRevTrustPolicy,
            RevocationCheckingPolicy,
            RevocationCheckingRule,
        )

        signer = asn1_x509.Certificate.load(certificate)
        policy = RevocationCheckingPolicy.from_legacy(self.revocation_mode)
        if signer.issuer.dump() in self._crl_issuers:
            policy = RevocationCheckingPolicy(RevocationCheckingRule.CRL_REQUIRED, policy.intermediate_ca_cert_rule)
        anchors = [asn1_x509.Certificate.load(anchor) for anchor in self._anchors]
        context = ValidationContext(trust_roots=anchors, other_certs=anchors, crls=self._crls, allow_fetching=False,
                                    moment=moment, revinfo_policy=CertRevTrustPolicy(policy, retroactive_revinfo=True))
        await CertificateValidator(signer, validation_context=context).async_validate_usage(set())

    def _refresh(self) -> None:
        stamp = tuple(_files_stamp(self.paths))
        if stamp == self._stamp:
            return
        anchors, crls = _read_trust_files(path for path, _ in stamp)
        with self._lock:
            self._anchors, self._crls, self._stamp = anchors, crls, stamp
            self._crl_issuers = {_crl_issuer(crl) for crl in crls}


def _files_stamp(paths: Iterable[Path]) -> Iterable[tuple[str, int]]:
    for path in paths:
        candidates = sorted(path.iterdir()) if path.is_dir() else [path]
        for candidate in candidates:
            if candidate.is_file() and candidate.suffix.lower() in (*_CERTIFICATE_SUFFIXES, ".crl"):
                yield str(candidate), candidate.stat().st_mtime_ns


def _read_trust_files(files: Iterable[str]) -> tuple[list[bytes], list[bytes]]:
    anchors: list[bytes] = []
    crls: list[bytes] = []
    for name in files:
        data = Path(name).read_bytes()
        if name.lower().endswith(".crl"):
            crls += [body for label, body in der.pem_blocks(data) if label == "X509 CRL"] or [data]
            continue
        blocks = [body for label, body in der.pem_blocks(data) if label == "CERTIFICATE"]
        for block in blocks or [data]:
            try:
                anchors.append(parse_certificate(block).der)
            except SignatureError as error:
                raise SignatureError(f"{name}: {error}") from error
    return anchors, crls


def _crl_issuer(crl: bytes) -> bytes:
    from asn1crypto import crl as asn1_crl

    try:
        return bytes(asn1_crl.CertificateList.load(crl)["tbs_cert_list"]["issuer"].dump())
    except (ValueError, TypeError, KeyError) as error:
        raise SignatureError(f"a CRL of the trust list is not readable: {error}") from error


class SignerTrust:
    """The service's rule: the key store decides about its own certificates (a revoked or expired key stays refused
    whatever the trust list says); any other certificate is trusted only through the trust list, if there is one."""

    def __init__(self, keystore: KeyStoreTrust | None, trust_list: TrustList | None = None) -> None:
        self.keystore, self.trust_list = keystore, trust_list

    def decide(self, certificate: bytes, signed_at: datetime | None = None) -> TrustDecision:
        known = self.keystore.decide(certificate, signed_at) if self.keystore is not None else None
        if known is not None and (known.trusted or known.key_id is not None):
            return known
        if self.trust_list is None:
            return known or TrustDecision(False, _unknown(certificate))
        listed = self.trust_list.decide(certificate, signed_at)
        if listed.trusted or known is None:
            return listed
        return TrustDecision(False, f"{known.detail}; {listed.detail}")
