"""B4: any list exports to CSV, Excel and Parquet with the list's filters and tenancy; dashboards show the
read models' figures to auditors, BI readers and administrators."""

from __future__ import annotations

import csv
import io

import openpyxl
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from engine.customs import examples
from tests.conftest import login
from ui.app import create_app
from ui.routers.customs.exports import COLUMNS, headers


@pytest.fixture
def platform(make_platform):
    platform = make_platform(demo_users=True, faults="reject-order=BAD")
    orders = [examples.import_order(f"EX{i:03d}") for i in range(4)] + [examples.import_order("EX-BAD")]
    platform.customs.import_orders.declare_many(orders, "ecom")
    platform.runner.run_until_idle()
    platform.audit.runner.run_until_idle()  # the B followers
    return platform


def client_for(platform, username: str) -> TestClient:
    client = TestClient(create_app(platform), base_url="https://testserver")
    login(client, username)
    return client


def read_back(response) -> list[dict]:
    """Rows by column name: CSV and Excel headers (Chinese, #18) read back to the column names, Parquet has them."""
    kind = response.headers["content-type"]
    if kind.startswith("text/csv"):
        return by_name(list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")))))
    if "spreadsheetml" in kind:
        return by_name(list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)))
    return pq.read_table(io.BytesIO(response.content)).to_pylist()


def by_name(rows: list) -> list[dict]:
    names = dict(zip(headers("zh-CN"), COLUMNS, strict=True))
    shown = [str(h).split(" (")[0] for h in rows[0]]  # a time column's header names its zone: 申报时间 (北京时间 UTC+8)
    if shown != headers("zh-CN"):  # not a document list: its headers are its column names
        return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    return [{names[h]: v for h, v in zip(shown, row, strict=True)} for row in rows[1:]]


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_the_order_list_exports_with_its_filters(platform, fmt):
    response = client_for(platform, "ecom").get(f"/declarant/orders/export?format={fmt}&status=120")
    assert response.status_code == 200 and f'filename="import-orders.{fmt}"' in response.headers["content-disposition"]
    rows = read_back(response)
    assert sorted(r["order_no"] for r in rows) == [f"EX{i:03d}" for i in range(4)]
    assert {str(r["status"]) for r in rows} == {"120"}


def test_an_export_shows_only_the_organisations_own_documents(platform):
    from engine.demo import DEMO_PASSWORD

    platform.identity.register_user("logi-ecom", "物流公司电商申报员", "LOGI-DEMO", ["declarant_ecommerce"],
                                    DEMO_PASSWORD, by="test")
    response = client_for(platform, "logi-ecom").get("/declarant/orders/export?format=csv")
    assert response.status_code == 200 and read_back(response) == []


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_the_event_browser_and_a_document_history_export(platform, fmt):
    client = client_for(platform, "auditor")
    events = read_back(client.get(f"/audit/events/export?format={fmt}&doc_type=ImportOrder&event_type=Declared"))
    assert len(events) == 5 and {r["user_name"] for r in events} == {"ecom"}
    history = read_back(client.get(f"/audit/documents/{events[0]['originator_id']}/export?format={fmt}"))
    assert {r["field"] for r in history} >= {"status", "document.orderNo"}


def test_an_unknown_format_is_refused(platform):
    assert client_for(platform, "ecom").get("/declarant/orders/export?format=pdf").status_code == 400


@pytest.mark.parametrize("username", ["auditor", "bi", "admin"])
def test_dashboards_draw_the_read_models_figures(platform, username):
    page = client_for(platform, username).get("/dashboards?lang=en")
    assert page.status_code == 200
    assert '<dd id="kpi-total">5</dd>' in page.text and '<dd id="kpi-rate">80.0%</dd>' in page.text
    assert 'aria-label="' in page.text and page.text.count("<svg") == 6
    assert "120 Accepted by customs: 4" in page.text and "100 Rejected by customs: 1" in page.text
    assert "Orders (CEB311) carry no HS code" in page.text
