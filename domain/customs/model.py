"""Aggregates of the customs context: import orders and the customs messages that carry them."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.customs import statuses
from domain.customs.receipts import Receipt, newer_than

NAMESPACE = uuid5(NAMESPACE_URL, "https://cbec.local/customs")


class ImportOrder(Aggregate):
    """订单 import order, CEB311. Identified by the platform code and order number (unique per platform)."""

    @staticmethod
    def create_id(ebp_code: str, order_no: str, **_: Any) -> UUID:
        return uuid5(NAMESPACE, f"CEB311/{ebp_code}/{order_no}")

    @event("Declared")
    def __init__(self, ebp_code: str, order_no: str, document: dict[str, Any], declared_by: str,
                 declared_at: datetime) -> None:
        self.ebp_code = ebp_code
        self.order_no = order_no
        self.document = document
        self.declared_by = declared_by
        self.declared_at = declared_at
        self.status = statuses.DECLARED
        self.message_id: UUID | None = None
        self.status_time = ""
        self.return_info = ""
        self.receipts: list[dict[str, str]] = []

    @event("Packed")
    def packed(self, message_id: UUID, message_guid: str) -> None:
        """Put into a customs message. Always the order's second event, so two processors packing the same
        order race on one version number and only one can win (exactly once across workers)."""
        self.message_id = message_id

    PACKED_VERSION = 2

    @property
    def _customs_status(self) -> str:
        return self.status if self.status_time else ""

    @property
    def guid(self) -> str:
        return str(self.document["guid"])

    def apply_receipt(self, receipt: Receipt) -> bool:
        """Record a customs receipt once; only a receipt newer than the current one changes the status."""
        if receipt.key in {r["key"] for r in self.receipts}:
            return False
        supersedes = newer_than(receipt, self.status_time, self._customs_status)
        self._receipt_applied(receipt=receipt.as_dict(), supersedes=supersedes)
        return True

    @event("ReceiptApplied")
    def _receipt_applied(self, receipt: dict[str, str], supersedes: bool) -> None:
        self.receipts.append(receipt)
        if supersedes:
            self.status = receipt["returnStatus"]
            self.status_time = receipt["returnTime"]
            self.return_info = receipt["returnInfo"]


class CustomsMessage(Aggregate):
    """One signed CEB message (up to 100 documents) and its journey to the customs node."""

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
        """An operator sends a dead letter again: same guid, same signed XML, a fresh retry budget."""
        self.dead_letter = ""
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
