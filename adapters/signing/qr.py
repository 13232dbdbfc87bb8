"""Signed QR codes (签名二维码): a payload and its signature in one scannable string, drawn as a PNG.

The string is a JWS in compact form (RFC 7515): ``base64url(header).base64url(payload).base64url(signature)``
with header ``{"alg", "kid", "typ": "cbec-qr", "iat"}``. ``alg`` is RS256 or PS256 (any JOSE library verifies
those) or SM2SM3 (SM2 with SM3 and the default ID, signature r||s). ``kid`` is ``<enterprise>/<key id>`` so
the verifier finds the certificate in the key store, also after the key was rotated; a ``kid`` of the enterprise
alone lets the verifier try each of its keys. ``iat`` (seconds since 1970, signed with the rest) is when it was
signed: a code printed on a parcel is scanned long after, and the key must have been valid then, not now.
The certificate is never in the code, so only keys of the key store (not revoked) can vouch for one.
"""

import base64
import binascii
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from . import keys
from .certificate import Certificate
from .errors import InvalidInputError, SigningError
from .verify import Reason, Verification, judged

ALGORITHMS = {"RS256": keys.RSA_SHA256, "PS256": keys.RSA_PSS_SHA256, "SM2SM3": keys.SM2_SM3}
_NAMES = {scheme.name: alg for alg, scheme in ALGORITHMS.items()}
KeyLookup = Callable[[str, str | None, datetime | None], tuple[list[tuple[str, Certificate]], str]]
"""``(enterprise, key id or None, signing time or None) -> ([(key id, certificate)], why none)``: the keys that may
have signed: not revoked, valid at that time; may raise a SigningError (an unknown enterprise or key)."""


@dataclass(frozen=True)
class QrVerification(Verification):
    """A Verification with the payload (meaningful only when ``ok``); ``enterprise`` is the one the code names."""

    payload: str | None = None


def sign(key: keys.PrivateKey, scheme: keys.Scheme, enterprise: str, key_id: str, payload: str,
         issued_at: datetime | None = None) -> str:  # fmt: skip
    """The compact JWS text that goes into the QR code."""
    header: dict[str, str | int] = {"alg": _NAMES[scheme.name], "kid": f"{enterprise}/{key_id}", "typ": "cbec-qr"}
    if issued_at is not None:
        header["iat"] = int(issued_at.timestamp())
    signing_input = _encode(json.dumps(header, separators=(",", ":")).encode()) + "." + _encode(payload.encode())
    return signing_input + "." + _encode(key.sign(signing_input.encode("ascii"), scheme))


def image(text: str, box_size: int = 4) -> bytes:
    """A PNG of the QR code holding ``text`` (error correction level M)."""
    import qrcode
    from qrcode.exceptions import DataOverflowError

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_size, border=4)
    try:
        code.add_data(text.encode("ascii"))
        code.make(fit=True)
    except (DataOverflowError, ValueError) as error:
        raise InvalidInputError("内容过长，二维码放不下", "the payload is too long for a QR code") from error
    buffer = io.BytesIO()
    code.make_image().save(buffer, format="PNG")
    return buffer.getvalue()


def verify(text: str, keys_for: KeyLookup) -> QrVerification:
    """Check a scanned string against the keys ``keys_for`` gives for the enterprise (and key) its ``kid`` names."""
    try:
        header, payload, signing_input, signature = _parts(text.strip())
        scheme = ALGORITHMS[header["alg"]]
        enterprise, _, key_id = header["kid"].partition("/")
        signed_at = _issued_at(header.get("iat"))
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeError, OverflowError, binascii.Error) as error:
        return QrVerification(False, Reason.MALFORMED_SIGNATURE, None, None, f"not a signed cbec QR text: {error}")
    try:
        candidates, why = keys_for(enterprise, key_id or None, signed_at)
    except SigningError as error:
        return QrVerification(False, error.code, scheme.name, key_id or None, str(error), enterprise=enterprise)
    if not candidates:
        return QrVerification(False, Reason.UNTRUSTED_CERTIFICATE, scheme.name, key_id or None, why,
                              enterprise=enterprise)  # fmt: skip
    for found_id, certificate in candidates:
        if keys.verify(certificate, scheme, signing_input, signature):
            result = QrVerification(True, Reason.OK, scheme.name, certificate.key_name, payload=payload,
                                    enterprise=enterprise, key_id=found_id)  # fmt: skip
            return judged(result, certificate.der, None)
    return QrVerification(False, Reason.SIGNATURE_INVALID, scheme.name, key_id or None, "the signature does not match",
                          enterprise=enterprise)  # fmt: skip


def _issued_at(value: object) -> datetime | None:
    """The signed ``iat`` as a time; None when the code has none (codes signed before it was added)."""
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError("iat is not a whole number of seconds")
    return datetime.fromtimestamp(value, UTC)


def _parts(text: str) -> tuple[dict, str, bytes, bytes]:
    encoded_header, encoded_payload, encoded_signature = text.split(".")
    header = json.loads(_decode(encoded_header))
    payload = _decode(encoded_payload).decode("utf-8")
    return header, payload, f"{encoded_header}.{encoded_payload}".encode("ascii"), _decode(encoded_signature)


def _encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
