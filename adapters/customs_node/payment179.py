"""海关179 on the customs side, for tests and demos (X6 for I13): asks the platform for the payment data of an order
(POST `openReq` to its platDataOpen) and checks what the platform uploads to realTimeDataUpload: the field rules of
the interface, the certificate named by certNo (the e-commerce platform's, as registered) and the signature.

Answers: 10000 上传成功; 20001 unreadable upload; 20002 a field rule; 20003 unknown enterprise or certificate;
20004 signature invalid (codes above 20000 are the interface's error range; their meanings are the simulator's)."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx

from adapters.customs import payment179
from adapters.signing.certificate import Certificate

UNREADABLE, FIELD_RULE, CERTIFICATE, SIGNATURE = "20001", "20002", "20003", "20004"
CertificateOf = Callable[[str], Certificate | None]  # ebpCode -> the certificate registered for it
SendToPlatform = Callable[[dict[str, str]], dict[str, Any]]  # form fields -> the platform's JSON answer
# field: (required, max length, allowed values or pattern)
HEAD_RULES: dict[str, tuple[bool, int, str]] = {
    "guid": (True, 36, ""), "initalRequest": (True, 8000, ""), "initalResponse": (True, 8000, ""),
    "ebpCode": (True, 18, ""), "payCode": (True, 18, ""), "payTransactionId": (True, 60, ""),
    "currency": (True, 4, ""), "verDept": (True, 1, "[123]"), "payType": (False, 1, "[1234]"),
    "tradingTime": (True, 14, r"\d{14}"), "note": (False, 1000, "")}
LIST_RULES: dict[str, tuple[bool, int, str]] = {
    "orderNo": (True, 60, ""), "recpAccount": (True, 60, ""), "recpCode": (False, 18, ""),
    "recpName": (True, 100, "")}
GOODS_RULES: dict[str, tuple[bool, int, str]] = {"gname": (True, 250, ""), "itemLink": (True, 3000, "")}


def now_ms() -> int:
    return int(time.time() * 1000)


def http_platform(url: str, client: httpx.Client | None = None) -> SendToPlatform:
    """Customs calling the platform's platDataOpen URL over HTTP (any httpx client, e.g. a test client)."""
    def send(form: dict[str, str]) -> dict[str, Any]:
        if client is not None:  # a client brings its own timeouts
            return client.post(url, data=form).json()
        return httpx.post(url, data=form, timeout=payment179.TIMEOUT).json()

    return send


class Customs179Simulator:
    def __init__(self, certificate_of: CertificateOf, clock: Callable[[], int] = now_ms):
        self.certificate_of, self.clock = certificate_of, clock
        self.received: list[dict[str, Any]] = []  # every upload with the answer given, oldest first

    def request(self, order_no: str, send: SendToPlatform) -> tuple[str, dict[str, Any]]:
        """Ask the platform for the payment data of an order: the new session id and the platform's answer."""
        session_id = uuid.uuid4().hex.upper()
        answer = send({"openReq": payment179.open_request(order_no, session_id, self.clock())})
        return session_id, answer

    def upload(self, pay_ex_info_str: str) -> dict[str, Any]:
        """realTimeDataUpload: check one upload and answer it."""
        code, message = self.check(pay_ex_info_str)
        answer = payment179.answer(code, message or "上传成功", self.clock(), total=0)
        self.received.append({"payExInfoStr": pay_ex_info_str, "answer": answer})
        return answer

    def check(self, text: str) -> tuple[str, str]:
        try:
            members = payment179.members_of(text)
            signed = payment179.signed_text_of(members)
            values = {name: json.loads(raw, parse_float=Decimal) for name, raw in members.items()}
        except payment179.Ceb179Error as error:
            return UNREADABLE, str(error)
        problem = field_problem(values)
        if problem:
            return FIELD_RULE, problem
        certificate = self.certificate_of(str(values["payExchangeInfoHead"]["ebpCode"]))
        if certificate is None or not certificate.matches_key_name(str(values["certNo"])):
            ebp_code = values["payExchangeInfoHead"]["ebpCode"]
            return CERTIFICATE, f"证书 {values['certNo']} 不是电商平台 {ebp_code} 登记的证书 not its certificate"
        if not payment179.verify(signed, str(values["signValue"]), certificate):
            return SIGNATURE, "验签失败 signature does not verify"
        return payment179.OK, ""


def field_problem(values: dict[str, Any]) -> str:
    """The first broken field rule of an upload, as `field: rule`, or ''."""
    for name in ("sessionID", "serviceTime", "certNo", "signValue"):
        if not str(values.get(name) or "").strip():
            return f"{name}: 必填 required"
    head, lists = values.get("payExchangeInfoHead"), values.get("payExchangeInfoLists")
    if not isinstance(head, dict):
        return "payExchangeInfoHead: 必须是对象 must be an object"
    if not isinstance(head.get("totalAmount"), Decimal | int) or head["totalAmount"] < 0:
        return "payExchangeInfoHead.totalAmount: 必须是非负数字 must be a number"
    if not isinstance(lists, list) or not lists:
        return "payExchangeInfoLists: 不能为空 must list the orders"
    problems = [_problem(head, HEAD_RULES, "payExchangeInfoHead.")]
    for i, item in enumerate(lists):
        problems += _list_problems(item, f"payExchangeInfoLists[{i}].")
    return next((p for p in problems if p), "")


def _list_problems(item: Any, prefix: str) -> list[str]:
    if not isinstance(item, dict):
        return [f"{prefix[:-1]}: 必须是对象 must be an object"]
    goods = item.get("goodsInfo")
    if not isinstance(goods, list) or not goods or not all(isinstance(g, dict) for g in goods):
        return [f"{prefix}goodsInfo: 不能为空 must list the goods"]
    return [_problem(item, LIST_RULES, prefix),
            *(_problem(g, GOODS_RULES, f"{prefix}goodsInfo[{j}].") for j, g in enumerate(goods))]


def _problem(values: dict[str, Any], rules: dict[str, tuple[bool, int, str]], prefix: str) -> str:
    for name, (required, length, pattern) in rules.items():
        value = values.get(name)
        text = "" if value is None else str(value)
        if not text:
            if required:
                return f"{prefix}{name}: 必填 required"
            continue
        if len(text) > length:
            return f"{prefix}{name}: 最长{length}位 at most {length} characters"
        if pattern and not re.fullmatch(pattern, text):
            return f"{prefix}{name}: 取值不符 must match {pattern}"
    return ""
