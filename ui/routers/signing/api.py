"""签名服务 HTTP API: ``create_signer_app(service, authorize, uses)``, the JSON face of engine.signing.service.

``authorize`` is a FastAPI dependency run before every /v1 call; it yields the ``Caller`` (ui/routers/signing/main.py
builds it from the platform's API client or the static key), and every call that names an enterprise checks the
caller may use that enterprise's keys (#17 item 2). Every refusal, whatever its status, is one JSON shape
``{code, message_zh, message_en, field}`` (schemas.Problem), never echoing the input (#17 item 3); bodies are bounded
(``max_body_mb`` and the schemas' limits, #17 item 4). Every /v1 call, refused or not, is handed to the key-use log
``uses`` as one ``KeyUse``: who, which key, a digest of the input, the outcome (#17 item 5). /docs works offline.
Calls are plain ``def``: crypto runs in the thread pool.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import logging
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from engine.signing.audit import KeyUse, KeyUseLog
from engine.signing.service import InvalidInputError, Placement, Refusal, SignatureError, SigningError, SigningService
from ui.api_docs import SWAGGER_DIR, documented, hmac_schemes, swagger_page
from ui.body_limit import BodyLimit
from ui.headers import SecurityHeaders
from ui.routers.signing import schemas as s

log = logging.getLogger(__name__)
TITLE = "cbec 签名服务 signing service"
STATUS = {"unknown-key": 404, "wrong-passphrase": 403, "certificate-expired": 409, "certificate-not-yet-valid": 409,
          "unsupported-algorithm": 422, "not-a-recipient": 422, "invalid-input": 422, "key-not-yours": 403,
          "envelope-tampered": 422, "key-revoked": 409}  # fmt: skip
# the request field a refusal concerns when the error does not say: the key's enterprise, the algorithm asked for ...
FIELDS = {"unknown-key": "enterprise", "wrong-passphrase": "enterprise", "certificate-expired": "enterprise",
          "certificate-not-yet-valid": "enterprise", "key-not-yours": "enterprise",
          "unsupported-algorithm": "algorithm", "not-a-recipient": "envelope"}  # fmt: skip
HTTP_REFUSALS = {
    401: ("unauthorized", "请求未认证", "the request is not authenticated"),
    403: ("forbidden", "无权调用签名服务", "this caller may not use the signing service"),
    404: ("not-found", "没有这个接口", "no such operation"),
    405: ("method-not-allowed", "不支持此请求方法", "method not allowed here"),
    413: ("body-too-large", "请求体过大", "the request body is too large"),
}
INTERNAL = ("internal-error", "签名服务内部错误, 已记录", "internal error of the signing service; it was logged")
ERROR_ANSWERS = {
    401: "未认证 not authenticated: no or a wrong API key, or no valid request signature",
    403: "无权 forbidden: the caller lacks S1:sign, or the enterprise's keys are not its own (key-not-yours)",
    413: "请求体过大 the body is over CBEC_SIGNER_MAX_BODY_MB (default 16 MB); refused before it is read",
    422: "输入无效 invalid input: the field named is missing, malformed, or over its bound (too-large)",
}
_ERRORS: dict[int | str, dict[str, Any]] = {
    **{status: {"model": s.Problem, "description": text} for status, text in ERROR_ANSWERS.items()},
    404: {"model": s.Problem, "description": "unknown-key: the enterprise has no such key"},
    409: {"model": s.Problem, "description": "certificate-expired, certificate-not-yet-valid"},
}


class KeyNotYoursError(SigningError):
    """The caller named an enterprise whose keys its organisation does not own (and it holds no S1:any-key)."""

    code = "key-not-yours"


@dataclass(frozen=True)
class Caller:
    """Who calls, and whose keys it may use: ``enterprises`` None is every enterprise (a platform service holding
    S1:any-key, or the static key set to ``*``); otherwise the enterprises its organisation owns."""

    name: str
    organisation: str
    enterprises: frozenset[str] | None

    def may_use(self, enterprise: str) -> bool:
        return self.enterprises is None or enterprise in self.enterprises


@dataclass
class _Call:
    """What one /v1 call did, filled in as it goes and handed to the key-use log when it has been answered."""

    address: str
    operation: str
    caller: Caller | None = None
    enterprise: str = ""
    key_id: str = ""
    digest: str = ""
    items: int = 0
    field: str | None = None  # the input an invalid-input refusal concerns unless the error names its own
    outcome: str = "ok"


# The call being answered. Routes are plain ``def`` run in the thread pool, which copies the context: the record
# follows them there without a parameter on every route.
_CALL: ContextVar[_Call | None] = ContextVar("signing_call", default=None)


def create_signer_app(service: SigningService, authorize: Callable[..., Any], uses: KeyUseLog | None = None,
                      max_body_mb: int = 16) -> FastAPI:  # fmt: skip
    app = FastAPI(title=TITLE, version="1.0.0", docs_url=None, redoc_url=None,
                  description="Customs XML signatures, XMLDSig, CMS, raw signatures, digital envelopes, signed QR "
                              "codes and PDF seals with per-enterprise keys (RSA, SM2). Binary values are Base64. "
                              "A caller uses only the keys of its organisation's enterprises. Every refusal is "
                              "`{code, message_zh, message_en, field}`. Bounds: the request body "
                              f"{max_body_mb} MB (CBEC_SIGNER_MAX_BODY_MB, 413), batches {s.MAX_ITEMS} items, "
                              "each field as its schema's maxLength says (422 too-large).")  # fmt: skip
    app.state.signing = service
    app.add_middleware(SecurityHeaders)  # the platform's headers and CSP: /docs runs only its own scripts, no-store
    app.add_exception_handler(SignatureError, _refused)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(StarletteHTTPException, _http_refusal)

    @app.get("/healthz", include_in_schema=False)
    def health() -> JSONResponse:
        """503 with the reason when the key store cannot be used (unreadable, passphrase changed elsewhere)."""
        problem = service.health()
        if problem:
            return JSONResponse({"status": "unavailable", "reason": problem}, status_code=503)
        return JSONResponse({"status": "ok"})

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return swagger_page(TITLE)

    app.mount("/static/swagger", StaticFiles(directory=SWAGGER_DIR), name="swagger")
    app.include_router(_router(service), dependencies=[Depends(_identified(authorize))], responses=_ERRORS)
    documented(app, {"ApiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key",
                                "description": "the static key ($CBEC_SIGNER_API_KEY), for systems not registered "
                                               "on the platform"}, **hmac_schemes()},
               [["ApiKey"], ["AppId", "Timestamp", "Nonce", "Signature"]], lambda path: path.startswith("/v1/"))
    app.add_middleware(_SignerBodyLimit, limit=max_body_mb * 1024 * 1024)
    app.add_middleware(_Audited, uses=uses)  # outermost: refusals of the body limit are recorded too
    return app


def _identified(authorize: Callable[..., Any]) -> Callable[..., Any]:
    """The router's dependency: run ``authorize`` and keep the Caller it yields for the key checks and the log."""

    async def identified(caller: Any = Depends(authorize)) -> None:
        call = _CALL.get()
        if call is not None:
            call.caller = caller if isinstance(caller, Caller) else None

    return identified


def _router(service: SigningService) -> APIRouter:
    api = APIRouter(prefix="/v1")

    @api.post("/xml/customs/sign", response_model=s.XmlOut, tags=["xml"])
    def sign_customs(body: s.CustomsSignIn) -> s.XmlOut:
        """海关报文加签 (RSA-SHA1 or SM2-SM3 by the enterprise's key)."""
        xml = _take("xml", body.xml.encode())
        _use(service, body.enterprise)
        return s.XmlOut(xml=service.sign_customs_xml(body.enterprise, xml).decode())

    @api.post("/xml/customs/verify", response_model=s.VerificationOut, tags=["xml"])
    def verify_customs(body: s.XmlIn) -> s.VerificationOut:
        return _verification(service.verify_customs_xml(_take("xml", body.xml.encode())))

    @api.post("/xml/dsig/sign", response_model=s.XmlOut, tags=["xml"])
    def sign_dsig(body: s.DsigSignIn) -> s.XmlOut:
        """Enveloped XMLDSig (exclusive C14N, SHA-256 or SM3). A document with a DOCTYPE is refused (field xml)."""
        xml = _take("xml", body.xml.encode())
        _use(service, body.enterprise)
        return s.XmlOut(xml=service.sign_xml(body.enterprise, xml, body.algorithm).decode())

    @api.post("/xml/dsig/sign-detached", response_model=s.XmlOut, tags=["xml"])
    def sign_dsig_detached(body: s.DsigDetachedIn) -> s.XmlOut:
        content = _take("content", _bytes(body.content, "content"))
        _use(service, body.enterprise)
        signed = service.sign_xml_detached(body.enterprise, content, body.uri, body.algorithm)
        return s.XmlOut(xml=signed.decode())

    @api.post("/xml/dsig/verify", response_model=s.VerificationOut, tags=["xml"])
    def verify_dsig(body: s.DsigVerifyIn) -> s.VerificationOut:
        content = _bytes(body.content, "content") if body.content is not None else None
        return _verification(service.verify_xml(_take("xml", body.xml.encode()), content))

    @api.post("/cms/sign", response_model=s.CmsOut, tags=["cms"])
    def sign_cms(body: s.CmsSignIn) -> s.CmsOut:
        """CMS SignedData, attached or detached."""
        data = _take("data", _bytes(body.data, "data"))
        _use(service, body.enterprise)
        return s.CmsOut(cms=_text(service.sign_cms(body.enterprise, data, body.detached, body.algorithm)))

    @api.post("/cms/verify", response_model=s.CmsVerificationOut, tags=["cms"])
    def verify_cms(body: s.CmsVerifyIn) -> s.CmsVerificationOut:
        data = _bytes(body.data, "data") if body.data is not None else None
        result = service.verify_cms(_take("cms", _bytes(body.cms, "cms")), data)
        content = _text(result.content) if result.content is not None else None
        return s.CmsVerificationOut(**_verification(result).model_dump(), content=content)

    @api.post("/raw/sign", response_model=s.RawOut, response_model_exclude_none=True, tags=["raw"])
    def sign_raw(body: s.RawSignIn) -> s.RawOut:
        """Raw signatures of one item (``data``) or a batch (``items``, at most 1,000)."""
        if (body.data is None) == (body.items is None):
            raise _invalid_input("items", "请给出 data 或 items 之一", "give exactly one of data and items")
        if body.data is not None:
            items = [_bytes(body.data, "data")]
        else:
            items = [_bytes(item, f"items.{n}") for n, item in enumerate(body.items or ())]
        _take_many("data" if body.data is not None else "items", items)
        _use(service, body.enterprise)
        signed = service.sign_raw_many(body.enterprise, items, body.algorithm)
        values = [_text(one.signature) for one in signed]
        single = body.data is not None
        return s.RawOut(key_id=signed[0].key_id if signed else "", algorithm=signed[0].algorithm if signed else "",
                        signature=values[0] if single else None, signatures=None if single else values)

    @api.post("/raw/verify", response_model=s.RawVerificationOut, response_model_exclude_none=True, tags=["raw"])
    def verify_raw(body: s.RawVerifyIn) -> s.RawVerificationOut:
        """One item (``data`` and ``signature``) or a batch (``items`` and ``signatures``, verified in one native
        call: the fast way)."""
        _use(service, body.enterprise, body.key_id)
        single = body.data is not None and body.signature is not None and body.items is body.signatures is None
        batch = body.items is not None and body.signatures is not None and body.data is body.signature is None
        if not (single or batch):
            raise _invalid_input("items", "请给出 data 和 signature, 或 items 和 signatures",
                                 "give data and signature, or items and signatures")  # fmt: skip
        if single:
            data = _take_many("data", [_bytes(body.data, "data")])[0]  # raw: as a batch of one
            return s.RawVerificationOut(**_verification(service.verify_raw(
                body.enterprise, body.key_id, data, _bytes(body.signature, "signature"),
                body.algorithm)).model_dump())  # fmt: skip
        items = _take_many("items", [_bytes(item, f"items.{n}") for n, item in enumerate(body.items or ())])
        signatures = [_bytes(value, f"signatures.{n}") for n, value in enumerate(body.signatures or ())]
        checked = service.verify_raw_many(body.enterprise, body.key_id, items, signatures, body.algorithm)
        return s.RawVerificationOut(ok=all(checked.ok), reason=str(checked.reason), algorithm=checked.algorithm,
                                    key_id=checked.key_id, results=checked.ok, detail=checked.refusal,
                                    **_signer(checked.signer))  # fmt: skip

    @api.post("/envelope/encrypt", response_model=s.EnvelopeOut, tags=["envelope"])
    def encrypt(body: s.EncryptIn) -> s.EnvelopeOut:
        """数字信封: CMS EnvelopedData for enterprises of this service and/or given certificates (RSA or SM2). Any
        enterprise may be a recipient: only its public certificate is used."""
        data = _take("data", _bytes(body.data, "data"))
        envelope = service.encrypt(data, body.recipients, [c.encode() for c in body.certificates],
                                   body.cipher, body.oaep, body.profile)  # fmt: skip
        return s.EnvelopeOut(envelope=_text(envelope))

    @api.post("/envelope/decrypt", response_model=s.DataOut, tags=["envelope"])
    def decrypt(body: s.DecryptIn) -> s.DataOut:
        envelope = _take("envelope", _bytes(body.envelope, "envelope"))
        _use(service, body.enterprise, "")
        return s.DataOut(data=_text(service.decrypt(body.enterprise, envelope)))

    @api.post("/qr/sign", response_model=s.QrOut, tags=["qr"])
    def sign_qr(body: s.QrSignIn) -> s.QrOut:
        """签名二维码: the JWS text and the QR PNG."""
        _take("payload", body.payload.encode())
        _use(service, body.enterprise)
        signed = service.sign_qr(body.enterprise, body.payload, body.algorithm)
        return s.QrOut(text=signed.text, png=_text(signed.png), key_id=signed.key_id)

    @api.post("/qr/verify", response_model=s.QrVerificationOut, tags=["qr"])
    def verify_qr(body: s.QrVerifyIn) -> s.QrVerificationOut:
        result = service.verify_qr(_take("text", body.text.encode()).decode())
        return s.QrVerificationOut(**_verification(result).model_dump(), payload=result.payload)

    @api.post("/pdf/seal", response_model=s.PdfOut, response_model_exclude_none=True, tags=["pdf"])
    def seal_pdf(body: s.PdfSealIn) -> s.PdfOut:
        """电子签章 with a visible seal: PAdES for RSA keys; SM2-SM3 for SM2 keys, which PDF readers cannot validate
        (the answer then carries a notice; ``/v1/pdf/verify`` checks them). A sealed PDF can be sealed again
        (多次签章): each seal is an incremental update, and every earlier seal stays valid."""
        image = _bytes(body.image, "image") if body.image else None
        pdf = _take("pdf", _bytes(body.pdf, "pdf"))
        _use(service, body.enterprise)
        sealed = service.seal_pdf(body.enterprise, pdf, Placement(body.page, body.box), image, body.reason,
                                  body.algorithm)  # fmt: skip
        notice = service.seal_notice(body.enterprise, body.algorithm) or (None, None)
        return s.PdfOut(pdf=_text(sealed), notice_zh=notice[0], notice_en=notice[1])

    @api.post("/pdf/verify", response_model=s.VerificationOut, tags=["pdf"])
    def verify_pdf(body: s.PdfVerifyIn) -> s.VerificationOut:
        return _verification(service.verify_pdf(_take("pdf", _bytes(body.pdf, "pdf"))))

    @api.get("/keys/expiring", response_model=list[s.KeyOut], tags=["keys"])
    def expiring(days: int = Query(30, ge=0, le=3650, description="days ahead, 0 to 3650")) -> list[s.KeyOut]:
        """证书到期提醒: the caller's active certificates that end within ``days``."""
        call = _CALL.get()
        caller = call.caller if call is not None else None
        return [s.KeyOut(**dataclasses.asdict(info)) for info in service.expiring(days)
                if caller is not None and caller.may_use(info.enterprise)]  # fmt: skip

    @api.get("/keys/{enterprise}", response_model=list[s.KeyOut], tags=["keys"])
    def keys(enterprise: str) -> list[s.KeyOut]:
        """The enterprise's keys (only an enterprise of the caller's organisation)."""
        _use(service, enterprise, "")
        return [s.KeyOut(**dataclasses.asdict(info)) for info in service.key_info(enterprise)]

    return api


# who may use which key, and what the call used (#17 items 2 and 5) ------------------------------------------------

def _use(service: SigningService, enterprise: str, key_id: str | None = None) -> None:
    """Refuse the call unless its caller may use ``enterprise``'s keys; note the key for the log (``key_id`` None:
    the active key, "" none in particular)."""
    call = _CALL.get()
    if call is None:
        return
    call.enterprise = enterprise
    if call.caller is None or not call.caller.may_use(enterprise):
        raise KeyNotYoursError(f"企业 {enterprise} 的密钥不属于调用方所在单位",
                               f"the keys of enterprise {enterprise} are not your organisation's")
    if key_id is None:
        try:
            call.key_id = service.keystore.active_id(enterprise)
        except SignatureError:
            pass  # the operation itself refuses it, in its own words
    else:
        call.key_id = key_id


def _take(field: str, data: bytes) -> bytes:
    """The call's input: its SHA-256 goes to the log, and an invalid-input refusal without a field names this one."""
    call = _CALL.get()
    if call is not None:
        call.digest, call.items, call.field = hashlib.sha256(data).hexdigest(), 1, field
    return data


def _take_many(field: str, items: Sequence[bytes]) -> list[bytes]:
    """A batch: the SHA-256 of its items' SHA-256 digests in order; one item: its own SHA-256, so an auditor who
    hashes a document finds its single raw signatures as for every other operation."""
    call = _CALL.get()
    if call is not None:
        joined = b"".join(hashlib.sha256(item).digest() for item in items)
        digest = joined.hex() if len(items) == 1 else hashlib.sha256(joined).hexdigest()
        call.digest, call.items, call.field = digest, len(items), field
    return list(items)


class _Audited:
    """Outermost middleware of /v1 calls: opens the call's record, answers an unexpected error as a 500 in the error
    shape (logged with its traceback), and hands the record to the key-use log once the answer is known. The log
    buffers: nothing here waits for I/O."""

    def __init__(self, app: ASGIApp, uses: KeyUseLog | None):
        self.app, self.uses = app, uses

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/v1/"):
            await self.app(scope, receive, send)
            return
        call = _Call(address=(scope.get("client") or ("",))[0], operation=_operation(scope["path"]))
        token = _CALL.set(call)
        status, started = 500, False

        async def answer(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                status, started = message["status"], True
            await send(message)

        try:
            await self.app(scope, receive, answer)
        except Exception:
            log.exception("signing service: unexpected error in %s", call.operation)
            call.outcome = INTERNAL[0]
            if not started:
                await _problem(500, *INTERNAL)(scope, receive, answer)
        finally:
            _CALL.reset(token)
            self._record(call, status)

    def _record(self, call: _Call, status: int) -> None:
        if self.uses is None:
            return
        caller = call.caller
        use = KeyUse(caller=caller.name if caller else "", organisation=caller.organisation if caller else "",
                     address=call.address, operation=call.operation, enterprise=call.enterprise[:64],
                     key_id=call.key_id[:128], digest=call.digest, items=call.items,
                     outcome=call.outcome if status >= 400 or call.outcome != "ok" else "ok", status=status)
        try:
            self.uses.record(use)
        except Exception:  # the answer is sent; a failing log must not go unnoticed, nor crash the worker
            log.exception("signing service: could not record a key use")


def _operation(path: str) -> str:
    """cms.sign, xml.customs.verify, keys.list ... from the request path."""
    parts = path.removeprefix("/v1/").strip("/").split("/")
    if parts[0] == "keys" and parts[1:] != ["expiring"]:
        return "keys.list"
    return ".".join(parts)[:100]


class _SignerBodyLimit(BodyLimit):
    """The platform's body limit (ui.body_limit), refusing in the service's error shape."""

    def _too_large_answer(self, request: Request) -> JSONResponse:
        mb = self.limit // (1024 * 1024)
        call = _CALL.get()
        if call is not None:
            call.outcome = "body-too-large"
        return _problem(413, "body-too-large", f"请求体超过 {mb} MB 上限 (CBEC_SIGNER_MAX_BODY_MB), 未读取",
                        f"the request body is over {mb} MB (CBEC_SIGNER_MAX_BODY_MB): it was not read", "body")


# one error shape (#17 item 3) ----------------------------------------------------------------------------------------

def _problem(status: int, code: str, zh: str, en: str, field: str | None = None) -> JSONResponse:
    """The one answer of every refusal; the call's outcome is its code."""
    call = _CALL.get()
    if call is not None:
        call.outcome = code
    body = s.Problem(code=code, message_zh=zh, message_en=en, field=field)
    return JSONResponse(body.model_dump(), status_code=status)


def _refused(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, SignatureError)
    refusal = Refusal.of(error)
    call = _CALL.get()
    field = getattr(error, "field", None) or FIELDS.get(refusal.code) or (call.field if call else None)
    return _problem(STATUS.get(refusal.code, 422), refusal.code, refusal.zh, refusal.en, field)


def _invalid(_request: Request, error: Exception) -> JSONResponse:
    """FastAPI's 422 in the service's shape: the first offending field as a path (items.3), the rule in Chinese and
    English; the value given is never repeated (a refused 40 MB batch used to come back whole)."""
    assert isinstance(error, RequestValidationError)
    first = error.errors()[0] if error.errors() else {}
    where = [str(part) for part in first.get("loc", ()) if part not in ("body", "query", "path")]
    kind, context = str(first.get("type", "")), first.get("ctx") or {}
    field = "body" if kind == "json_invalid" else ".".join(where) or "body"
    if kind in ("string_too_long", "too_long"):
        limit = context.get("max_length", "")
        unit = ("个字符", "characters") if kind == "string_too_long" else ("项", "items")
        return _problem(422, "too-large", f"字段 {field} 超过上限 {limit} {unit[0]}",
                        f"field {field} is over its bound of {limit} {unit[1]}", field)
    zh, en = _rule(kind, field, context)
    return _problem(422, "invalid-input", zh, en, field)


def _rule(kind: str, field: str, context: dict[str, Any]) -> tuple[str, str]:
    """Chinese and English words for pydantic's error types (the common ones; others by their type name)."""
    if kind == "missing":
        return f"缺少必填字段 {field}", f"field {field} is required"
    if kind == "json_invalid":
        return "请求体不是有效的 JSON", "the request body is not valid JSON"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        bound = " ".join(f"{k}={v}" for k, v in context.items())
        return f"字段 {field} 超出范围 ({bound})", f"field {field} is out of range ({bound})"
    if kind.endswith("_type") or kind.endswith("_parsing"):
        wanted = kind.removesuffix("_type").removesuffix("_parsing")
        return f"字段 {field} 类型不对, 应为 {wanted}", f"field {field} must be of type {wanted}"
    return f"字段 {field} 无效 ({kind})", f"field {field} is invalid ({kind})"


def _http_refusal(_request: Request, error: Exception) -> JSONResponse:
    """401, 403, 404, 405, 413 in the shape: the authorizer's own code and words when it gave them."""
    assert isinstance(error, StarletteHTTPException)
    detail = error.detail
    if isinstance(detail, dict) and {"code", "message_zh", "message_en"} <= set(detail):
        return _problem(error.status_code, detail["code"], detail["message_zh"], detail["message_en"],
                        detail.get("field"))  # fmt: skip
    code, zh, en = HTTP_REFUSALS.get(error.status_code, ("refused", "请求被拒绝", "the request was refused"))
    if isinstance(detail, str) and detail and detail not in (zh, en):
        en = f"{en}: {detail}"
    return _problem(error.status_code, code, zh, en)


def _invalid_input(field: str, zh: str, en: str) -> InvalidInputError:
    error = InvalidInputError(zh, en)
    error.field = field  # type: ignore[attr-defined]
    return error


def _verification(result: Any) -> s.VerificationOut:
    """The answer names the signer's certificate (subject, serial, issuer) so callers can apply their own policy, and
    the key store's key that vouched for it (#17 item 1)."""
    return s.VerificationOut(ok=result.ok, reason=str(result.reason), algorithm=result.algorithm,
                             key_id=result.key_id, detail=result.detail, enterprise=result.enterprise,
                             subject=result.subject, serial=result.serial, issuer=result.issuer)  # fmt: skip


def _signer(name: Any) -> dict[str, str | None]:
    """Subject, serial and issuer of a batch's signer (None: no key could be used)."""
    return {"subject": name and name.subject, "serial": name and name.serial, "issuer": name and name.issuer}


def _bytes(text: str, field: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as error:
        raise _invalid_input(field, f"字段 {field} 不是有效的 Base64", f"field {field} is not valid Base64") \
            from error


def _text(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
