"""回执超时 (X2, X5): a delivered message customs has not answered within its type's time raises one alert (an
event: on the alerts console, and queued for the configured contacts) and follows the configured policy:

- wait: nothing more; the operator decides;
- resend: the message goes out again with the same guid and signed XML (CustomsMessage.resent, delivered by
  RetryDeliveries like an operator's dead-letter resend), at most `resend_max` times, then the alert escalates;
- escalate: the alert is escalated at once (shown first).

"Now" comes from the injected clock, so tests move it instead of sleeping."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from domain.exchange.model import CustomsMessage, ReceiptAlert
from domain.exchange.node_link import LinkAlert
from domain.shared.rules import DeclarationRejected, FieldError
from engine import clock
from engine.store import EventStore
from projections.exchange.alerts import AlertsView

log = logging.getLogger(__name__)
WATCHER = "receipt-watch"
Alert = TypeVar("Alert", ReceiptAlert, LinkAlert)  # the alerts an operator acknowledges


class ReceiptWatch:
    def __init__(self, store: EventStore, view: AlertsView, timeouts: dict[str, int], policy: str = "wait",
                 resend_max: int = 3, contacts: tuple[str, ...] = (), now: Callable[[], datetime] = clock.now):
        self.store, self.view, self.timeouts, self.policy = store, view, timeouts, policy
        self.resend_max, self.contacts, self.now = resend_max, contacts, now

    def timeout_of(self, message_type: str) -> int:
        return self.timeouts.get(message_type, self.timeouts["default"])

    def run_once(self, limit: int = 100) -> int:
        """Decide on every message overdue now (the tracking read model says which); two watchers racing on one
        alert or message lose on its version number, and the loser finds it decided next pass."""
        now = self.now().astimezone(UTC)
        cutoffs = {t: now - timedelta(seconds=s) for t, s in self.timeouts.items()}
        done = 0
        for row in self.view.awaiting(cutoffs, limit):
            try:
                done += self.decide(row)
            except IntegrityError:
                log.info("receipt timeout of %s handled by another worker", row["message_id"])
        return done

    def decide(self, row: dict[str, Any]) -> int:
        message: CustomsMessage = self.store.repository.get(UUID(row["message_id"]))
        alert = self._alert(row["message_id"])
        if alert is None:
            alert = ReceiptAlert(message_id=row["message_id"], guid=message.guid, message_type=message.message_type,
                                 sender=message.sender, document_numbers=list(message.document_numbers),
                                 timeout=self.timeout_of(message.message_type), policy=self.policy,
                                 contacts=list(self.contacts), seen_delivery=row["updated_at"])
            log.warning("no receipt for %s message %s within %s s (policy %s)", message.message_type, message.guid,
                        alert.timeout, self.policy)
        elif alert.seen_delivery >= row["updated_at"] or alert.escalated:
            return 0  # decided already; the read model had not caught up
        changed: list[Any] = [alert]
        if alert.policy == "escalate":
            alert.escalate(reason="policy escalate", seen_delivery=row["updated_at"])
        elif alert.policy == "resend" and alert.resends < self.resend_max:
            message.resent(by=WATCHER, reason=f"no receipt within {alert.timeout} s")
            alert.resent(attempt=alert.resends + 1, seen_delivery=row["updated_at"])
            changed.append(message)
        elif alert.policy == "resend":
            alert.escalate(reason=f"no receipt after {alert.resends} resends", seen_delivery=row["updated_at"])
        self.store.save(*changed)
        return 1

    def acknowledge(self, alert_id: UUID, by: str, note: str = "") -> ReceiptAlert:
        """An operator has seen the alert (X5:manage); recorded with who and an optional note."""
        return acknowledge(self.store, ReceiptAlert, alert_id, by, note)

    def _alert(self, message_id: str) -> ReceiptAlert | None:
        try:
            return self.store.repository.get(ReceiptAlert.create_id(message_id))
        except AggregateNotFoundError:
            return None


def acknowledge(store: EventStore, kind: type[Alert], alert_id: UUID, by: str, note: str = "") -> Alert:
    """Record that `by` has seen the alert of class `kind` (a receipt or a link alert), once; a clear error when
    there is no such alert or someone acknowledged it already."""
    alert: Aggregate | None
    try:
        alert = store.repository.get(alert_id)
    except AggregateNotFoundError:
        alert = None
    if not isinstance(alert, kind):
        raise DeclarationRejected([FieldError(field="alert", rule="not_found", message_zh="没有这条告警",
                                              message_en="no such alert")])
    if alert.acknowledged_by:
        raise DeclarationRejected([FieldError(field="alert", rule="acknowledged",
                                              message_zh=f"该告警已由 {alert.acknowledged_by} 确认",
                                              message_en=f"already acknowledged by {alert.acknowledged_by}")])
    alert.acknowledge(by=by, note=note.strip()[:500])
    store.save(alert)
    return alert
