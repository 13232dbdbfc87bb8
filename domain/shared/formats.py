"""The customs format of each CEB field whose XSD says no more than its length (#18).

The official XSDs declare every date and time as ``xs:string`` of length 14, 8 or 17 and every code as a string of a
fixed length, with no pattern: a departure's leaveTime "2026-12-07 23:" (a typed value cut to 14 characters by a
form's maxlength) passes the XSD and is refused by customs. The formats below are the specification's field
descriptions; every field of the 202205 XSDs whose annotation states a format is listed here (a unit test walks the
XSD annotations to keep it so), and those the annotation leaves out are cited one by one.

Sources (the page references of /work/shared/ceb/RULES.md; S22 is the 202205 specification PDF, FIELDS.md the
XSD annotations):
- date-time YYYYMMDDhhmmss (14): appTime of every message ("企业报送时间。格式:YYYYMMDDhhmmss", FIELDS.md), payTime
  (CEB411), logisticsTime (CEB513), accountingDate (CEB403 "到账时间 格式:YYYYMMDDhhmmss"), startTime / endTime (CEB701,
  S22 p63), leaveTime (CEB509: XSD "离境时间" only; S22 p32 "C14", the spec's date-time length), tradingTime (179
  payExchangeInfoHead, RULES.md "yyyyMMddHHmmss", e.g. 20200923145426).
- date YYYYMMDD (8): declTime (CEB621, S22 p90), ieDate (CEB621 S22 p90, CEB603 S22 p36 "C8 YYYYMMDD").
- date-time with milliseconds YYYYMMDDhhmmssSSS (17): returnTime of every receipt, opDate (CEB792).
- digit codes: the code lists customs publishes for these fields are numeric (/work/shared/ceb/codes: countries and
  currencies 3 digits, units 3, customs districts 4, trade modes 4); gcode is the 8-digit tariff line and 2
  supplementary digits (RULES.md "gcode C10 = 8-digit tariff line + 2-digit supplement"); consigneeDistrict the
  6-digit administrative division code (CEB311 annotation "参照国家统计局公布的国家行政区划标准").
- guid: "报文的36位系统唯一序号（英文字母大写）" (NOTES.md section 2, S22 common structure).
- appType 1 新增 / 2 变更 / 3 删除, appStatus 1 暂存 / 2 申报 (NOTES.md 3.1, S22 field notes); ieFlag I / E.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Format:
    """One customs format: what a value must look like, said in Chinese and English, and an example."""

    rule: str  # the rule named in errors: datetime, date, datetime_ms, digits, guid, enum
    pattern: str  # a regular expression the whole value must match
    shape_zh: str  # e.g. YYYYMMDDhhmmss
    shape_en: str
    example: str
    strptime: str = ""  # the calendar check of dates and times: the value must be a real moment

    def accepts(self, text: str) -> bool:
        if re.fullmatch(self.pattern, text) is None:
            return False
        if not self.strptime:
            return True
        try:
            datetime.strptime(text[:14], self.strptime)
        except ValueError:
            return False
        return True


DATE_TIME = Format("datetime", r"\d{14}", "YYYYMMDDhhmmss", "YYYYMMDDhhmmss", "20261207230500", "%Y%m%d%H%M%S")
DATE = Format("date", r"\d{8}", "YYYYMMDD", "YYYYMMDD", "20261207", "%Y%m%d")
DATE_TIME_MS = Format("datetime_ms", r"\d{17}", "YYYYMMDDhhmmssSSS", "YYYYMMDDhhmmssSSS", "20261207230500123",
                      "%Y%m%d%H%M%S")
DIGITS = Format("digits", r"\d+", "数字代码", "a code of digits", "")
GUID = Format("guid", r"[0-9A-Z-]{36}", "36位大写字母、数字和连字符", "36 upper-case letters, digits and hyphens",
              "4CDE1CFD-EDED-46B1-946C-B8022E42FC94")


def enum(*values: str) -> Format:
    shown = "/".join(values)
    return Format("enum", "|".join(re.escape(v) for v in values), f"{shown}之一", f"one of {shown}", values[0])


DATE_TIMES = ("appTime", "payTime", "logisticsTime", "accountingDate", "startTime", "endTime", "leaveTime",
              "tradingTime")
DATES = ("declTime", "ieDate")
RECEIPT_TIMES = ("returnTime", "opDate")
DIGIT_CODES = ("gcode", "customsCode", "portCode", "tradeMode", "currency", "fCurrency", "iCurrency", "country",
               "tradeCountry", "unit", "unit1", "unit2", "consigneeDistrict")

FORMATS: dict[str, Format] = {
    **dict.fromkeys(DATE_TIMES, DATE_TIME), **dict.fromkeys(DATES, DATE), **dict.fromkeys(RECEIPT_TIMES, DATE_TIME_MS),
    **dict.fromkeys(DIGIT_CODES, DIGITS), "guid": GUID,
    "appType": enum("1", "2", "3"), "appStatus": enum("1", "2"), "ieFlag": enum("I", "E"),
}
_PICKED = {"datetime": re.compile(r"(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?"),
           "date": re.compile(r"(\d{4})-(\d{2})-(\d{2})")}


def format_of(name: str) -> Format | None:
    """The customs format of a field, by its XSD element name; None when the XSD facets say all there is."""
    return FORMATS.get(name)


def kind_of(name: str) -> str:
    """'datetime', 'date' or '' : which browser picker a form shows for the field."""
    found = FORMATS.get(name)
    return found.rule if found is not None and found.rule in ("datetime", "date") else ""


def from_picker(name: str, value: str) -> str:
    """What a browser's date-time or date picker sends (2026-12-07T23:05, 2026-12-07) in the customs format
    (20261207230500, 20261207). Anything else comes back unchanged, so the field rules refuse it naming the field,
    instead of it being guessed at."""
    kind, text = kind_of(name), value.strip()
    match = _PICKED[kind].fullmatch(text) if kind else None
    if match is None:
        return value
    if kind == "date":
        return "".join(match.groups())
    return "".join(part or "00" for part in match.groups())


def to_picker(name: str, value: str) -> str:
    """The customs value shown in a picker (20261207230500 -> 2026-12-07T23:05:00); '' when it is not one, since a
    picker shows nothing it cannot read (the refusal names the value instead)."""
    kind, text = kind_of(name), str(value or "").strip()
    if not kind or not FORMATS[name].accepts(text):
        return ""
    if kind == "date":
        return f"{text[:4]}-{text[4:6]}-{text[6:8]}"
    return f"{text[:4]}-{text[4:6]}-{text[6:8]}T{text[8:10]}:{text[10:12]}:{text[12:14]}"
