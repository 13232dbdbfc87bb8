"""Checking the customs enveloped signature (验签) of a CEB message.

The check proves the document is unaltered and signed by the key of the embedded certificate. Whether that
certificate is the enterprise's is ``trust``'s decision (adapters/signing/trust.py): without one, a result says
only "intact and self-consistent", which a forged certificate with the enterprise's serial also is (#17 item 1).
"""

import base64
import binascii
import copy
import hmac
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from lxml import etree

from . import rsa, sm2, xmldsig
from .certificate import Certificate, parse_certificate
from .errors import SignatureError
from .signer import parse
from .trust import Trust, signer_name
from .xmldsig import ds

_BETWEEN_TAGS = re.compile(rb">\s+<")


class Reason(StrEnum):
    OK = "ok"
    DOCUMENT_UNREADABLE = "document-unreadable"
    MISSING_SIGNATURE = "missing-signature"
    MALFORMED_SIGNATURE = "malformed-signature"
    UNKNOWN_ALGORITHM = "unknown-algorithm"
    CERTIFICATE_UNREADABLE = "certificate-unreadable"
    DIGEST_MISMATCH = "digest-mismatch"
    SIGNATURE_INVALID = "signature-invalid"
    KEY_NAME_MISMATCH = "key-name-mismatch"
    UNTRUSTED_CERTIFICATE = "untrusted-certificate"


@dataclass(frozen=True)
class Verification:
    """Outcome of a check. ``reason`` is a Reason value naming the first check that failed (or "ok");
    ``detail`` says more for people. DIGEST_MISMATCH means the document was altered after signing;
    UNTRUSTED_CERTIFICATE that it is intact but its certificate is none the verifier trusts.

    ``subject``, ``serial`` and ``issuer`` name the signer's certificate (for callers' own policies);
    ``enterprise`` and ``key_id`` the key store's key it is, when the key store vouched for it."""

    ok: bool
    reason: str
    algorithm: str | None
    key_name: str | None
    detail: str = ""
    subject: str | None = None
    serial: str | None = None
    issuer: str | None = None
    enterprise: str | None = None
    key_id: str | None = None
    certificate: bytes | None = field(default=None, repr=False)

    def __bool__(self) -> bool:
        return self.ok


def judged(result: Verification, certificate: bytes | None, trust: Trust | None,
           signed_at: datetime | None = None) -> Verification:  # fmt: skip
    """``result`` naming the signer of ``certificate`` and, when it holds and ``trust`` is given, refused unless
    ``trust`` vouches for that certificate at ``signed_at`` (the format's signing time; None: now)."""
    if certificate is None:
        return result
    name = signer_name(certificate)
    result = replace(result, subject=name.subject, serial=name.serial, issuer=name.issuer, certificate=certificate)
    if trust is None or not result.ok:
        return result
    decision = trust.decide(certificate, signed_at)
    result = replace(result, enterprise=decision.enterprise, key_id=decision.key_id)
    if decision.trusted:
        return result
    return replace(result, ok=False, reason=Reason.UNTRUSTED_CERTIFICATE, detail=decision.detail)


class _Failed(Exception):
    def __init__(self, reason: Reason, detail: str) -> None:
        super().__init__(detail)
        self.reason, self.detail = reason, detail


@dataclass
class _Parts:
    signature: etree._Element
    signed_info: etree._Element
    method: xmldsig.SignatureMethod | None = None
    key_name: str | None = None
    certificate: Certificate | None = None


def verify_bytes(xml: bytes, *, sm2_backend: str | None = None, trust: Trust | None = None) -> Verification:
    try:
        root = parse(xml)
    except SignatureError as exc:
        return Verification(False, Reason.DOCUMENT_UNREADABLE, None, None, str(exc))
    return verify_tree(root, sm2_backend=sm2_backend, trust=trust)


def verify_tree(root: etree._Element, *, sm2_backend: str | None = None, trust: Trust | None = None) -> Verification:
    """Verify the ds:Signature child of ``root`` (the document element); ``root`` is not modified. The customs
    signature states no signing time, so ``trust`` judges the certificate as of now."""
    signature = root.find(xmldsig.SIGNATURE_TAG)
    if signature is None:
        return Verification(False, Reason.MISSING_SIGNATURE, None, None, "no ds:Signature under the root")
    parts = _Parts(signature, signature.find(ds("SignedInfo")))
    try:
        _check(root, parts, sm2_backend)
    except _Failed as failed:
        name = parts.method.name if parts.method else None
        result = Verification(False, failed.reason, name, parts.key_name, failed.detail)
    else:
        result = Verification(True, Reason.OK, parts.method.name, parts.key_name)
    return judged(result, parts.certificate and parts.certificate.der, trust)


def _check(root: etree._Element, parts: _Parts, sm2_backend: str | None) -> None:
    if parts.signed_info is None:
        raise _Failed(Reason.MALFORMED_SIGNATURE, "ds:SignedInfo is missing")
    parts.key_name = _text(parts.signature, "KeyInfo/KeyName", required=False)
    parts.method = _signature_method(parts.signed_info)
    hash_name = _digest_method(parts.signed_info)
    certificate = parts.certificate = _certificate(parts.signature)
    _check_digest(root, parts.signature, hash_name, _decoded(parts.signed_info, "Reference/DigestValue"))
    _check_value(parts, certificate, sm2_backend)
    _check_key_name(parts.key_name, certificate)


def _check_key_name(key_name: str | None, certificate: Certificate) -> None:
    if key_name is None:
        raise _Failed(Reason.KEY_NAME_MISMATCH, "ds:KeyName is missing; customs requires the cert serial")
    if not certificate.matches_key_name(key_name):
        detail = f"KeyName {key_name} is not the certificate serial {certificate.key_name}"
        raise _Failed(Reason.KEY_NAME_MISMATCH, detail)


def _signature_method(signed_info: etree._Element) -> xmldsig.SignatureMethod:
    canonicalization = _algorithm(signed_info, "CanonicalizationMethod")
    if canonicalization not in (xmldsig.C14N, xmldsig.C14N_WITH_COMMENTS):
        raise _Failed(Reason.UNKNOWN_ALGORITHM, f"CanonicalizationMethod {canonicalization}")
    uri = _algorithm(signed_info, "SignatureMethod")
    if uri not in xmldsig.SIGNATURE_METHODS:
        raise _Failed(Reason.UNKNOWN_ALGORITHM, f"SignatureMethod {uri}")
    return xmldsig.SIGNATURE_METHODS[uri]


def _digest_method(signed_info: etree._Element) -> str:
    references = signed_info.findall(ds("Reference"))
    if len(references) != 1 or references[0].get("URI") != "":
        raise _Failed(Reason.MALFORMED_SIGNATURE, 'expected exactly one ds:Reference with URI=""')
    transforms = [t.get("Algorithm") for t in references[0].iterfind(ds("Transforms/Transform"))]
    if any(uri not in (xmldsig.ENVELOPED, xmldsig.C14N) for uri in transforms):
        raise _Failed(Reason.UNKNOWN_ALGORITHM, f"Transforms {transforms}")
    uri = _algorithm(signed_info, "Reference/DigestMethod")
    if uri not in xmldsig.DIGEST_METHODS:
        raise _Failed(Reason.UNKNOWN_ALGORITHM, f"DigestMethod {uri}")
    return xmldsig.DIGEST_METHODS[uri]


def _certificate(signature: etree._Element) -> Certificate:
    encoded = _text(signature, "KeyInfo/X509Data/X509Certificate", required=False)
    if encoded is None:
        raise _Failed(Reason.CERTIFICATE_UNREADABLE, "no ds:X509Certificate in ds:KeyInfo")
    try:
        return parse_certificate(base64.b64decode("".join(encoded.split()), validate=True))
    except (binascii.Error, SignatureError) as exc:
        raise _Failed(Reason.CERTIFICATE_UNREADABLE, str(exc)) from exc


def _check_digest(root: etree._Element, signature: etree._Element, hash_name: str, expected: bytes) -> None:
    """Signers differ on the whitespace after ds:Signature (NOTES.md §6.2), so both readings are tried."""
    for unsigned in _unsigned_copies(root, signature):
        actual = xmldsig.hash_bytes(hash_name, xmldsig.canonicalize(unsigned))
        if hmac.compare_digest(actual, expected):
            return
    raise _Failed(Reason.DIGEST_MISMATCH, "the document was altered after signing (DigestValue differs)")


def _unsigned_copies(root: etree._Element, signature: etree._Element) -> Iterator[etree._ElementTree]:
    index = root.index(signature)
    for keep_tail in (False, True) if signature.tail else (False,):
        document = copy.deepcopy(root.getroottree())
        twin = document.getroot()[index]
        if keep_tail:
            _move_tail_to_previous(twin)
        twin.getparent().remove(twin)
        yield document


def _move_tail_to_previous(element: etree._Element) -> None:
    previous, parent = element.getprevious(), element.getparent()
    if previous is not None:
        previous.tail = (previous.tail or "") + element.tail
    else:
        parent.text = (parent.text or "") + element.tail


def _check_value(parts: _Parts, certificate: Certificate, sm2_backend: str | None) -> None:
    method = parts.method
    if certificate.key_type != method.key_type:
        detail = f"SignatureMethod needs an {method.key_type} key, the certificate has {certificate.key_type}"
        raise _Failed(Reason.SIGNATURE_INVALID, detail)
    comments = _algorithm(parts.signed_info, "CanonicalizationMethod") == xmldsig.C14N_WITH_COMMENTS
    signed_bytes = xmldsig.canonicalize(parts.signed_info, with_comments=comments)
    value = _decoded(parts.signature, "SignatureValue", Reason.SIGNATURE_INVALID)
    if _valid(method, certificate, signed_bytes, value, sm2_backend):
        return
    detail = "SignatureValue does not match SignedInfo"
    if _valid(method, certificate, _BETWEEN_TAGS.sub(b"><", signed_bytes), value, sm2_backend):
        detail += " as sent; it matches SignedInfo with the whitespace between tags removed (signer bug)"
    raise _Failed(Reason.SIGNATURE_INVALID, detail)


def _valid(
    method: xmldsig.SignatureMethod,
    certificate: Certificate,
    data: bytes,
    value: bytes,
    sm2_backend: str | None,
) -> bool:
    try:
        if method.key_type == "RSA":
            return rsa.verify(certificate, data, value, method.hash_name)
        return sm2.verify(certificate, data, value, sm2_backend)
    except SignatureError as exc:
        raise _Failed(Reason.CERTIFICATE_UNREADABLE, str(exc)) from exc


def _algorithm(signed_info: etree._Element, path: str) -> str:
    node = signed_info.find(ds(path))
    if node is None or node.get("Algorithm") is None:
        raise _Failed(Reason.MALFORMED_SIGNATURE, f"ds:{path} with an Algorithm is missing")
    return node.get("Algorithm")


def _text(parent: etree._Element, path: str, required: bool = True) -> str | None:
    node = parent.find(ds(path))
    if node is None or node.text is None:
        if required:
            raise _Failed(Reason.MALFORMED_SIGNATURE, f"ds:{path} is missing or empty")
        return None
    return node.text.strip()


def _decoded(parent: etree._Element, path: str, reason: Reason = Reason.MALFORMED_SIGNATURE) -> bytes:
    try:
        return base64.b64decode("".join(_text(parent, path).split()), validate=True)
    except binascii.Error as exc:
        raise _Failed(reason, f"ds:{path} is not Base64") from exc
