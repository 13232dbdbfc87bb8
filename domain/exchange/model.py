"""The exchange with the customs node (X2-X5): the signed messages that carry the documents (CustomsMessage), what
needs an operator's eye on the link (a message customs has not answered in time, ReceiptAlert; a receipt that names
nothing the platform sent, UnmatchedReceipt), the alerts' e-mails and the raw receipt files. All are events, so
who acknowledged what, and every automatic resend, stays in the history."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.shared.ids import NAMESPACE
from domain.shared.receipts import Receipt

POLICIES = ("wait", "resend", "escalate")  # what a receipt timeout does besides raising the alert


class ReceiptAlert(Aggregate):
    """回执超时告警: one per message. `seen_delivery` is the delivery (the message's time in the tracking read
    model) the last decision was about, so a resent message that times out again is noticed once more."""

    @staticmethod
    def create_id(message_id: str, **_: Any) -> UUID:
        return uuid5(NAMESPACE, f"receipt-alert/{message_id}")

    @event("Raised")
    def __init__(self, message_id: str, guid: str, message_type: str, sender: str, document_numbers: list[str],
                 timeout: int, policy: str, contacts: list[str], seen_delivery: str) -> None:
        self.message_id = message_id
        self.guid = guid
        self.message_type = message_type
        self.sender = sender
        self.document_numbers = document_numbers
        self.timeout = timeout
        self.policy = policy
        self.contacts = contacts
        self.seen_delivery = seen_delivery
        self.resends = 0
        self.escalated = ""  # why, once escalated
        self.acknowledged_by = ""

    @event("Resent")
    def resent(self, attempt: int, seen_delivery: str) -> None:
        """The message went out again with the same guid and signed XML (policy resend)."""
        self.resends = attempt
        self.seen_delivery = seen_delivery

    @event("Escalated")
    def escalate(self, reason: str, seen_delivery: str) -> None:
        self.escalated = reason
        self.seen_delivery = seen_delivery

    @event("Acknowledged")
    def acknowledge(self, by: str, note: str) -> None:
        self.acknowledged_by = by


class UnmatchedReceipt(Aggregate):
    """未匹配回执: a receipt for a document, message, tax bill or summary the platform does not know, kept with its
    fields instead of being dropped. One per receipt file and addressee, so reading the file again adds nothing."""

    @staticmethod
    def create_id(file_name: str, addressed_to: str, key: str, **_: Any) -> UUID:
        return uuid5(NAMESPACE, f"unmatched-receipt/{file_name}/{addressed_to}/{key}")

    @event("Kept")
    def __init__(self, file_name: str, message_type: str, addressed_to: str, key: str,
                 fields: dict[str, str]) -> None:
        self.file_name = file_name
        self.message_type = message_type
        self.addressed_to = addressed_to
        self.key = key
        self.fields = fields


class AlertMail(Aggregate):
    """告警邮件: one e-mail of an alert to one contact (X5). Each attempt to hand it to the mail server is an event,
    so a rebuilt read model knows what went out and nothing is mailed twice because a view was replayed."""

    @staticmethod
    def create_id(alert_id: str, contact: str, subject: str, **_: Any) -> UUID:
        return uuid5(NAMESPACE, f"alert-mail/{alert_id}/{contact}/{subject}")

    @event("Tried")
    def __init__(self, alert_id: str, contact: str, subject: str, error: str) -> None:
        self.alert_id = alert_id
        self.contact = contact
        self.subject = subject
        self.attempts = 1
        self.error = error  # '' once the server took it

    @event("TriedAgain")
    def tried_again(self, error: str) -> None:
        self.attempts += 1
        self.error = error

    @property
    def sent(self) -> bool:
        return not self.error


class ReceiptFile(Aggregate):
    """原始回执: a receipt message as customs sent it, kept once per file name so message tracking can show the
    raw XML of every receipt stage (X5), whatever transport brought it."""

    @staticmethod
    def create_id(file_name: str, **_: Any) -> UUID:
        return uuid5(NAMESPACE, f"receipt-file/{file_name}")

    @event("Received")
    def __init__(self, file_name: str, message_type: str, xml: str) -> None:
        self.file_name = file_name
        self.message_type = message_type
        self.xml = xml


class CustomsMessage(Aggregate):
    """One signed CEB message (up to 100 documents) and its journey to the customs node."""

    if TYPE_CHECKING:  # event classes @event makes below, named by other modules (topics, isinstance); their
        # fields are the decorated method's arguments, which mypy cannot see: typed as any class
        Prepared: ClassVar[type[Any]]

    @staticmethod
    def create_id(guid: str, **_: Any) -> UUID:
        return uuid5(NAMESPACE, f"message/{guid}")

    @event("Prepared")
    def __init__(self, guid: str, message_type: str, sender: str, document_ids: list[UUID],
                 document_numbers: list[str], xml: str, algorithm: str, prepared_at: datetime) -> None:
        self.guid = guid
        self.message_type = message_type
        self.sender = sender
        self.document_ids = document_ids
        self.document_numbers = document_numbers
        self.xml = xml
        self.algorithm = algorithm
        self.prepared_at = prepared_at
        self.delivered_as = ""
        self.delivered_at: datetime | None = None
        self.format_errors: list[dict[str, str]] = []
        self.attempts = 0  # failed delivery attempts since preparation or the last resend
        self.last_error = ""
        self.next_try_at: datetime | None = None
        self.dead_letter = ""  # why it went to the dead-letter list, while it is there
        self.discarded = False

    @property
    def awaiting_delivery(self) -> bool:
        """Neither delivered, nor dead-lettered, nor discarded: the delivery processor still owes it."""
        return self.delivered_at is None and not self.dead_letter and not self.discarded

    @event("DeliveryFailed")
    def delivery_failed(self, attempt: int, error: str, next_try_at: datetime) -> None:
        """The transport refused it (X3 retries); tried again at next_try_at."""
        self.attempts = attempt
        self.last_error = error
        self.next_try_at = next_try_at

    @event("DeadLettered")
    def dead_lettered(self, attempts: int, reason: str) -> None:
        """Given up after the retry limit; waits for an operator on the dead-letter list."""
        self.attempts = attempts
        self.dead_letter = reason
        self.next_try_at = None

    @event("Resent")
    def resent(self, by: str, reason: str) -> None:
        """An operator sends a dead letter again, or the receipt watch a message customs never answered: same guid,
        same signed XML, a fresh retry budget, owed to the delivery processor again."""
        self.dead_letter = ""
        self.delivered_at = None
        self.attempts = 0
        self.next_try_at = None

    @event("Discarded")
    def discard(self, by: str, reason: str) -> None:
        """An operator gives a dead letter up for good."""
        self.dead_letter = ""
        self.discarded = True

    @event("Delivered")
    def delivered(self, file_name: str, transport: str, delivered_at: datetime) -> None:
        self.delivered_as = file_name
        self.delivered_at = delivered_at

    @event("FormatRejected")
    def _format_rejected(self, receipt: dict[str, str]) -> None:
        self.format_errors.append(receipt)

    def reject_format(self, receipt: Receipt) -> bool:
        """A CEB900 format-check receipt: recorded once."""
        if receipt.key in {r["key"] for r in self.format_errors}:
            return False
        self._format_rejected(receipt=receipt.as_dict())
        return True
