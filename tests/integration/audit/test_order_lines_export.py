"""#18: the goods lines behind the top-goods chart export to Excel with Chinese headers (English for English
readers), quantities and prices as number cells, and each unit and country code with its name from the code lists
beside it; a declarant without the statistics permission gets none."""

from __future__ import annotations

import io

import openpyxl
import pytest
from fastapi.testclient import TestClient

from engine.customs import examples
from tests.conftest import login
from ui.app import create_app


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    from engine import bootstrap
    from engine.demo import ensure_demo
    from engine.settings import Settings

    platform = bootstrap.build(Settings.from_env(tmp_path_factory.mktemp("lines") / "data"))
    platform.identity.enterprises.ensure_demo()
    ensure_demo(platform.identity, platform.identity.enterprises)
    assert all(o.stored for o in platform.customs.import_orders.declare_many(
        [examples.import_order("OL0001"), examples.import_order("OL0002")], "ecom"))
    yield platform
    platform.close()


def sheet(platform, username: str, query: str = ""):
    client = TestClient(create_app(platform), base_url="https://testserver")
    login(client, username, next_url="/dashboards")
    answer = client.get(f"/dashboards/order-lines/export?format=xlsx{query}")
    assert answer.status_code == 200, answer.text[:300]
    return openpyxl.load_workbook(io.BytesIO(answer.content)).active


def test_unit_and_country_codes_have_their_names_beside_them(platform):
    rows = list(sheet(platform, "auditor").iter_rows(values_only=True))
    header, lines = rows[0], [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    assert header[8:10] == ("计量单位代码", "计量单位") and header[12:14] == ("原产国代码", "原产国")
    assert {line["订单编号"] for line in lines} == {"OL0001", "OL0002"}
    line = lines[0]
    names = platform.reference.entry("units", str(line["计量单位代码"])) or {}
    assert line["计量单位"] and line["计量单位"] == names.get("name_zh", line["计量单位"])
    assert line["原产国"] and line["原产国"] != line["原产国代码"]
    first = next(sheet(platform, "auditor").iter_rows(min_row=2, max_row=2))
    assert first[10].data_type == "n" and first[11].data_type == "n"  # quantity, total price


def test_english_headers_and_names_for_an_english_reader(platform):
    header = [c.value for c in sheet(platform, "auditor", "&lang=en")[1]]
    assert header[8:10] == ["Unit code", "Unit"] and header[12:14] == ["Country of origin code", "Country of origin"]


def test_a_declarant_without_the_statistics_permission_is_refused(platform):
    client = TestClient(create_app(platform), base_url="https://testserver")
    login(client, "ecom")
    assert client.get("/dashboards/order-lines/export?format=xlsx").status_code == 403
