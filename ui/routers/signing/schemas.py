"""Request and response bodies of the signing service API (ui/routers/signing/api.py). Binary values are Base64
strings."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

Enterprise = Field(description="企业海关编码 the enterprise whose key signs, e.g. 3301960001")
Algorithm = Field(None, description="RSA-SHA256 (default for RSA keys), RSA-PSS-SHA256, SM2-SM3 (default for SM2)")


class Problem(BaseModel):
    code: str = Field(description="stable error code: unknown-key, wrong-passphrase, certificate-expired, "
                                  "certificate-not-yet-valid, unsupported-algorithm, invalid-input, not-a-recipient, "
                                  "envelope-tampered")
    message_zh: str
    message_en: str


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
    xml: str = Field(description="the unsigned CEB message")


class XmlOut(BaseModel):
    xml: str


class XmlIn(BaseModel):
    xml: str


class DsigSignIn(BaseModel):
    enterprise: str = Enterprise
    xml: str = Field(description="the document; the enveloped ds:Signature is appended to its root")
    algorithm: str | None = Algorithm


class DsigDetachedIn(BaseModel):
    enterprise: str = Enterprise
    content: str = Field(description="Base64 of the signed resource")
    uri: str = Field(description="where verifiers find the resource (ds:Reference URI)")
    algorithm: str | None = Algorithm


class DsigVerifyIn(BaseModel):
    xml: str
    content: str | None = Field(None, description="Base64 of the referenced resource (detached signatures)")


class CmsSignIn(BaseModel):
    enterprise: str = Enterprise
    data: str = Field(description="Base64 of the content")
    detached: bool = False
    algorithm: str | None = Algorithm


class CmsOut(BaseModel):
    cms: str = Field(description="Base64 DER ContentInfo; the signer's certificate is inside")


class CmsVerifyIn(BaseModel):
    cms: str
    data: str | None = Field(None, description="Base64 of the content (detached signatures)")


class CmsVerificationOut(VerificationOut):
    content: str | None = Field(None, description="Base64 of the signed content (attached signatures)")


class RawSignIn(BaseModel):
    enterprise: str = Enterprise
    data: str | None = Field(None, description="Base64 of one item")
    items: list[str] | None = Field(None, max_length=1000, description="Base64 of several items (batch)")
    algorithm: str | None = Algorithm


class RawOut(BaseModel):
    key_id: str
    algorithm: str
    signature: str | None = Field(None, description="Base64; SM2 as DER SEQUENCE{r, s}")
    signatures: list[str] | None = None


class RawVerifyIn(BaseModel):
    enterprise: str = Enterprise
    key_id: str | None = Field(None, description="default: the active key")
    data: str | None = Field(None, description="Base64 of one item")
    signature: str | None = Field(None, description="Base64 of its signature")
    items: list[str] | None = Field(None, max_length=1000, description="Base64 of several items (batch)")
    signatures: list[str] | None = Field(None, max_length=1000, description="Base64 of their signatures, in order")
    algorithm: str | None = Algorithm


class RawVerificationOut(VerificationOut):
    results: list[bool] | None = Field(None, description="batch: one flag per item, in order; ok = all of them")


class EncryptIn(BaseModel):
    data: str
    recipients: list[str] = Field(default_factory=list, description="enterprise codes (their active keys, RSA or SM2)")
    certificates: list[str] = Field(default_factory=list, description="PEM certificates of other recipients")
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
    envelope: str


class DataOut(BaseModel):
    data: str


class QrSignIn(BaseModel):
    enterprise: str = Enterprise
    payload: str
    algorithm: str | None = Algorithm


class QrOut(BaseModel):
    text: str = Field(description="what the QR code holds: a compact JWS")
    png: str = Field(description="Base64 PNG")
    key_id: str


class QrVerifyIn(BaseModel):
    text: str = Field(description="the scanned string")


class QrVerificationOut(VerificationOut):
    payload: str | None = None


class PdfSealIn(BaseModel):
    enterprise: str = Enterprise
    pdf: str
    page: int = Field(-1, description="page index, 0 the first, -1 the last")
    box: tuple[int, int, int, int] = Field((400, 60, 520, 180), description="x1, y1, x2, y2 in PDF points")
    image: str | None = Field(None, description="Base64 PNG of the seal; default a generated red round seal")
    reason: str = ""
    algorithm: str | None = Algorithm


class PdfOut(BaseModel):
    pdf: str
    notice_zh: str | None = Field(None, description="SM2 seals: common PDF readers cannot validate them")
    notice_en: str | None = None


class PdfVerifyIn(BaseModel):
    pdf: str


class KeyOut(BaseModel):
    enterprise: str
    key_id: str
    key_type: str
    kind: str
    subject: str
    not_before: datetime
    not_after: datetime
    active: bool
