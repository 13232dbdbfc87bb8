"""告警 read model (X2, X5): receipt-timeout alerts, the notifications they queue, and receipts nobody was waiting for.

Table receipt_alerts: alert_id, message_id, guid, message_type, sender, document_numbers, timeout (seconds), policy,
resends, escalated (why, '' when not), acknowledged_by, acknowledged_at, note, seen_delivery (the message's
updated_at the last decision was about), contacts (space separated), raised_at, updated_at.
Table alert_notifications: one row per contact and alert event (receipt alert raised or escalated, link alert raised),
status 'queued'; engine/exchange/alert_mailer.py sends them when a mail server is configured
(projections/exchange/alert_mails.py).
Table unmatched_receipts: receipt_id, file_name, message_type, addressed_to, doc_key, return_status, return_time,
return_info, received_at."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from eventsourcing.utils import get_topic

from domain.exchange import key_expiry
from domain.exchange.key_expiry import KeyExpiryAlert
from domain.exchange.model import ReceiptAlert, UnmatchedReceipt
from domain.exchange.node_link import LinkAlert
from projections.base import Projector

log = logging.getLogger(__name__)
DDL = (
    """CREATE TABLE IF NOT EXISTS receipt_alerts (
        alert_id VARCHAR(36) PRIMARY KEY, message_id VARCHAR(36) NOT NULL, guid VARCHAR(36) NOT NULL,
        message_type VARCHAR(8) NOT NULL, sender VARCHAR(18), document_numbers TEXT, timeout INTEGER NOT NULL,
        policy VARCHAR(10) NOT NULL, resends INTEGER NOT NULL, escalated VARCHAR(200) NOT NULL,
        acknowledged_by VARCHAR(100) NOT NULL, acknowledged_at VARCHAR(40), note VARCHAR(500),
        seen_delivery VARCHAR(40) NOT NULL, contacts TEXT NOT NULL, raised_at VARCHAR(40) NOT NULL,
        updated_at VARCHAR(40) NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS receipt_alerts_message ON receipt_alerts (message_id)",
    """CREATE TABLE IF NOT EXISTS alert_notifications (
        alert_id VARCHAR(36) NOT NULL, contact VARCHAR(200) NOT NULL, subject VARCHAR(300) NOT NULL,
        status VARCHAR(10) NOT NULL, queued_at VARCHAR(40) NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS unmatched_receipts (
        receipt_id VARCHAR(36) PRIMARY KEY, file_name VARCHAR(200) NOT NULL, message_type VARCHAR(8) NOT NULL,
        addressed_to VARCHAR(16) NOT NULL, doc_key VARCHAR(200) NOT NULL, return_status VARCHAR(16),
        return_time VARCHAR(17), return_info VARCHAR(1000), received_at VARCHAR(40) NOT NULL)""",
)
# the messages still waiting for their first receipt, with the alert about them (if any)
AWAITING = """SELECT m.message_id, m.message_type, m.updated_at, a.alert_id FROM customs_messages m
    LEFT JOIN receipt_alerts a ON a.message_id = m.message_id
    WHERE m.status = 'delivered' AND m.customs_status = '' AND ({overdue})
    AND (a.alert_id IS NULL OR (a.policy = 'resend' AND a.escalated = '' AND a.seen_delivery < m.updated_at))
    ORDER BY m.updated_at LIMIT ?"""


class AlertsView(Projector):
    name = "alerts"
    tables = ("receipt_alerts", "alert_notifications", "unmatched_receipts")
    ddl = DDL
    topics = tuple(map(get_topic, (ReceiptAlert.Raised, ReceiptAlert.Resent, ReceiptAlert.Escalated,
                                   ReceiptAlert.Acknowledged, UnmatchedReceipt.Kept, LinkAlert.Raised,
                                   KeyExpiryAlert.Raised)))

    def apply(self, events: list[Any]) -> None:
        for e in events:
            aid, at = str(e.originator_id), e.timestamp.isoformat()
            if isinstance(e, ReceiptAlert.Raised):
                self.db.execute("INSERT INTO receipt_alerts VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, '', '', NULL, '', "
                                "?, ?, ?, ?) ON CONFLICT (alert_id) DO NOTHING",
                                (aid, e.message_id, e.guid, e.message_type, e.sender, " ".join(e.document_numbers),
                                 e.timeout, e.policy, e.seen_delivery, " ".join(e.contacts), at, at))
                self._notify(aid, e.contacts, f"回执超时 receipt timeout: {e.message_type} {e.guid}", at)
            elif isinstance(e, ReceiptAlert.Resent):
                self._set(aid, at, "resends = ?, seen_delivery = ?", e.attempt, e.seen_delivery)
            elif isinstance(e, ReceiptAlert.Escalated):
                self._set(aid, at, "escalated = ?, seen_delivery = ?", e.reason[:200], e.seen_delivery)
                for r in self.db.query("SELECT * FROM receipt_alerts WHERE alert_id = ?", (aid,)):
                    subject = f"回执超时已升级 escalated: {r['message_type']} {r['guid']}"
                    self._notify(aid, r["contacts"].split(), subject, at)
            elif isinstance(e, ReceiptAlert.Acknowledged):
                self._set(aid, at, "acknowledged_by = ?, acknowledged_at = ?, note = ?", e.by, at, e.note[:500])
            elif isinstance(e, LinkAlert.Raised):  # stale box or transport down (engine/exchange/node_link.py)
                subject = f"链路告警 link alert: {e.kind} {e.direction} {e.transport}: {e.detail}"[:300]
                self._notify(aid, getattr(e, "contacts", None) or [], subject, at)
            elif isinstance(e, KeyExpiryAlert.Raised):  # a signing certificate ends soon (engine/signing/expiry.py)
                self._notify(aid, e.contacts, key_expiry.subject(e.enterprise, e.key_id, e.not_after, e.days_left), at)
            elif isinstance(e, UnmatchedReceipt.Kept):
                f = e.fields
                self.db.execute("INSERT INTO unmatched_receipts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                                "ON CONFLICT (receipt_id) DO NOTHING",
                                (aid, e.file_name, e.message_type, e.addressed_to, e.key[:200],
                                 f.get("returnStatus") or f.get("status") or f.get("decState") or "",
                                 f.get("returnTime") or f.get("opDate") or "", (f.get("returnInfo") or "")[:1000], at))

    def _set(self, alert_id: str, at: str, sets: str, *params: Any) -> None:
        self.db.execute(f"UPDATE receipt_alerts SET {sets}, updated_at = ? WHERE alert_id = ?", (*params, at, alert_id))

    def _notify(self, alert_id: str, contacts: list[str], subject: str, at: str) -> None:
        """Queue the e-mail to each contact; the alert mailer sends it when a mail server is configured."""
        self.db.executemany("INSERT INTO alert_notifications VALUES (?, ?, ?, 'queued', ?)",
                            [(alert_id, c, subject, at) for c in contacts])
        for contact in contacts:
            log.warning("notification queued for %s: %s", contact, subject)

    # queries ------------------------------------------------------------------------------------

    def awaiting(self, cutoffs: dict[str, datetime], limit: int) -> list[dict[str, Any]]:
        """Delivered messages without a receipt older than their type's cutoff (cutoffs by message type,
        "default" for the others) that need a decision: no alert yet, or a resend that timed out too."""
        named = [t for t in cutoffs if t != "default"]
        overdue = [("m.message_type = ? AND m.updated_at < ?", (t, cutoffs[t].isoformat())) for t in named]
        others = f"m.message_type NOT IN ({', '.join('?' * len(named))}) AND " if named else ""
        overdue.append((others + "m.updated_at < ?", (*named, cutoffs["default"].isoformat())))
        sql = AWAITING.format(overdue=" OR ".join(f"({part})" for part, _ in overdue))
        return self.db.query(sql, (*(p for _, params in overdue for p in params), limit))

    def alerts(self) -> list[dict[str, Any]]:
        """Escalated first, then the ones nobody acknowledged, newest first; with the message's state now."""
        return self.db.query(
            "SELECT a.*, m.status AS message_status, m.customs_status FROM receipt_alerts a "
            "LEFT JOIN customs_messages m ON m.message_id = a.message_id "
            "ORDER BY CASE WHEN a.escalated <> '' THEN 0 ELSE 1 END, "
            "CASE WHEN a.acknowledged_by = '' THEN 0 ELSE 1 END, a.raised_at DESC")

    def notifications(self) -> list[dict[str, Any]]:
        return self.db.query("SELECT * FROM alert_notifications ORDER BY queued_at DESC")

    def unmatched(self) -> list[dict[str, Any]]:
        return self.db.query("SELECT * FROM unmatched_receipts ORDER BY received_at DESC")
