"""The one rule engine for codes: every declaration and `cbec validate` check their codes here.

A profile says which fields of a message hold codes of which list; the rules then check, against a lookup:
  ref.<list>.unknown            the code is not in its list
  ref.<list>.not_valid          the code exists but is not valid on the declaration date
  ref.hs.on_negative_list       retail import of goods on the negative list (负面清单)
  ref.hs.not_on_positive_list   retail import of goods off the positive list (正面清单)
  ref.hs.unit_not_allowed       a legal unit (unit1/unit2) that is not one of the HS code's legal units
Each error names the field, the value, the rule and the fix, in Chinese and English. A list with no entries
(ports until someone imports them) is not enforced. Shape (length, required) is the XSD rules' job.

A list the platform knows to be incomplete (the shipped declaring units, HS codes, customs districts ... until an
administrator imports the official list, #18) cannot tell a real code from a wrong one, so what it lacks is a
warning, the document being accepted:
  ref.<list>.not_in_partial_list        the code is not in a list known to be incomplete
  ref.hs.not_on_positive_partial_list   retail import of goods off a positive list known to be incomplete
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from domain.reference.entry import Entry
from domain.reference.lists import LISTS
from domain.shared.rules import FieldError

RETAIL_IMPORT_MODES = ("9610", "1210", "1239")
HS, POSITIVE, NEGATIVE, UNITS = "hs_codes", "positive_list", "negative_list", "units"


class Lookup(Protocol):
    """What the rules need from the code lists (the engine's in-memory index implements it)."""

    def entry(self, list_name: str, code: str) -> Entry | None: ...

    def has_list(self, list_name: str) -> bool: ...

    def covering(self, list_name: str, goods_code: str, on: date | None = None) -> Entry | None: ...

    def country_for(self, text: str) -> Entry | None: ...

    def is_complete(self, list_name: str) -> bool: ...


@dataclass(frozen=True)
class CodeField:
    name: str  # XSD element name
    list_name: str
    label_zh: str


@dataclass(frozen=True)
class Profile:
    """Where a message's codes are: head fields, line fields, the HS code and legal units of a line."""

    message_type: str
    head: tuple[CodeField, ...]
    lines: str = ""
    line_fields: tuple[CodeField, ...] = ()
    date_field: str = "appTime"
    goods_code: str = ""
    legal_units: tuple[str, ...] = ()
    retail_import: bool = False


def _f(name: str, list_name: str, label_zh: str) -> CodeField:
    return CodeField(name, list_name, label_zh)


CURRENCY, ID_TYPE = _f("currency", "currencies", "币制"), _f("buyerIdType", "id_types", "订购人证件类型")
UNIT = _f("unit", UNITS, "计量单位")
GOODS = (_f("gcode", HS, "商品编码"), _f("country", "countries", "原产国"), _f("tradeCountry", "countries", "贸易国"),
         CURRENCY, UNIT, _f("unit1", UNITS, "法定计量单位"), _f("unit2", UNITS, "第二计量单位"))
DISTRICTS = (_f("customsCode", "customs_districts", "申报海关"), _f("portCode", "customs_districts", "口岸海关"),
             _f("agentCode", "declaring_units", "申报企业"), _f("tradeMode", "trade_modes", "贸易方式"),
             _f("trafMode", "transport_modes", "运输方式"))

PROFILES: dict[str, Profile] = {p.message_type: p for p in (
    Profile("CEB311", (CURRENCY, ID_TYPE), "orderList", (CURRENCY, _f("country", "countries", "原产国"), UNIT)),
    Profile("CEB621", (*DISTRICTS, ID_TYPE, _f("country", "countries", "起运国"), CURRENCY), "inventoryList", GOODS,
            date_field="declTime", goods_code="gcode", legal_units=("unit1", "unit2"), retail_import=True),
    Profile("CEB303", (CURRENCY,), "orderList", (UNIT, CURRENCY)),
    Profile("CEB411", (_f("payerIdType", "id_types", "支付人证件类型"), CURRENCY)),
    Profile("CEB603", (*DISTRICTS, _f("country", "countries", "运抵国"), _f("POD", "ports", "指运港"),
                       _f("fCurrency", "currencies", "运费币制"), _f("iCurrency", "currencies", "保费币制")),
            "inventoryList", tuple(f for f in GOODS if f.name != "tradeCountry"), goods_code="gcode",
            legal_units=("unit1", "unit2")),
)}


def declaration_date(document: Mapping[str, Any], profile: Profile) -> date | None:
    """The day the declaration speaks for (appTime / declTime), against which validity dates are checked."""
    text = str(document.get(profile.date_field) or "")[:8]
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8])) if len(text) == 8 and text.isdigit() else None
    except ValueError:
        return None


PARTIAL = "_partial_list"  # the end of a warning's rule


def is_warning(error: FieldError) -> bool:
    """A finding that does not refuse the document: a code missing from a list known to be incomplete."""
    return error.rule.endswith(PARTIAL)


def check_codes(document: Mapping[str, Any], profile: Profile, lookup: Lookup, on: date,
                skip: Collection[str] = ()) -> list[FieldError]:
    """Every code rule that refuses the document; fields named in ``skip`` (already failing shape rules) are left
    out. The warnings are `code_warnings`."""
    return [e for e in findings(document, profile, lookup, on, skip) if not is_warning(e)]


def code_warnings(document: Mapping[str, Any], profile: Profile, lookup: Lookup, on: date,
                  skip: Collection[str] = ()) -> list[FieldError]:
    """The codes the document is accepted with though incomplete lists lack them, for the declarant to check."""
    return [e for e in findings(document, profile, lookup, on, skip) if is_warning(e)]


def findings(document: Mapping[str, Any], profile: Profile, lookup: Lookup, on: date,
             skip: Collection[str] = ()) -> list[FieldError]:
    """Refusals and warnings of every code rule on one document (`is_warning` tells them apart)."""
    errors = [e for f in profile.head if (e := check_code(f, f.name, document.get(f.name), lookup, on))]
    lines = document.get(profile.lines) if profile.lines else None
    retail = profile.retail_import and str(document.get("tradeMode") or "") in ("", *RETAIL_IMPORT_MODES)
    for index, line in enumerate(lines if isinstance(lines, list) else [], start=1):
        if isinstance(line, Mapping):
            errors += _check_line(line, f"{profile.lines}[{index}].", profile, lookup, on, retail)
    return [e for e in errors if e.field not in skip]


def _check_line(line: Mapping[str, Any], prefix: str, profile: Profile, lookup: Lookup, on: date,
                retail: bool) -> list[FieldError]:
    errors = [e for f in profile.line_fields if (e := check_code(f, prefix + f.name, line.get(f.name), lookup, on))]
    failed = {e.field for e in errors if not is_warning(e)}
    gcode = _text(line.get(profile.goods_code)) if profile.goods_code else ""
    if not gcode or prefix + profile.goods_code in failed:
        return errors
    if retail and (error := check_goods(prefix + profile.goods_code, gcode, lookup, on)):
        errors.append(error)
    hs = lookup.entry(HS, gcode)
    for name in profile.legal_units:
        value = _text(line.get(name))
        if hs is not None and value and prefix + name not in failed:
            errors += [e for e in (check_legal_unit(prefix + name, value, hs, lookup),) if e]
    return errors


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def check_code(field: CodeField, path: str, value: Any, lookup: Lookup, on: date) -> FieldError | None:
    """ref.<list>.unknown / ref.<list>.not_valid for one field holding a code."""
    code = _text(value)
    if not code or not lookup.has_list(field.list_name):
        return None
    spec, entry = LISTS[field.list_name], lookup.entry(field.list_name, code)
    if entry is None and not lookup.is_complete(field.list_name):
        return _not_in_partial_list(field, path, code)
    if entry is None:
        hint = lookup.country_for(code) if field.list_name == "countries" else None
        also_zh = f"；“{code}”对应 {hint.code} {hint.name_zh}" if hint else ""
        also_en = f"; '{code}' is {hint.code} {hint.name('en')}" if hint else ""
        return FieldError(path, f"ref.{spec.key}.unknown",
                          f"{field.label_zh}({field.name}) {code} 不在{spec.zh}代码表中",
                          f"{field.name} {code} is not a code of the list {spec.en}", code,
                          f"请从{spec.zh}代码表中选择代码（可按代码或名称查找）{also_zh}",
                          f"choose a code from {spec.en} (search by code or name){also_en}")
    if not entry.valid_on(on):
        return FieldError(path, f"ref.{spec.key}.not_valid",
                          f"{field.label_zh}({field.name}) {code}（{entry.name_zh}）在申报日期 {on} 无效，"
                          f"有效期 {entry.validity}",
                          f"{field.name} {code} ({entry.name('en')}) is not valid on the declaration date {on} "
                          f"(valid {entry.validity})", code,
                          "请改用申报日期有效的代码", "use a code that is valid on the declaration date")
    return None


def _not_in_partial_list(field: CodeField, path: str, code: str) -> FieldError:
    spec = LISTS[field.list_name]
    return FieldError(path, f"ref.{spec.key}.not_in{PARTIAL}",
                      f"{field.label_zh}({field.name}) {code} 不在平台的{spec.zh}代码表中；该表尚不完整，单证已接受，"
                      "请核对代码",
                      f"{field.name} {code} is not in the platform's list {spec.en}; the list is incomplete, so the "
                      "document was accepted: check the code", code,
                      f"请核对代码；管理员导入官方{spec.zh}代码表后，表外代码将被拒绝",
                      f"check the code; once an administrator imports the official {spec.en} list, codes outside it "
                      "are refused")


def check_goods(path: str, gcode: str, lookup: Lookup, on: date) -> FieldError | None:
    """Retail import: not on the negative list, and on the positive list (when one is loaded)."""
    banned = lookup.covering(NEGATIVE, gcode, on)
    if banned is not None:
        remark = banned.attrs.get("remark", "")
        return FieldError(path, "ref.hs.on_negative_list",
                          f"商品编码(gcode) {gcode} 属于负面清单商品（{banned.code} {banned.name_zh}"
                          f"{'：' + remark if remark else ''}），不得以跨境电商零售进口方式申报",
                          f"gcode {gcode} is on the retail import negative list ({banned.code} {banned.name('en')}"
                          f"{': ' + remark if remark else ''})", gcode,
                          "请将该商品从申报中移除，或改以一般贸易方式进口",
                          "remove the item from the declaration, or import it as general trade")
    if lookup.has_list(POSITIVE) and lookup.covering(POSITIVE, gcode, on) is None:
        if not lookup.is_complete(POSITIVE):
            return FieldError(path, f"ref.hs.not_on_positive{PARTIAL}",
                              f"商品编码(gcode) {gcode} 不在平台的正面清单中；该清单尚不完整，单证已接受，请核对",
                              f"gcode {gcode} is not on the platform's positive list; the list is incomplete, so the "
                              "document was accepted: check it", gcode,
                              "请核对商品是否在跨境电子商务零售进口商品清单内",
                              "check that the goods are on the cross-border retail import positive list")
        return FieldError(path, "ref.hs.not_on_positive_list",
                          f"商品编码(gcode) {gcode} 不在跨境电子商务零售进口商品清单（正面清单）内",
                          f"gcode {gcode} is not on the cross-border retail import positive list", gcode,
                          "请核对商品编码；清单外商品不能以跨境电商零售进口方式申报",
                          "check the HS code: goods off the positive list cannot be imported as cross-border retail")
    return None


def check_legal_unit(path: str, unit: str, hs: Entry, lookup: Lookup) -> FieldError | None:
    """unit1/unit2 must be legal units of the HS code (compared as a set: sources disagree on their order)."""
    allowed = [u for u in (hs.attrs.get("unit1", ""), hs.attrs.get("unit2", "")) if u]
    if not allowed or unit in allowed:
        return None
    names = [(u, lookup.entry(UNITS, u)) for u in allowed]
    zh = "、".join(f"{u} {e.name_zh if e else ''}".strip() for u, e in names)
    en = ", ".join(f"{u} {e.name('en') if e else ''}".strip() for u, e in names)
    field = path.rsplit(".", 1)[-1]
    return FieldError(path, "ref.hs.unit_not_allowed",
                      f"法定计量单位({field}) {unit} 不是商品编码 {hs.code} 的法定计量单位（{zh}）",
                      f"{field} {unit} is not a legal unit of HS code {hs.code} ({en})", unit,
                      f"请填写 {zh}", f"use {en}")
