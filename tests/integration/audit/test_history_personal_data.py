"""#18: the audit history shows events' payloads (the document's fields, the signed message's XML, the buyer's
annual ledger); a buyer's whole ID number and phone appear on none of its pages or exports for an auditor without
I3:view-personal, only masked by the same rule as the document pages; a permitted user sees them whole with a reason,
each view in the system log."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from domain.customs.import_rules import id_check_digit
from engine.customs import examples
from tests.conftest import login
from ui.app import create_app

FIRST17 = "32010219850505789"
BUYER_ID = FIRST17 + id_check_digit(FIRST17)
BUYER_PHONE = "13644447777"
ORDER_NO = "AH20260001"
WHOLE = (BUYER_ID, BUYER_PHONE)
MASKED_ID = "320" + "*" * 11 + BUYER_ID[-4:]


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    """A purchase's order and inventory of a buyer with a known ID number and phone, sent and answered."""
    from engine import bootstrap
    from engine.demo import ensure_demo
    from engine.settings import Settings

    platform = bootstrap.build(Settings.from_env(tmp_path_factory.mktemp("history") / "data",
                                                 env={"CBEC_SIM_ACCEPT_DELAY": "0"}), with_simulator=True)
    platform.identity.enterprises.ensure_demo()
    ensure_demo(platform.identity, platform.identity.enterprises)
    bought = examples.purchase(ORDER_NO, buyer_id=BUYER_ID)
    bought["order"]["buyerTelephone"] = BUYER_PHONE
    bought["inventory"]["buyerTelephone"] = BUYER_PHONE
    platform.customs.import_orders.declare(bought["order"], declared_by="ecom")
    platform.customs.declarations["CEB621"].declare(bought["inventory"], declared_by="ecom")
    platform.runner.run_until_idle()
    yield platform
    platform.close()


def client_for(platform, username: str) -> TestClient:
    client = TestClient(create_app(platform), base_url="https://testserver")
    login(client, username, next_url="/audit")
    return client


def history_pages(platform) -> list[str]:
    """The history of the inventory, of the message that carried it and of the order, with time travel and a
    comparison, and their exports."""
    platform.customs.documents_view.run_once()
    platform.exchange.messages_view.run_once()
    inventory = platform.customs.documents_view.search(message_type="CEB621", q=ORDER_NO)[0][0]["document_id"]
    message = platform.exchange.messages_view.search(q=ORDER_NO)[0][0]["message_id"]
    order = platform.customs.documents_view.search(message_type="CEB311", q=ORDER_NO)[0][0]["document_id"]
    pages = []
    for doc in (inventory, message, order):
        pages += [f"/audit/documents/{doc}", f"/audit/documents/{doc}?at=2099-01-01T00:00:00&start=2000-01-01T00:00:00",
                  f"/audit/documents/{doc}/export?format=csv"]
    return pages


def test_no_audit_page_or_export_shows_a_whole_id_number_or_phone_to_the_auditor(platform):
    auditor = client_for(platform, "auditor")
    seen_masked = False
    for path in [*history_pages(platform), "/audit/events", "/audit/events/export?format=csv"]:
        answer = auditor.get(path)
        assert answer.status_code == 200, (path, answer.text[:300])
        assert not [w for w in WHOLE if w in answer.text], path
        seen_masked |= MASKED_ID in answer.text
    assert seen_masked
    page = auditor.get(history_pages(platform)[0])
    assert f'data-field="document.buyerIdNumber">{MASKED_ID}<' in page.text and 'id="reveal-form"' not in page.text
    assert BUYER_ID not in auditor.get(f"{history_pages(platform)[0]}?reveal=1&reason=想看").text


def test_a_permitted_user_sees_them_whole_with_a_reason_and_each_view_is_logged(platform):
    admin = client_for(platform, "admin")
    inventory_page, message_page = history_pages(platform)[0], history_pages(platform)[3]
    masked = admin.get(inventory_page)
    assert BUYER_ID not in masked.text and 'id="reveal-form"' in masked.text
    shown = admin.get(f"{inventory_page}?reveal=1&reason=稽核买家")
    assert f'data-field="document.buyerIdNumber">{BUYER_ID}<' in shown.text and BUYER_PHONE in shown.text
    assert "export?format=csv&amp;reveal=1&amp;reason=" in shown.text  # the exports keep it
    assert BUYER_ID in admin.get(f"{message_page}?reveal=1&reason=报文稽核").text  # the signed XML's too
    exported = admin.get(f"{inventory_page}/export?format=csv&reveal=1&reason=导出稽核")
    assert BUYER_ID in exported.text
    platform.identity.log_view.run_once()
    entries, _ = platform.identity.log_view.search(kind="personal")
    reasons = " ".join(str(e.get("details")) for e in entries if e["actor"] == "admin")
    assert all(reason in reasons for reason in ("稽核买家", "报文稽核", "导出稽核"))
