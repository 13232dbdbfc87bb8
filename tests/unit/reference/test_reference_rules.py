"""I1, I2: lookups and the code rules every declaration goes through (alias resolution, validity dates,
positive and negative lists, legal units), on a small in-memory index."""

from __future__ import annotations

from datetime import date

import pytest

from domain.reference.entry import Entry
from domain.reference.index import ReferenceIndex
from domain.reference.rules import PROFILES, check_codes, declaration_date

DAY = date(2026, 3, 1)


def entries() -> list[Entry]:
    rows = [
        ("currencies", "142", "人民币", "Yuan Renminbi", {}), ("currencies", "502", "美元", "US Dollar", {}),
        ("currencies", "300", "欧元", "Euro", {"valid_from": "2026-06-01"}),
        ("currencies", "344", "卢布(旧)", "Old rouble", {"valid_to": "2026-02-28"}),
        ("countries", "116", "日本", "Japan", {}), ("countries", "110", "中国香港", "Hong Kong", {}),
        ("countries", "142", "中国", "China", {}), ("countries", "601", "澳大利亚", "Australia", {}),
        ("countries", "427", "牙买加", "Jamaica", {}),
        ("units", "007", "个", "", {}), ("units", "035", "千克", "", {}), ("units", "122", "罐", "", {}),
        ("units", "011", "件", "", {}),
        ("id_types", "1", "身份证", "", {}),
        ("trade_modes", "1210", "保税电商", "", {}), ("trade_modes", "9610", "电子商务", "", {}),
        ("trade_modes", "0110", "一般贸易", "", {}),
        ("customs_districts", "2900", "杭州关区", "", {}), ("transport_modes", "5", "航空运输", "", {}),
        ("declaring_units", "3301960001", "示范企业", "", {}),
        ("hs_codes", "1901101000", "婴幼儿配方奶粉", "", {"unit1": "035"}),
        ("hs_codes", "3304990029", "护肤品", "", {"unit1": "035", "unit2": "011"}),
        ("hs_codes", "2402200000", "卷烟", "", {"unit1": "035", "unit2": "143"}),
        ("hs_codes", "9303100000", "前装枪", "", {"unit1": "035"}),
        ("positive_list", "19011010", "婴幼儿配方奶粉", "", {}), ("positive_list", "3304", "美容品", "", {}),
        ("positive_list", "9303", "(for the test) a heading also on the negative list", "", {}),
        ("negative_list", "930310", "前装枪", "", {"remark": "禁止进境"}),
    ]
    found = [Entry(name, code, zh, en, extra.pop("valid_from", ""), extra.pop("valid_to", ""), extra)
             for name, code, zh, en, extra in rows]
    aliases = [("日本", "116"), ("JP", "116"), ("JPN", "116"), ("Japan", "116"), ("香港", "110"), ("HKG", "110")]
    return found + [Entry("country_aliases", alias, attrs={"country": code}) for alias, code in aliases]


@pytest.fixture
def index() -> ReferenceIndex:
    return ReferenceIndex(entries())


def order(**head) -> dict:
    line = {"gnum": 1, "currency": "142", "country": "116", "unit": "122"}
    return {"currency": "142", "buyerIdType": "1", "appTime": "20260301120000", "orderList": [line]} | head


def inventory(*lines: dict, **head) -> dict:
    base = {"customsCode": "2900", "portCode": "2900", "agentCode": "3301960001", "tradeMode": "1210",
            "trafMode": "5", "country": "142", "currency": "142", "buyerIdType": "1", "declTime": "20260301"}
    return base | head | {"inventoryList": [
        {"gnum": n, "country": "601", "currency": "142", "unit": "122", "unit1": "035"} | line
        for n, line in enumerate(lines, start=1)]}


def rules_of(errors) -> list[tuple[str, str, str]]:
    return [(e.field, e.rule, e.value) for e in errors]


@pytest.mark.parametrize("text", ["日本", "JP", "jp", "JPN", "Japan", "japan ", "116"])
def test_a_country_is_found_by_code_name_or_any_alias(index, text):
    assert index.country_for(text).code == "116"


@pytest.mark.parametrize("typed", ["日", "11", "JP", "Jap", "ja"])
def test_typing_the_start_of_a_code_name_or_alias_offers_116_japan(index, typed):
    assert "116" in [e.code for e in index.search("countries", typed)]


def test_an_exact_code_comes_first_then_codes_then_names(index):
    assert [e.code for e in index.search("countries", "11")] == ["110", "116"]
    assert index.search("countries", "142")[0].code == "142"
    assert [e.code for e in index.search("countries", "ja")] == ["427", "116"]  # Jamaica, Japan by English name


def test_search_offers_only_entries_valid_on_the_day_when_asked(index):
    assert {e.code for e in index.search("currencies", "3", on=DAY)} == set()
    assert {e.code for e in index.search("currencies", "3")} == {"300", "344"}


def test_a_goods_list_covers_every_code_under_its_prefix(index):
    assert index.covering("positive_list", "3304990029").code == "3304"
    assert index.covering("positive_list", "1901101000").code == "19011010"
    assert index.covering("positive_list", "2402200000") is None


def test_a_good_order_has_no_code_errors(index):
    assert check_codes(order(), PROFILES["CEB311"], index, DAY) == []


def test_unknown_currency_country_and_unit_are_named_with_value_rule_and_fix(index):
    doc = order(currency="999", orderList=[{"gnum": 1, "currency": "142", "country": "998", "unit": "999"}])
    errors = check_codes(doc, PROFILES["CEB311"], index, DAY)
    assert rules_of(errors) == [("currency", "ref.currency.unknown", "999"),
                                ("orderList[1].country", "ref.country.unknown", "998"),
                                ("orderList[1].unit", "ref.unit.unknown", "999")]
    currency = errors[0]
    assert "999" in currency.message_zh and "币制" in currency.message_zh
    assert currency.message_en == "currency 999 is not a code of the list Currencies"
    assert currency.fix_zh and currency.fix_en.startswith("choose a code from Currencies")


def test_an_alias_typed_instead_of_a_code_is_refused_with_the_code_to_use(index):
    doc = order(orderList=[{"gnum": 1, "currency": "142", "country": "JPN", "unit": "122"}])
    [error] = check_codes(doc, PROFILES["CEB311"], index, DAY)
    assert error.rule == "ref.country.unknown" and "116 日本" in error.fix_zh and "116 Japan" in error.fix_en


def test_a_code_outside_its_validity_dates_is_refused_on_the_declaration_date(index):
    assert declaration_date(order(), PROFILES["CEB311"]) == DAY
    for code in ("300", "344"):  # not yet valid / no longer valid on 2026-03-01
        [error] = check_codes(order(currency=code), PROFILES["CEB311"], index, DAY)
        assert (error.rule, error.value) == ("ref.currency.not_valid", code)
        assert "2026-03-01" in error.message_zh
    assert check_codes(order(currency="344"), PROFILES["CEB311"], index, date(2026, 2, 28)) == []  # inclusive


def test_retail_import_goods_off_the_positive_list_or_on_the_negative_list_are_refused(index):
    doc = inventory({"gcode": "1901101000"}, {"gcode": "2402200000", "unit2": "143"}, {"gcode": "9303100000"},
                    currency="999")
    errors = check_codes(doc, PROFILES["CEB621"], index, DAY)
    assert rules_of(errors) == [("currency", "ref.currency.unknown", "999"),
                                ("inventoryList[2].unit2", "ref.unit.unknown", "143"),
                                ("inventoryList[2].gcode", "ref.hs.not_on_positive_list", "2402200000"),
                                ("inventoryList[3].gcode", "ref.hs.on_negative_list", "9303100000")]
    assert "负面清单" in errors[3].message_zh and "禁止进境" in errors[3].message_zh
    assert "positive list" in errors[2].message_en and errors[2].fix_en


def test_three_precise_errors_unknown_currency_off_positive_list_negative_list_item(index):
    doc = inventory({"gcode": "2402200000"}, {"gcode": "9303100000"}, currency="998")
    assert [e.rule for e in check_codes(doc, PROFILES["CEB621"], index, DAY)] == [
        "ref.currency.unknown", "ref.hs.not_on_positive_list", "ref.hs.on_negative_list"]


def test_an_unknown_hs_code_is_one_error_not_three(index):
    [error] = check_codes(inventory({"gcode": "0000000000"}), PROFILES["CEB621"], index, DAY)
    assert (error.field, error.rule) == ("inventoryList[1].gcode", "ref.hs.unknown")


def test_legal_units_must_be_units_of_the_hs_code(index):
    doc = inventory({"gcode": "3304990029", "unit1": "007"}, {"gcode": "3304990029", "unit1": "011", "unit2": "035"})
    [error] = check_codes(doc, PROFILES["CEB621"], index, DAY)
    assert (error.field, error.rule, error.value) == ("inventoryList[1].unit1", "ref.hs.unit_not_allowed", "007")
    assert "035 千克" in error.fix_zh and "011 件" in error.fix_zh


def test_the_lists_apply_only_to_retail_import(index):
    doc = inventory({"gcode": "2402200000", "unit2": "035"}, tradeMode="0110")
    assert check_codes(doc, PROFILES["CEB621"], index, DAY) == []


def test_a_list_nobody_has_loaded_is_not_enforced(index):
    doc = {"POD": "ANYPORT", "appTime": "20260301000000"}
    assert check_codes(doc, PROFILES["CEB603"], index, DAY) == []


def test_fields_already_failing_shape_rules_are_not_reported_twice(index):
    errors = check_codes(order(currency="9999"), PROFILES["CEB311"], index, DAY, skip={"currency"})
    assert errors == []
