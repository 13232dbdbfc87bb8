"""海关侧出口规则 (X6; E1-E10): what the customs node decides about each export document it receives. Pure functions
over plain dicts (XSD field names; values as the message parser gives them, text), used by the customs node simulator
(adapters/customs_node/simulator.py), which keeps what customs holds and hands it in. The platform's monthly summary
proposals (engine/customs/summaries.py) group inventories with the same `summary_key` customs uses here.

The spec gives fields, statuses and code ranges, not procedures (RULES.md 1.3, 2.1, 2.3, 3.2 say so); the choices:

- Every document is answered 2 (申报中) first, then with its result (RULES.md 1.4, 3.2 "Export 9610"). Accepted:
  120 (海关入库) for orders CEB304, receipts of payment CEB404, waybills CEB506, bags CEB608, arrivals CEB508,
  departures CEB510, returns CEB214 and tallies CEB216; 399 (审结) for approved cancellations CEB606 and summary
  applications CEB702 (the statuses RULES.md 1.4 lists for them).
- Refusal codes: RULES.md 1.3 (S18 Table 7-3) gives each export document a range per kind of failure, not single
  codes. A business rule broken answers with the first codes of its 业务校验失败 range (-303001 order, -403001
  collection, -503001 waybill, -603001.. inventory, -607001.. cancellation, -803001 arrival, -507001.. departure,
  -903001 bag, -703001 summary), a duplicate with the first of its 报文处理失败 range (-304001, -404001, -604001,
  -608001, -804001, -508001, -904001, -704001); the waybill's duplicate is -504015, whose text RULES.md 1.2 gives and
  which lies in the export waybill range. The single numbers are INFERRED. Returns (CEB213) and tallies (CEB215)
  have no range (new in S22): 100 海关退单 naming the broken rules (INFERRED; RULES.md 1.4 lists 100 for both).
- Orders (CEB303): orderType E (B2C), B (9710 B2B) or W (9810 海外仓订仓单) (RULES.md 2.1 CEB303) and lines
  numbered from 1 without gaps; ebpCode "无" is accepted in every mode: the 202205 note lets an overseas platform
  without a customs code fill it (RULES.md 2.1 CEB303/CEB403/CEB603), whatever the trade mode.
- Inventory (CEB603), the first failing check answers:
  1. -603001 the trade mode's fields (RULES.md 2.1 CEB603, 2.3): tradeMode one of 9610, 1210 (1239), 9710, 9810;
     1210 needs emsNo, iacCode, iacName and every line's itemRecordNo.
  2. -603002 the documents it names must be accepted (120): the order (ebpCode + orderNo), the waybill
     (logisticsCode + logisticsNo) and, for the B2C modes 9610 and 1210 (orderType E), the receipt of payment of
     ebcCode + orderNo. 9710 and 9810 need no receipt of payment (RULES.md 2.3 says it is UNCLEAR): a B2B sale is
     paid under its contract, and a 9810 shipment goes to an overseas warehouse before it is sold, so no payment
     exists when it leaves (INFERRED).
  3. -603003 the order suits it (RULES.md 2.3, 2.4): the order's orderType is the trade mode's (E for 9610/1210, B
     for 9710, W for 9810), its ebcCode is the inventory's consignor, and the inventory's gnum are one to one with
     the order's. Each mismatch names both values.
  Accepted: 2, 120 with preNo and the invtNo (customs code + year + E + 9-digit serial, RULES.md 2.1 CEB603). Then it
  waits for its parcel (`progress`): after an accepted arrival (CEB507) lists its logisticsNo, 399 (审结) and 800
  (放行); after an accepted departure (CEB509) lists it, 899 (结关). "Released and departed" is 899.
- Bags (CEB607), arrivals (CEB507), departures (CEB509) name parcels by the head's logisticsCode and each line's
  logisticsNo: each must be a waybill customs accepted, else refused naming the unknown ones. A departure also needs
  each parcel to have arrived at the site (an accepted arrival listed it): goods leave from the supervised site they
  were brought to (INFERRED; RULES.md 3.2 says the order of 运抵 and 离境 is UNCLEAR). An arrival's list may be empty.
- Cancellation (CEB605): the inventory (invtNo) must be a known export inventory (-607001) of the same consignor
  (-607003) in a state customs takes a cancellation in: 120, 399, 800, not after departure (statuses.
  EXPORT_CANCELLABLE; -607002; INFERRED). Approved: 2, 399; the inventory ends (已撤销).
- Return (CEB213, RULES.md 2.1 CEB213, 2.4): the inventory released or departed (800/899), ebpCode and ebcCode the
  original's, country (启运国) not 142, tradeMode 9661 for a 9610 and 1261 for a 1210 inventory (9710/9810 returns:
  not stated, any); each line's gnum in the inventory, gcode/gname/gmodel/unit/unit1/unit2 the original's, qty,
  qty1, qty2 with what earlier returns took back at most the original's. Every broken rule is named. Approved: 2,
  120. Tally details (CEB215): 2, 120; an invtNo, when given, must be a known export inventory.
- Summary application (CEB701, RULES.md 2.1 CEB701/702/792): the inventories listed, or with startTime/endTime
  those cleared (899) in that window (the list is then ignored), must each be a 9610 inventory declared for summary
  (statisticsFlag B; INFERRED from RULES.md 2.1 CEB701), released and departed (899), of the applying ebcCode, and
  not summarised before; else -703001 naming each with its reason. Accepted: 2, 399 with the sumNo (S + date + 9
  digits, the 202205 sample's shape), then the 汇总结果单 CEB792: the lines grouped by `summary_key` into one
  customs declaration each (declSeqNo), each line with its invtNo, logisticsNo, gseqno, gnum, gcode, decState A;
  later a second CEB792 per declaration with its entryId (the 18-digit declaration number: customs code, year, 0
  for export, 9-digit serial) and decState B, without lines (RULES.md 2.1 CEB792: the numbers "returned in later
  CEB792s"). decState values are customs' own (RULES.md 1.4: "具体返回值由海关确定"): A and B are INFERRED.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from domain.customs_node import rules as clearance
from domain.customs_node.rules import ACCEPTED, Decision, Step, refused
from domain.shared import statuses
from domain.shared.rules import summary_key

# the fields customs keeps of an accepted export document, for the documents that come after it (as clearance.KEPT)
KEPT: dict[str, tuple[Any, ...]] = {
    "CEB303": ("ebpCode", "ebcCode", "orderNo", "orderType", ("orderList", ("gnum",))),
    "CEB403": ("ebpCode", "ebcCode", "orderNo", "payCode", "charge"),
    "CEB505": ("logisticsCode", "logisticsNo", "ebcCode"),
    "CEB603": ("guid", "copNo", "agentCode", "orderNo", "ebpCode", "ebcCode", "ownerCode", "logisticsCode",
               "logisticsNo", "customsCode", "portCode", "tradeMode", "statisticsFlag", "country", "grossWeight",
               "netWeight", ("inventoryList", ("gnum", "itemName", "gcode", "gname", "gmodel", "unit", "unit1",
                                               "unit2", "qty", "qty1", "qty2", "currency", "totalPrice"))),
    "CEB605": ("copNo", "invtNo"),
    "CEB607": ("copNo", "logisticsCode", "billNo", ("wayBillList", ("logisticsNo", "totalPackageNo"))),
    "CEB507": ("copNo", "logisticsCode", "billNo", ("arrivalList", ("logisticsNo",))),
    "CEB509": ("copNo", "logisticsCode", "billNo", "leaveTime", ("departureList", ("logisticsNo",))),
    "CEB701": ("copNo", "customsCode", "agentCode", "agentName", "ebcCode", "ebcName", "declAgentCode",
               "declAgentName", "summaryFlag"),
    "CEB213": ("coElNo", "invtNo", ("invtRefundList", ("gnum", "qty", "qty1", "qty2"))),
    "CEB215": ("coElNo", "logisticsNo", "invtNo"),
}
# the parcels (logisticsNo lines) a bag, an arrival or a departure lists
PARCEL_LISTS = {"CEB607": "wayBillList", "CEB507": "arrivalList", "CEB509": "departureList"}

# RULES.md 1.3 ranges: (first code of 业务校验失败, of 报文处理失败 = duplicate); numbers INFERRED (see above)
CODES = {"CEB303": ("-303001", "-304001"), "CEB403": ("-403001", "-404001"), "CEB505": ("-503001", "-504015"),
         "CEB603": ("-603001", "-604001"), "CEB605": ("-607001", "-608001"), "CEB507": ("-803001", "-804001"),
         "CEB509": ("-507001", "-508001"), "CEB607": ("-903001", "-904001"), "CEB701": ("-703001", "-704001"),
         "CEB213": ("100", "100"), "CEB215": ("100", "100")}
DUPLICATE = {"CEB303": "已存在相同编号的出口订单[{}]", "CEB403": "已存在相同编号的收款单[{}]",
             "CEB505": "已存在相同编号的运单[{}]", "CEB603": "清单[{}]已经申报过，请勿重复申报",
             "CEB605": "撤销申请单[{}]已经申报过", "CEB507": "运抵单[{}]已经申报过", "CEB509": "离境单[{}]已经申报过",
             "CEB607": "清单总分单[{}]已经申报过", "CEB701": "汇总申请单[{}]已经申报过",
             "CEB213": "退货申请单[{}]已经申报过，请勿重复申报", "CEB215": "理货明细单[{}]已经申报过"}

# what follows 2 (申报中) for an accepted export document (RULES.md 1.4); an inventory's later statuses: `progress`
FLOWS: dict[str, tuple[tuple[str, str], ...]] = {
    "CEB605": (("399", "撤单审核通过，清单已撤销"),),
    "CEB701": (("399", "汇总申请审结"),),
    "CEB213": (("120", "退货申请单海关入库成功"),),
}
RELEASE = (("399", "海关审结"), ("800", "放行"))
CLEARED = ("899", "结关")

ORDER_TYPES = {"9610": "E", "1210": "E", "1239": "E", "9710": "B", "9810": "W"}  # RULES.md 2.1 CEB303, 2.3
MODE_FIELDS = {mode: (("emsNo", "iacCode", "iacName"), ("itemRecordNo",)) for mode in ("1210", "1239")}
RETURN_TRADE_MODES = {"9610": "9661", "1210": "1261", "1239": "1261"}  # RULES.md 2.1 CEB213
SAME_AS_ORIGINAL = ("gcode", "gname", "gmodel", "unit", "unit1", "unit2")
RETURNED_QUANTITIES = ("qty", "qty1", "qty2")
CHINA = "142"
WEIGHT = Decimal("0.00001")  # the XSD's 5 decimals
# 报关单状态 decState of the CEB792 results (customs' own values, RULES.md 1.4; these two are INFERRED)
SUMMARISED, DECLARED = "A", "B"
DEC_STATES = {SUMMARISED: ("已汇总生成报关单", "Summarised into a declaration"),
              DECLARED: ("报关单已申报", "Declaration lodged")}

_text = clearance._text
_number = clearance._number
_gnum = clearance._gnum


def kept(message_type: str, document: Mapping[str, Any]) -> dict[str, Any]:
    """What customs keeps of an accepted export document (KEPT)."""
    return clearance.kept(message_type, document, KEPT)


def duplicate(message_type: str, number: str) -> Decision:
    return refused(CODES[message_type][1], DUPLICATE[message_type].format(number))


def _business(message_type: str, offset: int = 0) -> str:
    """The n-th code of the type's 业务校验失败 range (100 for the types without one)."""
    code = CODES[message_type][0]
    return code if code == "100" else str(int(code) - offset)


def receipts(message_type: str, decision: Decision, numbers: Mapping[str, str], guid: str) -> list[Step]:
    """The receipts customs sends for an export document, in order: 2 with the preNo, then its result (FLOWS, else
    120) with the numbers assigned."""
    steps = clearance.receipts(message_type, decision, numbers, guid)
    if not decision.accepted or message_type not in FLOWS:
        return steps
    return [steps[0], *(Step(status, info, dict(numbers)) for status, info in FLOWS[message_type])]


# orders and inventories ----------------------------------------------------------------------------------------

def check_order(order: Mapping[str, Any]) -> Decision:
    """CEB303: a known order type, lines numbered 1, 2, 3 ... (RULES.md 2.1 CEB303)."""
    problems = []
    if _text(order, "orderType") not in set(ORDER_TYPES.values()):
        problems.append(f"订单类型orderType[{_text(order, 'orderType')}]不是E(B2C)、B(B2B)或W(海外仓订仓单)")
    numbers = [_gnum(line) for line in order.get("orderList") or []]
    if numbers != [str(i) for i in range(1, len(numbers) + 1)]:
        problems.append(f"订单商品序号gnum[{','.join(numbers)}]须从1开始连续编号")
    return refused(_business("CEB303"), "订单业务校验失败，" + "；".join(problems)) if problems else ACCEPTED


def missing_mode_fields(inventory: Mapping[str, Any]) -> list[str]:
    """The fields the export inventory's trade mode requires that are empty (RULES.md 2.1 CEB603, 2.3)."""
    return clearance.missing_mode_fields(inventory, MODE_FIELDS)


def needs_collection(inventory: Mapping[str, Any]) -> bool:
    """The B2C modes (orderType E) need the receipt of payment; B2B (9710) and overseas warehouse (9810) do not."""
    return ORDER_TYPES.get(_text(inventory, "tradeMode")) == "E"


def check_inventory(inventory: Mapping[str, Any], order: Mapping[str, Any] | None,
                    collection: Mapping[str, Any] | None, waybill: Mapping[str, Any] | None) -> Decision:
    """CEB603 (module docstring, the order of the checks). order, collection, waybill: what customs accepted under
    the inventory's order, receipt-of-payment and waybill keys (None: nothing)."""
    mode = _text(inventory, "tradeMode")
    if mode not in ORDER_TYPES:
        return refused(_business("CEB603"), f"清单报文校验失败，贸易方式tradeMode[{mode}]不是9610、1210、9710或9810")
    missing = missing_mode_fields(inventory)
    if missing:
        return refused(_business("CEB603"), f"清单报文校验失败，贸易方式{mode}须填写: {'、'.join(missing)}")
    order_no, ebp, ebc = (_text(inventory, n) for n in ("orderNo", "ebpCode", "ebcCode"))
    wanted = (("订单", order, f"{ebp}/{order_no}", True), ("收款单", collection, f"{ebc}/{order_no}",
                                                        needs_collection(inventory)),
              ("运单", waybill, f"{_text(inventory, 'logisticsCode')}/{_text(inventory, 'logisticsNo')}", True))
    absent = [f"{name}[{shown}]" for name, doc, shown, needed in wanted if needed and doc is None]
    if absent:
        return refused(_business("CEB603", 1), f"清单申报失败，海关未收到或未接受{'、'.join(absent)}！")
    mismatches = order_match(inventory, order or {})
    if mismatches:
        return refused(_business("CEB603", 2), "清单申报失败，" + "；".join(mismatches))
    return ACCEPTED


def order_match(inventory: Mapping[str, Any], order: Mapping[str, Any]) -> list[str]:
    """The export inventory against its order: order type of the trade mode, same consignor, lines one to one."""
    problems = []
    mode, order_type = _text(inventory, "tradeMode"), _text(order, "orderType")
    if ORDER_TYPES.get(mode) != order_type:
        problems.append(f"订单类型orderType[{order_type}]与清单贸易方式tradeMode[{mode}]不符，"
                        f"应为[{ORDER_TYPES.get(mode, '')}]")
    if _text(order, "ebcCode") != _text(inventory, "ebcCode"):
        problems.append(f"订单电商企业ebcCode[{_text(order, 'ebcCode')}]与清单收发货人"
                        f"ebcCode[{_text(inventory, 'ebcCode')}]不一致")
    ordered = sorted((_gnum(line) for line in order.get("orderList") or []), key=clearance._order)
    declared = sorted((_gnum(line) for line in inventory.get("inventoryList") or []), key=clearance._order)
    if ordered != declared:
        problems.append(f"清单表体商品序号gnum[{','.join(declared)}]与订单商品序号gnum[{','.join(ordered)}]不一一对应")
    return problems


def progress(inventory: Mapping[str, Any], arrived: bool, departed: bool, inspected: bool = False) -> list[
        tuple[str, str]]:
    """The statuses an accepted export inventory (customs' record, with its "status") moves on to now: released
    (399, 800; inspected: 500 查验 first) once its parcel arrived, 899 结关 once it departed too."""
    status, steps = _text(inventory, "status"), []
    if status == "120" and arrived:
        steps += [clearance.INSPECTION] * inspected + list(RELEASE)
        status = "800"
    if status == "800" and departed:
        steps.append(CLEARED)
    return steps


# parcels: bags, arrivals, departures ---------------------------------------------------------------------------

def parcels(document: Mapping[str, Any], message_type: str) -> list[tuple[str, str]]:
    """The parcels a bag, an arrival or a departure lists: (head logisticsCode, line logisticsNo)."""
    code = _text(document, "logisticsCode")
    return [(code, _text(line, "logisticsNo")) for line in document.get(PARCEL_LISTS[message_type]) or []]


def _named(keys: Iterable[tuple[str, str]]) -> str:
    return "、".join(f"[{code}/{number}]" for code, number in keys)


def check_parcels(message_type: str, document: Mapping[str, Any], known: Callable[[tuple[str, str]], bool],
                  arrived: Callable[[tuple[str, str]], bool] | None = None) -> Decision:
    """CEB607 / CEB507 / CEB509: every parcel listed is a waybill customs accepted (known); a departure's have
    arrived at the site too (arrived)."""
    listed = parcels(document, message_type)
    unknown = [key for key in listed if not known(key)]
    if unknown:
        return refused(_business(message_type), f"运单{_named(unknown)}未向海关申报或未被海关接受")
    away = [key for key in listed if arrived is not None and not arrived(key)]
    if away:
        return refused(_business(message_type, 1), f"运单{_named(away)}未运抵海关监管作业场所，不能离境")
    return ACCEPTED


# cancellations, returns, tallies -------------------------------------------------------------------------------

def check_cancellation(cancellation: Mapping[str, Any], inventory: Mapping[str, Any] | None) -> Decision:
    """CEB605: a known export inventory (customs' record, with "status"), same consignor, not departed."""
    invt_no = _text(cancellation, "invtNo")
    if inventory is None:
        return refused(_business("CEB605"), f"系统中不存在清单编号为[{invt_no}]的出口清单！")
    if _text(cancellation, "ebcCode") != _text(inventory, "ebcCode"):
        return refused(_business("CEB605", 2), f"撤销申请单收发货人ebcCode[{_text(cancellation, 'ebcCode')}]与清单"
                                               f"[{invt_no}]收发货人[{_text(inventory, 'ebcCode')}]不一致")
    status = _text(inventory, "status")
    if status not in statuses.EXPORT_CANCELLABLE:
        return refused(_business("CEB605", 1), f"清单的状态不符合撤单申报要求(清单编号[{invt_no}])！"
                                               f"当前状态[{statuses.label(status)}]")
    return ACCEPTED


def check_return(refund: Mapping[str, Any], inventory: Mapping[str, Any] | None) -> Decision:
    """CEB213 against its export inventory (customs' record: facts, "status", "returned": gnum -> quantities earlier
    returns took back); every broken rule named."""
    invt_no = _text(refund, "invtNo")
    if inventory is None:
        return refused("100", f"退货申请单申报失败，系统中不存在清单编号为[{invt_no}]的出口清单")
    status = _text(inventory, "status")
    if status not in statuses.EXPORT_RETURNABLE:
        return refused("100", f"退货申请单申报失败，清单[{invt_no}]当前状态为[{statuses.label(status)}]，"
                              "只有已放行或已结关的清单可以退货")
    problems = [f"{name}[{_text(refund, name)}]与原清单[{_text(inventory, name)}]不一致"
                for name in ("ebpCode", "ebcCode") if _text(refund, name) != _text(inventory, name)]
    if _text(refund, "country") == CHINA:
        problems.append("启运国country不能为中国[142]")
    wanted = RETURN_TRADE_MODES.get(_text(inventory, "tradeMode"))
    if wanted and _text(refund, "tradeMode") != wanted:
        problems.append(f"贸易方式tradeMode[{_text(refund, 'tradeMode')}]应为[{wanted}]"
                        f"（原清单贸易方式{_text(inventory, 'tradeMode')}）")
    lines = {_gnum(line): line for line in inventory.get("inventoryList") or []}
    for line in refund.get("invtRefundList") or []:
        problems += _return_line(line, lines.get(_gnum(line)), (inventory.get("returned") or {}).get(_gnum(line), {}))
    return refused("100", "退货申请单申报失败，" + "；".join(problems)) if problems else ACCEPTED


def _return_line(line: Mapping[str, Any], original: Mapping[str, Any] | None,
                 returned: Mapping[str, str]) -> list[str]:
    gnum = _gnum(line)
    if original is None:
        return [f"原清单中未找到表体序号为[{gnum}]的商品"]
    problems = [f"表体第[{gnum}]项{name}[{_text(line, name)}]与原清单[{_text(original, name)}]不一致"
                for name in SAME_AS_ORIGINAL if _text(line, name) != _text(original, name)]
    for name in RETURNED_QUANTITIES:
        asked, before = _number(_text(line, name) or "0"), Decimal(returned.get(name, "0"))
        limit = _number(_text(original, name) or "0")
        if asked is not None and limit is not None and asked + before > limit:
            problems.append(f"表体第[{gnum}]项退货{name}[{asked}]超过原清单[{limit}]" +
                            (f"（已退[{before}]）" if before else ""))
    return problems


def returned_after(returned: Mapping[str, Mapping[str, str]], refund: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """What the inventory's approved returns took back, gnum -> quantity per field, with this return added."""
    out = {gnum: dict(quantities) for gnum, quantities in returned.items()}
    for line in refund.get("invtRefundList") or []:
        before = out.setdefault(_gnum(line), {})
        for name in RETURNED_QUANTITIES:
            before[name] = str(Decimal(before.get(name, "0")) + (_number(_text(line, name) or "0") or Decimal(0)))
    return out


def check_tally(tally: Mapping[str, Any], inventory: Mapping[str, Any] | None) -> Decision:
    """CEB215: the original export inventory, when named, must be known."""
    if _text(tally, "invtNo") and inventory is None:
        return refused("100", f"理货明细单申报失败，系统中不存在清单编号为[{_text(tally, 'invtNo')}]的出口清单")
    return ACCEPTED


# the monthly summary -------------------------------------------------------------------------------------------

def summary_problems(application: Mapping[str, Any], invt_nos: list[str],
                     inventories: Mapping[str, Mapping[str, Any]], summarised: Mapping[str, str]) -> dict[str, str]:
    """Why each inventory cannot be summarised by this application (invtNo -> reason); empty: all can. inventories:
    customs' records by invtNo; summarised: invtNo -> the sumNo that took it."""
    problems, seen = {}, set()
    for invt_no in invt_nos:
        inventory = inventories.get(invt_no)
        if invt_no in seen:
            problems[invt_no] = "重复列出"
        elif inventory is None or _text(inventory, "type") != "CEB603":
            problems[invt_no] = "出口清单不存在"
        elif invt_no in summarised:
            problems[invt_no] = f"已汇总于[{summarised[invt_no]}]"
        elif _text(inventory, "ebcCode") != _text(application, "ebcCode"):
            problems[invt_no] = f"收发货人[{_text(inventory, 'ebcCode')}]不是申请人"
        elif _text(inventory, "tradeMode") != "9610" or _text(inventory, "statisticsFlag") != "B":
            problems[invt_no] = "不是9610汇总申报(statisticsFlag B)清单"
        elif _text(inventory, "status") != "899":
            problems[invt_no] = f"未放行离境(当前状态[{statuses.label(_text(inventory, 'status'))}])"
        seen.add(invt_no)
    return problems


def check_summary(application: Mapping[str, Any], invt_nos: list[str],
                  inventories: Mapping[str, Mapping[str, Any]], summarised: Mapping[str, str]) -> Decision:
    """CEB701: something to summarise, and every inventory summarisable (`summary_problems`)."""
    if not invt_nos:
        window = (_text(application, "startTime"), _text(application, "endTime"))
        what = f"时间范围[{window[0]}-{window[1]}]内没有" if window[0] else "未列出"
        return refused(_business("CEB701"), f"汇总申请单申报失败，{what}可汇总的清单")
    problems = summary_problems(application, invt_nos, inventories, summarised)
    if problems:
        return refused(_business("CEB701"), "汇总申请单申报失败，" + "；".join(
            f"清单[{invt_no}]{reason}" for invt_no, reason in problems.items()))
    return ACCEPTED


def in_window(application: Mapping[str, Any], inventories: Iterable[Mapping[str, Any]],
              summarised: Mapping[str, str]) -> list[str]:
    """With startTime/endTime (both, end >= start): the applicant's summarisable inventories cleared (899, at
    inventory["time"]) in that window, which replace the list (RULES.md 2.1 CEB701)."""
    start, end = _text(application, "startTime"), _text(application, "endTime")
    return [_text(i, "invtNo") for i in inventories
            if _text(i, "type") == "CEB603" and _text(i, "status") == "899" and start <= _text(i, "time")[:14] <= end
            and _text(i, "invtNo") not in summarised and _text(i, "tradeMode") == "9610"
            and _text(i, "statisticsFlag") == "B" and _text(i, "ebcCode") == _text(application, "ebcCode")]


def uses_window(application: Mapping[str, Any]) -> bool:
    return bool(_text(application, "startTime") and _text(application, "endTime"))


def summarise(application: Mapping[str, Any], inventories: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The declarations customs makes of the inventories: their lines grouped by `summary_key`, in order of first
    appearance; each with its lines (invtNo, logisticsNo, gseqno from 1, gnum, gcode) and its share of the
    inventories' weights (by the lines' value)."""
    by_owner = _text(application, "summaryFlag") == "2"
    groups: dict[tuple[str, ...], dict[str, Any]] = {}
    for inventory in inventories:
        lines = inventory.get("inventoryList") or []
        total = sum((_number(_text(line, "totalPrice")) or Decimal(0) for line in lines), Decimal(0))
        for line in lines:
            group = groups.setdefault(summary_key(inventory, line, by_owner),
                                      {"lines": [], "grossWeight": Decimal(0), "netWeight": Decimal(0)})
            share = (_number(_text(line, "totalPrice")) or Decimal(0)) / total if total else Decimal(1) / len(lines)
            for weight in ("grossWeight", "netWeight"):
                group[weight] += (_number(_text(inventory, weight)) or Decimal(0)) * share
            group["lines"].append({"invtNo": _text(inventory, "invtNo"), "logisticsNo": _text(inventory, "logisticsNo"),
                                   "gseqno": str(len(group["lines"]) + 1), "gnum": _gnum(line),
                                   "gcode": _text(line, "gcode")})
    return [group | {w: format(group[w].quantize(WEIGHT), "f") for w in ("grossWeight", "netWeight")}
            for group in groups.values()]


def summary_result(application: Mapping[str, Any], sum_no: str, declaration: Mapping[str, Any], op_date: str,
                   guid: str, final: bool) -> dict[str, Any]:
    """One SummaryResult of a CEB792 for one declaration (declSeqNo): first with its lines and decState A, then
    (final) with its entryId and decState B and no lines."""
    parties = ("customsCode", "agentCode", "agentName", "ebcCode", "ebcName", "declAgentCode", "declAgentName")
    head = {"guid": guid, "sumNo": sum_no, "opDate": op_date, "declSeqNo": declaration["declSeqNo"],
            "decState": DECLARED if final else SUMMARISED, "grossWeight": declaration["grossWeight"],
            "netWeight": declaration["netWeight"], "msgCount": 1, "msgSeqNo": 1,
            **{name: _text(application, name) for name in parties}}
    if final:
        return head | {"entryId": declaration["entryId"]}
    return head | {"summaryResultList": declaration["lines"]}


# numbers customs assigns (RULES.md 2.1 CEB603/CEB701/CEB792, 2.5) ------------------------------------------------

def invt_no(customs_code: str, year: int, serial: int) -> str:
    """出口清单编号: 4-digit customs code + year + E + 9-digit serial (18 characters; up to 20 allowed)."""
    return f"{customs_code}{year:04d}E{serial:09d}"


def sum_no(day: date, serial: int) -> str:
    """汇总申请编号: S + yyyyMMdd + 9 digits, the shape of the 202205 sample (S20180507000000001)."""
    return f"S{day:%Y%m%d}{serial:09d}"


def decl_seq_no(day: date, serial: int) -> str:
    """汇总统一编号 (18 characters): D + yyyyMMdd + 9 digits (INFERRED; the sample reuses the sumNo's S)."""
    return f"D{day:%Y%m%d}{serial:09d}"


def entry_id(customs_code: str, year: int, serial: int) -> str:
    """报关单编号 (18 digits): customs code, year, 0 (export), 9-digit serial."""
    return f"{customs_code}{year:04d}0{serial:09d}"
