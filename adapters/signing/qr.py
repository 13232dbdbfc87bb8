"""Signed QR codes (签名二维码): a payload and its signature in one scannable string, drawn as a PNG.

The string is a JWS in compact form (RFC 7515): ``base64url(header).base64url(payload).base64url(signature)``
with header ``{"alg", "kid", "typ": "cbec-qr"}``. ``alg`` is RS256 or PS256 (any JOSE library verifies
those) or SM2SM3 (SM2 with SM3 and the default ID, signature r||s). ``kid`` is ``<enterprise>/<key id>`` so
the verifier finds the certificate in the key store, also after the key was rotated.
"""

import base64
import binascii
import io
import json
from collections.abc import Callable
from dataclasses import dataclass

from . import keys
from .certificate import Certificate
from .errors import InvalidInputError, SigningError
from .verify import Reason, Verification

ALGORITHMS = {"RS256": keys.RSA_SHA256, "PS256": keys.RSA_PSS_SHA256, "SM2SM3": keys.SM2_SM3}
_NAMES = {scheme.name: alg for alg, scheme in ALGORITHMS.items()}
CertificateLookup = Callable[[str, str], Certificate]


@dataclass(frozen=True)
class QrVerification(Verification):
    """A Verification with the payload and the signing enterprise (meaningful only when ``ok``)."""

    payload: str | None = None
    enterprise: str | None = None


def sign(key: keys.PrivateKey, scheme: keys.Scheme, enterprise: str, key_id: str, payload: str) -> str:
    """The compact JWS text that goes into the QR code."""
    header = {"alg": _NAMES[scheme.name], "kid": f"{enterprise}/{key_id}", "typ": "cbec-qr"}
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


def verify(text: str, certificate_for: CertificateLookup) -> QrVerification:
    """Check a scanned string; ``certificate_for(enterprise, key_id)`` finds the signer's certificate."""
    try:
        header, payload, signing_input, signature = _parts(text.strip())
        scheme = ALGORITHMS[header["alg"]]
        enterprise, key_id = header["kid"].split("/", 1)
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeError, binascii.Error) as error:
        return QrVerification(False, Reason.MALFORMED_SIGNATURE, None, None, f"not a signed cbec QR text: {error}")
    try:
        certificate = certificate_for(enterprise, key_id)
    except SigningError as error:
        return QrVerification(False, error.code, scheme.name, key_id, str(error))
    if not keys.verify(certificate, scheme, signing_input, signature):
        return QrVerification(False, Reason.SIGNATURE_INVALID, scheme.name, key_id, "the signature does not match")
    return QrVerification(True, Reason.OK, scheme.name, key_id, payload=payload, enterprise=enterprise)


def _parts(text: str) -> tuple[dict, str, bytes, bytes]:
    encoded_header, encoded_payload, encoded_signature = text.split(".")
    header = json.loads(_decode(encoded_header))
    payload = _decode(encoded_payload).decode("utf-8")
    return header, payload, f"{encoded_header}.{encoded_payload}".encode("ascii"), _decode(encoded_signature)


def _encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
