"""告警邮件 read model (X5): what became of each alert notification the alerts view queued.

Table alert_mails: mail_id, alert_id, contact, subject, attempts, error ('' once the mail server took it),
updated_at. `notifications()` joins it to the queued notifications (projections/exchange/alerts.py), so the console
shows each as queued, sent or failed (with the server's answer); `due()` is what the mailer sends next."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from eventsourcing.utils import get_topic

from domain.exchange.model import AlertMail
from projections.base import Projector

DDL = ("""CREATE TABLE IF NOT EXISTS alert_mails (
        mail_id VARCHAR(36) PRIMARY KEY, alert_id VARCHAR(36) NOT NULL, contact VARCHAR(200) NOT NULL,
        subject VARCHAR(300) NOT NULL, attempts INTEGER NOT NULL, error VARCHAR(500) NOT NULL,
        updated_at VARCHAR(40) NOT NULL)""",
       "CREATE INDEX IF NOT EXISTS alert_mails_alert ON alert_mails (alert_id, contact)")
JOINED = """SELECT n.alert_id, n.contact, n.subject, n.queued_at, m.attempts, m.error, m.updated_at AS tried_at,
    CASE WHEN m.mail_id IS NULL THEN 'queued' WHEN m.error = '' THEN 'sent' ELSE 'failed' END AS status
    FROM alert_notifications n LEFT JOIN alert_mails m
    ON m.alert_id = n.alert_id AND m.contact = n.contact AND m.subject = n.subject"""


class AlertMailsView(Projector):
    name = "alert_mails"
    tables = ("alert_mails",)
    ddl = DDL
    topics = (get_topic(AlertMail.Tried), get_topic(AlertMail.TriedAgain))

    def apply(self, events: list[Any]) -> None:
        for e in events:
            at = e.timestamp.isoformat()
            if isinstance(e, AlertMail.Tried):
                self.db.execute("INSERT INTO alert_mails VALUES (?, ?, ?, ?, 1, ?, ?) ON CONFLICT (mail_id) DO NOTHING",
                                (str(e.originator_id), e.alert_id, e.contact, e.subject, e.error[:500], at))
            else:
                self.db.execute("UPDATE alert_mails SET attempts = attempts + 1, error = ?, updated_at = ? "
                                "WHERE mail_id = ?", (e.error[:500], at, str(e.originator_id)))

    def notifications(self) -> list[dict[str, Any]]:
        return self.db.query(JOINED + " ORDER BY n.queued_at DESC")

    def due(self, now: datetime, max_attempts: int, backoff: float, limit: int = 50) -> list[dict[str, Any]]:
        """Queued ones never tried, and failed ones whose wait (backoff seconds times the attempts so far) is over,
        up to `max_attempts` tries each."""
        rows = self.db.query(JOINED + " WHERE m.mail_id IS NULL OR (m.error <> '' AND m.attempts < ?) "
                             "ORDER BY n.queued_at LIMIT ?", (max_attempts, limit))
        return [r for r in rows if r["status"] == "queued"
                or datetime.fromisoformat(r["tried_at"]) + timedelta(seconds=backoff * r["attempts"]) <= now]
