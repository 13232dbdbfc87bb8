"""The code lists the platform keeps, their columns, and what makes a row of one acceptable.

Every entry is a flat mapping of column key to text: ``code``, ``name_zh``, ``name_en``, the list's own
columns, then ``valid_from`` / ``valid_to`` (ISO dates, empty = open), ``source`` and ``note``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from domain.reference.entry import Entry

INSPECTION_MODES = {"big_bag": ("大包模式", "big bag"), "small_parcel": ("小包模式", "small parcel")}


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    kind: str = "text"  # text | date | rate | unit | country | mode
    required: bool = False


@dataclass(frozen=True)
class ListSpec:
    """One code list: its name in URLs, the key its error codes use (``ref.<key>.unknown``), its names."""

    name: str
    key: str
    zh: str
    en: str
    code_pattern: str
    code_hint: str
    width: int = 0  # digits of a purely numeric code: Excel drops leading zeros, this puts them back
    extras: tuple[Column, ...] = ()
    name_required: bool = True
    digits_only: bool = False
    kind: str = "code"  # code | goods (HS code prefixes) | alias | site
    columns: tuple[Column, ...] = field(init=False)

    def __post_init__(self) -> None:
        head = (Column("code", "代码", "code", required=True),
                Column("name_zh", "中文名称", "Chinese name", required=self.name_required),
                Column("name_en", "英文名称", "English name"))
        tail = (Column("valid_from", "生效日期", "valid from", "date"),
                Column("valid_to", "失效日期", "valid to", "date"), Column("source", "来源", "source"),
                Column("note", "备注", "note"))
        object.__setattr__(self, "columns", head + self.extras + tail)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.columns)

    def label(self, lang: str = "zh-CN") -> str:
        return self.en if lang == "en" else self.zh


def _rate(key: str, zh: str, en: str) -> Column:
    return Column(key, zh, en, "rate")


LISTS: dict[str, ListSpec] = {spec.name: spec for spec in (
    ListSpec("currencies", "currency", "币制", "Currencies", r"\d{3}", "3位数字 3 digits", 3,
             (Column("iso_alpha3", "ISO代码", "ISO code"),), digits_only=True),
    ListSpec("countries", "country", "国别(地区)", "Countries and regions", r"\d{3}", "3位数字 3 digits", 3,
             (Column("iso_alpha2", "ISO二位代码", "ISO alpha-2"), Column("iso_alpha3", "ISO三位代码", "ISO alpha-3")),
             digits_only=True),
    ListSpec("country_aliases", "country_alias", "国家别名代码", "Country aliases", r"\S(.{0,58}\S)?",
             "1-60个字符 1-60 characters", 0, (Column("country", "国别代码", "country code", "country", True),),
             name_required=False, kind="alias"),
    ListSpec("units", "unit", "计量单位", "Units of measure", r"\d{3}", "3位数字 3 digits", 3, digits_only=True),
    ListSpec("customs_districts", "customs_district", "关区代码", "Customs districts", r"\d{4}", "4位数字 4 digits", 4,
             digits_only=True),
    ListSpec("ports", "port", "港口代码", "Ports", r"[0-9A-Za-z]{1,10}", "1-10位字母或数字 1-10 letters or digits"),
    ListSpec("transport_modes", "transport_mode", "运输方式", "Transport modes", r"[0-9A-Z]",
             "1位数字或大写字母 1 digit or capital letter"),
    ListSpec("trade_modes", "trade_mode", "监管方式", "Trade (supervision) modes", r"\d{4}", "4位数字 4 digits", 4,
             digits_only=True),
    ListSpec("declaring_units", "declaring_unit", "申报单位", "Declaring units", r"[0-9A-Z]{10}|[0-9A-Z]{18}",
             "10位海关编码或18位统一社会信用代码 10-character customs code or 18-character credit code"),
    ListSpec("id_types", "id_type", "证件类型", "ID types", r"[0-9A-Z]", "1位 1 character"),
    ListSpec("hs_codes", "hs", "海关商品编码", "HS codes", r"\d{10}", "10位数字 10 digits", 10,
             (Column("unit1", "第一法定单位", "legal unit 1", "unit"),
              Column("unit2", "第二法定单位", "legal unit 2", "unit"),
              _rate("duty_rate", "进口关税税率(%)", "import duty rate (%)"),
              _rate("vat_rate", "进口增值税税率(%)", "import VAT rate (%)"),
              _rate("consumption_rate", "消费税税率(%)", "consumption tax rate (%)")), digits_only=True,
             name_required=False),  # 547 shipped codes have no known name: their 8-digit line left the 2023 table
    ListSpec("positive_list", "positive_list", "正面清单", "Retail import positive list", r"\d{4}(\d{2}){0,3}",
             "4、6、8或10位商品编码 HS code of 4, 6, 8 or 10 digits", 0, (Column("remark", "监管要求", "remark"),),
             digits_only=True, kind="goods"),
    ListSpec("negative_list", "negative_list", "负面清单", "Retail import negative list", r"\d{4}(\d{2}){0,3}",
             "4、6、8或10位商品编码 HS code of 4, 6, 8 or 10 digits", 0, (Column("remark", "禁止原因", "reason"),),
             digits_only=True, kind="goods"),
    ListSpec("inspection_modes", "inspection_mode", "海关过机模式", "Inspection machine modes",
             r"[0-9A-Za-z]{1,20}", "监管场所代码 supervised site code",
             extras=(Column("mode", "过机模式", "mode", "mode", True),), kind="site"),
)}


class Codes(Protocol):
    """What row checks need to know about other lists."""

    def entry(self, list_name: str, code: str) -> Entry | None: ...


@dataclass(frozen=True)
class Reason:
    """Why a row is refused, in Chinese and English."""

    zh: str
    en: str


def cell_text(value: Any) -> str:
    """A spreadsheet or CSV cell as text: integral numbers without '.0', dates as ISO dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, date):
        return value.isoformat()[:10]
    return str(value).strip()


def normalise(spec: ListSpec, raw: Mapping[str, Any]) -> dict[str, str]:
    """A row as the list stores it: every column present, codes in their customs spelling, ISO dates."""
    row = {key: cell_text(raw.get(key)) for key in spec.keys}
    code = row["code"]
    if spec.digits_only:
        code = re.sub(r"[\s.]", "", code)
        if code.isdigit() and spec.width and len(code) < spec.width and _lost_zeros(raw.get("code"), spec, code):
            code = code.zfill(spec.width)
        elif code.isdigit() and spec.kind == "goods" and len(code) % 2:
            code = "0" + code  # HS headings have an even number of digits; Excel dropped the leading zero
    elif spec.kind != "alias":
        code = code.upper()
    row["code"] = code
    for column in spec.columns:
        if column.kind == "date":
            row[column.key] = _iso_date(row[column.key])
        elif column.kind in ("unit", "country") and row[column.key].isdigit():
            row[column.key] = row[column.key].zfill(3)
    return row


def _lost_zeros(cell: Any, spec: ListSpec, code: str) -> bool:
    """Leading zeros Excel dropped: any from a number cell or a short code; one from a text HS code (chapters
    01-09). A text HS code shorter than that is a mistake to report, not to pad."""
    numeric = isinstance(cell, (int, float)) and not isinstance(cell, bool)
    return numeric or spec.width <= 4 or spec.width - len(code) == 1


def _iso_date(text: str) -> str:
    text = text.strip()[:10]
    if re.fullmatch(r"\d{8}", text):
        return f"{text[:4]}-{text[4:6]}-{text[6:]}"
    return text.replace("/", "-").replace(".", "-")


def parse_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def problems(spec: ListSpec, row: Mapping[str, str], codes: Codes | None = None) -> list[Reason]:
    """Everything wrong with one normalised row; other lists are consulted when ``codes`` is given."""
    found: list[Reason] = []
    code = row.get("code", "")
    if not code:
        return [Reason("代码为空", "the code is empty")]
    if not re.fullmatch(spec.code_pattern, code):
        hint_zh, _, hint_en = spec.code_hint.partition(" ")
        found.append(Reason(f"代码 {code} 格式不符：应为{hint_zh}", f"code {code} must be {hint_en}"))
    for column in spec.columns[1:]:
        found += _column_problems(column, row.get(column.key, ""), codes)
    start, end = parse_date(row.get("valid_from", "")), parse_date(row.get("valid_to", ""))
    if start and end and end < start:
        found.append(Reason("失效日期早于生效日期", "valid_to is before valid_from"))
    return found


def _column_problems(column: Column, value: str, codes: Codes | None) -> list[Reason]:
    if not value:
        return [Reason(f"{column.zh}为必填项", f"{column.en} is required")] if column.required else []
    if column.kind == "date" and parse_date(value) is None:
        return [Reason(f"{column.zh} {value} 不是日期(YYYY-MM-DD)", f"{column.en} {value} is not a date (YYYY-MM-DD)")]
    if column.kind == "rate":
        return _rate_problems(column, value)
    if column.kind == "mode" and value not in INSPECTION_MODES:
        return [Reason(f"过机模式 {value} 无效：应为 big_bag(大包) 或 small_parcel(小包)",
                       f"mode {value} must be big_bag or small_parcel")]
    lists = {"unit": "units", "country": "countries"}
    if column.kind in lists and codes is not None and codes.entry(lists[column.kind], value) is None:
        return [Reason(f"{column.zh} {value} 不在{LISTS[lists[column.kind]].zh}中",
                       f"{column.en} {value} is not in {LISTS[lists[column.kind]].en.lower()}")]
    return []


def _rate_problems(column: Column, value: str) -> list[Reason]:
    try:
        rate = Decimal(value.rstrip("%"))
    except InvalidOperation:
        rate = Decimal(-1)
    if not rate.is_finite() or not 0 <= rate <= 1000:
        return [Reason(f"{column.zh} {value} 不是有效的百分比税率", f"{column.en} {value} is not a percentage")]
    return []
