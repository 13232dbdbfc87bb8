"""I1, I2 on SQLite and PostgreSQL: the shipped code lists are seeded once, imports and edits are kept as history,
lookups follow them at once, and a declaration with codes outside the lists is refused before it is sent."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook

from adapters.reference import shipped
from domain.reference.lists import LISTS, normalise, problems
from domain.reference.model import SEED_CHUNK, CodeList
from domain.shared.rules import DeclarationRejected
from engine.cli.reference import shipped_index
from engine.customs import examples
from engine.customs.api_json import plain
from tests.conftest import login
from ui.app import create_app


def seeded_events(platform) -> int:
    topic = f"{CodeList.Seeded.__module__}:{CodeList.Seeded.__qualname__}"
    return len(platform.store.recorder.select_notifications(1, 10_000, topics=[topic]))


def test_every_shipped_row_is_valid_and_names_its_source():
    index = shipped_index()
    for name, spec in LISTS.items():
        rows, _ = shipped.shipped(name)
        for row in rows:
            entry = normalise(spec, row)
            assert problems(spec, entry, index) == [], (name, row)
            assert entry["source"], (name, row)
        assert len({r["code"] for r in rows}) == len(rows), name
    assert index.entry("countries", "116").name_zh == "日本" and index.country_for("Japan").code == "116"
    assert index.entry("currencies", "142").name_zh == "人民币" and index.entry("units", "007").name_zh == "个"
    assert {m: index.entry("trade_modes", m) is not None for m in ("1210", "1239", "9610", "9710", "9810", "9661",
                                                                   "1261")} == dict.fromkeys(
        ("1210", "1239", "9610", "9710", "9810", "9661", "1261"), True)
    assert all(not e.attrs.get(rate) for e in index.entries("hs_codes")
               for rate in ("duty_rate", "vat_rate", "consumption_rate"))  # never invented


def test_the_shipped_lists_are_seeded_once_with_their_history(make_platform, database_url):
    platform = make_platform(database_url)
    counts = platform.reference.counts()
    assert counts == {name: len(shipped.shipped(name)[0]) for name in LISTS}
    events = seeded_events(platform)
    chunks = {name: -(-len(shipped.shipped(name)[0]) // SEED_CHUNK) for name in LISTS}  # 11,827 HS codes: 12
    assert events == sum(max(chunks[name], 1) for name in LISTS if shipped.shipped(name)[1]) and chunks["hs_codes"] > 1

    again = make_platform(database_url)  # a second start on the same store
    assert seeded_events(again) == events and again.reference.counts() == counts
    [seeded] = again.reference.history("countries", "116")
    assert (seeded["action"], seeded["by_whom"], seeded["changes"]["after"]["name_zh"]) == ("seeded", "system", "日本")


def test_an_edit_with_its_reason_is_in_the_history_and_in_lookups_at_once(make_platform, database_url):
    platform = make_platform(database_url)
    reference = platform.reference
    assert reference.edit("countries", {"code": "116", "name_zh": "日本国"}, "张三", "按官方全称")
    assert [e.name_zh for e in reference.search("countries", "日")] == ["日本国"]
    latest = reference.history("countries", "116")[0]
    assert (latest["action"], latest["by_whom"], latest["reason"]) == ("edited", "张三", "按官方全称")
    assert latest["changes"] == {"before": {"name_zh": "日本"}, "after": {"name_zh": "日本国"}}

    platform.reference.view.rebuild()  # the read model is rebuilt from the events alone
    assert reference.entry("countries", "116")["name_zh"] == "日本国"
    assert [h["action"] for h in reference.history("countries", "116")] == ["edited", "seeded"]


def excel(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_excel_table_with_good_and_bad_rows_is_imported_with_a_report(make_platform, database_url):
    platform = make_platform(database_url)
    data = excel([
        ["代码 code", "中文名称 name_zh", "英文名称 name_en", "第一法定单位 unit1", "第二法定单位 unit2",
         "说明 ignored"],
        ["0402100000", "脱脂奶粉", "Skimmed milk powder", "035", "", "changed name"],
        [8517130000, "智能手机", "Smartphones", "007", "035", "new, a number cell"],
        ["12345", "太短", "", "035", "", "bad code"],
        ["9999999999", "单位不存在", "", "999", "", "bad unit"],
        [None, None, None, None, None, None],
        ["1901101000", "供婴幼儿食用的零售包装配方奶粉", "", "035", "", "new or unchanged"],
    ])
    report = platform.reference.import_file("hs_codes", "hs.xlsx", data, "admin", "2026年税则")
    assert report.added == ["8517130000"]
    assert report.changed == ["0402100000", "1901101000"]  # name_en emptied in the second: the file has the column
    assert [(r.row, r.code) for r in report.rejected] == [(4, "12345"), (5, "9999999999")]
    assert "10位数字" in report.rejected[0].reason_zh and "legal unit 1 999" in report.rejected[1].reason_en
    assert platform.reference.entry("hs_codes", "8517130000")["unit2"] == "035"
    assert [e.code for e in platform.reference.search("hs_codes", "智能")] == ["8517130000"]
    [imported, _] = platform.reference.history("hs_codes", "0402100000")
    assert (imported["action"], imported["by_whom"], imported["reason"], imported["source"]) == (
        "imported", "admin", "2026年税则", "hs.xlsx")


def test_an_export_imports_back_unchanged_and_the_template_is_empty(make_platform):
    platform = make_platform()
    exported = platform.reference.export_xlsx("currencies")
    report = platform.reference.import_file("currencies", "currencies.xlsx", exported, "admin")
    assert (report.added, report.changed, report.rejected, report.unchanged) == ([], [], [], 23)
    template = load_workbook(io.BytesIO(platform.reference.template_xlsx("hs_codes"))).active
    assert [c.value for c in template[1]][:4] == ["代码 code", "中文名称 name_zh", "英文名称 name_en",
                                                  "第一法定单位 unit1"]
    assert template.max_row == 1


def test_a_csv_saved_by_chinese_excel_is_read(make_platform):
    platform = make_platform()
    out = io.StringIO()
    csv.writer(out).writerows([["代码", "中文名称", "国别代码"], ["Nippon", "日本", "116"], ["ZZ", "无此国", "998"]])
    report = platform.reference.import_file("country_aliases", "aliases.csv", out.getvalue().encode("gb18030"), "a")
    assert report.added == ["Nippon"] and [r.code for r in report.rejected] == ["ZZ"]
    assert platform.reference.index().country_for("nippon").code == "116"


def test_an_order_with_unknown_codes_is_refused_before_sending(make_platform, database_url):
    platform = make_platform(database_url)
    order = examples.import_order("REF-BAD")
    order["currency"] = "999"
    order["orderList"][0]["country"] = "998"
    order["orderList"][1]["unit"] = "999"
    with pytest.raises(DeclarationRejected) as rejected:
        platform.customs.import_orders.declare(order, declared_by="test")
    found = {(e.field, e.rule, e.value) for e in rejected.value.errors if e.rule.startswith("ref.")}
    assert found == {("currency", "ref.currency.unknown", "999"),
                     ("orderList[1].country", "ref.country.unknown", "998"),
                     ("orderList[2].unit", "ref.unit.unknown", "999")}
    assert all(e.message_en and e.fix_zh and e.fix_en for e in rejected.value.errors if e.rule.startswith("ref."))
    platform.runner.run_until_idle()
    assert platform.customs.import_orders.get(order["ebpCode"], "REF-BAD") is None
    assert not list((platform.settings.boxes_dir / "sent").glob("*.xml"))


def test_a_code_is_checked_against_its_validity_dates_on_the_declaration_date(make_platform, database_url):
    platform = make_platform(database_url)
    platform.reference.edit("countries", {"code": "601", "valid_from": "2999-01-01"}, "admin", "测试：尚未生效")
    outcome = platform.customs.import_orders.declare_many([examples.import_order("REF-DATE")], "test")[0]
    assert {(e.field, e.rule) for e in outcome.errors} == {("orderList[1].country", "ref.country.not_valid"),
                                                          ("orderList[2].country", "ref.country.not_valid")}
    platform.reference.edit("countries", {"code": "601", "valid_from": ""}, "admin", "恢复")
    assert platform.customs.import_orders.declare_many([examples.import_order("REF-DATE")], "test")[0].ok


@pytest.fixture
def admin_client(make_platform):
    platform = make_platform(demo_users=True)
    client = TestClient(create_app(platform), base_url="https://testserver")
    login(client, "admin", next_url="/admin/reference")
    client.platform = platform
    return client


def test_the_lookup_api_offers_116_for_ri_11_and_jpn(admin_client):
    for typed in ("日", "11", "JPN", "jap"):
        response = admin_client.get("/api/reference/countries", params={"q": typed})
        assert "116 日本" in [i["label"] for i in response.json()["items"]], typed
    assert admin_client.get("/api/reference/nothing").status_code == 404
    lists = {item["list"]: item["count"] for item in admin_client.get("/api/reference").json()}
    assert lists["currencies"] == 23 and lists["ports"] == 0
    entry = admin_client.get("/api/reference/country_aliases/entries/Japan").json()
    assert entry["entry"]["country"] == "116" and entry["history"][0]["action"] == "seeded"


def test_the_api_refuses_an_order_with_unknown_codes_with_422_and_each_error(admin_client):
    order = plain(examples.import_order("API-REF")) | {"currency": "999"}
    order["orderList"][0]["country"] = "998"
    response = admin_client.post("/api/import/orders", json=order)
    assert response.status_code == 422
    errors = {e["rule"]: e for e in response.json()["errors"]}
    assert errors["ref.country.unknown"]["field"] == "orderList[1].country"
    assert errors["ref.currency.unknown"]["value"] == "999" and errors["ref.currency.unknown"]["fix_en"]


def test_the_console_imports_an_excel_file_and_shows_the_report(admin_client):
    data = excel([["code", "name_zh", "mode"], ["SITE01", "示范监管场所", "big_bag"], ["SITE02", "另一场所", "huge"]])
    page = admin_client.post("/admin/reference/inspection_modes/import", data={"reason": "启用过机"},
                             files={"file": ("modes.xlsx", data, "application/octet-stream")})
    assert page.status_code == 200
    assert '<strong id="added">1</strong>' in page.text and '<strong id="rejected">1</strong>' in page.text
    assert "big_bag(大包)" in page.text  # the reason for SITE02
    exported = admin_client.get("/admin/reference/inspection_modes/export.xlsx")
    rows = list(load_workbook(io.BytesIO(exported.content)).active.iter_rows(values_only=True))
    assert rows[1][:2] == ("SITE01", "示范监管场所")
