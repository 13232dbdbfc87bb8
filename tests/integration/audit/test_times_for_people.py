"""#18: one time zone for people. Read models keep the event store's UTC stamps; every time the consoles show, an
export writes or the JSON API returns is Asia/Shanghai and says so (+08:00, 北京时间 UTC+8). Customs formats stay."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta, timezone

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from engine.customs import examples
from engine.customs.api_json import plain
from tests.conftest import login
from ui.app import create_app

UTC8 = timezone(timedelta(hours=8))


def client(platform, username: str) -> TestClient:
    found = TestClient(create_app(platform), base_url="https://testserver")
    login(found, username, next_url="/")
    return found


def in_shanghai(stored: str) -> datetime:
    """What a stored stamp (ISO 8601 with its offset, UTC in the read models) is on a Shanghai clock."""
    return datetime.fromisoformat(stored).astimezone(UTC8)


def test_the_api_list_items_give_every_time_in_shanghai_time(make_platform):
    platform = make_platform(demo_users=True)
    ecom = client(platform, "ecom")
    declared = ecom.post("/api/import/inventories", json=plain(examples.purchase("TZAPI0001")["inventory"]))
    assert declared.status_code == 201, declared.text
    platform.customs.documents_view.run_once()
    [stored] = platform.customs.documents_view.search(message_type="CEB621")[0]
    assert stored["updated_at"].endswith("+00:00")  # the read model keeps UTC: the API converts it

    [item] = ecom.get("/api/import/inventories").json()["items"]
    assert item["declared_at"].endswith("+08:00") and item["updated_at"].endswith("+08:00")
    assert datetime.fromisoformat(item["updated_at"]) == datetime.fromisoformat(stored["updated_at"])  # same instant
    assert item["updated_at"][11:19] == in_shanghai(stored["updated_at"]).strftime("%H:%M:%S")
    detail = ecom.get(f"/api/import/inventories/{declared.json()['documentId']}").json()
    assert detail["declTime"] == "20261125"  # a customs format stays as customs wants it
    assert detail["declaredAt"].endswith("+08:00") and all(i["at"].endswith("+08:00") for i in detail["timeline"])


def test_message_tracking_shows_the_time_of_preparing_in_shanghai_time_with_its_zone(make_platform):
    platform = make_platform(demo_users=True)
    platform.customs.import_orders.declare(examples.import_order("TZMSG0001"), declared_by="test")
    platform.runner.run_until_idle()
    [message], _ = platform.exchange.messages_view.search(q="TZMSG0001")
    shown = in_shanghai(message["prepared_at"]).strftime("%Y-%m-%d %H:%M:%S") + " +08:00"

    page = client(platform, "admin").get("/admin/messages?q=TZMSG0001")
    row = re.search(rf'<tr data-guid="[^"]*"><td>([^<]*)</td>\s*<td><a href="/admin/messages/{message["message_id"]}"',
                    page.text)
    assert row is not None and row.group(1) == shown
    utc_shown = message["prepared_at"][:19].replace("T", " ")
    assert utc_shown not in page.text  # the UTC wall-clock time, 8 hours off, is shown nowhere


def test_the_system_log_export_has_shanghai_times_as_real_excel_times(make_platform):
    platform = make_platform(demo_users=True)
    admin = client(platform, "admin")
    exported = admin.get("/admin/log/export?format=xlsx")
    assert exported.status_code == 200
    sheet = load_workbook(io.BytesIO(exported.content)).active
    header = [cell.value for cell in sheet[1]]
    assert header[0] == "at (北京时间 UTC+8)"
    rows, _ = platform.identity.log_view.search(per_page=100_000)
    first = sheet.cell(row=2, column=1).value
    assert isinstance(first, datetime) and first.tzinfo is None  # a date-time cell, not text
    assert abs(first - in_shanghai(rows[0]["at"]).replace(tzinfo=None)) < timedelta(milliseconds=1)  # Excel keeps ms
