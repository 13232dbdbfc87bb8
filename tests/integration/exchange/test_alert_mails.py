"""X5: alert notifications reach the configured contacts by e-mail through a real SMTP server (aiosmtpd, started by
the test on a free port); a mail server that is away leaves them failed and they are tried again once it is back;
every attempt is an event, so rebuilding the read models sends nothing twice."""

from __future__ import annotations

import email.policy
from email import message_from_bytes

import pytest
from fastapi.testclient import TestClient

from domain.exchange.model import AlertMail
from tests.conftest import login
from tests.integration.exchange.test_receipt_watch import TIMEOUTS, later, sent_order
from tests.processes import free_port
from ui.app import create_app

CONTACTS = "ops@example.com,duty@example.com"


class Inbox:
    """What the SMTP server received: (recipients, sender, subject and body decoded)."""

    def __init__(self) -> None:
        self.mails: list[tuple[list[str], str]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's handler protocol
        mail = message_from_bytes(envelope.content, policy=email.policy.default)
        text = f"From: {mail['From']}\nSubject: {mail['Subject']}\n\n{mail.get_content()}"
        self.mails.append((list(envelope.rcpt_tos), text))
        return "250 OK"


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    if controller.loop.is_running():
        controller.stop()


def test_a_receipt_timeout_is_mailed_to_each_contact_once(make_platform, smtp_server):
    controller, inbox = smtp_server
    platform = make_platform(faults="drop=1.0", demo_users=True, CBEC_ALERT_CONTACTS=CONTACTS,
                             CBEC_SMTP_HOST="127.0.0.1", CBEC_SMTP_PORT=str(controller.port),
                             CBEC_SMTP_FROM="cbec@pilot-zone.example", **TIMEOUTS)
    message = sent_order(platform, "MAIL1")
    later(platform, 700)

    assert sorted(to for tos, _ in inbox.mails for to in tos) == ["duty@example.com", "ops@example.com"]
    text = inbox.mails[0][1]
    assert "From: cbec@pilot-zone.example" in text and message["guid"] in text and "MAIL1" in text
    assert {n["status"] for n in platform.exchange.alert_mailer.view.notifications()} == {"sent"}

    later(platform, 900)
    platform.exchange.alert_mailer.view.rebuild()
    platform.exchange.alerts_view.rebuild()
    platform.runner.run_until_idle()
    assert len(inbox.mails) == 2, "rebuilt read models and later passes mail nothing again"
    with TestClient(create_app(platform), base_url="https://testserver") as client:
        login(client, "admin", next_url="/admin/alerts")
        page = client.get("/admin/alerts")
        assert page.text.count("已发送") == 2 and "ops@example.com" in page.text


def test_mails_fail_while_the_mail_server_is_away_and_go_out_once_it_is_back(make_platform, smtp_server):
    from aiosmtpd.controller import Controller

    controller, inbox = smtp_server
    port = controller.port
    controller.stop()
    platform = make_platform(faults="drop=1.0", CBEC_ALERT_CONTACTS="ops@example.com", CBEC_SMTP_HOST="127.0.0.1",
                             CBEC_SMTP_PORT=str(port), **TIMEOUTS)
    sent_order(platform, "MAIL2")
    later(platform, 700)

    [row] = platform.exchange.alert_mailer.view.notifications()
    assert row["status"] == "failed" and row["attempts"] == 1 and "Connection" in row["error"]

    back = Controller(inbox, hostname="127.0.0.1", port=port)  # the mail server is back
    back.start()
    try:
        platform.exchange.alert_mailer.backoff = 0  # the wait before trying again is over
        platform.runner.run_until_idle()
    finally:
        back.stop()
    [row] = platform.exchange.alert_mailer.view.notifications()
    assert row["status"] == "sent" and row["attempts"] == 2
    assert [tos for tos, _ in inbox.mails] == [["ops@example.com"]]
    mail = platform.store.repository.get(AlertMail.create_id(row["alert_id"], row["contact"], row["subject"]))
    assert mail.attempts == 2 and mail.sent


def test_without_a_mail_server_notifications_stay_queued(make_platform):
    platform = make_platform(faults="drop=1.0", CBEC_ALERT_CONTACTS="ops@example.com", **TIMEOUTS)
    sent_order(platform, "MAIL3")
    later(platform, 700)
    assert [n["status"] for n in platform.exchange.alert_mailer.view.notifications()] == ["queued"]


def test_a_link_alert_is_mailed_to_the_contacts(make_platform, smtp_server):
    """X5: the customs node refusing messages (transport down) raises a link alert; the contacts get it by mail."""
    controller, inbox = smtp_server
    platform = make_platform(faults="down=600", CBEC_ALERT_CONTACTS="ops@example.com", CBEC_SMTP_HOST="127.0.0.1",
                             CBEC_SMTP_PORT=str(controller.port))
    assert platform.exchange.node_link.heartbeat.check() == 1
    platform.runner.run_until_idle()

    [(recipients, text)] = inbox.mails
    assert recipients == ["ops@example.com"] and "down" in text and "filebox" in text and "/admin/node" in text
