"""#16 items 4 and 13 on the code-list import (/admin/reference/<list>/import): parsed off the event loop, within the
bounds of adapters/excel/reading.py, a DTD refused with a clear 422, the file size bounded before it is read."""

from __future__ import annotations

import asyncio
import time

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from adapters.reference import tables
from domain.reference.lists import LISTS
from tests.conftest import login
from tests.unit.customs.test_security_workbooks import with_dimension, with_doctype
from ui.app import create_app
from ui.routers.reference import pages

IMPORT = "/admin/reference/{list_name}/import"


@pytest.fixture
def client(make_platform):
    client = TestClient(create_app(make_platform(demo_users=True)), base_url="https://testserver")
    login(client, "admin", next_url="/admin/reference")
    return client


def post(client, name: str, data: bytes):
    return client.post("/admin/reference/countries/import", data={"reason": "测试 test"},
                       files={"file": (name, data, "application/octet-stream")})


def test_the_import_endpoint_does_not_parse_on_the_event_loop():
    [route] = [r for r in pages.router.routes if isinstance(r, APIRoute) and r.path == IMPORT and "POST" in r.methods]
    assert not asyncio.iscoroutinefunction(route.endpoint)


def test_a_code_list_workbook_with_a_dtd_is_a_clear_422(client):
    response = post(client, "c.xlsx", with_doctype(tables.write_workbook(LISTS["countries"], [])))
    assert response.status_code == 422 and "DTD" in response.text and "不予读取" in response.text


def test_a_code_list_workbook_claiming_the_whole_grid_is_read_in_its_used_range(client):
    data = with_dimension(tables.write_workbook(LISTS["countries"], [{"code": "901", "name_zh": "测试国"}]),
                          "A1:XFD1048576")
    started = time.monotonic()
    response = post(client, "c.xlsx", data)
    assert time.monotonic() - started < 10
    assert response.status_code == 200 and '<strong id="added">1</strong>' in response.text


def test_a_code_list_file_larger_than_the_bound_is_refused_unread(client):
    response = post(client, "c.csv", b"code\n" + b"1\n" * (tables.MAX_BYTES // 2 + 1))
    assert response.status_code == 422 and "20 MB" in response.text and "20MB" in response.text
