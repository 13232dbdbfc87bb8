"""海关179 支付原始数据实时获取 (I13): customs asks the platform for the payment behind an order, the platform
uploads it signed. Two aggregates: the raw data the payment provider exchanged (supplied by the enterprise), and
each data request of customs with the uploads it caused (so a restart neither loses nor repeats an upload)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.shared import rules
from domain.shared.ids import NAMESPACE
from domain.shared.rules import FieldError

RECEIVED, UPLOADED, FAILED = "received", "uploaded", "failed"


@dataclass(frozen=True)
class RawField:
    """A field of the payment raw data, shaped like the XSD field specs so `rules.check_fields` checks it."""

    name: str
    label_zh: str
    max_length: int
    required: bool = True
    length: int | None = None
    min_length: int | None = None
    total_digits: int | None = None
    fraction_digits: int | None = None
    kind: str = "string"


RAW_FIELDS = (
    RawField("initalRequest", "支付原始请求", 8000), RawField("initalResponse", "支付原始响应", 8000),
    RawField("verDept", "验核机构", 1), RawField("payType", "支付类型", 1, required=False),
    RawField("recpAccount", "收款账号", 60), RawField("recpCode", "收款企业代码", 18, required=False),
    RawField("recpName", "收款企业名称", 100), RawField("tradingTime", "交易成功时间", 14, required=False),
    RawField("note", "备注", 1000, required=False))
CODES = {"verDept": ("123", "1 银联 2 网联 3 其他", "1 UnionPay, 2 NetsUnion, 3 other"),
         "payType": ("1234", "1 APP 2 PC 3 扫码 4 其他", "1 app, 2 PC, 3 QR code, 4 other")}


class MissingData(ValueError):
    """The platform does not hold what the upload needs (the reason says what, in Chinese and English)."""


class PaymentRawData(Aggregate):
    """支付原始数据: the request the platform sent to the payment provider and its answer, with what the upload
    needs beyond the order and the payment (verDept, payType, the receiving account, the goods' links)."""

    @staticmethod
    def create_id(ebp_code: str, order_no: str, **_: Any) -> UUID:
        return uuid5(NAMESPACE, f"179raw/{ebp_code}/{order_no}")

    @event("Supplied")
    def __init__(self, ebp_code: str, order_no: str, data: dict[str, Any], supplied_by: str,
                 supplied_at: datetime) -> None:
        self.ebp_code, self.order_no = ebp_code, order_no
        self.data, self.supplied_by, self.supplied_at = data, supplied_by, supplied_at

    @event("Replaced")
    def replace(self, data: dict[str, Any], supplied_by: str, supplied_at: datetime) -> None:
        """The enterprise supplied the data again (a correction): the next upload sends the new data."""
        self.data, self.supplied_by, self.supplied_at = data, supplied_by, supplied_at


class PaymentDataRequest(Aggregate):
    """One data request of customs (数据获取请求: orderNo, sessionID, serviceTime) and the platform's uploads."""

    if TYPE_CHECKING:  # event classes @event makes below, named by other modules (topics, isinstance); their
        # fields are the decorated method's arguments, which mypy cannot see: typed as any class
        Received: ClassVar[type[Any]]
        ResendRequested: ClassVar[type[Any]]

    @staticmethod
    def create_id(session_id: str, order_no: str, **_: Any) -> UUID:
        return uuid5(NAMESPACE, f"179request/{session_id}/{order_no}")

    @staticmethod
    def guid_of(session_id: str, order_no: str) -> str:
        """The payExchangeInfoHead guid: one per request, the same on every attempt."""
        return str(uuid5(NAMESPACE, f"179guid/{session_id}/{order_no}")).upper()

    @event("Received")
    def __init__(self, session_id: str, order_no: str, ebp_code: str, pay_code: str, service_time: str,
                 received_at: datetime) -> None:
        self.session_id, self.order_no, self.ebp_code, self.pay_code = session_id, order_no, ebp_code, pay_code
        self.service_time, self.received_at = service_time, received_at
        self.guid = self.guid_of(session_id, order_no)
        self.state = RECEIVED
        self.uploads: list[dict[str, Any]] = []

    @property
    def due(self) -> bool:
        """Nothing sent yet, or the last attempt failed and an operator asked to send again."""
        return self.state == RECEIVED

    @event("Uploaded")
    def uploaded(self, payload: str, code: str, message: str, at: datetime) -> None:
        """Customs answered 10000 (上传成功)."""
        self.uploads.append({"ok": True, "code": code, "message": message, "at": at, "payload": payload})
        self.state = UPLOADED

    @event("UploadFailed")
    def upload_failed(self, payload: str, code: str, message: str, at: datetime) -> None:
        """The data could not be built, sent, or customs refused it (code and reason kept)."""
        self.uploads.append({"ok": False, "code": code, "message": message, "at": at, "payload": payload})
        self.state = FAILED

    @property
    def resendable(self) -> bool:
        return self.state == FAILED

    @event("ResendRequested")
    def resend(self, by: str) -> None:
        """An operator sends a failed upload again (I13:manage); only a failed one (`resendable`)."""
        self.state = RECEIVED


def check_raw(raw: dict[str, Any], order_lines: int) -> list[FieldError]:
    """The raw data an enterprise supplies: the interface's field rules, and one goods link for each order line."""
    errors = rules.check_fields(raw, RAW_FIELDS)
    for name, (allowed, zh, en) in CODES.items():
        value = str(raw.get(name) or "")
        if value and (len(value) != 1 or value not in allowed):
            errors.append(FieldError(name, "code", f"{name} 应为 {zh}", f"{name} must be {en}", value=value))
    if raw.get("tradingTime") and not re.fullmatch(r"\d{14}", str(raw["tradingTime"])):
        errors.append(FieldError("tradingTime", "format", "交易成功时间应为 yyyyMMddHHmmss",
                                 "tradingTime must be yyyyMMddHHmmss"))
    return errors + _check_links(raw.get("itemLinks"), order_lines)


def _check_links(links: Any, order_lines: int) -> list[FieldError]:
    if not isinstance(links, list) or len(links) != order_lines:
        return [FieldError("itemLinks", "count", f"商品展示链接应为列表，每个订单商品一条（{order_lines}条）",
                           f"itemLinks must list one link per order line ({order_lines})")]
    return [FieldError(f"itemLinks[{i}]", "required" if not str(link or "").strip() else "max_length",
                       "商品展示链接为必填项，最长3000字符", "each item link is required, 3000 characters at most")
            for i, link in enumerate(links, start=1) if not str(link or "").strip() or len(str(link)) > 3000]


def payment_exchange(order: dict[str, Any], payment: dict[str, Any] | None, raw: dict[str, Any] | None,
                     guid: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """payExchangeInfoHead and payExchangeInfoLists from the order (CEB311), its payment (CEB411, when declared:
    its amount and time win) and the raw data; MissingData names what the platform lacks."""
    if raw is None:
        raise MissingData(f"订单 {order['orderNo']} 的支付原始数据未提供 (POST /api/import/payment-raw); "
                          f"the payment raw data of order {order['orderNo']} was not supplied")
    trading_time = str((payment or {}).get("payTime") or raw.get("tradingTime") or "")
    if not trading_time:
        raise MissingData("没有支付时间：支付单未申报，原始数据也未给出 tradingTime; "
                          "no trading time: no payment declared and no tradingTime in the raw data")
    paid = (payment or {}).get("amountPaid", order.get("acturalPaid"))
    head = {"guid": guid, "initalRequest": raw["initalRequest"], "initalResponse": raw["initalResponse"],
            "ebpCode": order["ebpCode"], "payCode": str(order.get("payCode") or ""),
            "payTransactionId": str(order.get("payTransactionId") or ""), "totalAmount": Decimal(str(paid)),
            "currency": str((payment or order).get("currency") or "142"), "verDept": raw["verDept"],
            "payType": str(raw.get("payType") or ""), "tradingTime": trading_time, "note": str(raw.get("note") or "")}
    goods = [{"gname": str(line.get("itemName") or ""), "itemLink": str(link)}
             for line, link in zip(order.get("orderList") or [], raw["itemLinks"], strict=False)]
    lists = [{"orderNo": order["orderNo"], "goodsInfo": goods, "recpAccount": raw["recpAccount"],
              "recpCode": str(raw.get("recpCode") or ""), "recpName": raw["recpName"]}]
    return head, lists
