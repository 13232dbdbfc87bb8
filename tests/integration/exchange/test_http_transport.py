"""X3, X4, X6 (issue #9): the HTTP transport to the customs node and the simulator's HTTP gateway, end to end on an
embedded platform: orders reach their receipts, a wrong token is a failed delivery whose reason message tracking
shows, a repeated delivery is answered 409 and reaches customs once, a malformed receipt is quarantined through the
gateway, and each transport's status() reports the backlog. A node down for a while, duplicated, reordered and late
receipts run over HTTP too (tests/integration/exchange/test_transport.py, `transport_env`)."""

from __future__ import annotations

import time
import uuid

import httpx
import pytest
from fastapi.testclient import TestClient

from adapters.customs.filebox import FileBox
from adapters.customs.transport import TransportDown
from adapters.customs_node.http import HttpGateway
from engine import bootstrap
from engine.exchange.processors import DeliverMessages
from engine.settings import Settings, SettingsError
from tests.conftest import login
from tests.integration.exchange.test_transport import declare, run_until, statuses
from tests.processes import free_port

TOKEN = "x3-http-token"


@pytest.fixture
def http_env():
    return {"CBEC_TRANSPORT": "http", "CBEC_HTTP_URL": f"http://127.0.0.1:{free_port()}", "CBEC_HTTP_TOKEN": TOKEN}


def received(platform) -> list[str]:
    """What the customs node took in, in order (the simulator's log)."""
    log = platform.settings.boxes_dir / ".customs-sim-received"
    return log.read_text("utf-8").split() if log.exists() else []


def test_x3_orders_reach_their_receipts_over_http(make_platform, http_env):
    platform = make_platform(faults="reject-order=BAD", **http_env)
    declare(platform, "HTTP", 5)
    declare(platform, "HTTP-BAD", 1)

    run_until(platform, lambda: set(statuses(platform, "HTTP").values()) == {"120", "100"})

    assert platform.transport.name == "http"
    assert statuses(platform, "HTTP") == {**{f"HTTP{i}": "120" for i in range(5)}, "HTTP-BAD0": "100"}
    rows, total = platform.exchange.messages_view.search()
    assert total >= 1 and {r["status"] for r in rows} == {"delivered"}
    stages = [s["stage"] for s in platform.exchange.messages_view.stages(rows[0]["message_id"])]
    assert stages[:2] == ["prepared", "delivered"] and "receipt" in stages
    link = platform.transport.status()
    assert link["backlog"] == 0 and link["receipts_waiting"] == 0 and link["down"] is False
    assert link["last_message_in"] and link["last_receipt_out"], "the gateway saw messages in and receipts out"
    assert list(platform.box.folder("handled").iterdir()), "receipts were acknowledged through the gateway"


def test_x3_a_wrong_token_is_a_failed_delivery_shown_in_message_tracking(make_platform, http_env):
    platform = make_platform(demo_users=True, CBEC_DELIVERY_RETRY_BASE="0.1", CBEC_DELIVERY_MAX_ATTEMPTS="50",
                             **http_env)
    platform.simulator.gateway.token = "rotated-at-customs"  # customs changed its token, the platform did not
    declare(platform, "HTOKEN", 1)

    run_until(platform, lambda: (platform.exchange.messages_view.search(q="HTOKEN")[0] or [{}])[0].get("last_error"))

    [row] = platform.exchange.messages_view.search(q="HTOKEN")[0]
    assert row["status"] == "retrying" and "401" in row["last_error"] and "CBEC_HTTP_TOKEN" in row["last_error"]
    assert received(platform) == [], "nothing reached customs"
    from ui.app import create_app

    with TestClient(create_app(platform), base_url="https://testserver") as client:
        login(client, "admin", next_url="/admin/messages")
        detail = client.get(f"/admin/messages/{row['message_id']}")
        assert detail.status_code == 200 and "CBEC_HTTP_TOKEN" in detail.text and "401" in detail.text

    platform.simulator.gateway.token = TOKEN  # the operators agree again: the next retry goes through
    run_until(platform, lambda: statuses(platform, "HTOKEN") == {"HTOKEN0": "120"})


def test_x3_a_repeated_delivery_is_answered_409_and_reaches_customs_once(make_platform, http_env):
    platform = make_platform(**http_env)
    declare(platform, "HTWICE", 2)
    run_until(platform, lambda: set(statuses(platform, "HTWICE").values()) == {"120"})
    [row] = platform.exchange.messages_view.search(q="HTWICE")[0]
    message_id = uuid.UUID(row["message_id"])
    name = platform.store.repository.get(message_id).delivered_as

    # a crash after the node took the message and before the platform recorded it: delivered again from the
    # message as it was before delivery
    before = platform.store.repository.get(message_id, version=1)
    assert before.awaiting_delivery
    again = DeliverMessages(platform.store, platform.transport).deliver(before)
    answer = httpx.post(f"{http_env['CBEC_HTTP_URL']}/dxp/messages", content=before.xml.encode(),
                        headers={"X-Message-Name": name, "Authorization": f"Bearer {TOKEN}"})
    platform.runner.run_until_idle()

    assert again.delivered_as == name, "taken as delivered: the node has it"
    assert answer.status_code == 409 and name in answer.json()["error"]
    assert received(platform).count(name) == 1 and len(received(platform)) == 1
    order = platform.customs.import_orders.get("3301960001", "HTWICE0")
    assert sorted(r["returnStatus"] for r in order.receipts) == ["120", "2"]


def test_x4_a_malformed_receipt_is_quarantined_through_the_gateway(make_platform, http_env):
    platform = make_platform(**http_env)
    inbox = platform.settings.boxes_dir / "inbox"  # where the customs node puts its receipts, behind the gateway
    (inbox / "broken.xml").write_bytes(b"<CEB312Message><not-closed>")
    declare(platform, "HBROKEN", 1)

    run_until(platform, lambda: statuses(platform, "HBROKEN") == {"HBROKEN0": "120"})
    platform.runner.run_until_idle()

    quarantine = platform.settings.boxes_dir / "quarantine"
    assert (quarantine / "broken.xml").exists() and not (inbox / "broken.xml").exists()
    assert "unreadable receipt" in (quarantine / "broken.xml.reason.txt").read_text("utf-8")
    assert not [r for r in platform.transport.fetch() if r.name == "broken.xml"], "not handed out again"


@pytest.mark.parametrize("kind", ["filebox", "amqp", "http"])
def test_x3_status_reports_the_backlog_while_customs_picks_nothing_up(kind, tmp_path, request):
    """No simulator runs: what the platform hands over stays in the transport, and status() says so."""
    box = FileBox(tmp_path / "boxes")
    env = request.getfixturevalue("amqp_env") if kind == "amqp" else {}
    gateway = None
    if kind == "http":
        gateway = HttpGateway(FileBox(tmp_path / "boxes"), token=TOKEN)
        gateway.start()
        env = {"CBEC_HTTP_URL": gateway.url, "CBEC_HTTP_TOKEN": TOKEN}
    transport = bootstrap.transport_of(kind, Settings.from_env(tmp_path / "data", env=env), box)
    try:
        assert transport.status()["backlog"] == 0
        for n in range(3):
            assert transport.deliver(f"CEB311Message_BACKLOG{n}.xml", b"<ceb:CEB311Message/>")
        time.sleep(0.05)

        link = transport.status()

        assert set(link) == {"backlog", "oldest_backlog_seconds", "receipts_waiting", "last_message_in",
                             "last_receipt_out", "down"}
        assert link["backlog"] == 3 and link["receipts_waiting"] == 0 and link["down"] is False
        assert link["last_message_in"] is None, "customs picked nothing up"
        if kind == "amqp":
            assert link["oldest_backlog_seconds"] is None, "AMQP does not tell the age"
        else:
            assert link["oldest_backlog_seconds"] >= 0.05
        if gateway is not None:
            gateway.set_down(30)
            assert transport.status()["down"] is True
            gateway.stop()
            with pytest.raises(TransportDown, match="unreachable"):
                transport.status()
    finally:
        transport.close()
        if gateway is not None:
            gateway.stop()


def test_x3_http_settings_are_checked_with_a_message_naming_the_setting(tmp_path):
    settings = Settings.from_env(tmp_path, env={"CBEC_TRANSPORT": "http"})
    assert settings.http_url == "http://127.0.0.1:8790" and settings.http_token == ""
    for env, named in (({"CBEC_TRANSPORT": "smtp"}, "filebox, amqp or http"),
                       ({"CBEC_HTTP_URL": "ftp://customs"}, "CBEC_HTTP_URL"),
                       ({"CBEC_HTTP_URL": "http://customs:port"}, "CBEC_HTTP_URL"),
                       ({"CBEC_HTTP_TOKEN": "two words"}, "CBEC_HTTP_TOKEN")):
        with pytest.raises(SettingsError, match=named):
            Settings.from_env(tmp_path, env=env)
