"""Processors: each reads events (or receipt files), calls policies and adapters, and records its effects
together with the position it consumed, so a restart neither repeats nor loses work. The embedded runner
and the distributed worker host these same classes."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError, Tracking
from eventsourcing.utils import get_topic

from adapters import ceb
from adapters.customs.transport import Transport, TransportDown
from domain.customs import documents, policies
from domain.customs.bagging import ParcelInBag
from domain.customs.model import BuyerYear, Declaration, ImportOrder, NumberIndex, TaxBill
from domain.exchange.model import CustomsMessage, ReceiptFile, UnmatchedReceipt
from domain.identity.model import Enterprise
from engine import clock
from engine.signing.signers import Signers
from engine.store import EventStore

log = logging.getLogger(__name__)


def message_type_of(declared: Any) -> str:
    """The CEB message of a Declared event: orders are CEB311, the other documents say theirs."""
    return getattr(declared, "message_type", "CEB311")


def number_of(declared: Any) -> str:
    return getattr(declared, "number", None) or declared.order_no


def to_pack(declared: list[Any]) -> list[Any]:
    """The Declared events still to pack: not those of a passthrough message (X1), recorded packed in it. Events
    stored before the flag existed have no attribute: packed here."""
    return [e for e in declared if not getattr(e, "passthrough", False)]


class PrepareMessages:
    """报文生成: declared documents -> CEB messages (CEB311, CEB411, CEB511, CEB513, CEB621, CEB623, CEB625,
    CEB711), one message per type and sender, built, XSD-checked and signed (X3)."""

    consumer = "prepare-messages"
    # #18: a document modified and declared again (修改重报) is packed anew from its Redeclared event
    topics = (get_topic(ImportOrder.Declared), get_topic(Declaration.Declared), get_topic(ImportOrder.Redeclared),
              get_topic(Declaration.Redeclared))

    def __init__(self, store: EventStore, signers: Signers, per_message: int = 100,
                 now: Callable[[], datetime] = clock.now):
        self.store, self.signers, self.per_message, self.now = store, signers, per_message, now

    def run_once(self, limit: int = 1000) -> int:
        events, position = self.store.read(self.consumer, self.topics, limit)
        if position is None:
            return 0
        try:
            self.handle(events, Tracking(self.consumer, position))
        except IntegrityError:
            # a document already has a second event: packed by another process, or a receipt arrived for it before
            # it was sent (customs answering the same key from another system); pack the others, log those
            pending = self.pending(events)
            skipped = sorted({number_of(e) for e in to_pack(events)} - {number_of(e) for e in pending})
            log.warning("not packing %s: already packed or answered before sending", ", ".join(skipped))
            self.handle(pending, Tracking(self.consumer, position))
        return len(events)

    def handle(self, declared: list[Any], tracking: Tracking) -> None:
        """Build one message per group of orders and record it, each order's Packed event and the position
        in one transaction. Passthrough documents are skipped: their message was recorded with them."""
        recorded: list[Any] = []
        for group in self.groups(declared):
            message = self.build(group)
            if message is not None:
                recorded += [message, *(self._packed(e, message) for e in group)]
        self.store.save_tracked(tracking, *recorded)

    def groups(self, declared: list[Any]) -> list[list[Any]]:
        """Documents of one type and one sender together, at most as many as the type's message holds."""
        by_type: dict[str, list[Any]] = {}
        for e in to_pack(declared):
            by_type.setdefault(message_type_of(e), []).append(e)
        groups: list[list[Any]] = []
        for message_type, events in by_type.items():
            doc_type = documents.of_message(message_type)
            per_message = min(self.per_message, doc_type.per_message)
            groups += policies.group_for_messages(events, lambda e, t=doc_type: policies.sender_of(e.document, t),
                                                  per_message)
        return groups

    def pending(self, declared: list[Any]) -> list[Any]:
        """The documents not packed yet (after losing a race with another worker)."""
        return [e for e in to_pack(declared)
                if not self.store.recorder.select_events(e.originator_id, gt=e.originator_version, limit=1)]

    def _packed(self, declared: Any, message: CustomsMessage) -> Any:
        """The Packed event right after the Declared (or Redeclared, #18) one it packs: two workers race on it."""
        cls: type[ImportOrder] | type[Declaration] = \
            ImportOrder if isinstance(declared, ImportOrder.Declared | ImportOrder.Redeclared) else Declaration
        return cls.Packed(originator_id=declared.originator_id, originator_version=declared.originator_version + 1,
                          timestamp=cls.Packed.create_timestamp(), message_id=message.id, message_guid=message.guid)

    def build(self, declared: list[Any]) -> CustomsMessage | None:
        message_type = message_type_of(declared[0])
        doc_type = documents.of_message(message_type)
        sender = self.signers.enterprise(policies.sender_of(declared[0].document, doc_type))
        guid = str(uuid4()).upper()
        transfer = {"copCode": sender.code, "copName": sender.name, "dxpMode": "DXP", "dxpId": sender.dxp_id}
        root = ceb.build(message_type, [e.document for e in declared], transfer, guid)
        signer = self.signers.signer(sender.code)
        signer.sign_tree(root)  # before the XSD check: CEB621/623/625/711 require the signature
        issues = ceb.validate(root)
        if issues:
            log.error("%s message %s failed the XSD: %s", message_type, guid, issues)
            return None
        return CustomsMessage(
            guid=guid, message_type=message_type, sender=sender.code,
            document_ids=[e.originator_id for e in declared], document_numbers=[number_of(e) for e in declared],
            xml=ceb.to_bytes(root).decode("utf-8"), algorithm=signer.algorithm, prepared_at=self.now())


class DeliverMessages:
    """报文推送: prepared messages -> the customs node transport, each exactly once (X3).

    A transport that refuses (TransportDown) costs the message one attempt, recorded as DeliveryFailed with the
    next try after an exponential backoff (`retry_base` seconds doubled per attempt, at most `retry_cap`); after
    `max_attempts` it is DeadLettered for an operator to resend or discard. `RetryDeliveries` retries them.

    `link()`, when given, returns the node configuration now (engine/exchange/node_link.py, X5): whether to wrap in a
    DxpMsg and with which sender and receiver IDs; without it `dxp_envelope` decides and the IDs are the defaults."""

    consumer = "deliver-messages"
    topics = (get_topic(CustomsMessage.Prepared),)

    def __init__(self, store: EventStore, box: Transport, dxp_envelope: bool = False,
                 now: Callable[[], datetime] = clock.now, max_attempts: int = 8, retry_base: float = 5.0,
                 retry_cap: float = 3600.0, link: Callable[[], Any] | None = None):
        self.store, self.box, self.dxp_envelope, self.now, self.link = store, box, dxp_envelope, now, link
        self.max_attempts, self.retry_base, self.retry_cap = max_attempts, retry_base, retry_cap

    def run_once(self, limit: int = 200) -> int:
        events, position = self.store.read(self.consumer, self.topics, limit)
        if position is not None:
            self.handle(events, Tracking(self.consumer, position))
        return len(events)

    def handle(self, prepared: list[Any], tracking: Tracking) -> None:
        messages: Iterator[CustomsMessage] = (self.store.repository.get(e.originator_id) for e in prepared)
        self.store.save_tracked(tracking, *(self.deliver(m) for m in messages
                                            if m.awaiting_delivery and m.next_try_at is None))

    def pending(self, prepared: list[Any]) -> list[Any]:
        """The messages not delivered yet (after losing a race with another worker)."""
        return [e for e in prepared if not self.store.recorder.select_events(e.originator_id, gt=1, limit=1)]

    def deliver(self, message: CustomsMessage) -> CustomsMessage:
        name = f"{message.message_type}Message_{message.guid}.xml"
        if message.delivered_as:  # sent again after a receipt timeout: a file box keeps the first under its name
            name = f"{message.message_type}Message_{message.guid}_{clock.customs_time(self.now())}.xml"
        data = message.xml.encode("utf-8")
        link = self.link() if self.link is not None else None
        if link.dxp_envelope if link is not None else self.dxp_envelope:
            data = self.wrap(message, data, link)
        try:
            if not self.box.deliver(name, data):
                log.info("message %s was already in the transport; not sent again", message.guid)
        except TransportDown as error:
            self.failed(message, str(error))
            return message
        message.delivered(file_name=name, transport=self.box.name, delivered_at=self.now())
        return message

    def failed(self, message: CustomsMessage, error: str) -> None:
        attempt = message.attempts + 1
        if attempt >= self.max_attempts:
            log.warning("message %s dead-lettered after %s attempts: %s", message.guid, attempt, error)
            message.dead_lettered(attempts=attempt, reason=error[:1000])
            return
        wait = min(self.retry_cap, self.retry_base * 2 ** (attempt - 1))
        log.info("message %s not delivered (attempt %s, next in %.1fs): %s", message.guid, attempt, wait, error)
        message.delivery_failed(attempt=attempt, error=error[:1000], next_try_at=self.now() + timedelta(seconds=wait))

    def wrap(self, message: CustomsMessage, data: bytes, link: Any = None) -> bytes:
        """The DxpMsg: sender the configured DXP ID or else the enterprise's own, receiver the cross-border system
        of the message's direction (configured, or the defaults DXPEDCCEB0000002 / 0000003)."""
        direction = documents.of_message(message.message_type).direction
        sender_id = link.sender_dxp_id if link is not None else ""
        if not sender_id:
            sender_id = self.store.repository.get(Enterprise.create_id(message.sender)).dxp_id
        if link is not None:
            receiver = link.receiver_for(direction)
        else:
            receiver = ceb.EXPORT_RECEIVER if direction == "export" else ceb.IMPORT_RECEIVER
        return ceb.wrap_dxp(data, sender_id=sender_id, receiver_id=receiver,
                            msg_type=f"{message.message_type}Message", cop_msg_id=message.guid,
                            created=message.prepared_at)


class RetryDeliveries:
    """Retries of refused deliveries and operators' resends, due according to the `messages` read model. The
    aggregate decides: a message delivered meanwhile is skipped, and two retriers race on its version."""

    def __init__(self, deliver: DeliverMessages, due: Callable[[datetime, int], list[UUID]]):
        self.deliver, self.due = deliver, due

    def run_once(self, limit: int = 100) -> int:
        done = 0
        now = self.deliver.now()
        for message_id in self.due(now, limit):
            message: CustomsMessage = self.deliver.store.repository.get(message_id)
            if not message.awaiting_delivery or (message.next_try_at and message.next_try_at > now):
                continue
            try:
                self.deliver.store.save(self.deliver.deliver(message))
            except IntegrityError:
                log.info("message %s was handled by another worker", message.guid)
            done += 1
        return done


class ApplyReceipts:
    """回执结果处理: receipt files -> receipt events on their documents (X4); the tax bills (CEB816/818) and summary
    results (CEB792) customs sends on its own -> their aggregates. What a receipt causes elsewhere (a number indexed,
    an inventory ended, a refused bag's parcels released, a return given back to the annual limit) is decided by
    `policies.consequences_of_receipt`; this host loads the aggregates the effects name and calls their methods.

    Idempotent: a receipt already applied is skipped, so a file read twice (crash before it was moved
    aside, or redelivered by Kafka) changes nothing the second time. Another worker recording on the same
    document at the same moment makes the save fail on the version number; the batch is then re-applied
    to the fresh documents."""

    ATTEMPTS = 5

    def __init__(self, store: EventStore, box: Transport):
        self.store, self.box = store, box

    def run_once(self, limit: int = 200) -> int:
        """Fetch receipts from the transport, record them, then acknowledge (or set aside) each."""
        try:
            incoming = self.box.fetch(limit)
        except TransportDown as error:
            log.warning("no receipts this pass: %s", error)
            return 0
        problems = self.handle([(item.name, item.data) for item in incoming])
        for item in incoming:
            if item.name in problems:
                self.box.reject(item, problems[item.name])
            else:
                self.box.ack(item)
        return len(incoming)

    def handle(self, receipts: list[tuple[str, bytes]]) -> dict[str, str]:
        """Apply receipt files given as (name, content); returns the unreadable ones with the reason."""
        for attempt in range(1, self.ATTEMPTS + 1):
            changed: dict[UUID, Any] = {}
            problems = {name: p for name, data in receipts if (p := self._apply_file(name, data, changed))}
            try:
                self.store.save(*changed.values())
                return problems
            except IntegrityError:
                if attempt == self.ATTEMPTS:
                    raise
                # the repository hands out copies and fast-forwards them, so the next attempt sees the new events
                log.info("receipts raced another writer; re-applying (attempt %s)", attempt + 1)
        return {}

    def _apply_file(self, name: str, data: bytes, changed: dict[UUID, Any]) -> str:
        try:
            message = ceb.parse(data)
        except ceb.CodecError as error:
            return f"不可解析的回执 unreadable receipt: {error}"
        self._keep_file(name, message.message_type, data, changed)
        if message.message_type == "CEB900":
            self._apply_format_errors(message, name, changed)
            return ""
        if message.message_type in (documents.TAX_BILL, documents.TAX_STATUS):
            self._apply_tax(message, name, changed)
            return ""
        if message.message_type == documents.SUMMARY_RESULT:
            self._apply_summary_results(message, name, changed)
            return ""
        target = policies.RECEIPT_TARGETS.get(message.message_type)
        if target is None:
            return f"不支持的回执类型 unsupported receipt type: {message.message_type}"
        for doc, (key, receipt) in zip(message.documents, policies.receipts_of(message.message_type,
                                                                                message.documents, name), strict=True):
            document = self._load(Declaration.create_id(target[0], key), changed)
            if document is None:
                self._keep_unmatched(name, message.message_type, target[0], "/".join(key), doc, changed)
                continue
            applied = document.apply_receipt(receipt, policies.assigned_numbers(doc)) \
                if isinstance(document, Declaration) else document.apply_receipt(receipt)
            if applied:
                changed[document.id] = document
                self._effects(document, receipt, changed)
        return ""

    def _keep_file(self, name: str, message_type: str, data: bytes, changed: dict[UUID, Any]) -> None:
        """The raw receipt, once per file name (a file read again is not kept twice)."""
        file_id = ReceiptFile.create_id(name)
        if file_id not in changed and file_id not in self.store.repository:
            changed[file_id] = ReceiptFile(file_name=name, message_type=message_type,
                                           xml=data.decode("utf-8", "replace"))

    def _effects(self, document: Any, receipt: Any, changed: dict[UUID, Any]) -> None:
        """Carry out what a receipt just applied to `document` causes (policies.consequences_of_receipt decides: a
        number indexed, an inventory ended, a refused bag's parcels released, a return given back to the annual
        limit): load the aggregates each effect names and call their methods, which refuse what already happened."""
        for effect in policies.consequences_of_receipt(
                getattr(document, "message_type", ""), str(document.id), document.number,
                getattr(document, "links", {}), document.document, getattr(document, "numbers", {}), receipt):
            for aggregate in self._carry_out(effect, changed):
                changed[aggregate.id] = aggregate

    def _carry_out(self, effect: policies.Effect, changed: dict[UUID, Any]) -> list[Any]:
        """The aggregates one effect changed (none when it had happened already)."""
        if isinstance(effect, policies.IndexNumber):
            if self._load(NumberIndex.create_id(effect.kind, effect.number), changed) is not None:
                return []
            return [NumberIndex(kind=effect.kind, number=effect.number, document_id=effect.document_id)]
        if isinstance(effect, policies.EndInventory):
            inventory = self._load(UUID(effect.inventory_id), changed)
            ended = inventory is not None and inventory.end(
                cancellation=effect.cancellation_no, return_time=effect.return_time, reason=effect.reason)
            return [inventory] if ended else []
        if isinstance(effect, policies.ReleaseParcels):
            claims = (self._load(ParcelInBag.create_id(code, no), changed) for code, no in effect.parcels)
            return [c for c in claims if c is not None and c.release_from(effect.bag_id, effect.reason)]
        if isinstance(effect, policies.GiveBack):
            inventory = self._load(UUID(effect.inventory_id), changed)
            key = policies.annual_limit_key(inventory.document, inventory.declared_at) if inventory else None
            if key is None:
                return []
            ledger = self._load(BuyerYear.create_id(*key), changed) or BuyerYear(buyer_id_number=key[0], year=key[1])
            return [ledger] if ledger.give_back(effect.return_id, effect.inventory_id) else []
        raise TypeError(f"no way to carry out {effect!r}")

    def _by_number(self, kind: str, number: str, changed: dict[UUID, Any]) -> Any:
        index = self._load(NumberIndex.create_id(kind, number), changed) if number else None
        return self._load(UUID(index.document_id), changed) if index is not None else None

    def _apply_summary_results(self, message: Any, name: str, changed: dict[UUID, Any]) -> None:
        """汇总结果单 CEB792: each result on the summary application customs numbered with its sumNo."""
        for doc in message.documents:
            summary = self._by_number("sumNo", str(doc.get("sumNo") or ""), changed)
            if summary is None:
                self._keep_unmatched(name, message.message_type, "sumNo", str(doc.get("sumNo") or ""), doc, changed)
            elif summary.record_summary_result(policies.summary_result(doc), name):
                changed[summary.id] = summary

    def _apply_tax(self, message: Any, name: str, changed: dict[UUID, Any]) -> None:
        """电子税单 CEB816 (issued) and CEB818 (status changed), keyed by inventory and tax bill number."""
        for doc in message.documents:
            invt_no, tax_no = str(doc.get("invtNo") or ""), str(doc.get("taxNo") or "")
            bill = self._load(TaxBill.create_id(invt_no, tax_no), changed)
            if message.message_type == documents.TAX_BILL:
                if bill is None:
                    bill = TaxBill(invt_no=invt_no, tax_no=tax_no, document=doc, source=name)
                    changed[bill.id] = bill
            elif bill is None:
                self._keep_unmatched(name, message.message_type, documents.TAX_BILL, f"{invt_no}/{tax_no}", doc,
                                     changed)
            elif bill.change_status(doc, name):
                changed[bill.id] = bill

    def _apply_format_errors(self, message: Any, name: str, changed: dict[UUID, Any]) -> None:
        for doc in message.documents:
            receipt = policies.format_receipt(doc, name)
            msg = self._load(CustomsMessage.create_id(str(doc.get("oriCopMsgId") or doc.get("guid"))), changed)
            if msg is None:
                self._keep_unmatched(name, message.message_type, "message", str(doc.get("oriCopMsgId") or
                                                                                doc.get("guid") or ""), doc, changed)
                continue
            if msg.reject_format(receipt):
                changed[msg.id] = msg
            for order_id in msg.document_ids:
                order = self._load(order_id, changed)
                if order is not None and order.message_id != msg.id:
                    continue  # #18: redeclared since; the format error was of the earlier version's message
                if order is not None and order.apply_receipt(receipt):
                    changed[order.id] = order
                    self._effects(order, receipt, changed)

    def _keep_unmatched(self, name: str, message_type: str, addressed_to: str, key: str, doc: dict[str, Any],
                        changed: dict[UUID, Any]) -> None:
        """A receipt for something the platform never sent is kept for the operators (X2), not dropped: it may be
        a document declared elsewhere under our codes, or a customs mistake someone has to chase."""
        log.warning("receipt %s for unknown %s %s kept as unmatched", name, addressed_to, key)
        if self._load(UnmatchedReceipt.create_id(name, addressed_to, key), changed) is None:
            kept = UnmatchedReceipt(file_name=name, message_type=message_type, addressed_to=addressed_to, key=key,
                                    fields={k: str(v) for k, v in doc.items() if not isinstance(v, list | dict)})
            changed[kept.id] = kept

    def _load(self, aggregate_id: UUID, changed: dict[UUID, Any]) -> Any:
        if aggregate_id in changed:
            return changed[aggregate_id]
        try:
            return self.store.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
