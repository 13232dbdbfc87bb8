"""#16 items 4 and 13 through the consoles: an Excel upload is parsed off the event loop (sync endpoints, FastAPI runs
them on its thread pool), within bounds, and a hostile workbook is a clear 422 naming the limit, never a 500 and
never a frozen server."""

from __future__ import annotations

import asyncio
import time

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from engine.customs import examples
from engine.customs.api_json import plain
from tests.conftest import login
from tests.unit.customs.test_security_workbooks import payments_template, with_dimension, with_doctype, with_rows
from ui.app import create_app
from ui.routers.customs import batch, documents_batch

UPLOADS = ("/declarant/import/orders", "/declarant/payments/import", "/declarant/inventories/import")


@pytest.fixture
def app(make_platform):
    return create_app(make_platform(demo_users=True))


def client_for(app, user: str) -> TestClient:
    client = TestClient(app, base_url="https://testserver")
    login(client, user, next_url="/account")  # a page every user may open, carrying the CSRF token
    return client


def test_upload_endpoints_do_not_parse_on_the_event_loop():
    """An `async def` handler parses on the loop and every other request waits (14 s for a 6 KB file); sync
    handlers run on the thread pool."""
    routes = {r.path: r for router in (batch.router, documents_batch.router) for r in router.routes
              if isinstance(r, APIRoute) and "POST" in r.methods}
    for path in UPLOADS:
        assert not asyncio.iscoroutinefunction(routes[path].endpoint), path


def test_a_workbook_claiming_the_whole_grid_is_imported_at_once(app):
    client = client_for(app, "payment")
    data = with_dimension(payments_template([plain(examples.purchase("UPDIM1")["payment"])]), "A1:XFD1048576")
    started = time.monotonic()
    response = client.post("/declarant/payments/import", data={"mode": "draft"},
                           files={"file": ("payments.xlsx", data, "application/octet-stream")})
    assert time.monotonic() - started < 10
    assert response.status_code == 200 and 'data-stored="1"' in response.text


def test_a_workbook_with_a_dtd_is_a_clear_422(app):
    for user, path in (("payment", "/declarant/payments/import"), ("ecom", "/declarant/import/orders")):
        hostile = with_doctype(payments_template())
        response = client_for(app, user).post(path, data={"mode": "draft"},
                                              files={"file": ("p.xlsx", hostile, "application/octet-stream")})
        assert response.status_code == 422, path
        assert "DTD" in response.text and "不予读取" in response.text


def test_a_workbook_beyond_the_row_limit_is_refused_naming_it(app, monkeypatch):
    from adapters.excel import reading

    monkeypatch.setattr(reading, "LIMITS", reading.Limits(rows=100))
    client = client_for(app, "payment")
    response = client.post("/declarant/payments/import", data={"mode": "draft"},
                           files={"file": ("p.xlsx", with_rows(payments_template(), 150), "application/octet-stream")})
    assert response.status_code == 422
    assert "超过100行" in response.text and "more than 100 rows" in response.text

