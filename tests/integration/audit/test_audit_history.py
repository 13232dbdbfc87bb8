"""B1: an auditor reads a document's history, its state as of any moment and the difference between two moments,
and browses every event by enterprise, type, user and time."""

from __future__ import annotations

from datetime import datetime, timedelta

import eventsourcing.domain
import pytest
from fastapi.testclient import TestClient

from domain.shared.receipts import Receipt
from engine import clock
from engine.customs import examples
from tests.conftest import login
from ui.app import create_app

T0 = datetime(2026, 1, 5, 10, 0, tzinfo=clock.SHANGHAI)


@pytest.fixture
def scripted(make_platform, monkeypatch):
    """An order declared at 10:00 by ecom, 申报中 (2) applied at 11:00, 入库 (120) at 12:00."""
    platform = make_platform(demo_users=True)
    times = iter([T0, T0 + timedelta(hours=1), T0 + timedelta(hours=2)])
    monkeypatch.setattr(eventsourcing.domain, "datetime_now_with_tzinfo", lambda: next(times))
    order = platform.customs.import_orders.declare(examples.import_order("TT-0001"), declared_by="ecom")
    for status, info in (("2", "新增申报成功"), ("120", "海关入库成功")):
        order.apply_receipt(Receipt("CEB312", order.guid, status, f"2026010511{status[:2]:0>2}00000", info))
        platform.store.save(order)
    monkeypatch.undo()
    return platform, order.id


def test_the_state_as_of_each_moment_replays_the_events_up_to_it(scripted):
    platform, order_id = scripted
    history = platform.audit.history
    assert history.state_at(order_id, T0 - timedelta(seconds=1)) == ({}, 0)
    for moment, version, status in ((T0, 1, "declared"), (T0 + timedelta(minutes=90), 2, "2"),
                                    (T0 + timedelta(hours=5), 3, "120")):
        state, found = history.state_at(order_id, moment)
        assert (found, state["status"], state["order_no"]) == (version, status, "TT-0001")
    assert history.state_at(order_id, T0 + timedelta(minutes=90))[0]["receipts.1.returnStatus"] == "2"


def test_each_event_shows_who_acted_and_the_fields_it_changed(scripted):
    platform, order_id = scripted
    entries = platform.audit.history.entries(order_id)
    assert [(e.version, e.event_type, e.user, e.at) for e in entries] == [
        (1, "Declared", "ecom", T0), (2, "ReceiptApplied", "", T0 + timedelta(hours=1)),
        (3, "ReceiptApplied", "", T0 + timedelta(hours=2))]
    changed = {c.path: (c.before, c.after) for c in entries[2].changes}
    assert changed["status"] == ("2", "120") and changed["return_info"] == ("新增申报成功", "海关入库成功")
    assert "document.orderNo" in {c.path for c in entries[0].changes}


def test_the_difference_between_two_moments_lists_only_what_changed(scripted):
    platform, order_id = scripted
    changes = {c.path: (c.before, c.after) for c in platform.audit.history.between(
        order_id, T0 + timedelta(minutes=30), T0 + timedelta(hours=3))}
    assert changes["status"] == ("declared", "120")
    assert changes["receipts.2.returnStatus"] == (None, "120")
    assert not any(path.startswith("document.") for path in changes)


def test_the_auditor_console_travels_in_time_and_compares(scripted):
    platform, order_id = scripted
    client = TestClient(create_app(platform), base_url="https://testserver")
    login(client, "auditor")
    page = client.get(f"/audit/documents/{order_id}", params={"at": "2026-01-05T11:30:00"})
    assert page.status_code == 200
    assert 'id="as-of-version">2<' in page.text and '<td data-field="status">2</td>' in page.text
    assert client.get("/audit/find", params={"q": "TT-0001"}).url.path == f"/audit/documents/{order_id}"
    compared = client.get(f"/audit/documents/{order_id}",
                          params={"start": "2026-01-05T10:30:00", "end": "2026-01-05T12:30:00"})
    assert '<tr data-field="status"><td><code>status</code></td><td>declared</td><td>120</td>' in compared.text


def test_the_event_browser_filters_by_enterprise_type_user_and_time(scripted):
    platform, order_id = scripted
    platform.runner.run_until_idle()
    platform.audit.runner.run_until_idle()  # the B followers
    events = platform.audit.events
    platform.audit.catch_up("event_index")
    rows, total = events.search(doc_type="ImportOrder", user="ecom", date_from="2026-01-05", date_to="2026-01-05")
    assert total == 1 and rows[0]["event_type"] == "Declared" and rows[0]["enterprise"] == examples.DEMO["code"]
    receipts, _ = events.search(enterprise=examples.DEMO["code"], event_type="ReceiptApplied")
    assert {r["originator_id"] for r in receipts} == {str(order_id)}  # enterprise known from the first event
    assert events.search(date_from="2026-01-06", doc_type="ImportOrder", user="ecom")[1] == 0


def test_declarants_cannot_open_the_auditor_console(make_platform):
    client = TestClient(create_app(make_platform(demo_users=True)), base_url="https://testserver")
    login(client, "ecom")
    assert client.get("/audit").status_code == 403
    assert client.get("/audit/events").status_code == 403
    assert client.get("/dashboards").status_code == 403



def test_any_import_document_is_found_by_its_number_and_belongs_to_its_sender(make_platform):
    """B1 with #6: a waybill's history is found by its waybill number; the event index files it under the
    logistics enterprise that sent it."""
    platform = make_platform(demo_users=True)
    waybill = platform.customs.declarations["CEB511"].declare(examples.purchase("AUD-1")["waybill"],
                                                              declared_by="logistics")
    platform.runner.run_until_idle()
    client = TestClient(create_app(platform), base_url="https://testserver")
    login(client, "auditor")
    assert client.get("/audit/find", params={"q": "YTAUD-1"}).url.path == f"/audit/documents/{waybill.id}"
    platform.audit.runner.run_until_idle()
    platform.audit.catch_up("event_index")
    rows, _ = platform.audit.events.search(doc_type="Declaration", event_type="Declared")
    assert [r["enterprise"] for r in rows] == [examples.LOGISTICS["code"]]
