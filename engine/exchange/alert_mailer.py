"""告警通知 by e-mail (X5): the notifications the alerts read model queued (receipt timeouts, escalations) go to
the configured contacts through the configured mail server (CBEC_SMTP_HOST ...). Each attempt is recorded as an
AlertMail event, so the console shows sent or failed with the server's answer, failed ones are tried again with a
growing wait (at most `max_attempts` times), and rebuilding a read model never sends a mail again. Without a mail
server the notifications stay queued, as before."""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Callable
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from eventsourcing.application import AggregateNotFoundError

from domain.exchange.model import AlertMail
from engine import clock
from engine.settings import Settings
from engine.store import EventStore
from projections.exchange.alert_mails import AlertMailsView

log = logging.getLogger(__name__)


class AlertMailer:
    def __init__(self, store: EventStore, view: AlertMailsView, settings: Settings, alerts: Any = None,
                 now: Callable[[], datetime] = clock.now, max_attempts: int = 5, backoff: float = 60.0):
        self.store, self.view, self.settings, self.alerts, self.now = store, view, settings, alerts, now
        self.max_attempts, self.backoff = max_attempts, backoff

    def run_once(self, limit: int = 50) -> int:
        if not self.settings.smtp_host:
            return 0
        due = self.view.due(self.now(), self.max_attempts, self.backoff, limit)
        if not due:
            return 0
        alerts = {a["alert_id"]: a for a in self.alerts.alerts()} if self.alerts is not None else {}
        try:
            with self._connect() as server:
                tried = [self._record(row, self._send(server, row, alerts.get(row["alert_id"]))) for row in due]
        except (OSError, smtplib.SMTPException) as error:  # no server, refused login, connection dropped
            log.warning("alert mails not sent: %r", error)
            tried = [self._record(row, f"{type(error).__name__}: {error}") for row in due]
        self.store.save(*tried)
        return len(tried)

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        server = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=15)
        if s.smtp_starttls:
            server.starttls(context=ssl.create_default_context())
        if s.smtp_user:
            server.login(s.smtp_user, s.smtp_password)
        return server

    def _send(self, server: smtplib.SMTP, row: dict[str, Any], alert: dict[str, Any] | None) -> str:
        """'' when the server took the mail, else its answer."""
        mail = EmailMessage()
        mail["From"], mail["To"], mail["Subject"] = self.settings.smtp_sender, row["contact"], row["subject"]
        mail["Date"], mail["Message-ID"] = format_datetime(self.now()), make_msgid(domain="cbec")
        mail.set_content(self._body(row, alert))
        try:
            refused = server.send_message(mail)
        except smtplib.SMTPRecipientsRefused as error:
            return f"refused: {error.recipients}"[:500]
        except smtplib.SMTPDataError as error:
            return f"{error.smtp_code} {error.smtp_error!r}"[:500]
        return f"refused: {refused}"[:500] if refused else ""

    def _body(self, row: dict[str, Any], alert: dict[str, Any] | None) -> str:
        """The subject, the receipt alert's details (a link alert has none beyond its subject), where to look."""
        lines = [row["subject"], ""]
        if alert is not None:
            lines += [f"报文类型 message type: {alert['message_type']}", f"报文编号 guid: {alert['guid']}",
                      f"发送企业 sender: {alert['sender']}", f"单证 documents: {alert['document_numbers']}",
                      f"超时 timeout: {alert['timeout']} s, 策略 policy: {alert['policy']}",
                      f"升级原因 escalated: {alert['escalated'] or '-'}"]
        lines += ["", "告警控制台 alerts console: /admin/alerts", "节点链路 customs node link: /admin/node"]
        return "\n".join(lines)

    def _record(self, row: dict[str, Any], error: str) -> AlertMail:
        mail_id = AlertMail.create_id(row["alert_id"], row["contact"], row["subject"])
        try:
            mail: AlertMail = self.store.repository.get(mail_id)
            mail.tried_again(error=error)
        except AggregateNotFoundError:
            mail = AlertMail(alert_id=row["alert_id"], contact=row["contact"], subject=row["subject"], error=error)
        if error:
            log.warning("alert mail to %s failed (attempt %s): %s", row["contact"], mail.attempts, error)
        return mail
