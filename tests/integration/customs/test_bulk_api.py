"""X1: the bulk JSON API with the client's own document IDs (a retried call declares nothing twice) and the
progress of every batch (I3, I4 documents; A6 tenancy, A9 signed machine clients)."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from engine.customs import examples
from engine.customs.api_json import plain
from tests.conftest import login
from tests.integration.identity.test_security import other_tenant, signed
from ui.app import create_app

INVENTORIES = "/api/import/inventories/bulk"
ORDERS = "/api/import/orders/bulk"


def client_for(app, username: str | None = None, password: str | None = None) -> TestClient:
    client = TestClient(app, base_url="https://testserver")
    if username:
        login(client, username, password)
    return client


def inventory(order_no: str, client_id: str) -> dict:
    """An inventory without its copNo: the platform numbers it, so only the clientId tells a retry from a new one."""
    document = plain(examples.purchase(order_no)["inventory"])
    del document["copNo"]
    return document | {"clientId": client_id}


def three_good_one_bad() -> list[dict]:
    bad = inventory("BULK-BAD", "inv-4") | {"buyerName": "", "customsCode": "99999"}
    return [inventory(f"BULK{i}", f"inv-{i}") for i in range(1, 4)] + [bad]


def stored_since(platform, position: int) -> list[str]:
    """The topics of the events stored after that position, the system log's (A4: every call is logged) aside."""
    return [n.topic for n in platform.store.recorder.select_notifications(position + 1, 100_000)
            if "LogEntry" not in n.topic]


def inventory_rows(platform) -> int:
    platform.customs.documents_view.run_once()
    return platform.customs.documents_view.search(message_type="CEB621")[1]


def test_a_retried_call_answers_duplicates_and_declares_nothing_again(make_platform, database_url):
    """X1, I4: 3 good + 1 bad inventories; the same call again stores no document and no event."""
    platform = make_platform(database_url, demo_users=True)
    ecom = client_for(create_app(platform), "ecom")

    first = ecom.post(INVENTORIES, json={"documents": three_good_one_bad()})
    assert first.status_code == 200
    answer = first.json()
    assert (answer["accepted"], answer["refused"], answer["duplicates"]) == (3, 1, 0)
    by_client = {r["clientId"]: r for r in answer["results"]}
    assert all(by_client[f"inv-{i}"]["accepted"] and by_client[f"inv-{i}"]["documentId"] for i in range(1, 4))
    assert by_client["inv-1"]["status"] == "declared" and by_client["inv-1"]["number"].startswith("621")
    refused = by_client["inv-4"]
    assert not refused["accepted"] and "buyerName" in {e["field"] for e in refused["errors"]}
    assert all(e["message_zh"] and e["message_en"] for e in refused["errors"])
    assert inventory_rows(platform) == 3

    events = platform.store.recorder.max_notification_id()
    again = ecom.post(INVENTORIES, json={"documents": three_good_one_bad()}).json()
    assert (again["accepted"], again["refused"], again["duplicates"]) == (0, 1, 3)
    assert again["batchId"] == answer["batchId"]
    for i in range(1, 4):
        retried, declared = {r["clientId"]: r for r in again["results"]}[f"inv-{i}"], by_client[f"inv-{i}"]
        assert retried["duplicate"] and retried["accepted"]
        assert (retried["documentId"], retried["number"]) == (declared["documentId"], declared["number"])
    assert inventory_rows(platform) == 3
    assert stored_since(platform, events) == []


@pytest.fixture
def platform(make_platform):
    return make_platform(demo_users=True)


@pytest.fixture
def app(platform):
    return create_app(platform)


def order(order_no: str, client_id: str, **changes: object) -> dict:
    return plain(examples.import_order(order_no)) | {"clientId": client_id, **changes}


def test_a_client_id_reused_for_other_content_is_refused_naming_client_id(app, platform):
    """X1, I3: the same clientId with different content is an error on clientId, and nothing is declared."""
    ecom = client_for(app, "ecom")
    assert ecom.post(ORDERS, json={"documents": [order("REUSE1", "erp-1")]}).json()["accepted"] == 1
    events = platform.store.recorder.max_notification_id()

    answer = ecom.post(ORDERS, json={"documents": [order("REUSE2", "erp-1")]}).json()
    [result] = answer["results"]
    assert answer["refused"] == 1 and not result["accepted"]
    assert [(e["field"], e["rule"]) for e in result["errors"]] == [("clientId", "reused")]
    assert platform.customs.import_orders.get("3301960001", "REUSE2") is None
    assert [t.split(":")[-1] for t in stored_since(platform, events)] == ["BulkBatch.Received"]  # the refusal


def test_client_ids_are_checked_and_a_call_has_at_most_1000_documents(app, platform):
    """X1: clientId required, 1-64 characters, unique in the call; 1,001 documents are refused whole (422)."""
    ecom = client_for(app, "ecom")
    documents = [order("CHK1", ""), order("CHK2", "x" * 65), order("CHK3", "twice"), order("CHK4", "twice"),
                 order("CHK5", "ok")]
    answer = ecom.post(ORDERS, json={"documents": documents}).json()
    assert [(r["accepted"], [e["rule"] for e in r["errors"]]) for r in answer["results"]] == [
        (False, ["required"]), (False, ["max_length"]), (False, ["unique"]), (False, ["unique"]), (True, [])]

    events = platform.store.recorder.max_notification_id()
    too_many = [{"clientId": str(i)} for i in range(1001)]
    assert ecom.post(ORDERS, json={"documents": too_many}).status_code == 422
    assert ecom.post(ORDERS, json={"documents": []}).status_code == 422
    assert stored_since(platform, events) == []
    assert client_for(app, "payment").post(ORDERS, json={"documents": [order("PAY1", "p")]}).status_code == 403


def test_batch_progress_reaches_done_once_customs_answered(app, platform):
    """X1, I3: GET /api/batches/<id> and the console page count the documents by status until all are final."""
    ecom = client_for(app, "ecom")
    answer = ecom.post(ORDERS, json={"documents": [order(f"PROG{i}", f"p{i}") for i in range(3)] + [
        order("PROG-BAD", "p-bad", buyerName="")]}).json()
    batch = answer["batchId"]

    progress = ecom.get(f"/api/batches/{batch}").json()
    assert (progress["total"], progress["counts"], progress["done"]) == (3, {"declared": 3}, False)
    assert [r["clientId"] for r in progress["refused"]] == ["p-bad"]
    page = ecom.get(f"/declarant/bulk-batches/{batch}")
    assert page.status_code == 200 and 'data-done="0"' in page.text and 'http-equiv="refresh"' in page.text

    platform.runner.run_until_idle()

    progress = ecom.get(f"/api/batches/{batch}").json()
    assert progress["done"] and progress["counts"] == {"120": 3}
    assert {d["number"] for d in progress["documents"]} == {"PROG0", "PROG1", "PROG2"}
    page = ecom.get(f"/declarant/bulk-batches/{batch}")
    assert 'data-done="1"' in page.text and 'http-equiv="refresh"' not in page.text and "p-bad" in page.text
    assert client_for(app, "logistics").get(f"/api/batches/{batch}").status_code == 404  # another organisation


def test_a_signed_api_client_declares_in_bulk_and_follows_its_batch(app, platform):
    """X1, A9: an HMAC-signed machine client posts a bulk call and reads its progress."""
    app_id, secret = platform.identity.register_client("ERP", "ECOM-DEMO", ["declarant_ecommerce"], by="test")
    client = client_for(app)
    body = json.dumps({"documents": [order("SIGNED-BULK1", "s1"), order("SIGNED-BULK2", "s2")]}).encode()

    posted = signed(client, app_id, secret, "POST", ORDERS, body)
    assert posted.status_code == 200 and posted.json()["accepted"] == 2
    assert signed(client, app_id, secret, "POST", ORDERS, body).json()["duplicates"] == 2
    progress = signed(client, app_id, secret, "GET", f"/api/batches/{posted.json()['batchId']}")
    assert progress.status_code == 200 and progress.json()["total"] == 2


def test_another_organisations_client_ids_do_not_collide(app, platform):
    """X1, A6: two organisations may use the same clientId; each gets its own document."""
    other_tenant(platform)
    mine, theirs = client_for(app, "ecom"), client_for(app, "other", "Their-Pass-2026")
    my_answer = mine.post(ORDERS, json={"documents": [order("MINE-C1", "C1")]}).json()
    their_answer = theirs.post(ORDERS, json={"documents": [order("THEIRS-C1", "C1", ebpCode="3301960009",
                                                                 ebcCode="3301960009")]}).json()

    assert my_answer["accepted"] == their_answer["accepted"] == 1
    assert my_answer["results"][0]["documentId"] != their_answer["results"][0]["documentId"]
    assert theirs.get(f"/api/batches/{my_answer['batchId']}").status_code == 404
    assert theirs.get(f"/declarant/bulk-batches/{my_answer['batchId']}").status_code == 404


def test_a_retry_declares_what_became_valid_under_the_same_batch(app, platform):
    """X1, I3: a document refused because its enterprise was not registered yet is declared by the same call
    retried once it is; the batch then lists it too."""
    ecom = client_for(app, "ecom")
    platform.identity.assign_enterprise("ECOM-DEMO", "3301960008", by="test")  # the organisation's, not yet on file
    call = {"documents": [order("LATE0", "late-0"), order("LATE1", "late-1", ebcCode="3301960008")]}
    first = ecom.post(ORDERS, json=call).json()
    assert [r["accepted"] for r in first["results"]] == [True, False]
    assert {e["rule"] for e in first["results"][1]["errors"]} == {"registered"}

    platform.identity.enterprises.ensure("3301960008", "新登记电商", ["ecommerce"], "DXPENT0000000008", "",
                                organisation="ECOM-DEMO")
    again = ecom.post(ORDERS, json=call).json()
    assert (again["batchId"], again["accepted"], again["duplicates"], again["refused"]) == (first["batchId"], 1, 1, 0)
    progress = ecom.get(f"/api/batches/{first['batchId']}").json()
    assert progress["total"] == 2 and progress["refused"] == []
