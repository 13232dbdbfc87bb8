"""Request and response bodies of the signing service API (ui/routers/signing/api.py). Binary values are Base64
strings.

Every bound a caller can hit is written here once, as ``max_length`` / ``max_items`` (so the OpenAPI document says it
too, #17 item 4): a refusal names the field, never echoes the input. The body limit as a whole is the app's
(``CBEC_SIGNER_MAX_BODY_MB``, answered 413 before the body is read).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

Algorithm = Field(None, max_length=40,
                  description="RSA-SHA256 (default for RSA keys), RSA-PSS-SHA256, SM2-SM3 (default for SM2)")

MAX_ITEMS = 1000  # items of one raw batch
MIB = 1024 * 1024


def b64_chars(size: int) -> int:
    """The Base64 length of ``size`` bytes: what a ``max_length`` on a Base64 field must allow."""
    return (size + 2) // 3 * 4


MAX_ITEM = b64_chars(64 * 1024)  # one raw item: a digest or a short text, 64 KiB at most
MAX_DATA = b64_chars(10 * MIB)  # CMS content, envelope content, detached XMLDSig resources
MAX_PDF = b64_chars(10 * MIB)
MAX_XML = 10 * MIB  # characters of an XML document
MAX_IMAGE = b64_chars(2 * MIB)  # a seal image (its pixel bound is adapters/signing/pdf_seal.MAX_SEAL_PIXELS)
MAX_TEXT = 4096  # QR payloads and texts, reasons, URIs
MAX_RECIPIENTS = 100  # envelope recipients (enterprises or certificates)
Item = Annotated[str, Field(max_length=MAX_ITEM)]
Coordinate = Annotated[int, Field(ge=-100_000, le=100_000)]
Pem = Annotated[str, Field(max_length=16 * 1024)]
Enterprise = Field(max_length=32, description="企业海关编码 the enterprise whose key signs, e.g. 3301960001")


class Problem(BaseModel):
    """Every refusal of the service, whatever its status (401, 403, 404, 409, 413, 422, 500): one shape."""

    code: str = Field(description="stable error code: unauthorized, forbidden, key-not-yours, not-found, "
                                  "unknown-key, wrong-passphrase, certificate-expired, certificate-not-yet-valid, "
                                  "unsupported-algorithm, invalid-input, too-large, not-a-recipient, "
                                  "envelope-tampered, body-too-large, internal-error")
    message_zh: str = Field(description="中文说明")
    message_en: str = Field(description="the same in English")
    field: str | None = Field(None, description="the request field refused (a path such as items.3), or null; "
                                                "the refused value itself is never repeated")


class VerificationOut(BaseModel):
    ok: bool
    reason: str = Field(description="ok, or the first failed check (digest-mismatch, signature-invalid ...)")
    algorithm: str | None = None
    key_id: str | None = Field(None, description="the key store's key that signed (null when the signer is trusted "
                                                 "through the trust list only, or not trusted)")
    detail: str = ""
    enterprise: str | None = Field(None, description="the enterprise whose key signed, as the key store knows it")
    subject: str | None = Field(None, description="the signer certificate's subject (RFC 4514)")
    serial: str | None = Field(None, description="the signer certificate's serial in hex (as ds:KeyName writes it)")
    issuer: str | None = Field(None, description="the signer certificate's issuer (RFC 4514)")


class CustomsSignIn(BaseModel):
    enterprise: str = Enterprise
    xml: str = Field(max_length=MAX_XML, description="the unsigned CEB message")


class XmlOut(BaseModel):
    xml: str


class XmlIn(BaseModel):
    xml: str = Field(max_length=MAX_XML)


class DsigSignIn(BaseModel):
    enterprise: str = Enterprise
    xml: str = Field(max_length=MAX_XML, description="the document; the enveloped ds:Signature is appended to its "
                                                     "root; a DOCTYPE is refused")
    algorithm: str | None = Algorithm


class DsigDetachedIn(BaseModel):
    enterprise: str = Enterprise
    content: str = Field(max_length=MAX_DATA, description="Base64 of the signed resource")
    uri: str = Field(max_length=MAX_TEXT, description="where verifiers find the resource (ds:Reference URI)")
    algorithm: str | None = Algorithm


class DsigVerifyIn(BaseModel):
    xml: str = Field(max_length=MAX_XML)
    content: str | None = Field(None, max_length=MAX_DATA,
                                description="Base64 of the referenced resource (detached signatures)")


class CmsSignIn(BaseModel):
    enterprise: str = Enterprise
    data: str = Field(max_length=MAX_DATA, description="Base64 of the content")
    detached: bool = False
    algorithm: str | None = Algorithm


class CmsOut(BaseModel):
    cms: str = Field(description="Base64 DER ContentInfo; the signer's certificate is inside")


class CmsVerifyIn(BaseModel):
    cms: str = Field(max_length=MAX_DATA)
    data: str | None = Field(None, max_length=MAX_DATA, description="Base64 of the content (detached signatures)")


class CmsVerificationOut(VerificationOut):
    content: str | None = Field(None, description="Base64 of the signed content (attached signatures)")


class RawSignIn(BaseModel):
    enterprise: str = Enterprise
    data: str | None = Field(None, max_length=MAX_ITEM, description="Base64 of one item")
    items: list[Item] | None = Field(None, max_length=MAX_ITEMS, description="Base64 of several items (batch)")
    algorithm: str | None = Algorithm


class RawOut(BaseModel):
    key_id: str
    algorithm: str
    signature: str | None = Field(None, description="Base64; SM2 as DER SEQUENCE{r, s}")
    signatures: list[str] | None = None


class RawVerifyIn(BaseModel):
    enterprise: str = Enterprise
    key_id: str | None = Field(None, max_length=128, description="default: the active key")
    data: str | None = Field(None, max_length=MAX_ITEM, description="Base64 of one item")
    signature: str | None = Field(None, max_length=MAX_TEXT, description="Base64 of its signature")
    items: list[Item] | None = Field(None, max_length=MAX_ITEMS, description="Base64 of several items (batch)")
    signatures: list[Annotated[str, Field(max_length=MAX_TEXT)]] | None = Field(
        None, max_length=MAX_ITEMS, description="Base64 of their signatures, in order")
    algorithm: str | None = Algorithm


class RawVerificationOut(VerificationOut):
    results: list[bool] | None = Field(None, description="batch: one flag per item, in order; ok = all of them")


class EncryptIn(BaseModel):
    data: str = Field(max_length=MAX_DATA)
    recipients: list[Annotated[str, Field(max_length=32)]] = Field(
        default_factory=list, max_length=MAX_RECIPIENTS, description="enterprise codes (their active keys, RSA or SM2)")
    certificates: list[Pem] = Field(default_factory=list, max_length=MAX_RECIPIENTS,
                                    description="PEM certificates of other recipients")
    cipher: str | None = Field(None, max_length=40, description=(
        "AES-256-GCM, AES-128-GCM or SM4-GCM (authenticated: AuthEnvelopedData, RFC 5083/5084; a changed envelope "
        "is refused); AES-256-CBC, AES-128-CBC or SM4-CBC only for legacy peers: CBC carries no integrity, a changed "
        "envelope may open to garbled content. Default: AES-256-GCM; profile gm: SM4-GCM"))
    oaep: bool = Field(False, description="RSA recipients: RSAES-OAEP-SHA256 key transport instead of PKCS#1 v1.5 "
                                          "(SM2 recipients always get the key SM2-encrypted)")
    profile: str = Field("cms", description="cms: RFC 5652 content types; gm: GB/T 35275 (1.2.156.10197.6.1.4.2.3)")


class EnvelopeOut(BaseModel):
    envelope: str = Field(description="Base64 DER ContentInfo (AuthEnvelopedData for GCM, EnvelopedData for CBC)")


class DecryptIn(BaseModel):
    enterprise: str = Enterprise
    envelope: str = Field(max_length=MAX_DATA)


class DataOut(BaseModel):
    data: str


class QrSignIn(BaseModel):
    enterprise: str = Enterprise
    payload: str = Field(max_length=MAX_TEXT)
    algorithm: str | None = Algorithm


class QrOut(BaseModel):
    text: str = Field(description="what the QR code holds: a compact JWS")
    png: str = Field(description="Base64 PNG")
    key_id: str


class QrVerifyIn(BaseModel):
    text: str = Field(max_length=2 * MAX_TEXT, description="the scanned string")


class QrVerificationOut(VerificationOut):
    payload: str | None = None


class PdfSealIn(BaseModel):
    enterprise: str = Enterprise
    pdf: str = Field(max_length=MAX_PDF, description="Base64 of the PDF (10 MiB, 2,000 pages at most); a PDF "
                                                     "sealed before gets one more seal (多次签章)")
    page: int = Field(-1, ge=-100_000, le=100_000, description="page index, 0 the first, -1 the last")
    box: tuple[Coordinate, Coordinate, Coordinate, Coordinate] = Field(
        (400, 60, 520, 180), description="x1, y1, x2, y2 in PDF points")
    image: str | None = Field(None, max_length=MAX_IMAGE, description="Base64 of the seal image (PNG, JPEG ...; at "
                                                                      "most 4 million pixels); default a generated red "
                                                                      "round seal")
    reason: str = Field("", max_length=MAX_TEXT)
    algorithm: str | None = Algorithm


class PdfOut(BaseModel):
    pdf: str
    notice_zh: str | None = Field(None, description="SM2 seals: common PDF readers cannot validate them")
    notice_en: str | None = None


class PdfVerifyIn(BaseModel):
    pdf: str = Field(max_length=MAX_PDF)


class KeyOut(BaseModel):
    enterprise: str
    key_id: str
    key_type: str
    kind: str
    subject: str
    not_before: datetime
    not_after: datetime
    active: bool
