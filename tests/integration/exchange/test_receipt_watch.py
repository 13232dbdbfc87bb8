"""X2, X5: a message customs never answers (the simulator's drop fault) raises one receipt-timeout alert once its
type's time is up, on the console and queued for the contacts; the resend and escalate policies; acknowledging;
receipts for documents the platform never declared are kept and listed. Time is moved, never waited for."""

from __future__ import annotations

import uuid
from datetime import timedelta

from fastapi.testclient import TestClient

from adapters import ceb
from adapters.customs_node.simulator import Faults
from domain.exchange.model import ReceiptAlert
from engine import clock
from engine.customs import examples
from tests.conftest import login
from ui.app import create_app

TIMEOUTS = {"CBEC_RECEIPT_TIMEOUTS": "CEB311=600,default=3600"}


def later(platform, seconds: float) -> None:
    """The receipt watch runs once `seconds` from now; then the platform catches up (a resend is delivered now)."""
    platform.runner.run_until_idle()
    platform.exchange.receipt_watch.now = lambda: clock.now() + timedelta(seconds=seconds)
    platform.exchange.receipt_watch.run_once()
    platform.exchange.receipt_watch.now = clock.now
    platform.runner.run_until_idle()


def sent_order(platform, order_no: str) -> dict:
    platform.customs.import_orders.declare(examples.import_order(order_no), "test")
    platform.runner.run_until_idle()
    [row] = platform.exchange.messages_view.search(q=order_no)[0]
    assert row["status"] == "delivered" and row["customs_status"] == ""
    return row


def files_of(platform, guid: str) -> list[str]:
    return sorted(p.name for p in platform.box.folder("sent").iterdir() if guid in p.name)


def test_an_unanswered_message_raises_one_alert_after_its_timeout_and_is_acknowledged(make_platform):
    """X2, X5: nothing before the CEB311 timeout; one alert after it, however often the watch runs; the contacts'
    notifications are queued; an auditor sees it, only an X5:manage user acknowledges it, recorded with who."""
    platform = make_platform(faults="drop=1.0", demo_users=True, CBEC_ALERT_CONTACTS="ops@example.com,duty@example.com",
                             **TIMEOUTS)
    message = sent_order(platform, "WATCH1")

    later(platform, 300)
    assert platform.exchange.alerts_view.alerts() == []
    later(platform, 700)
    later(platform, 900)

    [alert] = platform.exchange.alerts_view.alerts()
    assert (alert["guid"], alert["policy"], alert["timeout"]) == (message["guid"], "wait", 600)
    assert "WATCH1" in alert["document_numbers"] and alert["escalated"] == ""
    assert len(platform.store.recorder.select_events(ReceiptAlert.create_id(message["message_id"]))) == 1
    assert sorted(n["contact"] for n in platform.exchange.alerts_view.notifications()) == ["duty@example.com",
                                                                                   "ops@example.com"]
    assert files_of(platform, message["guid"]) == [f"CEB311Message_{message['guid']}.xml"], "policy wait: not resent"

    with TestClient(create_app(platform), base_url="https://testserver") as client:
        login(client, "auditor", next_url="/admin/alerts")
        page = client.get("/admin/alerts")
        assert page.status_code == 200 and message["guid"] in page.text and "ops@example.com" in page.text
        assert client.post(f"/admin/alerts/{alert['alert_id']}/acknowledge", data={"note": "x"}).status_code == 403
    with TestClient(create_app(platform), base_url="https://testserver") as client:
        login(client, "admin", next_url="/admin/alerts")
        done = client.post(f"/admin/alerts/{alert['alert_id']}/acknowledge", data={"note": "called customs"})
        assert done.status_code == 200 and "called customs" in done.text
        again = client.post(f"/admin/alerts/{alert['alert_id']}/acknowledge", data={"note": ""})
        assert again.status_code == 422 and "该告警已由 admin 确认" in again.text
    [acknowledged] = platform.exchange.alerts_view.alerts()
    assert acknowledged["acknowledged_by"] == "admin" and acknowledged["note"] == "called customs"


def test_policy_resend_sends_the_same_guid_again_and_customs_answers(make_platform):
    """X2: the resend goes out with the same guid and the same signed XML; when customs answers it, the order is
    accepted and the alert shows the receipt."""
    platform = make_platform(faults="drop=1.0", CBEC_RECEIPT_TIMEOUT_POLICY="resend", **TIMEOUTS)
    message = sent_order(platform, "RESEND1")
    platform.simulator.faults = Faults()  # customs is back to answering

    later(platform, 700)

    [alert] = platform.exchange.alerts_view.alerts()
    assert alert["resends"] == 1 and alert["escalated"] == ""
    files = files_of(platform, message["guid"])
    assert len(files) == 2
    first, second = [(platform.box.folder("sent") / f).read_bytes() for f in files]
    assert first == second, "the same signed XML"
    assert platform.customs.queries.detail("RESEND1").order.status == "120"
    assert alert["customs_status"] == "120"
    sent = platform.store.repository.get(uuid.UUID(message["message_id"]))
    assert sent.guid == message["guid"] and sent.delivered_at is not None


def test_policy_resend_escalates_when_the_resends_are_used_up(make_platform):
    """X2, X5: after resend_max resends without an answer the alert escalates, shown before the others."""
    platform = make_platform(faults="drop=1.0", CBEC_RECEIPT_TIMEOUT_POLICY="resend", CBEC_RECEIPT_RESEND_MAX="1",
                             **TIMEOUTS)
    message = sent_order(platform, "RESEND2")

    later(platform, 700)
    [alert] = platform.exchange.alerts_view.alerts()
    assert alert["resends"] == 1 and alert["escalated"] == ""
    later(platform, 700)  # the resent message timed out too

    [alert] = platform.exchange.alerts_view.alerts()
    assert alert["escalated"] == "no receipt after 1 resends" and alert["resends"] == 1
    assert len(files_of(platform, message["guid"])) == 2, "no third send"
    later(platform, 700)
    assert len(platform.store.recorder.select_events(uuid.UUID(alert["alert_id"]))) == 3  # raised, resent, escalated


def test_policy_escalate_marks_the_alert_escalated_and_lists_it_first(make_platform):
    """X2, X5: policy escalate; an escalated alert comes before a plain one on the console."""
    platform = make_platform(faults="drop=1.0", CBEC_RECEIPT_TIMEOUT_POLICY="escalate", **TIMEOUTS)
    plain = sent_order(platform, "PLAIN1")
    platform.exchange.receipt_watch.policy = "wait"
    later(platform, 700)
    platform.exchange.receipt_watch.policy = "escalate"
    escalated = sent_order(platform, "ESC1")
    later(platform, 700)

    rows = platform.exchange.alerts_view.alerts()
    assert [r["guid"] for r in rows] == [escalated["guid"], plain["guid"]]
    assert rows[0]["escalated"] == "policy escalate" and rows[1]["escalated"] == ""


def test_a_receipt_for_an_order_never_declared_is_kept_and_listed(make_platform):
    """X2: a CEB312 for an order this platform never declared is not dropped: kept once, shown on the console."""
    platform = make_platform(demo_users=True)
    receipt = {"guid": str(uuid.uuid4()).upper(), "ebpCode": "3301960001", "ebcCode": "3301960001",
               "orderNo": "NEVER-DECLARED-1", "returnStatus": "120", "returnTime": clock.return_time(clock.now()),
               "returnInfo": "新增申报成功"}
    data = ceb.to_bytes(ceb.build("CEB312", [receipt], {}, str(uuid.uuid4()).upper()))
    name = f"CEB312Message_{uuid.uuid4()}.xml"
    (platform.box.folder("inbox") / name).write_bytes(data)
    platform.runner.run_until_idle()
    assert platform.exchange.receipts.handle([(name, data)]) == {}  # read again: nothing new
    platform.runner.run_until_idle()

    [kept] = platform.exchange.alerts_view.unmatched()
    assert (kept["file_name"], kept["addressed_to"], kept["doc_key"]) == (name, "CEB311",
                                                                          "3301960001/NEVER-DECLARED-1")
    assert kept["return_status"] == "120" and kept["return_info"] == "新增申报成功"
    assert (platform.box.folder("handled") / name).exists(), "applied, not quarantined"
    with TestClient(create_app(platform), base_url="https://testserver") as client:
        login(client, "auditor", next_url="/admin/unmatched-receipts")
        page = client.get("/admin/unmatched-receipts")
        assert page.status_code == 200 and "NEVER-DECLARED-1" in page.text and name in page.text
