"""#18: message tracking shows each message's signed XML and lets it be downloaded; a buyer's whole ID number and
phone are in neither for a user without I3:view-personal (the auditor), only masked; a permitted user sees and
downloads them whole after giving a reason, each view in the system log."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from domain.customs.import_rules import id_check_digit
from engine.customs import examples
from tests.conftest import login
from ui.app import create_app

FIRST17 = "31010419900303456"
BUYER_ID = FIRST17 + id_check_digit(FIRST17)
BUYER_PHONE = "13755558888"
ORDER_NO = "MT20260001"
MASKED_ID, MASKED_PHONE = "310" + "*" * 11 + BUYER_ID[-4:], "137****8888"


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    """One order of a buyer with a known ID number and phone, sent to customs and answered."""
    from engine import bootstrap
    from engine.demo import ensure_demo
    from engine.settings import Settings

    platform = bootstrap.build(Settings.from_env(tmp_path_factory.mktemp("tracking") / "data",
                                                 env={"CBEC_SIM_ACCEPT_DELAY": "0"}), with_simulator=True)
    platform.identity.enterprises.ensure_demo()
    ensure_demo(platform.identity, platform.identity.enterprises)
    order = examples.purchase(ORDER_NO, buyer_id=BUYER_ID)["order"] | {"buyerTelephone": BUYER_PHONE}
    platform.customs.import_orders.declare(order, declared_by="ecom")
    platform.runner.run_until_idle()
    yield platform
    platform.close()


def client_for(platform, username: str) -> TestClient:
    client = TestClient(create_app(platform), base_url="https://testserver")
    login(client, username, next_url="/admin/messages")
    return client


@pytest.fixture(scope="module")
def message_id(platform) -> str:
    platform.exchange.messages_view.run_once()
    rows, _ = platform.exchange.messages_view.search(q=ORDER_NO)
    assert len(rows) == 1, rows
    return rows[0]["message_id"]


def personal_entries(platform, actor: str) -> list[dict]:
    platform.identity.log_view.run_once()
    entries, _ = platform.identity.log_view.search(kind="personal")
    return [e for e in entries if e["actor"] == actor]


def test_the_auditor_sees_the_signed_xml_with_the_buyer_masked(platform, message_id):
    auditor = client_for(platform, "auditor")
    page = auditor.get(f"/admin/messages/{message_id}")
    assert page.status_code == 200 and "buyerIdNumber" in page.text
    assert BUYER_ID not in page.text and BUYER_PHONE not in page.text
    assert MASKED_ID in page.text and MASKED_PHONE in page.text and 'id="reveal-form"' not in page.text
    download = auditor.get(f"/admin/messages/{message_id}/xml")
    assert download.status_code == 200 and "attachment" in download.headers["content-disposition"]
    assert f"buyerIdNumber>{MASKED_ID}<" in download.text and BUYER_ID not in download.text
    assert BUYER_PHONE not in download.text


def test_asking_to_reveal_without_the_permission_stays_masked(platform, message_id):
    auditor = client_for(platform, "auditor")
    for path in (f"/admin/messages/{message_id}", f"/admin/messages/{message_id}/xml"):
        answer = auditor.get(f"{path}?reveal=1&reason=想看")
        assert answer.status_code == 200 and BUYER_ID not in answer.text and MASKED_ID in answer.text, path
    assert personal_entries(platform, "auditor") == []


def test_raw_receipts_show_no_whole_id_number(platform, message_id):
    auditor = client_for(platform, "auditor")
    page = auditor.get(f"/admin/messages/{message_id}")
    links = [part.split('"')[0] for part in page.text.split('class="raw-receipt" href="')[1:]]
    assert links, "the order's receipts link their raw files"
    for link in links:
        for answer in (auditor.get(link), auditor.get(f"{link}?download=1")):
            assert answer.status_code == 200 and BUYER_ID not in answer.text and BUYER_PHONE not in answer.text


def test_a_permitted_user_sees_and_downloads_them_whole_with_a_reason_each_logged(platform, message_id):
    admin = client_for(platform, "admin")
    masked = admin.get(f"/admin/messages/{message_id}")
    assert BUYER_ID not in masked.text and 'id="reveal-form"' in masked.text
    assert BUYER_ID not in admin.get(f"/admin/messages/{message_id}/xml").text
    shown = admin.get(f"/admin/messages/{message_id}?reveal=1&reason=核对报文")
    assert BUYER_ID in shown.text and BUYER_PHONE in shown.text
    assert f"/admin/messages/{message_id}/xml?reveal=1&amp;reason=" in shown.text  # the download link keeps it
    whole = admin.get(f"/admin/messages/{message_id}/xml?reveal=1&reason=下载核对")
    assert f"buyerIdNumber>{BUYER_ID}<" in whole.text
    reasons = [str(e.get("details")) for e in personal_entries(platform, "admin")]
    assert any("核对报文" in r for r in reasons) and any("下载核对" in r for r in reasons)
    assert all(ORDER_NO in e["target"] for e in personal_entries(platform, "admin"))
