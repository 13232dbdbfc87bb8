"""签名服务 HTTP API: ``create_signer_app(service, authorize)``, the JSON face of engine.signing.service.SigningService.

``authorize`` is a FastAPI dependency run before every /v1 call (``cbec signer`` passes a static API key
check until the HMAC API keys of issue #4 exist). Errors are JSON ``{code, message_zh, message_en}``
with a stable code (see ui.routers.signing.schemas.Problem). Calls are plain ``def``: crypto runs in the thread pool.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse

from engine.signing.service import InvalidInputError, Placement, Refusal, SignatureError, SigningService
from ui.routers.signing import schemas as s

STATUS = {"unknown-key": 404, "wrong-passphrase": 403, "certificate-expired": 409, "certificate-not-yet-valid": 409,
          "unsupported-algorithm": 422, "not-a-recipient": 422, "envelope-tampered": 422}  # fmt: skip
_ERRORS = {status: {"model": s.Problem} for status in (400, 403, 404, 409, 422)}


def create_signer_app(service: SigningService, authorize: Callable[..., Any]) -> FastAPI:
    app = FastAPI(title="cbec 签名服务 signing service", version="1.0.0",
                  description="Customs XML signatures, XMLDSig, CMS, raw signatures, digital envelopes, signed QR "
                              "codes and PDF seals with per-enterprise keys (RSA, SM2). Binary values are Base64.")
    app.state.signing = service
    app.add_exception_handler(SignatureError, _problem)

    @app.get("/healthz", include_in_schema=False)
    def health() -> JSONResponse:
        """503 with the reason when the key store cannot be used (unreadable, passphrase changed elsewhere)."""
        problem = service.health()
        if problem:
            return JSONResponse({"status": "unavailable", "reason": problem}, status_code=503)
        return JSONResponse({"status": "ok"})

    app.include_router(_router(service), dependencies=[Depends(authorize)], responses=_ERRORS)
    return app


def _router(service: SigningService) -> APIRouter:
    api = APIRouter(prefix="/v1")

    @api.post("/xml/customs/sign", response_model=s.XmlOut, tags=["xml"])
    def sign_customs(body: s.CustomsSignIn) -> s.XmlOut:
        """海关报文加签 (RSA-SHA1 or SM2-SM3 by the enterprise's key)."""
        return s.XmlOut(xml=service.sign_customs_xml(body.enterprise, body.xml.encode()).decode())

    @api.post("/xml/customs/verify", response_model=s.VerificationOut, tags=["xml"])
    def verify_customs(body: s.XmlIn) -> s.VerificationOut:
        return _verification(service.verify_customs_xml(body.xml.encode()))

    @api.post("/xml/dsig/sign", response_model=s.XmlOut, tags=["xml"])
    def sign_dsig(body: s.DsigSignIn) -> s.XmlOut:
        """Enveloped XMLDSig (exclusive C14N, SHA-256 or SM3)."""
        return s.XmlOut(xml=service.sign_xml(body.enterprise, body.xml.encode(), body.algorithm).decode())

    @api.post("/xml/dsig/sign-detached", response_model=s.XmlOut, tags=["xml"])
    def sign_dsig_detached(body: s.DsigDetachedIn) -> s.XmlOut:
        signed = service.sign_xml_detached(body.enterprise, _bytes(body.content), body.uri, body.algorithm)
        return s.XmlOut(xml=signed.decode())

    @api.post("/xml/dsig/verify", response_model=s.VerificationOut, tags=["xml"])
    def verify_dsig(body: s.DsigVerifyIn) -> s.VerificationOut:
        content = _bytes(body.content) if body.content is not None else None
        return _verification(service.verify_xml(body.xml.encode(), content))

    @api.post("/cms/sign", response_model=s.CmsOut, tags=["cms"])
    def sign_cms(body: s.CmsSignIn) -> s.CmsOut:
        """CMS SignedData, attached or detached."""
        signature = service.sign_cms(body.enterprise, _bytes(body.data), body.detached, body.algorithm)
        return s.CmsOut(cms=_text(signature))

    @api.post("/cms/verify", response_model=s.CmsVerificationOut, tags=["cms"])
    def verify_cms(body: s.CmsVerifyIn) -> s.CmsVerificationOut:
        data = _bytes(body.data) if body.data is not None else None
        result = service.verify_cms(_bytes(body.cms), data)
        content = _text(result.content) if result.content is not None else None
        return s.CmsVerificationOut(**_verification(result).model_dump(), content=content)

    @api.post("/raw/sign", response_model=s.RawOut, response_model_exclude_none=True, tags=["raw"])
    def sign_raw(body: s.RawSignIn) -> s.RawOut:
        """Raw signatures of one item (``data``) or a batch (``items``)."""
        if (body.data is None) == (body.items is None):
            raise InvalidInputError("请给出 data 或 items 之一", "give exactly one of data and items")
        items = [_bytes(body.data)] if body.data is not None else [_bytes(item) for item in body.items]
        signed = service.sign_raw_many(body.enterprise, items, body.algorithm)
        values = [_text(one.signature) for one in signed]
        single = body.data is not None
        return s.RawOut(key_id=signed[0].key_id if signed else "", algorithm=signed[0].algorithm if signed else "",
                        signature=values[0] if single else None, signatures=None if single else values)

    @api.post("/raw/verify", response_model=s.RawVerificationOut, response_model_exclude_none=True, tags=["raw"])
    def verify_raw(body: s.RawVerifyIn) -> s.RawVerificationOut:
        """One item (``data`` and ``signature``) or a batch (``items`` and ``signatures``, verified in one native
        call: the fast way)."""
        single = body.data is not None and body.signature is not None and body.items is body.signatures is None
        batch = body.items is not None and body.signatures is not None and body.data is body.signature is None
        if not (single or batch):
            raise InvalidInputError("请给出 data 和 signature, 或 items 和 signatures", "give data and signature, "
                                    "or items and signatures")  # fmt: skip
        if single:
            return s.RawVerificationOut(**_verification(service.verify_raw(
                body.enterprise, body.key_id, _bytes(body.data), _bytes(body.signature), body.algorithm)).model_dump())
        items, signatures = [_bytes(item) for item in body.items], [_bytes(value) for value in body.signatures]
        checked = service.verify_raw_many(body.enterprise, body.key_id, items, signatures, body.algorithm)
        return s.RawVerificationOut(ok=all(checked.ok), reason=str(checked.reason), algorithm=checked.algorithm,
                                    key_id=checked.key_id, results=checked.ok, detail=checked.refusal,
                                    **_signer(checked.signer))  # fmt: skip

    @api.post("/envelope/encrypt", response_model=s.EnvelopeOut, tags=["envelope"])
    def encrypt(body: s.EncryptIn) -> s.EnvelopeOut:
        """数字信封: CMS EnvelopedData for enterprises of this service and/or given certificates (RSA or SM2)."""
        envelope = service.encrypt(_bytes(body.data), body.recipients, [c.encode() for c in body.certificates],
                                   body.cipher, body.oaep, body.profile)  # fmt: skip
        return s.EnvelopeOut(envelope=_text(envelope))

    @api.post("/envelope/decrypt", response_model=s.DataOut, tags=["envelope"])
    def decrypt(body: s.DecryptIn) -> s.DataOut:
        return s.DataOut(data=_text(service.decrypt(body.enterprise, _bytes(body.envelope))))

    @api.post("/qr/sign", response_model=s.QrOut, tags=["qr"])
    def sign_qr(body: s.QrSignIn) -> s.QrOut:
        """签名二维码: the JWS text and the QR PNG."""
        signed = service.sign_qr(body.enterprise, body.payload, body.algorithm)
        return s.QrOut(text=signed.text, png=_text(signed.png), key_id=signed.key_id)

    @api.post("/qr/verify", response_model=s.QrVerificationOut, tags=["qr"])
    def verify_qr(body: s.QrVerifyIn) -> s.QrVerificationOut:
        result = service.verify_qr(body.text)
        return s.QrVerificationOut(**_verification(result).model_dump(), payload=result.payload)

    @api.post("/pdf/seal", response_model=s.PdfOut, response_model_exclude_none=True, tags=["pdf"])
    def seal_pdf(body: s.PdfSealIn) -> s.PdfOut:
        """电子签章 with a visible seal: PAdES for RSA keys; SM2-SM3 for SM2 keys, which PDF readers cannot validate
        (the answer then carries a notice; ``/v1/pdf/verify`` checks them)."""
        image = _bytes(body.image) if body.image else None
        sealed = service.seal_pdf(body.enterprise, _bytes(body.pdf), Placement(body.page, body.box), image,
                                  body.reason, body.algorithm)  # fmt: skip
        notice = service.seal_notice(body.enterprise, body.algorithm) or (None, None)
        return s.PdfOut(pdf=_text(sealed), notice_zh=notice[0], notice_en=notice[1])

    @api.post("/pdf/verify", response_model=s.VerificationOut, tags=["pdf"])
    def verify_pdf(body: s.PdfVerifyIn) -> s.VerificationOut:
        return _verification(service.verify_pdf(_bytes(body.pdf)))

    @api.get("/keys/expiring", response_model=list[s.KeyOut], tags=["keys"])
    def expiring(days: int = 30) -> list[s.KeyOut]:
        """证书到期提醒: active certificates that end within ``days``."""
        return [s.KeyOut(**dataclasses.asdict(info)) for info in service.expiring(days)]

    @api.get("/keys/{enterprise}", response_model=list[s.KeyOut], tags=["keys"])
    def keys(enterprise: str) -> list[s.KeyOut]:
        return [s.KeyOut(**dataclasses.asdict(info)) for info in service.key_info(enterprise)]

    return api


def _problem(_request: Request, error: SignatureError) -> JSONResponse:
    refusal = Refusal.of(error)
    body = s.Problem(code=refusal.code, message_zh=refusal.zh, message_en=refusal.en)
    return JSONResponse(body.model_dump(), status_code=STATUS.get(refusal.code, 400))


def _verification(result: Any) -> s.VerificationOut:
    """The answer names the signer's certificate (subject, serial, issuer) so callers can apply their own policy, and
    the key store's key that vouched for it (#17 item 1)."""
    return s.VerificationOut(ok=result.ok, reason=str(result.reason), algorithm=result.algorithm,
                             key_id=result.key_id, detail=result.detail, enterprise=result.enterprise,
                             subject=result.subject, serial=result.serial, issuer=result.issuer)  # fmt: skip


def _signer(name: Any) -> dict[str, str | None]:
    """Subject, serial and issuer of a batch's signer (None: no key could be used)."""
    return {"subject": name and name.subject, "serial": name and name.serial, "issuer": name and name.issuer}


def _bytes(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as error:
        raise InvalidInputError("Base64 编码错误", "a binary field is not valid Base64") from error


def _text(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
