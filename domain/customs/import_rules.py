"""Business rules of the import documents (I3-I11) the platform checks before sending, so that customs does not
have to refuse them: the spec's stated rules (RULES.md 2.2) per message type, the buyer's identity, the personal
limits of retail imports, and the checks of a document against the documents it refers to on the platform (an
inventory against its order, a cancellation or return against its inventory). Pure functions: a document (dict of
XSD field names) in, FieldErrors out; whatever comes from elsewhere (the order, the inventory, the amount a buyer
already used) is passed in.

Rule codes (FieldError.rule) besides the shape rules: fixed_value, sequence, line_total, real_name, id_format,
id_check_digit, id_birth_date, trade_mode, mode_required, assure_code, date_format, time_format, positive, one_of,
single_limit, annual_limit, order_gnum, order_gname, order_lines, inventory_exists, inventory_status,
inventory_gnum, inventory_gcode, inventory_gname, return_qty, duplicate."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from domain.shared import statuses, tax
from domain.shared.rules import (
    FieldError,
    check_gnum,
    check_goods_line,
    check_import_order,
    fixed,
    is_blank,
    to_decimal,
)

Rule = Callable[[dict[str, Any]], list[FieldError]]


def _lines_required(list_name: str, most: int = 99) -> Rule:
    """1..most lines (import lists hold 99, export lists 100: RULES.md 2.0)."""
    def rule(document: dict[str, Any]) -> list[FieldError]:
        lines = document.get(list_name) or []
        if not lines:
            return [FieldError(list_name, "required", "至少需要一行表体（商品/明细）", "at least one line is required")]
        if len(lines) > most:
            return [FieldError(list_name, "max_items", f"表体不能超过{most}行", f"at most {most} lines")]
        return []
    return rule


def _lines(document: dict[str, Any], list_name: str) -> list[dict[str, Any]]:
    lines = document.get(list_name)
    return [line for line in lines if isinstance(line, dict)] if isinstance(lines, list) else []


def _found(*errors: FieldError | None) -> list[FieldError]:
    return [e for e in errors if e is not None]


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


# the buyer's identity (I4 "Identity of the buyer"; RULES.md 2.2: buyerName is the real name, buyerIdType 1 身份证) --

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_NUMBER = re.compile(r"[0-9]{17}[0-9X]")
_DIGIT = re.compile(r"\d")


def id_check_digit(first17: str) -> str:
    """The check character of a resident identity card number (GB 11643-1999, ISO 7064 MOD 11-2)."""
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def check_real_name(field: str, value: Any, who_zh: str) -> FieldError | None:
    """A real name as on the identity card: 2 to 60 characters, no digits (a nickname or account is refused)."""
    name = _text(value)
    if not name or (2 <= len(name) <= 60 and not _DIGIT.search(name)):
        return None
    return FieldError(field, "real_name", f"{who_zh}姓名({field})须为身份证上的真实姓名：2至60个字符，不含数字",
                      f"{field} must be the real name on the identity card: 2 to 60 characters, no digits",
                      name, "填写身份证上的姓名", "enter the name as on the identity card")


def check_id_number(field: str, value: Any, who_zh: str) -> FieldError | None:
    """A resident identity card number: 17 digits and a check character (0-9 or X), GB 11643-1999, with a real
    birth date in digits 7-14."""
    number = _text(value)
    if not number:
        return None
    if not _ID_NUMBER.fullmatch(number):
        return FieldError(field, "id_format", f"{who_zh}身份证号码({field})须为18位：17位数字加1位校验码（0-9或大写X）",
                          f"{field} must be 18 characters: 17 digits and a check character (0-9 or capital X)",
                          number)
    expected = id_check_digit(number[:17])
    if number[17] != expected:
        return FieldError(field, "id_check_digit",
                          f"{who_zh}身份证号码({field})校验码错误：第18位应为 {expected}，实际为 {number[17]}"
                          "（GB 11643 校验规则），请核对号码",
                          f"{field} fails the GB 11643 check: the 18th character should be {expected}, "
                          f"not {number[17]}; check the number", number)
    if not _is_moment(number[6:14], "%Y%m%d", 8):
        return FieldError(field, "id_birth_date", f"{who_zh}身份证号码({field})第7至14位不是有效的出生日期",
                          f"{field}: characters 7-14 are not a valid birth date", number)
    return None


def _identity(name_field: str, id_field: str, type_field: str, who_zh: str) -> Rule:
    """The buyer's (or payer's) real name, and the ID card number when the ID type is 1 (身份证)."""
    def rule(document: dict[str, Any]) -> list[FieldError]:
        id_error = check_id_number(id_field, document.get(id_field), who_zh) \
            if _text(document.get(type_field)) == "1" else None
        return _found(check_real_name(name_field, document.get(name_field), who_zh), id_error)
    return rule


_BUYER = _identity("buyerName", "buyerIdNumber", "buyerIdType", "订购人")


# shared field rules ----------------------------------------------------------------------------------------------

def _fixed_number(document: dict[str, Any], name: str, expected: int, zh: str) -> FieldError | None:
    """A number the spec fixes (packNo 1): 1, "1" and 1.0 are all one."""
    value = to_decimal(document.get(name))
    if value is None or value == expected:
        return None
    return FieldError(name, "fixed_value", f"{zh}({name})必须填写{expected}", f"{name} must be {expected}")


def _one_of(document: dict[str, Any], name: str, allowed: tuple[str, ...], zh: str) -> FieldError | None:
    value = _text(document.get(name))
    if not value or value in allowed:
        return None
    return FieldError(name, "one_of", f"{zh}({name})只能填写 {' 或 '.join(allowed)}",
                      f"{name} must be one of {', '.join(allowed)}", value)


def _is_moment(text: str, pattern: str, length: int) -> bool:
    try:
        datetime.strptime(text, pattern)
    except ValueError:
        return False
    return text.isdigit() and len(text) == length


def _date(document: dict[str, Any], name: str, zh: str) -> FieldError | None:
    """A real date written YYYYMMDD."""
    value = _text(document.get(name))
    if not value or _is_moment(value, "%Y%m%d", 8):
        return None
    return FieldError(name, "date_format", f"{zh}({name})须为有效日期，格式 YYYYMMDD（如 20261125）",
                      f"{name} must be a real date as YYYYMMDD (e.g. 20261125)", value)


def _time(document: dict[str, Any], name: str, zh: str) -> FieldError | None:
    """A real time written YYYYMMDDhhmmss (C14 in the spec)."""
    value = _text(document.get(name))
    if not value or _is_moment(value, "%Y%m%d%H%M%S", 14):
        return None
    return FieldError(name, "time_format", f"{zh}({name})须为有效时间，格式 YYYYMMDDhhmmss（14位，如 20261125093000）",
                      f"{name} must be a real time as YYYYMMDDhhmmss (14 digits, e.g. 20261125093000)", value)


def _sequence(list_name: str) -> Rule:
    """Lines numbered 1..n (gnum 从1开始连续)."""
    def rule(document: dict[str, Any]) -> list[FieldError]:
        lines = _lines(document, list_name)
        return _found(*(check_gnum(line, i, f"{list_name}[{i}].") for i, line in enumerate(lines, start=1)))
    return rule


# CEB621 清单 (RULES.md 2.2 "CEB621 进口清单", 2.3 mode matrix) -----------------------------------------------------

RETAIL_IMPORT_MODES = ("9610", "1210")
# fields a trade mode needs (RULES.md 2.3): 9610 the conveyance and bill, 1210 the bonded account book and zone
MODE_FIELDS = {"9610": (("trafNo", "运输工具编号"), ("voyageNo", "航班航次号"), ("billNo", "提运单号")),
               "1210": (("emsNo", "账册编号"), ("areaCode", "区内企业代码"), ("areaName", "区内企业名称"))}
MODE_NAMES = {"9610": ("直购进口", "direct purchase import"), "1210": ("保税进口", "bonded import")}


def _inventory(document: dict[str, Any]) -> list[FieldError]:
    """清单 CEB621 head and lines (RULES.md 2.2): fixed values, guarantor, declaration date, trade mode, numbered
    and priced lines with a legal quantity, and the single-transaction limit."""
    errors = _found(fixed(document, "", "ieFlag", "I", "进出口标记"), fixed(document, "", "currency", "142", "币制"),
                    fixed(document, "", "buyerIdType", "1", "订购人证件类型"),
                    _fixed_number(document, "packNo", 1, "件数"), _assure_code(document),
                    _date(document, "declTime", "申报日期"))
    errors += _trade_mode(document)
    for index, line in enumerate(_lines(document, "inventoryList"), start=1):
        errors += check_goods_line(line, index, "inventoryList")
        errors += _found(_positive(line, f"inventoryList[{index}].", "qty1", "法定数量"))
    return errors + _single_limit(document)


def _trade_mode(document: dict[str, Any]) -> list[FieldError]:
    """9610 or 1210; each needs its own fields, and a bonded import is dispatched from China (country 142)."""
    mode = _text(document.get("tradeMode"))
    if not mode:
        return []
    if mode not in RETAIL_IMPORT_MODES:
        return [FieldError("tradeMode", "trade_mode",
                           f"贸易方式(tradeMode) {mode} 不是零售进口：只能填写 9610（直购进口）或 1210（保税进口）",
                           f"tradeMode {mode} is not a retail import: 9610 (direct purchase) or 1210 (bonded) only",
                           mode)]
    errors = [_mode_required(name, label, mode) for name, label in MODE_FIELDS[mode] if is_blank(document.get(name))]
    if mode == "1210":
        errors += _found(fixed(document, "", "country", "142", "起运国（保税进口）"))
        errors += [_mode_required(f"inventoryList[{i}].itemRecordNo", "账册备案料号", mode)
                   for i, line in enumerate(_lines(document, "inventoryList"), start=1)
                   if is_blank(line.get("itemRecordNo"))]
    return errors


def _mode_required(path: str, label: str, mode: str,
                   names: dict[str, tuple[str, str]] = MODE_NAMES) -> FieldError:
    zh, en = names[mode]
    name = path.rsplit(".", 1)[-1]
    return FieldError(path, "mode_required", f"{label}({name})在{zh}（{mode}）模式下为必填项",
                      f"{name} is required for {en} ({mode})")


def _assure_code(document: dict[str, Any]) -> FieldError | None:
    """担保企业 is one of the inventory's own enterprises (S22 p90: platform, e-commerce enterprise or logistics
    enterprise; X22: the declarant instead of the platform, so both are allowed)."""
    code = _text(document.get("assureCode"))
    allowed = [_text(document.get(n)) for n in ("ebpCode", "ebcCode", "logisticsCode", "agentCode")]
    if not code or code in allowed:
        return None
    shown = sorted({c for c in allowed if c})
    return FieldError("assureCode", "assure_code",
                      f"担保企业编号(assureCode) {code} 只能是本清单的电商平台、电商企业、物流企业或申报企业之一"
                      f"（{'、'.join(shown)}）",
                      "assureCode must be the inventory's platform, e-commerce enterprise, logistics enterprise or "
                      f"declarant ({', '.join(shown)})", code)


def _positive(line: dict[str, Any], path: str, name: str, zh: str) -> FieldError | None:
    value = to_decimal(line.get(name))
    if value is None or value > 0:
        return None
    return FieldError(path + name, "positive", f"{zh}({name})必须大于0", f"{name} must be greater than 0", str(value))


def _single_limit(document: dict[str, Any]) -> list[FieldError]:
    """单次交易限值 (tax.SINGLE_LIMIT) on the transaction value (goods + freight + insurance); customs refuses a
    larger inventory with -621005 (RULES.md 1.2, 2.2 "Per-buyer limits")."""
    value = tax.transaction_value(document)
    if value <= tax.SINGLE_LIMIT:
        return []
    return [FieldError("inventoryList", "single_limit",
                       f"本次购买金额（商品+运费+保费）{value} 元超过跨境电商零售进口单次交易限值 "
                       f"{tax.SINGLE_LIMIT} 元，海关将以 -621005（购买金额超过单笔限额）退单",
                       f"the purchase amount (goods + freight + insurance) {value} CNY exceeds the single-transaction "
                       f"limit of {tax.SINGLE_LIMIT} CNY; customs would refuse it with -621005", str(value),
                       "拆分订单或按一般贸易申报", "split the order or declare it as general trade")]


def check_annual_limit(document: dict[str, Any], used: Decimal) -> list[FieldError]:
    """年度交易限值 (tax.ANNUAL_LIMIT): what the buyer already used this calendar year plus this inventory; customs
    refuses with -621018 and names the used amount (RULES.md 1.2, 2.2 "Per-buyer limits")."""
    value = tax.transaction_value(document)
    if used + value <= tax.ANNUAL_LIMIT:
        return []
    buyer = _text(document.get("buyerName"))
    return [FieldError("buyerIdNumber", "annual_limit",
                       f"订购人 {buyer} 本年度已用购买额度为 {used} 元，本次购买 {value} 元将超过年度交易限值 "
                       f"{tax.ANNUAL_LIMIT} 元，海关将以 -621018 退单",
                       f"buyer {buyer} has used {used} CNY this year; this purchase of {value} CNY would exceed the "
                       f"annual limit of {tax.ANNUAL_LIMIT} CNY; customs would refuse it with -621018", str(used))]


def check_against_order(inventory: dict[str, Any], order: dict[str, Any]) -> list[FieldError]:
    """The inventory's lines are the order's lines (RULES.md 2.4): gnum one-to-one with the order's, gname the
    order's goods name (itemName). Only when the order is on the platform; the rest of the match is customs'."""
    order_lines = {_gnum(line): line for line in _lines(order, "orderList")}
    order_no = _text(inventory.get("orderNo"))
    errors: list[FieldError] = []
    for index, line in enumerate(_lines(inventory, "inventoryList"), start=1):
        path, gnum = f"inventoryList[{index}].", _gnum(line)
        ordered = order_lines.get(gnum)
        if ordered is None:
            errors.append(FieldError(path + "gnum", "order_gnum", f"订单 {order_no} 没有商品序号 {gnum} 的商品",
                                     f"order {order_no} has no line with gnum {gnum}", str(gnum)))
        elif _text(line.get("gname")) != _text(ordered.get("itemName")):
            errors.append(FieldError(path + "gname", "order_gname",
                                     f"商品名称(gname)须与订单 {order_no} 第{gnum}项的商品名称"
                                     f"“{ordered.get('itemName')}”一致",
                                     f"gname must equal the name of line {gnum} of order {order_no}: "
                                     f"{ordered.get('itemName')}", _text(line.get("gname"))))
    declared = {_gnum(line) for line in _lines(inventory, "inventoryList")}
    missing = sorted(g for g in set(order_lines) - declared if g is not None)
    if missing:
        shown = ", ".join(str(g) for g in missing)
        errors.append(FieldError("inventoryList", "order_lines",
                                 f"订单 {order_no} 的商品序号 {shown} 不在清单中：清单商品须与订单逐项对应",
                                 f"lines {shown} of order {order_no} are missing: inventory lines match the order's "
                                 "one to one"))
    return errors


def _gnum(line: dict[str, Any]) -> int | None:
    number = to_decimal(line.get("gnum"))
    return int(number) if number is not None and number == number.to_integral_value() else None


# the other documents (RULES.md 2.2) -------------------------------------------------------------------------------

def _payment(document: dict[str, Any]) -> list[FieldError]:
    """支付单 CEB411 (RULES.md 2.2): currency 142, payerIdType 1, payTime C14."""
    return _found(fixed(document, "", "currency", "142", "币制"),
                  fixed(document, "", "payerIdType", "1", "支付人证件类型"),
                  _time(document, "payTime", "支付时间"))


def _waybill(document: dict[str, Any]) -> list[FieldError]:
    """运单 CEB511 (RULES.md 2.2): packNo must be 1, currency 142."""
    return _found(_fixed_number(document, "packNo", 1, "件数"), fixed(document, "", "currency", "142", "币制"))


def _delivery(document: dict[str, Any]) -> list[FieldError]:
    """运单状态 CEB513 (RULES.md 2.2): logisticsStatus only S (签收), logisticsTime C14, the actual time."""
    return _found(fixed(document, "", "logisticsStatus", "S", "物流签收状态"),
                  _time(document, "logisticsTime", "物流状态时间"))


def _cancellation(document: dict[str, Any]) -> list[FieldError]:
    """撤销申请单 (CEB623): appType 1 only (S22 p96); the reason is required by the XSD already."""
    return _found(fixed(document, "", "appType", "1", "报送类型（撤销申请单只能新增）"),
                  fixed(document, "", "buyerIdType", "1", "订购人证件类型"))


def _entry(document: dict[str, Any]) -> list[FieldError]:
    """入库明细单 CEB711 (RULES.md 2.2): an import or export flag (I/E); its lines are checked by the list rules."""
    return _found(_one_of(document, "ieFlag", ("I", "E"), "进出口标记"))


RULES: dict[str, list[Rule]] = {
    "CEB311": [check_import_order, _BUYER],
    "CEB411": [_payment, _identity("payerName", "payerIdNumber", "payerIdType", "支付人")],
    "CEB511": [_waybill],
    "CEB513": [_delivery],
    "CEB621": [_lines_required("inventoryList"), _inventory, _BUYER],
    "CEB623": [_cancellation, _BUYER],
    "CEB625": [_lines_required("invtRefundList"), _BUYER],
    "CEB711": [_lines_required("deliveryList"), _entry, _sequence("deliveryList")],
}


# cancellations and returns against their inventory (RULES.md 2.2 CEB623/CEB625, 2.4, 2.6) --------------------------

# the inventory states customs takes a cancellation in (import I5, export E4: not after 899 结关), and a return in
# with customs' code for a line not in the inventory (import I6, export E5: none stated)
CANCELLATIONS = {"CEB623": statuses.CANCELLABLE, "CEB605": statuses.EXPORT_CANCELLABLE}
RETURNS = {"CEB625": (statuses.RETURNABLE, "-625209"), "CEB213": (statuses.EXPORT_RETURNABLE, "")}


def check_against_inventory(message_type: str, document: dict[str, Any], inventory: Any) -> list[FieldError]:
    """A cancellation (CEB623, CEB605) or return (CEB625, CEB213) names an inventory by invtNo: it must exist on the
    platform and be in a state customs takes the request in; a return's lines must be lines of that inventory."""
    invt_no = str(document.get("invtNo") or "")
    if inventory is None:
        return [FieldError("invtNo", "inventory_exists", f"清单编号 {invt_no} 在平台上不存在或尚未取得海关清单编号",
                           f"no inventory with invtNo {invt_no} on the platform")]
    cancelling = message_type in CANCELLATIONS
    allowed = CANCELLATIONS[message_type] if cancelling else RETURNS[message_type][0]
    if inventory.status not in allowed:
        what_zh = "撤单" if cancelling else "退货"
        return [FieldError("invtNo", "inventory_status",
                           f"清单 {invt_no} 当前状态为{statuses.label(inventory.status)}，不允许{what_zh}"
                           f"（允许的状态: {'、'.join(statuses.label(s) for s in sorted(allowed))}）",
                           f"inventory {invt_no} is {statuses.label(inventory.status, 'en')}; "
                           f"{'cancellation' if cancelling else 'return'} needs one of "
                           f"{', '.join(statuses.label(s, 'en') for s in sorted(allowed))}")]
    if message_type in RETURNS:
        return check_return_lines(document, inventory.document, RETURNS[message_type][1])
    return []


def check_return_lines(refund: dict[str, Any], inventory: dict[str, Any],
                       refusal: str = "-625209") -> list[FieldError]:
    """Each returned line is a line of the original inventory (gnum; customs refuses it with `refusal`, -625209 on
    imports), with its gcode and gname, and returns at most the quantity declared (RULES.md 2.2 CEB625 items, 2.1
    CEB213, 2.4)."""
    invt_no = _text(refund.get("invtNo"))
    original = {_gnum(line): line for line in _lines(inventory, "inventoryList")}
    errors: list[FieldError] = []
    seen: set[int | None] = set()
    for index, line in enumerate(_lines(refund, "invtRefundList"), start=1):
        path, gnum = f"invtRefundList[{index}].", _gnum(line)
        if gnum in seen:
            errors.append(FieldError(path + "gnum", "duplicate",
                                     f"商品序号(gnum) {gnum} 重复：每项原清单商品只能退一次",
                                     f"gnum {gnum} appears twice: each inventory line is returned once", str(gnum)))
            continue
        seen.add(gnum)
        declared = original.get(gnum)
        if declared is None:
            code_zh, code_en = (f"（海关将以 {refusal} 退单）", f"; customs would refuse it with {refusal}") \
                if refusal else ("", "")
            errors.append(FieldError(path + "gnum", "inventory_gnum",
                                     f"原清单 {invt_no} 中没有商品序号为 {gnum} 的商品{code_zh}",
                                     f"inventory {invt_no} has no line with gnum {gnum}{code_en}", str(gnum)))
            continue
        errors += _found(*(_same_as_declared(line, declared, path, name, zh, invt_no)
                           for name, zh in (("gcode", "商品编码"), ("gname", "商品名称"))))
        errors += _found(_returned_qty(line, declared, path, invt_no))
    return errors


def _same_as_declared(line: dict[str, Any], declared: dict[str, Any], path: str, name: str, zh: str,
                      invt_no: str) -> FieldError | None:
    value, expected = _text(line.get(name)), _text(declared.get(name))
    if not value or value == expected:
        return None
    return FieldError(path + name, f"inventory_{name}", f"{zh}({name})须与原清单 {invt_no} 第{line.get('gnum')}项一致："
                      f"应为“{expected}”", f"{name} must equal line {line.get('gnum')} of inventory {invt_no}: "
                      f"{expected}", value)


def _returned_qty(line: dict[str, Any], declared: dict[str, Any], path: str, invt_no: str) -> FieldError | None:
    qty, limit = to_decimal(line.get("qty")), to_decimal(declared.get("qty"))
    if qty is None or limit is None or qty <= limit:
        return None
    return FieldError(path + "qty", "return_qty", f"退货数量(qty) {qty} 超过原清单 {invt_no} 第{line.get('gnum')}项的"
                      f"申报数量 {limit}", f"qty {qty} exceeds the {limit} declared on line {line.get('gnum')} of "
                      f"inventory {invt_no}", str(qty))

