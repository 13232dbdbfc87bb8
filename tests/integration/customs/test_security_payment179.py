"""#16 item 11: /platDataOpen (海关179) is public by design, but answered whether an order exists to anyone and stored
two events per call without a limit. Customs' data request carries no signature (the 179 specification signs only
the platform's upload), so customs is recognised by its registered source addresses (CBEC_CUSTOMS179_SOURCES, loopback
by default) and rate-limited per source (CBEC_CUSTOMS179_RATE a minute); refusals are counted in a bounded table and
never stored as events."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from adapters.customs import payment179
from engine.customs import examples
from engine.settings import Settings, SettingsError
from ui.app import create_app

ATTACKER = ("203.0.113.66", 40000)
CUSTOMS = ("127.0.0.1", 50000)


def client_from(platform, address: tuple[str, int]) -> TestClient:
    return TestClient(create_app(platform), base_url="https://testserver", client=address)


def events(platform) -> int:
    return platform.store.recorder.max_notification_id() or 0


def ask(client: TestClient, order_no: str, session: str = "S1"):
    return client.post("/platDataOpen", data={"openReq": payment179.open_request(order_no, session, 1)})


@pytest.fixture
def platform(make_platform):
    platform = make_platform(demo_users=True, CBEC_CUSTOMS179_RATE="5")
    outcome = platform.customs.import_orders.declare_many([examples.import_order("P179SEC1")], "ecom")
    assert outcome[0].stored
    return platform


def test_an_unregistered_source_learns_nothing_and_stores_nothing(platform):
    attacker = client_from(platform, ATTACKER)
    before = events(platform)
    known, unknown = ask(attacker, "P179SEC1"), ask(attacker, "NO-SUCH-ORDER")
    assert known.status_code == unknown.status_code == 403
    assert known.json()["code"] == unknown.json()["code"] == "20000"
    assert known.json()["message"] == unknown.json()["message"]  # the same answer: no oracle for order numbers
    assert "CBEC_CUSTOMS179_SOURCES" in known.json()["message"] and "未登记" in known.json()["message"]
    for _ in range(50):
        ask(attacker, "P179SEC1")
    assert events(platform) == before  # neither a request, nor a system log entry per call
    assert platform.customs.payment179.gate.counts() == {"source 203.0.113.66": 52}


def test_a_refused_source_is_refused_before_its_body_is_read(platform):
    """Garbage that would fail form parsing (400) is refused as a source first: nothing of it was parsed."""
    attacker = client_from(platform, ATTACKER)
    response = attacker.post("/platDataOpen", content=b"--x\r\ngarbage" * 1000,
                             headers={"Content-Type": "multipart/form-data; boundary=x"})
    assert response.status_code == 403


def test_customs_is_rate_limited_per_source_and_refusals_are_only_counted(platform):
    customs = client_from(platform, CUSTOMS)
    before = events(platform)
    answers = [ask(customs, "P179SEC1", f"S{i}") for i in range(5)]
    assert [a.json()["code"] for a in answers] == ["10000"] * 5
    admitted = events(platform) - before
    assert admitted == 5 * 2  # per admitted call: the data request and one system log entry (no longer two)
    refused = [ask(customs, "P179SEC1", f"T{i}") for i in range(30)]
    assert {r.status_code for r in refused} == {429}
    assert refused[0].headers["retry-after"] == "60" and "CBEC_CUSTOMS179_RATE" in refused[0].json()["message"]
    assert events(platform) - before == admitted
    assert platform.customs.payment179.gate.counts() == {"rate 127.0.0.1": 30}
    other = client_from(platform, ("::1", 1))  # another source has its own allowance
    assert ask(other, "P179SEC1", "U1").json()["code"] == "10000"


def test_an_unknown_order_from_customs_is_one_log_entry(platform):
    customs = client_from(platform, CUSTOMS)
    before = events(platform)
    assert ask(customs, "NO-SUCH-ORDER").json()["code"] == "20000"
    assert events(platform) - before == 1


def test_a_configured_network_is_customs_and_loopback_then_is_not(make_platform):
    platform = make_platform(demo_users=True, CBEC_CUSTOMS179_SOURCES="203.0.113.0/24, 2001:db8::/32")
    assert ask(client_from(platform, ATTACKER), "NO-SUCH-ORDER").json()["code"] == "20000"
    assert ask(client_from(platform, ATTACKER), "NO-SUCH-ORDER").status_code == 200
    assert ask(client_from(platform, ("2001:db8::7", 1)), "NO-SUCH-ORDER").status_code == 200
    assert ask(client_from(platform, CUSTOMS), "NO-SUCH-ORDER").status_code == 403


@pytest.mark.parametrize(("env", "words"), [
    ({"CBEC_CUSTOMS179_SOURCES": "customs.chinaport.gov.cn"}, ("CBEC_CUSTOMS179_SOURCES", "不是IP", "no IP address")),
    ({"CBEC_CUSTOMS179_RATE": "0"}, ("CBEC_CUSTOMS179_RATE", "至少", "at least 1")),
    ({"CBEC_CUSTOMS179_RATE": "many"}, ("CBEC_CUSTOMS179_RATE", "整数", "whole number")),
])
def test_bad_settings_are_refused_naming_the_setting(tmp_path, env, words):
    with pytest.raises(SettingsError) as refused:
        Settings.from_env(tmp_path, env=env)
    assert all(w in str(refused.value) for w in words)
