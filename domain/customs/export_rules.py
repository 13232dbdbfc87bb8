"""Business rules of the export documents (E1-E10) the platform checks before sending (RULES.md 2.1, 2.3, 2.4): the
spec's stated rules per message type, and the checks of a document against what it refers to on the platform (an
inventory against its order, a list of parcels against the declared export waybills). Cancellations (CEB605) and
returns (CEB213) are checked against their inventory by import_rules.check_against_inventory, like the import ones.
Pure functions, like import_rules (whose helpers they use): a document in, FieldErrors out.

Rule codes besides import_rules': order_type, mode_order_type, not_china, time_pair, time_order,
summary_items, msg_seq, waybills_declared, order_ebc."""

from __future__ import annotations

from typing import Any

from domain.customs import import_rules as base
from domain.shared.rules import FieldError, check_gnum, check_line_total, fixed, is_blank, to_decimal

ORDER_TYPES = {"E": ("B2C出口订单", "B2C export order"), "B": ("B2B出口订单", "B2B export order"),
               "W": ("海外仓订仓单", "overseas-warehouse booking")}
# the order type each export trade mode takes (RULES.md 2.3; 1210 special-area export: E, presumably)
MODE_ORDER_TYPES = {"9610": "E", "1210": "E", "9710": "B", "9810": "W"}
MODE_NAMES = {"9610": ("跨境电商零售出口", "retail export"), "1210": ("特殊区域出口", "special-area export"),
              "9710": ("跨境电商B2B直接出口", "B2B direct export"),
              "9810": ("跨境电商出口海外仓", "overseas-warehouse export")}
# 1210 needs the special area's enterprise and account book, and each line its record number (RULES.md 2.1 CEB603)
BONDED_FIELDS = (("iacCode", "区内企业代码"), ("iacName", "区内企业名称"), ("emsNo", "账册编号"))
NO_CODE = "无"  # an overseas platform without a customs code (202205 notes; RULES.md 2.1 CEB303)
RETURN_MODES = ("9661", "1261")  # 一般出口退货, 特殊区域出口退货 (RULES.md 2.1 CEB213)
CHINA = "142"
EXPORT_LINES = 100  # export item lists hold 1..100 lines (RULES.md 2.0)


# CEB303 出口订单 / 订仓单 ---------------------------------------------------------------------------------------------

def _order(document: dict[str, Any]) -> list[FieldError]:
    """orderType E, B or W; priced, numbered lines. ebpCode may be "无" in every mode: RULES.md 2.1 allows it for any
    overseas platform without a customs code (a 9610 seller on a foreign marketplace as much as a 9810 booking).
    The currency is any JGS-20 code (the code rules check it), not fixed to 142 as on imports."""
    order_type = base._text(document.get("orderType"))
    return base._found(_order_type(order_type)) + _priced_lines(document, "orderList")


def _order_type(value: str) -> FieldError | None:
    if not value or value in ORDER_TYPES:
        return None
    shown_zh = "、".join(f"{k}（{zh}）" for k, (zh, _) in ORDER_TYPES.items())
    shown_en = ", ".join(f"{k} ({en})" for k, (_, en) in ORDER_TYPES.items())
    return FieldError("orderType", "order_type", f"订单类型(orderType) {value} 不是出口订单类型：只能填写 {shown_zh}",
                      f"orderType {value} is not an export order type: {shown_en} only", value)


def _priced_lines(document: dict[str, Any], list_name: str) -> list[FieldError]:
    """Lines numbered 1..n with totalPrice = qty x price, in whatever currency."""
    errors: list[FieldError] = []
    for index, line in enumerate(base._lines(document, list_name), start=1):
        path = f"{list_name}[{index}]."
        errors += base._found(check_gnum(line, index, path), check_line_total(line, path))
    return errors


# CEB603 出口清单 ----------------------------------------------------------------------------------------------------

def _inventory(document: dict[str, Any]) -> list[FieldError]:
    """清单 CEB603 (RULES.md 2.1, 2.3): fixed flags, the declaration type, the export date, the trade mode with its
    fields, the platform code, and priced, numbered lines each with a bar code."""
    errors = base._found(fixed(document, "", "ieFlag", "E", "进出口标记"),
                         fixed(document, "", "fFlag", "3", "运费标志"), fixed(document, "", "iFlag", "3", "保费标志"),
                         base._one_of(document, "statisticsFlag", ("A", "B"), "申报业务类型"),
                         base._date(document, "ieDate", "出口日期"))
    errors += _trade_mode(document)
    errors += _priced_lines(document, "inventoryList")
    return errors + [_no_bar_code(i) for i, line in enumerate(base._lines(document, "inventoryList"), start=1)
                     if is_blank(line.get("barCode"))]


def _trade_mode(document: dict[str, Any]) -> list[FieldError]:
    mode = base._text(document.get("tradeMode"))
    if not mode:
        return []
    if mode not in MODE_NAMES:
        shown = "、".join(f"{k}（{zh}）" for k, (zh, _) in MODE_NAMES.items())
        return [FieldError("tradeMode", "trade_mode", f"贸易方式(tradeMode) {mode} 不是跨境电商出口：只能填写 {shown}",
                           f"tradeMode {mode} is not a cross-border e-commerce export: "
                           f"{', '.join(MODE_NAMES)} only", mode)]
    errors: list[FieldError] = []
    if mode == "1210":
        errors += [base._mode_required(name, label, mode, MODE_NAMES) for name, label in BONDED_FIELDS
                   if is_blank(document.get(name))]
        errors += [base._mode_required(f"inventoryList[{i}].itemRecordNo", "账册备案料号", mode, MODE_NAMES)
                   for i, line in enumerate(base._lines(document, "inventoryList"), start=1)
                   if is_blank(line.get("itemRecordNo"))]
    return errors


def _no_bar_code(index: int) -> FieldError:
    return FieldError(f"inventoryList[{index}].barCode", "required", "条形码(barCode)为必填项，无条码时填写“无”",
                      "barCode is required; write \"无\" when the goods have none", "",
                      "无条码时填写“无”", "write \"无\" when there is no bar code")


def check_against_order(inventory: dict[str, Any], order: dict[str, Any]) -> list[FieldError]:
    """An inventory against its order (CEB303) when the order is on the platform (RULES.md 2.3, 2.4): the order's
    type suits the trade mode, its e-commerce enterprise is the inventory's consignor, and the lines are the order's,
    one to one by gnum."""
    order_no = base._text(inventory.get("orderNo"))
    errors = base._found(_suits_mode(inventory, order, order_no), _same_ebc(inventory, order, order_no))
    ordered = {base._gnum(line) for line in base._lines(order, "orderList")}
    declared = [base._gnum(line) for line in base._lines(inventory, "inventoryList")]
    errors += [FieldError(f"inventoryList[{i}].gnum", "order_gnum", f"订单 {order_no} 没有商品序号 {gnum} 的商品",
                          f"order {order_no} has no line with gnum {gnum}", str(gnum))
               for i, gnum in enumerate(declared, start=1) if gnum not in ordered]
    missing = sorted(g for g in ordered - set(declared) if g is not None)
    if missing:
        shown = ", ".join(map(str, missing))
        errors.append(FieldError("inventoryList", "order_lines",
                                 f"订单 {order_no} 的商品序号 {shown} 不在清单中：清单商品须与订单逐项对应",
                                 f"lines {shown} of order {order_no} are missing: inventory lines match the order's "
                                 "one to one"))
    return errors


def _suits_mode(inventory: dict[str, Any], order: dict[str, Any], order_no: str) -> FieldError | None:
    mode, order_type = base._text(inventory.get("tradeMode")), base._text(order.get("orderType"))
    expected = MODE_ORDER_TYPES.get(mode)
    if expected is None or order_type == expected:
        return None
    return FieldError("tradeMode", "mode_order_type",
                      f"贸易方式(tradeMode) {mode} 须对应订单类型 {expected}（{ORDER_TYPES[expected][0]}），而订单 "
                      f"{order_no} 的类型为 {order_type}",
                      f"tradeMode {mode} needs an order of type {expected} ({ORDER_TYPES[expected][1]}); order "
                      f"{order_no} is of type {order_type}", mode)


def _same_ebc(inventory: dict[str, Any], order: dict[str, Any], order_no: str) -> FieldError | None:
    code, expected = base._text(inventory.get("ebcCode")), base._text(order.get("ebcCode"))
    if not code or code == expected:
        return None
    return FieldError("ebcCode", "order_ebc",
                      f"电商企业代码(ebcCode)须为订单 {order_no} 的电商企业 {expected}（清单收发货人）",
                      f"ebcCode must be the e-commerce enterprise of order {order_no}: {expected}", code)


# CEB213 零售出口退货申请单 -----------------------------------------------------------------------------------------

def _return(document: dict[str, Any]) -> list[FieldError]:
    """ieFlag I, a country of dispatch that is not China, tradeMode 9661 or 1261 when given (RULES.md 2.1 CEB213).
    The lines against the original inventory: import_rules.check_against_inventory."""
    country = base._text(document.get("country"))
    abroad = None if country != CHINA else FieldError(
        "country", "not_china", "起运国(country)不能为中国(142)：出口退货从境外运回",
        "country (of dispatch) must not be China (142): an export return comes back from abroad", country)
    return base._found(fixed(document, "", "ieFlag", "I", "进出口标记（出口退货）"), abroad,
                       base._one_of(document, "tradeMode", RETURN_MODES, "贸易方式（出口退货）"))


# CEB701 汇总申请单 --------------------------------------------------------------------------------------------------

def _summary(document: dict[str, Any]) -> list[FieldError]:
    """startTime and endTime together or not at all, endTime not before startTime; without them the inventories to
    summarise are listed (RULES.md 2.1 CEB701, 2.5)."""
    start, end = base._text(document.get("startTime")), base._text(document.get("endTime"))
    errors = base._found(base._time(document, "startTime", "开始时间"), base._time(document, "endTime", "结束时间"))
    if errors:
        return errors
    if bool(start) != bool(end):
        missing = "endTime" if start else "startTime"
        return [FieldError(missing, "time_pair",
                           f"开始时间(startTime)与结束时间(endTime)须同时填写或同时不填：缺少{missing}",
                           f"startTime and endTime go together: {missing} is missing")]
    if start and end < start:
        return [FieldError("endTime", "time_order", f"结束时间(endTime) {end} 不能早于开始时间(startTime) {start}",
                           f"endTime {end} must not be before startTime {start}", end)]
    if not start and not base._lines(document, "summaryApplyList"):
        return [FieldError("summaryApplyList", "summary_items",
                           "未填写汇总时间段时，须列出至少一个清单编号(invtNo)",
                           "without a time window (startTime, endTime) list at least one inventory (invtNo)")]
    return []


# CEB507 运抵单, CEB509 离境单, CEB607 清单总分单: split messages and parcel lists ----------------------------------

def _message_part(document: dict[str, Any]) -> list[FieldError]:
    """msgCount and msgSeqNo positive, the part's number at most the number of parts (RULES.md 2.0)."""
    count, seq = (to_decimal(document.get(n)) for n in ("msgCount", "msgSeqNo"))
    errors = base._found(base._positive(document, "", "msgCount", "报文总数"),
                         base._positive(document, "", "msgSeqNo", "报文序号"))
    if errors or count is None or seq is None or seq <= count:
        return errors
    return [FieldError("msgSeqNo", "msg_seq", f"报文序号(msgSeqNo) {seq} 不能大于报文总数(msgCount) {count}",
                       f"msgSeqNo {seq} must not exceed msgCount {count}", str(seq))]


def check_waybills(document: dict[str, Any], list_name: str, missing: list[str]) -> list[FieldError]:
    """The parcels a bag, an arrival or a departure lists are export waybills (CEB505) declared on the platform by
    its logistics enterprise; `missing`: the listed logisticsNos that are not."""
    if not missing:
        return []
    code, shown = base._text(document.get("logisticsCode")), "、".join(missing)
    return [FieldError(list_name, "waybills_declared",
                       f"以下运单号未在平台申报为物流企业 {code} 的出口运单(CEB505)：{shown}",
                       f"these logisticsNos are not export waybills (CEB505) of logistics enterprise {code} declared "
                       f"on the platform: {', '.join(missing)}", ", ".join(missing))]


def listed_waybills(document: dict[str, Any], list_name: str) -> list[str]:
    return [base._text(line.get("logisticsNo")) for line in base._lines(document, list_name)
            if base._text(line.get("logisticsNo"))]


# the parcel list of each transport document
PARCEL_LISTS = {"CEB507": "arrivalList", "CEB509": "departureList", "CEB607": "wayBillList"}

RULES: dict[str, list[base.Rule]] = {
    "CEB303": [base._lines_required("orderList", EXPORT_LINES), _order],
    "CEB603": [base._lines_required("inventoryList", EXPORT_LINES), _inventory],
    "CEB213": [base._lines_required("invtRefundList", EXPORT_LINES), _return],
    "CEB701": [_summary],
    **{message: [_message_part, base._sequence(list_name)] for message, list_name in PARCEL_LISTS.items()},
}
