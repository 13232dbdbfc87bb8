"""签名服务 The signing service: every signing, verification and envelope operation of the platform (S1-S6).

One object over the key store, shared by the processors, the consoles and ``cbec signer`` (ui/routers/signing/api.py).
Signing picks the enterprise's active key (or a named one) and refuses an expired certificate;
verification accepts every key the enterprise ever had, so rotating a key never breaks a check.
Errors are SigningError subclasses (adapters/signing/errors.py): a stable ``code``, a Chinese and an English
message; callers take them and the seal's Placement from this module, and word them for people by ``Refusal.of``.
Thread-safe; keys are opened once per process. ``verify_raw_many`` and ``sign_raw_many`` (SM2) run a
whole batch in one native call (adapters/signing/native.py) without the GIL: the way to reach OpenSSL's own speed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from adapters.signing import (
    cms_enveloped,
    cms_signed,
    dsig,
    dsig_verify,
    keys,
    native,
    pdf_seal,
    qr,
    verify_bytes,
)
from adapters.signing.certificate import Certificate, load_certificate
from adapters.signing.errors import (
    CertificateExpiredError,
    CertificateNotYetValidError,
    InvalidInputError,
    KeyRevokedError,
    NotARecipientError,
    SignatureError,
    SigningError,
    UnknownKeyError,
    WrongPassphraseError,
)
from adapters.signing.keystore import KeyInfo, KeyStore, LoadedKey, validity
from adapters.signing.pdf_seal import Placement
from adapters.signing.trust import (
    REVOCATION_MODES,
    KeyStoreTrust,
    SignerName,
    SignerTrust,
    StoreKey,
    TrustList,
    signer_name,
)
from adapters.signing.verify import Reason, Verification, judged


class SigningSetupError(RuntimeError):
    """The signing service cannot start (for example: no key store passphrase)."""


@dataclass(frozen=True)
class Refusal:
    """What a caller is told of a refused request: the error's stable code, a Chinese and an English message."""

    code: str
    zh: str
    en: str

    @classmethod
    def of(cls, error: SignatureError) -> Refusal:
        """A SigningError as it is; any other SignatureError (a library's) as invalid input."""
        if not isinstance(error, SigningError):
            error = InvalidInputError("输入无法处理", str(error))
        return cls(error.code, error.zh, error.en)


@dataclass(frozen=True)
class RawSignature:
    """A detached raw signature: RSA PKCS#1 v1.5/PSS bytes, or SM2 as DER SEQUENCE{r, s} (GM/T 0009)."""

    signature: bytes
    key_id: str
    algorithm: str


@dataclass(frozen=True)
class RawVerifications:
    """The outcome of a batch verification: ``ok[i]`` for item i; ``key_id`` and ``algorithm`` of the key that
    verified the first good item (after a rotation, items may hold by different keys of the enterprise).
    ``refusal`` says why no key could be used (a revoked key, none valid now); every ``ok`` is then False."""

    ok: list[bool]
    key_id: str
    algorithm: str
    refusal: str = ""
    key: StoreKey | None = None

    @property
    def signer(self) -> SignerName | None:
        """Subject, serial and issuer of the key's certificate (None when no key could be used)."""
        return signer_name(self.key.certificate.der) if self.key else None

    @property
    def reason(self) -> Reason:
        """OK when every signature holds; UNTRUSTED_CERTIFICATE when no key may be used; else SIGNATURE_INVALID
        (``ok`` says which items failed)."""
        if self.refusal:
            return Reason.UNTRUSTED_CERTIFICATE
        return Reason.OK if all(self.ok) else Reason.SIGNATURE_INVALID


@dataclass(frozen=True)
class SignedQr:
    text: str
    png: bytes
    key_id: str


class SigningService:
    """Verification trusts the key store's certificates of keys not revoked and valid when they signed, and
    certificates chaining to ``trust_list`` (docs/signing.md); never a certificate only because a signature
    carries it."""

    def __init__(self, keystore: KeyStore, now: Callable[[], datetime] = lambda: datetime.now(UTC),
                 trust_list: TrustList | None = None) -> None:  # fmt: skip
        self.keystore, self._now = keystore, now
        self.store_trust = KeyStoreTrust(keystore, now)
        self.trust = SignerTrust(self.store_trust, trust_list)

    def signing_key(self, enterprise: str, key_id: str | None = None) -> LoadedKey:
        """The key that signs for ``enterprise`` now; CertificateExpiredError when its certificate has ended."""
        loaded = self.keystore.load(enterprise, key_id)
        loaded.check_valid(self._now())
        return loaded

    def sign_customs_xml(self, enterprise: str, xml: bytes) -> bytes:
        """海关报文加签: the customs enveloped signature (RSA-SHA1 or SM2-SM3 by key, NOTES.md §6)."""
        loaded = self.signing_key(enterprise)
        return keys.customs_signer(loaded.key, loaded.certificate).sign_bytes(xml)

    def verify_customs_xml(self, xml: bytes) -> Verification:
        return verify_bytes(xml, trust=self.trust)

    def sign_xml(self, enterprise: str, xml: bytes, algorithm: str | None = None) -> bytes:
        """Generic enveloped XMLDSig over the whole document."""
        loaded, scheme = self._key_and_scheme(enterprise, algorithm)
        return dsig.sign_enveloped(loaded.key, loaded.certificate, xml, scheme)

    def sign_xml_detached(self, enterprise: str, content: bytes, uri: str, algorithm: str | None = None) -> bytes:
        """Generic detached XMLDSig: a ds:Signature document over ``content`` found at ``uri``."""
        loaded, scheme = self._key_and_scheme(enterprise, algorithm)
        return dsig.sign_detached(loaded.key, loaded.certificate, content, uri, scheme)

    def verify_xml(self, xml: bytes, content: bytes | None = None) -> Verification:
        return dsig_verify.verify(xml, content, self.trust)

    def sign_cms(self, enterprise: str, data: bytes, detached: bool = False, algorithm: str | None = None) -> bytes:
        """CMS SignedData (DER), attached or detached."""
        loaded, scheme = self._key_and_scheme(enterprise, algorithm)
        return cms_signed.sign(loaded.key, loaded.certificate, data, scheme, detached, self._now())

    def verify_cms(self, signature: bytes, data: bytes | None = None) -> cms_signed.CmsVerification:
        return cms_signed.verify(signature, data, self.trust)

    def sign_raw(self, enterprise: str, data: bytes, algorithm: str | None = None) -> RawSignature:
        return self.sign_raw_many(enterprise, [data], algorithm)[0]

    def sign_raw_many(self, enterprise: str, items: list[bytes], algorithm: str | None = None) -> list[RawSignature]:
        """Raw signatures of several items with one key lookup (the HTTP batch call; SM2 in one native call)."""
        loaded, scheme = self._key_and_scheme(enterprise, algorithm)
        signatures = keys.sign_many(loaded.key, loaded.certificate, scheme, items)
        return [RawSignature(signature, loaded.key_id, scheme.name) for signature in signatures]

    def verify_raw(self, enterprise: str, key_id: str | None, data: bytes, signature: bytes,
                   algorithm: str | None = None) -> Verification:  # fmt: skip
        """Check a raw signature with the certificate of ``key_id`` (default: each usable key, see verify_raw_many)."""
        checked = self.verify_raw_many(enterprise, key_id, [data], [signature], algorithm)
        certificate = checked.key.certificate if checked.key else None
        result = Verification(checked.ok[0], checked.reason, checked.algorithm,
                              certificate.key_name if certificate else None, checked.refusal, enterprise=enterprise,
                              key_id=checked.key_id or None)  # fmt: skip
        return judged(result, certificate.der if certificate else None, None)

    def verify_raw_many(self, enterprise: str, key_id: str | None, items: list[bytes], signatures: list[bytes],
                        algorithm: str | None = None) -> RawVerifications:  # fmt: skip
        """Check ``signatures[i]`` over ``items[i]`` by the key ``key_id`` (refused when revoked), or without it by
        every key of the enterprise not revoked and valid now, the active one first: signatures made before a
        rotation keep verifying (#17 item 8). One native call per key tried: the speed of OpenSSL itself."""
        if len(items) != len(signatures):
            raise InvalidInputError("数据与签名数量不一致", "give as many signatures as items")
        candidates, refusal = self._raw_keys(enterprise, key_id)
        if not candidates:
            return RawVerifications([False] * len(items), _store_id(key_id) if key_id else "", algorithm or "", refusal)
        ok, used = [False] * len(items), None
        for key in candidates:
            scheme = keys.scheme(algorithm, key.certificate.key_type)
            pending = [index for index, done in enumerate(ok) if not done]
            found = keys.verify_many(key.certificate, scheme, [items[i] for i in pending],
                                     [signatures[i] for i in pending])  # fmt: skip
            for index, good in zip(pending, found, strict=True):
                ok[index] = good
            used = used or ((key, scheme) if any(found) else None)
            if all(ok):
                break
        key, scheme = used or (candidates[0], keys.scheme(algorithm, candidates[0].certificate.key_type))
        return RawVerifications(ok, key.key_id, scheme.name, key=key)

    def _raw_keys(self, enterprise: str, key_id: str | None) -> tuple[list[StoreKey], str]:
        """The keys a raw signature may be by: ``key_id`` unless revoked (its validity is not checked: a raw signature
        states no time), else the usable keys now. UnknownKeyError for an unknown enterprise or key."""
        if key_id:
            self.keystore.certificate(enterprise, _store_id(key_id))
            return self.store_trust.usable(enterprise, _store_id(key_id), check_validity=False)
        self._known(enterprise)
        return self.store_trust.usable(enterprise, None)

    def _known(self, enterprise: str) -> None:
        """UnknownKeyError unless the key store has keys of ``enterprise`` (from the trust index: no file is read)."""
        if not self.store_trust.keys_of(enterprise):
            raise UnknownKeyError(f"企业 {enterprise} 没有密钥", f"no keys for enterprise {enterprise}")

    def encrypt(self, data: bytes, recipients: Sequence[str] = (), certificates: Sequence[bytes] = (),
                cipher: str | None = None, oaep: bool = False, profile: str = "cms") -> bytes:  # fmt: skip
        """数字信封 for the active keys of ``recipients`` (enterprise codes) and any PEM ``certificates``, RSA or
        SM2 alike (SM2 recipients get the key SM2-encrypted; ``oaep`` concerns RSA recipients only). ``cipher``
        None is the profile's authenticated default (AES-256-GCM; gm: SM4-GCM): CBC only when a legacy peer needs it."""
        targets = [self._recipient(code) for code in recipients]
        targets += [self._checked(_certificate(pem), "certificate") for pem in certificates]
        return cms_enveloped.encrypt(targets, data, cipher, oaep, profile)

    def _recipient(self, enterprise: str) -> Certificate:
        """The active certificate of a recipient enterprise; a revoked or expired one is refused, naming it."""
        key_id = self.keystore.active_id(enterprise)
        if self.keystore.is_revoked(enterprise, key_id):
            raise KeyRevokedError(f"接收方 {enterprise} 的密钥 {key_id} 已吊销",
                                  f"recipient {enterprise}: key {key_id} is revoked")
        return self._checked(self.keystore.certificate(enterprise, key_id), enterprise)

    def _checked(self, certificate: Certificate, recipient: str) -> Certificate:
        """Nobody encrypts to a certificate outside its validity: its holder may no longer have the key."""
        not_before, not_after = validity(certificate)
        now = self._now()
        if now > not_after:
            raise CertificateExpiredError(f"接收方 {recipient} 的证书已于 {not_after:%Y-%m-%d} 过期",
                                          f"recipient {recipient}: the certificate expired on {not_after:%Y-%m-%d}")
        if now < not_before:
            raise CertificateNotYetValidError(f"接收方 {recipient} 的证书自 {not_before:%Y-%m-%d} 起生效",
                                              f"recipient {recipient}: the certificate is not valid before "
                                              f"{not_before:%Y-%m-%d}")
        return certificate

    def decrypt(self, enterprise: str, envelope: bytes) -> bytes:
        """Open an envelope with whichever of the enterprise's keys (current or rotated) it was made for; a changed
        authenticated envelope is refused (EnvelopeTamperedError) by the first key that opens its content key."""
        for info in sorted(self.keystore.keys(enterprise), key=lambda k: not k.active):
            try:
                loaded = self.keystore.load(enterprise, info.key_id)
                return cms_enveloped.decrypt(envelope, loaded.certificate, loaded.key)
            except NotARecipientError:
                continue
        raise NotARecipientError(f"企业 {enterprise} 的密钥都不是接收方", f"no key of {enterprise} is a recipient")

    def sign_qr(self, enterprise: str, payload: str, algorithm: str | None = None) -> SignedQr:
        """签名二维码: the compact JWS text and its QR PNG."""
        loaded, scheme = self._key_and_scheme(enterprise, algorithm)
        text = qr.sign(loaded.key, scheme, enterprise, loaded.key_id, payload, self._now())
        return SignedQr(text, qr.image(text), loaded.key_id)

    def verify_qr(self, text: str) -> qr.QrVerification:
        """A QR code carries no certificate: only the key store's keys (not revoked, valid when it was signed)
        vouch for one; without a key id in the code, each such key of the enterprise is tried."""
        return qr.verify(text, self._qr_keys)

    def _qr_keys(self, enterprise: str, key_id: str | None, signed_at: datetime | None
                 ) -> tuple[list[tuple[str, Certificate]], str]:  # fmt: skip
        if key_id:
            self.keystore.certificate(enterprise, _store_id(key_id))  # UnknownKeyError names what is missing
        else:
            self._known(enterprise)
        found, why = self.store_trust.usable(enterprise, key_id and _store_id(key_id), signed_at)
        return [(key.key_id, key.certificate) for key in found], why

    def seal_pdf(self, enterprise: str, pdf: bytes, placement: Placement | None = None,
                 image: bytes | None = None, reason: str = "", algorithm: str | None = None) -> bytes:  # fmt: skip
        """电子签章: a PDF signature with a visible seal image: PAdES for RSA keys (PDF readers verify it), SM2-SM3
        for SM2 keys (verified by ``verify_pdf``; common PDF readers cannot, see ``seal_notice``)."""
        loaded, scheme = self._key_and_scheme(enterprise, algorithm)
        placement = placement or Placement()
        return pdf_seal.seal(loaded.key, loaded.certificate, pdf, scheme, placement=placement, image=image,
                             label=enterprise, reason=reason)  # fmt: skip

    def verify_pdf(self, pdf: bytes) -> Verification:
        """Every seal of the PDF must hold and be by a trusted certificate at its signing time."""
        return pdf_seal.verify(pdf, self.trust)

    def seal_notice(self, enterprise: str, algorithm: str | None = None) -> tuple[str, str] | None:
        """(zh, en) warning for seals that PDF readers cannot validate (SM2), None for RSA seals."""
        _, scheme = self._key_and_scheme(enterprise, algorithm)
        return pdf_seal.SM2_NOTICE if scheme.key_type == "SM2" else None

    def health(self) -> str | None:
        """None when the key store can be used, else why not (a few stats: cheap for every health probe)."""
        return self.keystore.health()

    def key_info(self, enterprise: str) -> list[KeyInfo]:
        return self.keystore.keys(enterprise)

    def expiring(self, within_days: int = 30) -> list[KeyInfo]:
        """证书到期提醒: active certificates ending within ``within_days`` (the consoles show these)."""
        return self.keystore.expiring(within_days, self._now())

    def _key_and_scheme(self, enterprise: str, algorithm: str | None) -> tuple[LoadedKey, keys.Scheme]:
        loaded = self.signing_key(enterprise)
        return loaded, keys.scheme(algorithm, loaded.key.key_type)


def service_from_env(env: Mapping[str, str] | None = None) -> SigningService:
    """The service over ``$CBEC_KEYSTORE_DIR`` (default ``<data>/keystore``), opened with
    ``$CBEC_KEYSTORE_PASSPHRASE``; SigningSetupError without a passphrase or with a wrong one (checked against the
    store's check value now, so a service never starts healthy and then refuses every signature)."""
    env = os.environ if env is None else env
    passphrase = env.get("CBEC_KEYSTORE_PASSPHRASE", "")
    if not passphrase:
        raise SigningSetupError("未设置 CBEC_KEYSTORE_PASSPHRASE，无法打开密钥库 / "
                                "CBEC_KEYSTORE_PASSPHRASE is not set: the key store cannot be opened")
    native.available()  # build or load the batch library now rather than during the first batch request
    return SigningService(open_keystore(keystore_dir(env), passphrase.encode()), trust_list=trust_list_from_env(env))


def open_keystore(root: Path, passphrase: bytes) -> KeyStore:
    """The key store at ``root``; SigningSetupError (zh / en) when the passphrase is wrong or the folder cannot be
    used."""
    try:
        return KeyStore(root, passphrase)
    except WrongPassphraseError as error:
        raise SigningSetupError(f"{error.zh}（CBEC_KEYSTORE_PASSPHRASE） / {error.en} "
                                "(CBEC_KEYSTORE_PASSPHRASE)") from error
    except (OSError, SigningError) as error:
        raise SigningSetupError(f"密钥库无法打开 {root} / the key store {root} cannot be opened: {error}") from error


def trust_list_from_env(env: Mapping[str, str]) -> TrustList | None:
    """The trust list of ``$CBEC_SIGNER_TRUST_DIR`` (CA certificates and their CRLs), revocation checked as
    ``$CBEC_SIGNER_TRUST_REVOCATION`` says (soft-fail by default, hard-fail, require); None when not set."""
    folder = env.get("CBEC_SIGNER_TRUST_DIR", "")
    if not folder:
        return None
    mode = env.get("CBEC_SIGNER_TRUST_REVOCATION") or "soft-fail"
    if mode not in REVOCATION_MODES:
        raise SigningSetupError(f"CBEC_SIGNER_TRUST_REVOCATION={mode} 无效 / is not one of "
                                f"{', '.join(REVOCATION_MODES)}")
    if not Path(folder).is_dir():
        raise SigningSetupError(f"CBEC_SIGNER_TRUST_DIR {folder} 不是目录 / is not a folder")
    return TrustList([folder], mode)


def _store_id(key_id: str) -> str:
    """The key store's id for a key id given as the key store writes it or as a KeyName (``01691fe9``)."""
    stripped = key_id.strip().lower().lstrip("0")
    return stripped or "0"


def keystore_dir(env: Mapping[str, str]) -> Path:
    data = Path(env.get("CBEC_DATA_DIR") or "./cbec-data")
    return Path(env.get("CBEC_KEYSTORE_DIR") or data / "keystore").resolve()


def _certificate(pem: bytes) -> Certificate:
    try:
        return load_certificate(pem)
    except SignatureError as error:
        raise InvalidInputError("证书无法读取", f"the certificate cannot be read: {error}") from error
