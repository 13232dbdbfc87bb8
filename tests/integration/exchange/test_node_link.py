"""X5 节点配置与链路监控: the customs node link configured in the console (X5:manage, with history), the DXP envelope
and its IDs switched at run time (X3), the out transport switched from the file boxes to AMQP without a restart,
the health of each direction, and the stale-box and transport-down alerts raised and cleared by the heartbeat."""

from __future__ import annotations

import os
import re
import time

from fastapi.testclient import TestClient

from adapters import ceb
from adapters.customs_node.simulator import Faults
from engine.customs import examples
from tests.conftest import login
from tests.integration.conftest import AMQP_URL
from tests.integration.exchange.test_transport import run_until, statuses
from ui.app import create_app

SENDER, IMPORT_RECEIVER = "DXPTESTSENDER001", "DXPEDCCEB0000099"


def console(platform, user: str = "admin") -> TestClient:
    client = TestClient(create_app(platform), base_url="https://testserver")
    login(client, user, next_url="/admin/node")
    return client


def form(platform, reason: str, **changes) -> dict:
    """The configuration form as a browser posts it: every field, the checkbox only when ticked."""
    values = platform.exchange.node_link.current().as_dict() | changes
    data = {k: str(v) for k, v in values.items() if k != "dxp_envelope"} | {"reason": reason}
    return data | ({"dxp_envelope": "1"} if values["dxp_envelope"] else {})


def configure(client, platform, reason: str, **changes) -> None:
    response = client.post("/admin/node", data=form(platform, reason, **changes), follow_redirects=False)
    assert response.status_code == 303, response.text
    platform.runner.wake.set()


def declare(platform, order_no: str) -> None:
    platform.customs.import_orders.declare(examples.import_order(order_no), "test")


def sent_file(platform, order_no: str) -> bytes:
    [row] = platform.exchange.messages_view.search(q=order_no)[0]
    [path] = [p for p in platform.box.folder("sent").iterdir() if row["guid"] in p.name]
    return path.read_bytes()


def test_x5_the_console_configures_the_link_with_history_and_refuses_bad_values(make_platform):
    platform = make_platform(demo_users=True)
    with console(platform) as client:
        page = client.get("/admin/node")
        assert page.status_code == 200 and "节点配置" in page.text and 'id="health-out"' in page.text
        assert "DXPEDCCEB0000002" in page.text and "尚无修改" in page.text

        bad = form(platform, "", sender_dxp_id="DXP123", import_receiver="", out_transport="ftp",
                   stale_after_minutes="0")
        refused = client.post("/admin/node", data=bad)
        assert refused.status_code == 422
        for words in ("发送方DXP编号应为16位", "进口接收方DXP编号为必填项", "报文发送通道只能是 filebox / amqp / http",
                      "积压告警阈值（分钟）应为 1 到 1440 之间的整数", "请填写修改原因"):
            assert words in refused.text, words
        english = client.post("/admin/node?lang=en", data=bad)
        assert english.status_code == 422
        for words in ("sender DXP ID must be 16 characters", "import receiver DXP ID is required",
                      "outgoing transport must be one of filebox, amqp, http",
                      "stale-box threshold (minutes) must be a whole number from 1 to 1440",
                      "give the reason for the change"):
            assert words in english.text, words
        assert not platform.exchange.node_link.configured() and platform.exchange.node_link.history() == []

        configure(client, platform, "接入海关测试节点", sender_dxp_id=SENDER.lower(), stale_after_minutes=15)
        page = client.get("/admin/node?saved=1&lang=zh-CN")
        assert "配置已保存" in page.text and "接入海关测试节点" in page.text and SENDER in page.text
        [change] = platform.exchange.node_link.history()
        assert (change["by"], change["reason"]) == ("admin", "接入海关测试节点")
        assert change["changes"] == {"sender_dxp_id": ("", SENDER), "stale_after_minutes": (30, 15)}
        again = client.post("/admin/node", data=form(platform, "same again"), follow_redirects=True)
        assert "配置未改变" in again.text and len(platform.exchange.node_link.history()) == 1

    with console(platform, "auditor") as client:
        page = client.get("/admin/node")
        assert page.status_code == 200 and SENDER in page.text and 'id="node-form"' not in page.text
        assert client.post("/admin/node", data=form(platform, "x", stale_after_minutes=5)).status_code == 403
    assert platform.exchange.node_link.current().stale_after_minutes == 15


def test_x5_x3_the_envelope_switched_on_wraps_the_next_message_with_the_configured_ids(make_platform):
    platform = make_platform(demo_users=True)
    declare(platform, "PLAIN1")
    run_until(platform, lambda: statuses(platform, "PLAIN1") == {"PLAIN1": "120"})
    assert not ceb.is_dxp(sent_file(platform, "PLAIN1"))

    with console(platform) as client:
        configure(client, platform, "self-developed access: DxpMsg", dxp_envelope=True, sender_dxp_id=SENDER,
                  import_receiver=IMPORT_RECEIVER)
        declare(platform, "WRAPPED1")
        run_until(platform, lambda: statuses(platform, "WRAPPED1") == {"WRAPPED1": "120"})
        envelope, inner = ceb.unwrap_dxp(sent_file(platform, "WRAPPED1"))
        assert (envelope.sender_id, envelope.receiver_ids) == (SENDER, (IMPORT_RECEIVER,))
        assert envelope.msg_type == "CEB311Message" and ceb.parse(inner).documents[0]["orderNo"] == "WRAPPED1"

        configure(client, platform, "client software again", dxp_envelope=False)
        declare(platform, "PLAIN2")
        run_until(platform, lambda: statuses(platform, "PLAIN2") == {"PLAIN2": "120"})
        assert not ceb.is_dxp(sent_file(platform, "PLAIN2"))


def test_x5_the_out_transport_switches_from_file_boxes_to_amqp_without_a_restart(make_platform, amqp_env, tmp_path):
    from adapters.customs_node.amqp import AmqpCustomsSimulator

    platform = make_platform(demo_users=True, **{k: v for k, v in amqp_env.items() if k != "CBEC_TRANSPORT"})
    amqp_side = AmqpCustomsSimulator(tmp_path / "amqp-node", AMQP_URL, amqp_env["CBEC_AMQP_OUT_QUEUE"],
                                     amqp_env["CBEC_AMQP_RECEIPT_QUEUE"], Faults())
    platform.runner.steps = [*platform.runner.steps, ("amqp-customs-sim", amqp_side.run_once)]
    try:
        declare(platform, "BOX1")
        run_until(platform, lambda: statuses(platform, "BOX1") == {"BOX1": "120"})
        assert platform.transport.name == "filebox"

        with console(platform) as client:
            configure(client, platform, "customs moved us to the MQ", out_transport="amqp", in_transport="amqp",
                      stale_after_minutes=1)
        assert platform.transport.name == "amqp"
        declare(platform, "MQ1")
        declare(platform, "MQ2")
        run_until(platform, lambda: set(statuses(platform, "MQ").values()) == {"120"})

        received = (tmp_path / "amqp-node" / ".customs-sim-received").read_text("utf-8")
        for order_no in ("MQ1", "MQ2"):
            [row] = platform.exchange.messages_view.search(q=order_no)[0]
            assert row["guid"] in received
            assert not any(row["guid"] in p.name for p in platform.box.folder("sent").iterdir())
            assert "amqp" in [s["detail"] for s in platform.exchange.messages_view.stages(row["message_id"])
                              if s["stage"] == "delivered"][0]
        [box1] = platform.exchange.messages_view.search(q="BOX1")[0]
        assert box1["guid"] not in received
        health = {h["direction"]: h for h in platform.exchange.node_link.health()}
        assert health["out"]["transport"] == "amqp" and health["out"]["backlog"] == 0

        # the queue cannot say how old its oldest message is: the heartbeat judges by how long it sees it unmoved
        platform.runner.steps = [step for step in platform.runner.steps if step[0] != "amqp-customs-sim"]
        declare(platform, "MQ3")
        platform.runner.run_until_idle()
        heartbeat = platform.exchange.node_link.heartbeat
        assert heartbeat.check() == 0
        heartbeat.now = lambda: time.time() + 120
        assert heartbeat.check() == 1
        [alert] = platform.exchange.node_link.alerts()
        assert (alert["kind"], alert["transport"], alert["cleared_at"]) == ("stale", "amqp", None)
        platform.runner.steps = [*platform.runner.steps, ("amqp-customs-sim", amqp_side.run_once)]
        run_until(platform, lambda: statuses(platform, "MQ3") == {"MQ3": "120"})
        assert heartbeat.check() == 1 and platform.exchange.node_link.alerts()[0]["cleared_at"] is not None
    finally:
        amqp_side.close()


def test_x5_a_stale_out_box_raises_an_alert_that_clears_when_files_move_again(make_platform, database_url):
    platform = make_platform(database_url, demo_users=True)
    simulator = [step for step in platform.runner.steps if step[0] == "customs-sim"]
    platform.runner.steps = [step for step in platform.runner.steps if step[0] != "customs-sim"]  # client stopped
    with console(platform) as client:
        configure(client, platform, "alarm after a minute", stale_after_minutes=1)
    declare(platform, "STALE1")
    platform.runner.run_until_idle()
    [waiting] = list(platform.box.folder("outbox").iterdir())

    heartbeat = platform.exchange.node_link.heartbeat
    assert heartbeat.check() == 0 and platform.exchange.node_link.alerts() == []  # a fresh file is no alarm
    two_minutes_ago = time.time() - 120
    os.utime(waiting, (two_minutes_ago, two_minutes_ago))
    assert heartbeat.check() == 1 and heartbeat.check() == 0  # raised once
    [alert] = platform.exchange.node_link.alerts()
    assert (alert["kind"], alert["direction"], alert["cleared_at"]) == ("stale", "out", None)
    assert "1 message(s) waiting" in alert["detail"]

    with console(platform) as client:
        page = client.get("/admin/node")
        assert 'class="status s100 state-stale"' in page.text and "发送积压" in page.text
        assert "待海关取走 1 条" in page.text
        alerts_page = client.get("/admin/alerts")
        assert alerts_page.status_code == 200 and "发送积压" in alerts_page.text
        assert alert["alert_id"] in alerts_page.text

        platform.runner.steps = [*platform.runner.steps, *simulator]  # the customs client moves files again
        run_until(platform, lambda: statuses(platform, "STALE1") == {"STALE1": "120"})
        assert heartbeat.check() == 1
        [cleared] = platform.exchange.node_link.alerts()
        assert cleared["cleared_at"] is not None

        page = client.get("/admin/node?lang=en")
        assert 'class="status s120 state-ok"' in page.text and "Stale out box" in page.text
        [row] = platform.exchange.messages_view.search(q="STALE1")[0]
        out, into = re.findall(r'<tr id="health-(?:out|in)">(.*?)</tr>', page.text, re.S)
        assert row["guid"] in out and "CEB311" in into and "none yet" not in into  # last message out, last receipt in

        done = client.post(f"/admin/node/alerts/{cleared['alert_id']}/acknowledge",
                           data={"note": "client restarted", "back": "/admin/alerts"}, follow_redirects=True)
        assert done.status_code == 200 and "client restarted" in done.text
        again = client.post(f"/admin/node/alerts/{cleared['alert_id']}/acknowledge", data={"note": ""})
        assert again.status_code == 422 and "already acknowledged by admin" in again.text  # English: chosen above


def test_x5_a_transport_down_raises_an_alert_until_it_is_up(make_platform):
    platform = make_platform(faults="down=600")
    heartbeat = platform.exchange.node_link.heartbeat
    assert heartbeat.check() == 1
    [alert] = platform.exchange.node_link.alerts()
    assert (alert["kind"], alert["direction"], alert["transport"]) == ("down", "out", "filebox")
    health = {h["direction"]: h for h in platform.exchange.node_link.health()}
    assert health["out"]["down"] and health["in"]["down"]  # one file box both ways: one alert

    (platform.box.root / ".down").unlink()
    assert heartbeat.check() == 1
    assert platform.exchange.node_link.alerts()[0]["cleared_at"] is not None
