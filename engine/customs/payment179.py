"""海关179 支付原始数据实时获取 (I13): answer customs' data requests (platDataOpen), keep the payment raw data the
enterprises supply, and upload the signed payment data to customs (realTimeDataUpload) in the background.

A request is recorded at once (Received) and answered 10000. The processor `UploadPaymentData` then builds the
upload from what the platform holds (the order CEB311, its payment CEB411 when declared, the raw data), signs it
with the e-commerce platform's key and posts it, recording Uploaded or UploadFailed together with the position it
consumed: a restart neither loses a request nor uploads a recorded one again (only a crash between the post and the
record repeats that one upload, with the same guid)."""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from ipaddress import ip_address, ip_network
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError, Tracking
from eventsourcing.utils import get_topic

from adapters.customs import payment179
from adapters.customs_node.payment179 import Customs179Simulator
from adapters.signing.certificate import Certificate
from domain.customs.documents import PAYMENT
from domain.customs.model import Declaration, ImportOrder
from domain.customs.payment179 import MissingData, PaymentDataRequest, PaymentRawData, check_raw, payment_exchange
from domain.identity.roles import Principal
from domain.shared.rules import DeclarationRejected, FieldError
from engine import clock
from engine.identity.enterprises import Enterprises
from engine.signing.signers import UnknownSenderError
from engine.store import EventStore
from projections.customs.payment179 import PaymentDataView

log = logging.getLogger(__name__)
RAW_KEYS = ("initalRequest", "initalResponse", "verDept", "payType", "recpAccount", "recpCode", "recpName",
            "tradingTime", "note", "itemLinks")


class Uploader(Protocol):
    """Customs' realTimeDataUpload: payment179.HttpUploader, or the simulator in-process."""

    def upload(self, pay_ex_info_str: str) -> dict[str, Any]: ...


class NoUploader:
    def upload(self, pay_ex_info_str: str) -> dict[str, Any]:
        raise payment179.UploadError("未设置 CBEC_CUSTOMS179_URL，海关模拟器也未运行; "
                                     "CBEC_CUSTOMS179_URL is not set and the customs simulator is off")


class PaymentData:
    def __init__(self, store: EventStore, enterprises: Enterprises, view: PaymentDataView, uploader: Uploader,
                 customs: Customs179Simulator | None = None, now: Callable[[], Any] = clock.now):
        self.store, self.enterprises, self.view, self.uploader = store, enterprises, view, uploader
        self.customs, self.now = customs, now
        self.gate = SourceGate(("127.0.0.1", "::1"), 60)  # build() sets the configured one
        self._keys: dict[str, tuple[Callable[[bytes], bytes], str]] = {}

    # customs asks -------------------------------------------------------------------------------

    def open(self, open_req: str | None) -> dict[str, Any]:
        """数据获取请求: record it and answer 10000, or 20000 with the reason (malformed, unknown order)."""
        moment = self.now()
        stamp = int(moment.timestamp() * 1000)
        try:
            request = payment179.parse_open_request(open_req or "")
        except payment179.Ceb179Error as error:
            return payment179.answer(payment179.FAIL, f"请求格式错误 malformed request: {error}", stamp)
        order = self.order(request.order_no)
        if order is None:
            return payment179.answer(payment179.FAIL, f"订单 {request.order_no} 不在本平台 order not on this platform",
                                     stamp)
        if PaymentDataRequest.create_id(request.session_id, request.order_no) not in self.store.repository:
            self._record(PaymentDataRequest(
                session_id=request.session_id, order_no=request.order_no, ebp_code=order.ebp_code,
                pay_code=str(order.document.get("payCode") or ""), service_time=request.service_time,
                received_at=moment))
        return payment179.answer(payment179.OK, "", stamp)

    def _record(self, request: PaymentDataRequest) -> None:
        try:
            self.store.save(request)
        except IntegrityError:  # customs sent the same request twice at once: the first one is recorded
            pass

    def order(self, order_no: str, ebp_code: str = "") -> ImportOrder | None:
        """The order with this number on the given platform, or (customs names none) on the one platform holding
        it; None when no platform, or more than one, holds it."""
        codes = [ebp_code] if ebp_code else [e.code for e in self.enterprises.all() if "platform" in e.kinds]
        found = [o for o in (self._get(ImportOrder.create_id(code, order_no)) for code in codes) if o is not None]
        return found[0] if len(found) == 1 else None

    def _get(self, aggregate_id: UUID) -> Any:
        try:
            return self.store.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None

    # the enterprise supplies the raw data ---------------------------------------------------------

    def supply(self, raw: dict[str, Any], by: str, principal: Principal | None = None) -> PaymentRawData:
        """Check and keep the payment raw data of an order (again: it replaces what was supplied)."""
        ebp_code, order_no = str(raw.get("ebpCode") or "").strip(), str(raw.get("orderNo") or "").strip()
        order = self.order(order_no, ebp_code) if ebp_code and order_no else None
        if order is None:
            raise DeclarationRejected([FieldError("orderNo", "exists", f"电商平台 {ebp_code} 没有订单 {order_no}",
                                                  f"platform {ebp_code} has no order {order_no}")])
        if not _may_see(principal, order.ebp_code, str(order.document.get("payCode") or "")):
            raise DeclarationRejected([FieldError("orderNo", "tenancy", f"无权为订单 {order_no} 提供支付原始数据",
                                                  f"you may not supply data for order {order_no}")])
        data = {k: _text(raw[k]) for k in RAW_KEYS if raw.get(k) not in (None, "")}
        errors = check_raw(data, len(order.document.get("orderList") or []))
        if errors:
            raise DeclarationRejected(errors)
        found = self._get(PaymentRawData.create_id(ebp_code, order_no))
        if found is None:
            found = PaymentRawData(ebp_code=ebp_code, order_no=order_no, data=data, supplied_by=by,
                                   supplied_at=self.now())
        else:
            found.replace(data=data, supplied_by=by, supplied_at=self.now())
        self.store.save(found)
        return found

    # operators ------------------------------------------------------------------------------------

    def resend(self, request_id: UUID, by: str, principal: Principal | None = None) -> PaymentDataRequest:
        """Send a failed upload again (the principal's enterprises must be the platform or the payer)."""
        request = self._get(request_id)
        if not isinstance(request, PaymentDataRequest) or not _may_see(principal, request.ebp_code, request.pay_code):
            raise DeclarationRejected([FieldError("request", "exists", "没有这个数据请求", "no such data request")])
        if not request.resendable:
            raise DeclarationRejected([FieldError("request", "resend", "只能重发上传失败的请求",
                                                  "only a failed upload can be sent again")])
        request.resend(by=by)
        self.store.save(request)
        return request

    def ask_as_customs(self, order_no: str) -> tuple[str, dict[str, Any]]:
        """Demo: the customs simulator asks for an order's payment data, as customs would."""
        if self.customs is None:
            raise DeclarationRejected([FieldError("simulator", "off", "海关模拟器未运行",
                                                  "the customs simulator is off")])
        return self.customs.request(order_no, lambda form: self.open(form.get("openReq")))

    # the upload -----------------------------------------------------------------------------------

    def upload(self, request: PaymentDataRequest) -> PaymentDataRequest:
        """Build, sign and post the payment data of one request; record the outcome on it (not saved here)."""
        at = self.now()
        try:
            payload = self.payload(request)
        except Exception as error:  # missing data, an unusable key ...: recorded on the request, not retried forever
            reason = str(error) if isinstance(error, MissingData | UnknownSenderError) else \
                f"{type(error).__name__}: {error}"
            request.upload_failed(payload="", code="", message=reason[:1000], at=at)
            return request
        try:
            answer = self.uploader.upload(payload)
        except payment179.UploadError as error:
            request.upload_failed(payload=payload, code="", message=str(error)[:1000], at=at)
            return request
        code, message = str(answer.get("code") or ""), str(answer.get("message") or "")
        if code == payment179.OK:
            request.uploaded(payload=payload, code=code, message=message, at=at)
        else:
            request.upload_failed(payload=payload, code=code, message=message[:1000], at=at)
        return request

    def payload(self, request: PaymentDataRequest) -> str:
        """The signed `payExInfoStr` for a request, from what the platform holds now."""
        order = self.order(request.order_no, request.ebp_code)
        if order is None:
            raise MissingData(f"订单 {request.order_no} 不存在 order not found")
        raw = self._get(PaymentRawData.create_id(request.ebp_code, request.order_no))
        head, lists = payment_exchange(order.document, self._payment(order), raw.data if raw else None, request.guid)
        sign, cert_no = self.signing(request.ebp_code)
        service_time = str(int(self.now().timestamp() * 1000))
        return payment179.signed_upload(request.session_id, head, lists, service_time, sign, cert_no)

    def _payment(self, order: ImportOrder) -> dict[str, Any] | None:
        key = (str(order.document.get("payCode") or ""), str(order.document.get("payTransactionId") or ""))
        found = self._get(Declaration.create_id(PAYMENT.message, key))
        return found.document if found is not None else None

    def signing(self, code: str) -> tuple[Callable[[bytes], bytes], str]:
        """The platform enterprise's raw signing function and certificate number, loaded once."""
        if code not in self._keys:
            enterprise = self.enterprises.get(code)
            if enterprise is None:
                raise UnknownSenderError(f"电商平台 {code} 未在平台登记 enterprise {code} is not registered")
            loaded = self.enterprises.signing_key(code)  # the sealed key store (#17)
            self._keys[code] = (payment179.customs_signing(loaded.key), loaded.certificate.key_name)
        return self._keys[code]

    def certificate_of(self, code: str) -> Certificate | None:
        """The certificate registered for an enterprise (what customs checks certNo and signValue with)."""
        return self.enterprises.certificate(code)


def _text(value: Any) -> Any:
    """Codes and texts as strings (a JSON client may send verDept 3); the goods links stay a list."""
    return [str(v).strip() for v in value] if isinstance(value, list) else str(value).strip()


def _may_see(principal: Principal | None, *codes: str) -> bool:
    return principal is None or any(principal.may_see(code) for code in codes if code)


class UploadPaymentData:
    """Processor: uploads the payment data of every request received (or sent again), once."""

    consumer = "upload-payment-data"
    topics = (get_topic(PaymentDataRequest.Received), get_topic(PaymentDataRequest.ResendRequested))

    def __init__(self, service: PaymentData):
        self.service = service

    def run_once(self, limit: int = 50) -> int:
        store = self.service.store
        events, position = store.read(self.consumer, self.topics, limit)
        if position is None:
            return 0
        requests: dict[UUID, PaymentDataRequest] = {e.originator_id: store.repository.get(e.originator_id)
                                                    for e in events}
        store.save_tracked(Tracking(self.consumer, position),
                           *(self.service.upload(r) for r in requests.values() if r.due))
        return len(events)


class SourceGate:
    """Who may call platDataOpen, and how often (#16 item 11). The 179 specification signs only the upload the
    platform sends; customs' data request (openReq: orderNo, sessionID, serviceTime) carries no signature and no
    credential, so customs is recognised by where it calls from: the addresses and networks the platform registered
    with customs (CBEC_CUSTOMS179_SOURCES; default loopback only, for the embedded demo). Each source may call
    `rate` times in any minute. A refused call stores nothing in the event store: it is counted here, one counter per
    (source, reason), at most MAX_COUNTERS of them (the least recently refused goes first), and logged at most once a
    minute per counter."""

    MAX_COUNTERS = 1000
    WINDOW = 60.0

    def __init__(self, sources: tuple[str, ...], rate: int, clock: Callable[[], float] = time.monotonic):
        self.networks = tuple(ip_network(s, strict=False) for s in sources)
        self.rate, self.clock = rate, clock
        self._calls: OrderedDict[str, deque[float]] = OrderedDict()
        self.refusals: OrderedDict[tuple[str, str], dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def admit(self, address: str) -> str:
        """"" when the call may go on; else the reason it is refused: "source" (not a registered address) or "rate"
        (more than `rate` calls in the last minute from this source)."""
        now = self.clock()
        with self._lock:
            if not self._registered(address):
                return self._refuse(address, "source", now)
            calls = self._calls.pop(address, None) or deque()
            self._calls[address] = calls
            while calls and calls[0] <= now - self.WINDOW:
                calls.popleft()
            if len(calls) >= self.rate:
                return self._refuse(address, "rate", now)
            calls.append(now)
            while len(self._calls) > self.MAX_COUNTERS:
                self._calls.popitem(last=False)
            return ""

    def _registered(self, address: str) -> bool:
        try:
            found = ip_address(address)
        except ValueError:
            return False
        return any(found in network for network in self.networks)

    def _refuse(self, address: str, reason: str, now: float) -> str:
        key = (address[:64], reason)
        counter = self.refusals.pop(key, None) or {"count": 0, "logged": None}
        counter["count"] += 1
        self.refusals[key] = counter
        while len(self.refusals) > self.MAX_COUNTERS:
            self.refusals.popitem(last=False)
        if counter["logged"] is None or now - counter["logged"] >= self.WINDOW:
            counter["logged"] = now
            log.warning("179 platDataOpen refused: %s from %s (%d so far)", reason, key[0], counter["count"])
        return reason

    def counts(self) -> dict[str, int]:
        """Refusals counted since start, "<reason> <source>": count (for /healthz details)."""
        with self._lock:
            return {f"{reason} {source}": c["count"] for (source, reason), c in self.refusals.items()}


def build(store: EventStore, readmodels: Any, settings: Any, enterprises: Enterprises,
          simulated: bool = False) -> PaymentData:
    """I13: the service and its read model; with the simulator (simulated) customs' side answers in-process, else
    uploads go to CBEC_CUSTOMS179_URL when it is set."""
    service = PaymentData(store, enterprises, PaymentDataView(readmodels, store), NoUploader())
    if simulated:
        service.customs = Customs179Simulator(service.certificate_of)
    url = settings.customs179_url
    service.uploader = payment179.HttpUploader(url) if url else service.customs or NoUploader()
    service.gate = SourceGate(settings.customs179_sources, settings.customs179_rate)
    return service
