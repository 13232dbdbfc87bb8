"""CMS / PKCS#7 SignedData (RFC 5652), attached or detached, RSA (PKCS#1 v1.5, PSS) or SM2 with SM3.

Built and read with asn1crypto so that one code path serves file keys, PKCS#11 tokens and SM2. Signed
attributes carry contentType, signingTime and messageDigest; the signer is named by issuer and serial and
its certificate is embedded. SM2 uses the GM/T 0010 OIDs (SM3 1.2.156.10197.1.401, SM2-with-SM3
1.2.156.10197.1.501) and DER-encoded (r, s). Verification proves integrity and names the signer's
certificate (the one the SignerInfo's sid names); whether that certificate is trusted at the signingTime it states
is ``trust``'s decision (adapters/signing/trust.py). Every SignerInfo must hold and be trusted.
"""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime

from asn1crypto import algos, cms
from asn1crypto import x509 as asn1_x509

from . import keys, xmldsig
from .certificate import Certificate, parse_certificate
from .errors import InvalidInputError
from .trust import Trust
from .verify import Reason, Verification, judged

SM3_OID = "1.2.156.10197.1.401"
SM2_WITH_SM3_OID = "1.2.156.10197.1.501"
SM2_OIDS = {SM2_WITH_SM3_OID, "1.2.156.10197.1.301.1", "1.2.156.10197.1.301"}
_DIGESTS = {"sha256": "sha256", "sha384": "sha384", "sha512": "sha512", SM3_OID: "sm3"}
_RSA_SIGNATURES = {"rsassa_pkcs1v15", "sha256_rsa", "sha384_rsa", "sha512_rsa"}


@dataclass(frozen=True)
class CmsVerification(Verification):
    """A Verification that also hands back the signed content (attached signatures)."""

    content: bytes | None = None


def sign(key: keys.PrivateKey, certificate: Certificate, data: bytes, scheme: keys.Scheme,
         detached: bool = False, now: datetime | None = None) -> bytes:  # fmt: skip
    """A DER ContentInfo holding SignedData over ``data``; without eContent when ``detached``."""
    return _sign(key, certificate, _hash(scheme.hash_name, data), scheme, None if detached else data, now)


def sign_digest(key: keys.PrivateKey, certificate: Certificate, digest: bytes, scheme: keys.Scheme,
                now: datetime | None = None) -> bytes:  # fmt: skip
    """A detached SignedData for content the caller hashed with the scheme's hash (a PDF's byte ranges, say)."""
    return _sign(key, certificate, digest, scheme, None, now)


def _sign(key: keys.PrivateKey, certificate: Certificate, digest: bytes, scheme: keys.Scheme, data: bytes | None,
          now: datetime | None) -> bytes:  # fmt: skip
    digest_oid = SM3_OID if scheme.hash_name == "sm3" else scheme.hash_name
    attributes = cms.CMSAttributes([
        {"type": "content_type", "values": ["data"]},
        {"type": "signing_time", "values": [cms.Time({"utc_time": now or datetime.now(UTC)})]},
        {"type": "message_digest", "values": [digest]},
    ])  # fmt: skip
    signature = key.sign(attributes.dump(), scheme)
    if scheme.key_type == "SM2":
        signature = keys.sm2_der(signature)
    cert = asn1_x509.Certificate.load(certificate.der)
    signer = cms.SignerInfo({
        "version": "v1",
        "sid": cms.SignerIdentifier({"issuer_and_serial_number": cms.IssuerAndSerialNumber(
            {"issuer": cert.issuer, "serial_number": cert.serial_number})}),
        "digest_algorithm": {"algorithm": digest_oid},
        "signed_attrs": attributes,
        "signature_algorithm": _signature_algorithm(scheme),
        "signature": signature,
    })  # fmt: skip
    content = {"content_type": "data", "content": data}
    signed = cms.SignedData({
        "version": "v1", "digest_algorithms": [{"algorithm": digest_oid}], "encap_content_info": content,
        "certificates": [cert], "signer_infos": [signer],
    })  # fmt: skip
    return cms.ContentInfo({"content_type": "signed_data", "content": signed}).dump()


def verify(signature: bytes, data: bytes | None = None, trust: Trust | None = None) -> CmsVerification:
    """Check every SignerInfo; ``data`` is required for a detached signature and ignored otherwise. The answer is the
    first SignerInfo's, or the first that fails."""
    try:
        signed = _signed_data(signature)
        content = _content(signed, data)
        signers = [_check_signer(signed, info, content) for info in signed["signer_infos"]]
    except _Failed as failed:
        failure = CmsVerification(False, failed.reason, failed.algorithm, failed.key_name, failed.detail)
        return judged(failure, failed.certificate, trust)
    if not signers:
        return CmsVerification(False, Reason.MISSING_SIGNATURE, None, None, "SignedData has no SignerInfo")
    attached = signed["encap_content_info"]["content"].native is not None
    kept = content if attached else None
    results = [judged(CmsVerification(True, Reason.OK, signer.algorithm, signer.key_name, content=kept),
                      signer.certificate, trust, signer.signed_at) for signer in signers]  # fmt: skip
    return next((result for result in results if not result.ok), results[0])


@dataclass(frozen=True)
class _Signer:
    algorithm: str
    key_name: str
    certificate: bytes
    signed_at: datetime | None


class _Failed(Exception):
    def __init__(self, reason: Reason, detail: str, algorithm: str | None = None, key_name: str | None = None,
                 certificate: bytes | None = None):  # fmt: skip
        super().__init__(detail)
        self.reason, self.detail, self.algorithm, self.key_name = reason, detail, algorithm, key_name
        self.certificate = certificate


def _signed_data(signature: bytes) -> cms.SignedData:
    try:
        info = cms.ContentInfo.load(signature, strict=True)
        if info["content_type"].native != "signed_data":
            raise _Failed(Reason.MALFORMED_SIGNATURE, f"not SignedData but {info['content_type'].native}")
        signed = info["content"]
        signed.native  # noqa: B018 - parse everything now, so that garbage fails here and not halfway
        return signed
    except (ValueError, TypeError, KeyError) as error:
        raise _Failed(Reason.DOCUMENT_UNREADABLE, f"not a DER CMS structure: {error}") from error


def _content(signed: cms.SignedData, data: bytes | None) -> bytes:
    embedded = signed["encap_content_info"]["content"].native
    if embedded is not None:
        return embedded
    if data is None:
        raise _Failed(Reason.MALFORMED_SIGNATURE, "detached signature: the signed data must be supplied")
    return data


def _check_signer(signed: cms.SignedData, info: cms.SignerInfo, content: bytes) -> _Signer:
    certificate = _certificate(signed, info)
    try:
        return _check_value(info, certificate, content)
    except _Failed as failed:
        failed.certificate = certificate.der
        raise


def _check_value(info: cms.SignerInfo, certificate: Certificate, content: bytes) -> _Signer:
    key_name = certificate.key_name
    scheme = _scheme(info, key_name)
    expected = _hash(scheme.hash_name, content)
    attributes = info["signed_attrs"]
    if attributes.native is None:
        signed_bytes = content
    else:
        digests = [a["values"][0].native for a in attributes if a["type"].native == "message_digest"]
        if len(digests) != 1 or not hmac.compare_digest(digests[0], expected):
            detail = "the content was altered (messageDigest differs)"
            raise _Failed(Reason.DIGEST_MISMATCH, detail, scheme.name, key_name)
        signed_bytes = attributes.untag().dump()  # signed as an explicit SET OF, as received
    value = info["signature"].native
    if scheme.key_type == "SM2":
        value = keys.sm2_raw(value)
    if not keys.verify(certificate, scheme, signed_bytes, value):
        raise _Failed(Reason.SIGNATURE_INVALID, "the signature does not match", scheme.name, key_name)
    return _Signer(scheme.name, key_name, certificate.der, _signing_time(attributes))


def _signing_time(attributes: cms.CMSAttributes) -> datetime | None:
    """The signingTime the signer stated (None without signed attributes or the attribute)."""
    if attributes.native is None:
        return None
    times = [a["values"][0].native for a in attributes if a["type"].native == "signing_time"]
    return times[0] if len(times) == 1 and isinstance(times[0], datetime) else None


def _certificate(signed: cms.SignedData, info: cms.SignerInfo) -> Certificate:
    sid = info["sid"]
    for choice in signed["certificates"] or []:
        cert = choice.chosen
        if not isinstance(cert, asn1_x509.Certificate):
            continue
        if sid.name == "issuer_and_serial_number":
            match = cert.serial_number == sid.chosen["serial_number"].native and cert.issuer == sid.chosen["issuer"]
        else:
            match = cert.key_identifier == sid.chosen.native
        if match:
            return parse_certificate(cert.dump())
    raise _Failed(Reason.CERTIFICATE_UNREADABLE, "the signer's certificate is not in the SignedData")


def _scheme(info: cms.SignerInfo, key_name: str) -> keys.Scheme:
    digest = _DIGESTS.get(info["digest_algorithm"]["algorithm"].native)
    algorithm = info["signature_algorithm"]["algorithm"].native
    if digest is None:
        detail = f"digest {info['digest_algorithm']['algorithm'].native}"
        raise _Failed(Reason.UNKNOWN_ALGORITHM, detail, None, key_name)
    if algorithm in SM2_OIDS and digest == "sm3":
        return keys.SM2_SM3
    if algorithm in _RSA_SIGNATURES and digest != "sm3":
        return keys.Scheme(f"RSA-{digest.upper()}", "RSA", digest)
    if algorithm == "rsassa_pss" and digest != "sm3":
        return keys.Scheme(f"RSA-PSS-{digest.upper()}", "RSA", digest, pss=True)
    raise _Failed(Reason.UNKNOWN_ALGORITHM, f"signature algorithm {algorithm} with {digest}", None, key_name)


def _signature_algorithm(scheme: keys.Scheme) -> dict:
    if scheme.key_type == "SM2":
        return {"algorithm": SM2_WITH_SM3_OID}
    if not scheme.pss:
        return {"algorithm": "rsassa_pkcs1v15"}
    hash_algorithm = {"algorithm": scheme.hash_name}
    parameters = algos.RSASSAPSSParams({
        "hash_algorithm": hash_algorithm, "mask_gen_algorithm": {"algorithm": "mgf1", "parameters": hash_algorithm},
        "salt_length": hashlib.new(scheme.hash_name).digest_size,
    })  # fmt: skip
    return {"algorithm": "rsassa_pss", "parameters": parameters}


def _hash(hash_name: str, data: bytes) -> bytes:
    if hash_name not in ("sha256", "sha384", "sha512", "sm3"):
        raise InvalidInputError(f"不支持的摘要 {hash_name}", f"unsupported digest {hash_name}")
    return xmldsig.hash_bytes(hash_name, data)

