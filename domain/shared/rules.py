"""Rules a declaration must meet before it is sent, needing no outside data (no code lists, no history).

Field shape rules come from the customs XSD (passed in as field specs, so the domain stays free of XML);
the arithmetic and fixed-value rules are the customs specification's own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from domain.shared.formats import Format, format_of


class FieldSpec(Protocol):
    """What the field rules read of a field, read-only: the XSD's specs (adapters.ceb) and payment179.RawField are
    frozen dataclasses."""

    @property
    def name(self) -> str: ...
    @property
    def required(self) -> bool: ...
    @property
    def max_length(self) -> int | None: ...
    @property
    def length(self) -> int | None: ...
    @property
    def min_length(self) -> int | None: ...
    @property
    def total_digits(self) -> int | None: ...
    @property
    def fraction_digits(self) -> int | None: ...
    @property
    def kind(self) -> str: ...  # 'string' | 'decimal' | 'int'
    @property
    def label_zh(self) -> str: ...


@dataclass(frozen=True)
class FieldError:
    """One broken rule on one field, said in Chinese and English."""

    field: str
    rule: str
    message_zh: str
    message_en: str
    value: str = ""  # the value found, when the rule is about a value (a code not in its list ...)
    fix_zh: str = ""  # what to do about it
    fix_en: str = ""

    def message(self, lang: str = "zh-CN") -> str:
        return self.message_en if lang == "en" else self.message_zh

    def fix(self, lang: str = "zh-CN") -> str:
        return self.fix_en if lang == "en" else self.fix_zh

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "rule": self.rule, "message": self.message_zh,
                "message_zh": self.message_zh, "message_en": self.message_en,
                "value": self.value, "fix_zh": self.fix_zh, "fix_en": self.fix_en}


class DeclarationRejected(Exception):
    """The declaration breaks rules; nothing was stored."""

    def __init__(self, errors: Sequence[FieldError]):
        super().__init__("; ".join(f"{e.field}: {e.message_en}" for e in errors))
        self.errors = list(errors)


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def to_decimal(value: Any) -> Decimal | None:
    """A money or quantity value as Decimal; floats go through their shortest text, never binary."""
    if isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip()) if isinstance(value, (str, float, int, Decimal)) else None
    except InvalidOperation:
        return None
    return number if number is not None and number.is_finite() else None


def check_field(path: str, value: Any, spec: FieldSpec) -> FieldError | None:
    """Required, length and number shape of one value against its XSD field spec, and the customs format the
    specification gives the field where the XSD says only a length (date-times, dates, digit codes: formats.py)."""
    label = spec.label_zh or spec.name
    if is_blank(value):
        return FieldError(path, "required", f"{label}({spec.name})为必填项", f"{spec.name} is required") \
            if spec.required else None
    if spec.kind in ("decimal", "int"):
        return _check_lexical(path, value, spec, label) or _check_number(path, value, spec, label)
    wrong_length = _check_length(path, str(value), spec, label)
    customs_format = format_of(spec.name)
    if customs_format is None:
        return wrong_length
    if wrong_length is not None:  # the length rule, with the format to fix it by
        return _with_fix(wrong_length, customs_format, str(value))
    # "2026-12-07 23:" has the 14 characters of a date-time (#18): the XSD's length alone lets it through
    return _check_format(path, str(value), spec, label, customs_format)


def _fix(shape: Format) -> tuple[str, str]:
    if not shape.example:
        return f"格式为 {shape.shape_zh}", f"use {shape.shape_en}"
    return f"格式为 {shape.shape_zh}，例如 {shape.example}", f"use {shape.shape_en}, e.g. {shape.example}"


def _with_fix(error: FieldError, shape: Format, text: str) -> FieldError:
    fix_zh, fix_en = _fix(shape)
    return replace(error, value=text, fix_zh=fix_zh, fix_en=fix_en)


def _check_format(path: str, text: str, spec: FieldSpec, label: str, shape: Format) -> FieldError | None:
    """The customs format the specification gives the field (domain/shared/formats.py): a date-time must be 14
    digits of a real moment, a code digits only ... The refusal names the value, the format and an example."""
    if shape.accepts(text):
        return None
    fix_zh, fix_en = _fix(shape)
    if re.fullmatch(shape.pattern, text):  # the digits of a date-time, but no such day or hour (20261307...)
        zh, en = (f"{text!r} 不是真实的日期", f"{text!r} is not a real date") if shape.rule == "date" else \
            (f"{text!r} 不是真实的日期时间", f"{text!r} is not a real date and time")
    else:
        zh, en = f"{text!r} 不是 {shape.shape_zh}", f"{text!r} is not {shape.shape_en}"
    return FieldError(path, f"format.{shape.rule}", f"{label}({spec.name})格式不正确：{zh}",
                      f"{spec.name} has the wrong format: {en}", value=text,
                      fix_zh=fix_zh, fix_en=fix_en)


_DECIMAL_TEXT = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


def _check_lexical(path: str, value: Any, spec: FieldSpec, label: str) -> FieldError | None:
    """A number typed as text is written as the XSD's xs:decimal / xs:int allow it: digits and one point, no
    exponent ("1e3"), no spaces or thousands separators; numbers given as numbers (JSON, Excel) are judged by value."""
    if not isinstance(value, str):
        return None
    if _DECIMAL_TEXT.fullmatch(value.strip()):  # an int's "2.0" is its value 2 (to_values writes 2)
        return None
    kind_zh, kind_en, example = ("整数", "a whole number", "12") if spec.kind == "int" else \
        ("数字", "a number", "12.5")
    return FieldError(path, "number", f"{label}({spec.name})必须是{kind_zh}：{value!r}",
                      f"{spec.name} must be {kind_en}: {value!r}", value=value,
                      fix_zh=f"只填数字和小数点，例如 {example}",
                      fix_en=f"digits and a decimal point only, e.g. {example}")


def _check_length(path: str, text: str, spec: FieldSpec, label: str) -> FieldError | None:
    if spec.length and len(text) != spec.length:
        return FieldError(path, "length", f"{label}({spec.name})长度必须为{spec.length}位",
                          f"{spec.name} must be exactly {spec.length} characters")
    if spec.max_length and len(text) > spec.max_length:
        return FieldError(path, "max_length", f"{label}({spec.name})不能超过{spec.max_length}个字符",
                          f"{spec.name} must be at most {spec.max_length} characters")
    if spec.min_length and len(text) < spec.min_length:
        return FieldError(path, "min_length", f"{label}({spec.name})至少{spec.min_length}个字符",
                          f"{spec.name} must be at least {spec.min_length} characters")
    return None


def _check_number(path: str, value: Any, spec: FieldSpec, label: str) -> FieldError | None:
    number = to_decimal(value)
    if number is None or (spec.kind == "int" and number != number.to_integral_value()):
        kind_zh, kind_en = ("整数", "a whole number") if spec.kind == "int" else ("数字", "a number")
        return FieldError(path, "number", f"{label}({spec.name})必须是{kind_zh}", f"{spec.name} must be {kind_en}")
    if number < 0:
        return FieldError(path, "non_negative", f"{label}({spec.name})不能为负数", f"{spec.name} must not be negative")
    # finite (to_decimal): the exponent is an int, never NaN's or infinity's 'n', 'N', 'F'
    exponent = -int(number.normalize().as_tuple().exponent) if number else 0
    if spec.fraction_digits is not None and exponent > spec.fraction_digits:
        return FieldError(path, "fraction_digits", f"{label}({spec.name})最多{spec.fraction_digits}位小数",
                          f"{spec.name} allows at most {spec.fraction_digits} decimals")
    integer_digits = len(str(abs(int(number))))
    if spec.total_digits and integer_digits > spec.total_digits - (spec.fraction_digits or 0):
        return FieldError(path, "total_digits", f"{label}({spec.name})数值过大",
                          f"{spec.name} is too large ({spec.total_digits} digits)")
    return None


def check_fields(document: dict[str, Any], specs: Iterable[FieldSpec], prefix: str = "") -> list[FieldError]:
    errors = (check_field(prefix + spec.name, document.get(spec.name), spec) for spec in specs)
    return [e for e in errors if e is not None]


def fixed(doc: dict[str, Any], path: str, name: str, expected: str, zh: str) -> FieldError | None:
    """A value the specification fixes (currency 142, orderType I ...); an empty one is the XSD rules' business."""
    value = doc.get(name)
    if is_blank(value) or str(value) == expected:
        return None
    return FieldError(path + name, "fixed_value", f"{zh}({name})必须填写{expected}", f"{name} must be {expected}")


def check_import_order(order: dict[str, Any]) -> list[FieldError]:
    """订单 CEB311 business rules: amounts add up, fixed codes, numbered lines."""
    errors = [e for e in (
        fixed(order, "", "orderType", "I", "订单类型"),
        fixed(order, "", "currency", "142", "币制"),
        fixed(order, "", "buyerIdType", "1", "订购人证件类型"),
        _check_paid(order),
    ) if e]
    lines = order.get("orderList") or []
    if not lines:
        errors.append(FieldError("orderList", "required", "订单至少需要一条商品",
                                 "an order needs at least one goods line"))
    if len(lines) > 99:
        errors.append(FieldError("orderList", "max_items", "订单商品不能超过99条",
                                 "an order has at most 99 goods lines"))
    for index, line in enumerate(lines, start=1):
        errors.extend(check_goods_line(line, index))
    return errors


def _check_paid(order: dict[str, Any]) -> FieldError | None:
    parts = [to_decimal(order.get(n)) for n in ("goodsValue", "freight", "taxTotal", "discount", "acturalPaid")]
    goods, freight, tax, discount, paid = parts
    if goods is None or freight is None or tax is None or discount is None or paid is None:
        return None
    expected = goods + freight + tax - discount
    if paid == expected:
        return None
    return FieldError("acturalPaid", "paid_arithmetic",
                      f"实际支付金额(acturalPaid)应为 商品价格+运杂费+代扣税款-非现金抵扣金额 = {expected}，"
                      f"实际填写 {paid}",
                      f"acturalPaid must equal goodsValue + freight + taxTotal - discount = {expected}, got {paid}")


def check_goods_line(line: dict[str, Any], index: int, list_name: str = "orderList") -> list[FieldError]:
    """A goods line of an order (CEB311) or inventory (CEB621): currency 142, numbered by its position, and
    totalPrice = qty x price (RULES.md 2.2, 2.4)."""
    path = f"{list_name}[{index}]."
    errors = (fixed(line, path, "currency", "142", "币制"), check_gnum(line, index, path), check_line_total(line, path))
    return [e for e in errors if e]


def check_line_total(line: dict[str, Any], path: str) -> FieldError | None:
    """totalPrice = qty x price (RULES.md 2.4), on import and export goods lines alike."""
    qty, price, total = (to_decimal(line.get(n)) for n in ("qty", "price", "totalPrice"))
    if qty is None or price is None or total is None or qty * price == total:
        return None
    return FieldError(path + "totalPrice", "line_total",
                      f"总价(totalPrice)应为 数量×单价 = {qty * price}，实际填写 {total}",
                      f"totalPrice must equal qty x price = {qty * price}, got {total}")


def check_gnum(line: dict[str, Any], index: int, path: str) -> FieldError | None:
    """Lines are numbered 1..n in their order (gnum 从1开始连续编号)."""
    gnum = to_decimal(line.get("gnum"))
    if gnum is None or gnum == index:
        return None
    return FieldError(path + "gnum", "sequence", f"商品序号(gnum)应为{index}，从1开始连续编号",
                      f"gnum must be {index}: lines are numbered 1..n")


def summary_key(inventory: Mapping[str, Any], line: Mapping[str, Any], by_owner: bool = False) -> tuple[str, ...]:
    """汇总规则: the inventory lines customs puts into one customs declaration share the consignor (ebcCode), trade
    mode, country of arrival (运抵国: the head's country), exit port (portCode), 10-digit HS code (gcode), declared
    unit and currency (issue #7; RULES.md 2.1 CEB701 summaryFlag). by_owner: summaryFlag 2, by consignor and
    producer/seller (ownerCode) too. itemNameFlag names the declaration's goods and splits nothing."""
    key = tuple(_field_text(inventory, name) for name in ("ebcCode", "tradeMode", "country", "portCode")) + \
        tuple(_field_text(line, name) for name in ("gcode", "unit", "currency"))
    return key + ((_field_text(inventory, "ownerCode"),) if by_owner else ())


def _field_text(doc: Mapping[str, Any] | None, name: str) -> str:
    value = (doc or {}).get(name)
    return "" if value is None else str(value).strip()
