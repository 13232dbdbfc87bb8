"""海关179 接口 (海关总署公告2018年第179号; NOTES.md §7, RULES.md §6): customs' data request (form field `openReq`),
the payment-data upload (form field `payExInfoStr`), its signature string, and the client that posts the upload to
customs' realTimeDataUpload.

The signature covers the first-level members joined by `||`, each JSON value inserted as it is uploaded:
    "sessionID":"<id>"||"payExchangeInfoHead":"<head JSON>"||"payExchangeInfoLists":"<lists JSON>"||"serviceTime":"<t>"
so the upload is written here from the very JSON strings that were signed, and a verifier rebuilds the string from
the uploaded text itself (`signed_text_of`), never from a re-serialisation."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx

from adapters.signing import keys
from adapters.signing.certificate import Certificate

OK, FAIL = "10000", "20000"
PRODUCTION_URL = "https://customs.chinaport.gov.cn/ceb2grab/grab/realTimeDataUpload"
TEST_URL = "https://swapptest.singlewindow.cn/ceb2grab/grab/realTimeDataUpload"
SIGNED = ("sessionID", "payExchangeInfoHead", "payExchangeInfoLists", "serviceTime")
TIMEOUT = 5.0  # seconds, as the reference client waits
_decoder = json.JSONDecoder(parse_float=Decimal)


class Ceb179Error(ValueError):
    """A data request or an upload that cannot be read; the message names the field."""


class UploadError(RuntimeError):
    """The upload did not reach customs, or customs' answer is not readable."""


@dataclass(frozen=True)
class OpenRequest:
    """数据获取请求: customs wants the payment data of `order_no`, to be answered within session `session_id`."""

    order_no: str
    session_id: str
    service_time: str


def parse_open_request(text: str) -> OpenRequest:
    """The `openReq` JSON: orderNo, sessionID and serviceTime (milliseconds) are all required."""
    try:
        data = json.loads(text)
    except ValueError as error:
        raise Ceb179Error(f"openReq is not JSON: {error}") from None
    if not isinstance(data, dict):
        raise Ceb179Error("openReq must be a JSON object")
    values = {name: str(data.get(name) if data.get(name) is not None else "").strip()
              for name in ("orderNo", "sessionID", "serviceTime")}
    for name, value in values.items():
        if not value:
            raise Ceb179Error(f"openReq.{name} is required")
    if len(values["orderNo"]) > 60 or len(values["sessionID"]) > 100:
        raise Ceb179Error("openReq.orderNo is at most 60 characters, sessionID at most 100")
    if not values["serviceTime"].isdigit():
        raise Ceb179Error("openReq.serviceTime must be milliseconds since 1970")
    return OpenRequest(values["orderNo"], values["sessionID"], values["serviceTime"])


def open_request(order_no: str, session_id: str, service_time: int) -> str:
    return json.dumps({"orderNo": order_no, "sessionID": session_id, "serviceTime": service_time},
                      ensure_ascii=False, separators=(",", ":"))


def answer(code: str, message: str, service_time: int, **more: Any) -> dict[str, Any]:
    """Both sides answer {"code", "message", "serviceTime"}: 10000 ok, 20000 fail, 20001-21000 errors."""
    return {"code": code, "message": message, **more, "serviceTime": service_time}


def to_json(value: Any) -> str:
    """Compact JSON in UTF-8 text, amounts (Decimal) as plain numbers: what is signed is what is uploaded."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(str(k), ensure_ascii=False)}:{to_json(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(to_json(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def signature_text(session_id: str, head_json: str, lists_json: str, service_time: str) -> str:
    """The string that is signed (加签原文), with the JSON of the head and of the lists inserted verbatim."""
    return (f'"sessionID":"{session_id}"||"payExchangeInfoHead":"{head_json}"||'
            f'"payExchangeInfoLists":"{lists_json}"||"serviceTime":"{service_time}"')


def signed_upload(session_id: str, head: dict[str, Any], lists: list[dict[str, Any]], service_time: str,
                  sign: Callable[[bytes], bytes], cert_no: str) -> str:
    """The `payExInfoStr` to upload: the members, then certNo and the Base64 signature over `signature_text`."""
    head_json, lists_json = to_json(head), to_json(lists)
    signature = sign(signature_text(session_id, head_json, lists_json, service_time).encode("utf-8"))
    members = [("sessionID", to_json(session_id)), ("payExchangeInfoHead", head_json),
               ("payExchangeInfoLists", lists_json), ("serviceTime", to_json(service_time)),
               ("certNo", to_json(cert_no)), ("signValue", to_json(base64.b64encode(signature).decode("ascii")))]
    return "{" + ",".join(f'"{name}":{value}' for name, value in members) + "}"


def members_of(text: str) -> dict[str, str]:
    """The raw JSON text of each first-level member of an upload, exactly as it was sent."""
    try:
        return _members(text)
    except (ValueError, IndexError) as error:
        raise Ceb179Error(f"payExInfoStr is not a JSON object: {error}") from None


def _members(text: str) -> dict[str, str]:
    at = _skip(text, 0)
    if text[at] != "{":
        raise ValueError("an object must start with {")
    found: dict[str, str] = {}
    at = _skip(text, at + 1)
    while text[at] != "}":
        name, at = _decoder.raw_decode(text, at)
        at = _skip(text, at)
        if not isinstance(name, str) or text[at] != ":":
            raise ValueError(f"a member name and ':' expected at {at}")
        start = _skip(text, at + 1)
        _, end = _decoder.raw_decode(text, start)
        found[name] = text[start:end]
        at = _skip(text, end)
        if text[at] == ",":
            at = _skip(text, at + 1)
        elif text[at] != "}":
            raise ValueError(f"',' or '}}' expected at {at}")
    if text[at + 1:].strip():
        raise ValueError("text after the object")
    return found


def _skip(text: str, at: int) -> int:
    while text[at] in " \t\r\n":
        at += 1
    return at


def signed_text_of(members: dict[str, str]) -> str:
    """The signature string of an upload, rebuilt from the raw members (see `members_of`)."""
    missing = [name for name in SIGNED if name not in members]
    if missing:
        raise Ceb179Error(f"payExInfoStr.{missing[0]} is required")
    return signature_text(_scalar(members["sessionID"]), members["payExchangeInfoHead"],
                          members["payExchangeInfoLists"], _scalar(members["serviceTime"]))


def _scalar(raw: str) -> str:
    value = json.loads(raw)
    return value if isinstance(value, str) else raw


def customs_signing(key: keys.PrivateKey) -> Callable[[bytes], bytes]:
    """Raw signing as customs wants it: RSA PKCS#1 v1.5 SHA-1, or SM2-SM3 as 64 bytes r||s."""
    return keys.CustomsKey(key).sign


def verify(text: str, sign_value: str, certificate: Certificate) -> bool:
    """Does the Base64 `sign_value` sign `text` with the key of `certificate` (customs profile)?"""
    try:
        signature = base64.b64decode(sign_value, validate=True)
    except (binascii.Error, ValueError):
        return False
    scheme = keys.SM2_SM3 if certificate.key_type == "SM2" else keys.CUSTOMS_RSA_SHA1
    return keys.verify(certificate, scheme, text.encode("utf-8"), signature)


class HttpUploader:
    """Posts `payExInfoStr` as a form to customs' realTimeDataUpload URL and reads the JSON answer."""

    def __init__(self, url: str, timeout: float = TIMEOUT, client: httpx.Client | None = None):
        self.url, self.timeout, self.client = url, timeout, client

    def upload(self, pay_ex_info_str: str) -> dict[str, Any]:
        post = self.client.post if self.client is not None else httpx.post
        try:
            response = post(self.url, data={"payExInfoStr": pay_ex_info_str}, timeout=self.timeout)
            response.raise_for_status()
            found = response.json()
        except (httpx.HTTPError, ValueError) as error:
            raise UploadError(f"{type(error).__name__}: {error}") from error
        if not isinstance(found, dict) or "code" not in found:
            raise UploadError(f"customs answered without a code: {str(found)[:200]}")
        return found
