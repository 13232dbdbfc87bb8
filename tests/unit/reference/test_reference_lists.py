"""I1, I2: a code list as an aggregate: shipped data seeded once, imports reported row by row, edits need a reason
and are kept in the history."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from domain.reference.entry import Entry
from domain.reference.index import ReferenceIndex
from domain.reference.lists import LISTS, normalise
from domain.reference.model import CodeList, ReferenceChangeRefused

AT = datetime(2026, 3, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
UNITS = ReferenceIndex([Entry("units", "035", "千克"), Entry("units", "011", "件")])


def currencies() -> CodeList:
    code_list = CodeList(name="currencies", created_at=AT)
    code_list.seed([{"code": "142", "name_zh": "人民币"}, {"code": "502", "name_zh": "美元"}], "v1", AT)
    return code_list


def test_shipped_rows_are_seeded_once_per_version_and_edits_survive_a_new_version():
    code_list = currencies()
    assert code_list.seed([{"code": "142", "name_zh": "人民币"}], "v1", AT) == []
    code_list.edit({"code": "502", "name_zh": "美国美元"}, None, "admin", "全称", AT)
    added = code_list.seed([{"code": "502", "name_zh": "美元"}, {"code": "300", "name_zh": "欧元"}], "v2", AT)
    assert added == ["300"] and code_list.entries["502"]["name_zh"] == "美国美元"


def test_an_import_reports_added_changed_unchanged_and_each_rejected_row_with_its_reason():
    code_list = currencies()
    rows = [(2, {"code": "142", "name_zh": "人民币"}), (3, {"code": "502", "name_zh": "美元", "name_en": "US Dollar"}),
            (4, {"code": "300", "name_zh": "欧元"}), (5, {"code": "ABC", "name_zh": "坏"}), (6, {"code": "110"}),
            (7, {"code": "300", "name_zh": "欧元"}),
            (8, {"code": "303", "name_zh": "英镑", "valid_from": "2026-13-01"})]
    columns = ["code", "name_zh", "name_en", "valid_from"]
    report = code_list.import_rows(rows, columns, None, "admin", "2026版", "x.xlsx", AT)
    assert (report.added, report.changed, report.unchanged) == (["300"], ["502"], 1)
    assert [(r.row, r.code) for r in report.rejected] == [(5, "ABC"), (6, "110"), (7, "300"), (8, "303")]
    assert "3位数字" in report.rejected[0].reason_zh and "3 digits" in report.rejected[0].reason_en
    assert "中文名称为必填项" in report.rejected[1].reason_zh
    assert "appears twice" in report.rejected[2].reason_en
    assert "not a date" in report.rejected[3].reason_en
    assert code_list.entries["502"]["name_en"] == "US Dollar"


def test_columns_a_file_lacks_keep_their_values():
    code_list = currencies()
    code_list.edit({"code": "142", "name_en": "Yuan Renminbi"}, None, "admin", "英文名", AT)
    report = code_list.import_rows([(2, {"code": "142", "name_zh": "人民币元"})], ["code", "name_zh"], None, "a", "",
                                   "", AT)
    assert report.changed == ["142"] and code_list.entries["142"]["name_en"] == "Yuan Renminbi"


def test_hs_units_must_exist_and_excel_dropped_leading_zeros_come_back():
    code_list = CodeList(name="hs_codes", created_at=AT)
    rows = [(2, {"code": 101210010, "name_zh": "改良种用马", "unit1": 35}),
            (3, {"code": "3304990029", "name_zh": "护肤品", "unit1": "035", "unit2": "999"})]
    report = code_list.import_rows(rows, ["code", "name_zh", "unit1", "unit2"], UNITS, "a", "", "", AT)
    assert report.added == ["0101210010"] and code_list.entries["0101210010"]["unit1"] == "035"
    assert [r.code for r in report.rejected] == ["3304990029"] and "999" in report.rejected[0].reason_zh


def test_an_edit_needs_a_reason_and_records_what_changed():
    code_list = currencies()
    with pytest.raises(ReferenceChangeRefused) as refused:
        code_list.edit({"code": "502", "name_zh": "美金"}, None, "admin", " ", AT)
    assert refused.value.reasons[0].zh == "请填写修改原因"
    assert code_list.edit({"code": "502", "name_zh": "美金"}, None, "张三", "俗称", AT)
    assert not code_list.edit({"code": "502", "name_zh": "美金"}, None, "张三", "再存一次", AT)
    edited = [e for e in code_list.collect_events() if type(e).__name__ == "EntryEdited"]
    assert [(e.code, e.before, e.after, e.by, e.reason) for e in edited] == [
        ("502", {"name_zh": "美元"}, {"name_zh": "美金"}, "张三", "俗称")]


def test_validity_dates_are_checked_and_normalised():
    code_list = currencies()
    with pytest.raises(ReferenceChangeRefused):
        code_list.edit({"code": "502", "valid_from": "2026-05-01", "valid_to": "2026-04-01"}, None, "a", "r", AT)
    code_list.edit({"code": "502", "valid_to": "20261231"}, None, "a", "停用", AT)
    assert code_list.entries["502"]["valid_to"] == "2026-12-31"


def test_an_inspection_mode_is_big_bag_or_small_parcel():
    code_list = CodeList(name="inspection_modes", created_at=AT)
    with pytest.raises(ReferenceChangeRefused):
        code_list.edit({"code": "SITE1", "name_zh": "监管场所", "mode": "medium"}, None, "a", "r", AT)
    assert code_list.edit({"code": "SITE1", "name_zh": "监管场所", "mode": "small_parcel"}, None, "a", "r", AT)


def test_positive_list_codes_keep_an_even_number_of_digits():
    assert normalise(LISTS["positive_list"], {"code": 4022100})["code"] == "04022100"
    assert normalise(LISTS["positive_list"], {"code": "0402.21"})["code"] == "040221"
