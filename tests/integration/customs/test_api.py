"""X1, I3: the JSON API an enterprise system calls, documented by the OpenAPI page."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from engine.customs import examples
from engine.customs.api_json import plain
from tests.conftest import login
from ui.app import create_app


@pytest.fixture
def client(make_platform):
    # /healthz shows its details only to platform administrators or with the health token (#16 item 17)
    platform = make_platform(demo_users=True, CBEC_HEALTH_TOKEN="test-health-token")
    with TestClient(create_app(platform), base_url="https://testserver",
                    headers={"X-Health-Token": "test-health-token"}) as test_client:
        test_client.platform = platform
        login(test_client, "ecom")
        yield test_client


def test_an_order_posted_as_json_is_stored_and_answered_by_customs(client):
    response = client.post("/api/import/orders", json=plain(examples.import_order("API-1")))
    assert response.status_code == 201
    assert response.json()["orderNo"] == "API-1"
    client.platform.runner.run_until_idle()

    order = client.get("/api/import/orders/API-1").json()
    assert order["status"] == "120" and order["statusLabel"] == "海关入库"
    assert order["acturalPaid"] == "871.25" and order["orderList"][0]["qty"] == "2"
    assert [r["returnStatus"] for r in order["receipts"]] == ["2", "120"]
    assert "<ds:Signature" in order["messages"][0]["xml"]


def test_numbers_may_be_sent_as_json_numbers(client):
    order = plain(examples.import_order("API-NUM")) | {"freight": 10, "discount": 5}
    assert client.post("/api/import/orders", json=order).status_code == 201


def test_bad_input_gets_422_naming_each_field_in_both_languages(client):
    order = plain(examples.import_order("API-BAD")) | {"acturalPaid": "1", "consignee": ""}
    response = client.post("/api/import/orders", json=order)
    assert response.status_code == 422
    errors = {e["field"]: e for e in response.json()["errors"]}
    assert set(errors) == {"consignee", "acturalPaid"}
    assert errors["acturalPaid"]["rule"] == "paid_arithmetic"
    assert errors["consignee"]["message_zh"] and errors["consignee"]["message_en"] == "consignee is required"
    assert client.get("/api/import/orders/API-BAD").status_code == 404


def test_search_pages_through_orders(client):
    client.platform.customs.import_orders.declare_many([examples.import_order(f"PAGE{i:02d}") for i in range(25)], "t")
    client.platform.customs.orders_view.run_once()
    first = client.get("/api/import/orders", params={"q": "PAGE", "per_page": 10}).json()
    third = client.get("/api/import/orders", params={"q": "PAGE", "per_page": 10, "page": 3}).json()
    assert first["total"] == 25 and len(first["items"]) == 10 and len(third["items"]) == 5
    assert first["items"][0]["order_no"] == "PAGE24"


def test_health_enterprises_and_the_openapi_page(client):
    client.platform.runner.start()
    health = client.get("/healthz").json()
    assert health["ok"] and health["store"]["ok"] and health["transport"]["kind"] == "filebox"
    assert client.get("/api/enterprises").json()[0]["code"] == "3301960001"
    schema = client.get("/openapi.json").json()
    assert "/api/import/orders" in schema["paths"] and "/api/import/orders/{order_no}" in schema["paths"]
    assert client.get("/docs").status_code == 200


def test_a_batch_call_answers_per_order_and_a_retry_declares_nothing_twice(client):
    orders = [plain(examples.import_order("BULK-1")), plain(examples.import_order("BULK-2")) | {"buyerName": ""}]
    first = client.post("/api/import/orders/batch", json={"orders": orders}).json()
    assert first["accepted"] == 1
    assert [r["accepted"] for r in first["results"]] == [True, False]
    assert first["results"][1]["errors"][0]["field"] == "buyerName"
    retry = client.post("/api/import/orders/batch", json={"orders": orders[:1]}).json()
    assert retry["accepted"] == 0 and retry["results"][0]["errors"][0]["rule"] == "unique"
