"""海关侧规则 (X6; I3-I11): what the customs node decides about each import document it receives. Pure functions over
plain dicts (XSD field names; values as the message parser gives them, text), used by the customs node simulator
(adapters/customs_node/simulator.py), which keeps what customs holds and hands it in.

The spec gives error codes and texts, not procedures (RULES.md 1.2, 2.4, 2.6 say so); the choices made here:

- Every document is answered 2 (申报中) first, then with its result (RULES.md 1.4; 3.2 flow 2 -> 120 ...).
- Orders, payments, waybills (CEB311, CEB411, CEB511): 120 海关入库, or 100 海关退单 naming the broken order rules
  (RULES.md 2.2 CEB311). Delivery receipts (CEB513, status S): 120 when customs holds the waybill, else 100 naming it.
- Duplicates: a document whose key customs already accepted from another message is refused with the code of RULES.md
  1.2 / 2.5: -301010 order, -401007 payment, -504015 waybill, -505012 delivery receipt, -621004 inventory, -623009
  cancellation, -625033 return, -800003 warehouse entry. A refused document blocks nobody: it may be declared again.
- Inventory (CEB621): the first failing check answers, in this order:
  1. -621001 清单报文校验失败: the mode's required fields (RULES.md 2.2 CEB621, 2.3): 1210 needs emsNo, areaCode,
     areaName and every line's itemRecordNo; 9610 needs trafNo, voyageNo, billNo.
  2. -621002 四单回执解析失败: the order (ebpCode + orderNo), the payment of that order and the waybill (logisticsCode +
     logisticsNo) must each have been received and accepted (120) (RULES.md 2.4, INFERRED from -621002).
  3. -621003 清单申报失败: the three-document match (三单对碰, RULES.md 2.4): same orderNo and ebpCode on all; order
     acturalPaid == payment amountPaid; consignee, consigneeTelephone, consigneeAddress equal on order and waybill;
     inventory gnum one to one with the order's and gname == the order's itemName. Every mismatch is named with
     both values. A processing error (negative code), not 100 退单: nobody at customs reviewed it, and the spec's
     -621003 text is for exactly this ("申报失败").
  4. -621005 single limit, 5. -621018 annual limit (RULES.md 2.2 per-buyer limits; the values and the transaction
     value are domain/shared/tax.py's). The annual amount used counts accepted inventories of the buyer ID number
     in the calendar year, less the cancelled ones and what approved returns took back.
  Accepted: 2, 120 (入库: preNo, invtNo assigned), optionally 500 (查验), 399 (审结), 800 (放行), then the
  electronic tax bill (CEB816, status 1 已生成) computed with tax.retail_import_tax.
- Cancellation (CEB623): the inventory (invtNo) must be known (-623003) and in a state customs takes a cancellation
  in (statuses.CANCELLABLE; -623005). Approved: 2, 399; the inventory ends, its amount goes back to the buyer, its
  tax bill is voided (CEB818 status 3).
- Return (CEB625): the inventory must be known and released (statuses.RETURNABLE), each line's gnum (and gcode) must
  exist in it (-625209) and its qty, with what earlier returns took back, must not exceed the original (-625004
  退货申请单申报失败; RULES.md 2.2 CEB625 "qty ≤ the original"). Approved: 2, 399; the returned goods' value goes
  back to the buyer's annual amount (tax.returned_value).
- Warehouse entry details (CEB711): 2, 120 with the rkdNo customs assigns.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from domain.shared import statuses
from domain.shared.rules import check_import_order
from domain.shared.tax import ANNUAL_LIMIT, SINGLE_LIMIT, Rates, retail_import_tax, transaction_value


@dataclass(frozen=True)
class Decision:
    """Customs' answer to one document: accepted, or refused with 100 (退单) or a negative code of RULES.md 1.2."""

    code: str = ""
    info: str = ""

    @property
    def accepted(self) -> bool:
        return not self.code


ACCEPTED = Decision()


def refused(code: str, info: str) -> Decision:
    return Decision(code, info[:1000])


@dataclass(frozen=True)
class Step:
    """One receipt customs sends for a document: its status, text and the numbers customs assigned it carries."""

    status: str
    info: str
    numbers: dict[str, str] = field(default_factory=dict)


# the fields customs keeps of an accepted document, for the documents that come after it; (list, fields) for lines
KEPT: dict[str, tuple[Any, ...]] = {
    "CEB311": ("ebpCode", "orderNo", "acturalPaid", "buyerIdNumber", "consignee", "consigneeTelephone",
               "consigneeAddress", ("orderList", ("gnum", "itemName"))),
    "CEB411": ("payCode", "payTransactionId", "ebpCode", "orderNo", "amountPaid"),
    "CEB511": ("logisticsCode", "logisticsNo", "orderNo", "consignee", "consigneeTelephone", "consigneeAddress"),
    "CEB621": ("copNo", "orderNo", "ebpCode", "ebcCode", "agentCode", "assureCode", "logisticsCode", "logisticsNo",
               "customsCode", "buyerIdNumber", "freight", "insuredFee",
               ("inventoryList", ("gnum", "gcode", "gname", "qty", "totalPrice"))),
    "CEB623": ("copNo", "invtNo"),
    "CEB625": ("copNo", "invtNo", ("invtRefundList", ("gnum", "gcode", "qty"))),
}

DUPLICATE = {
    "CEB311": ("-301010", "已存在相同编号的订单[{}]"),
    "CEB411": ("-401007", "已存在相同编号的支付单[{}]"),
    "CEB511": ("-504015", "已存在相同编号的运单[{}]"),
    "CEB513": ("-505012", "物流运单状态已存在[{}]"),
    "CEB621": ("-621004", "清单[{}]已经申报过，请勿重复申报"),
    "CEB623": ("-623009", "撤单清单[{}]已经申报过"),
    "CEB625": ("-625033", "退货申请单[{}]已经申报过，请勿重复申报"),
    "CEB711": ("-800003", "入库明细单[{}]已存在"),
}

# what follows 2 (申报中) for an accepted document
FLOWS: dict[str, tuple[tuple[str, str], ...]] = {
    "CEB621": (("120", "海关入库成功"), ("399", "海关审结"), ("800", "放行")),
    "CEB623": (("399", "撤单审核通过，清单已撤销"),),
    "CEB625": (("399", "退货审核通过"),),
}
DEFAULT_FLOW = (("120", "海关入库成功"),)
INSPECTION = ("500", "查验")
MODE_FIELDS = {"1210": (("emsNo", "areaCode", "areaName"), ("itemRecordNo",)),
               "9610": (("trafNo", "voyageNo", "billNo"), ())}
CONSIGNEE = ("consignee", "consigneeTelephone", "consigneeAddress")


def _text(doc: Mapping[str, Any] | None, name: str) -> str:
    value = (doc or {}).get(name)
    return "" if value is None else str(value).strip()


def _number(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None


def _gnum(line: Mapping[str, Any]) -> str:
    number = _number(line.get("gnum"))
    return str(int(number)) if number is not None and number.is_finite() else _text(line, "gnum")


def kept(message_type: str, document: Mapping[str, Any],
         table: Mapping[str, tuple[Any, ...]] = KEPT) -> dict[str, Any]:
    """What customs keeps of an accepted document (table: KEPT, or the export one): enough to match and tax what
    comes after it."""
    out: dict[str, Any] = {}
    for spec in table.get(message_type, ()):
        if isinstance(spec, tuple):
            list_name, names = spec
            out[list_name] = [{n: _text(line, n) for n in names} for line in document.get(list_name) or []]
        else:
            out[spec] = _text(document, spec)
    return out


def duplicate(message_type: str, number: str) -> Decision:
    code, text = DUPLICATE[message_type]
    return refused(code, text.format(number))


def check_order(order: Mapping[str, Any]) -> Decision:
    """CEB311: the order rules the platform checks too (customs checks them again: RULES.md 2.2 CEB311)."""
    problems = [f"{e.field}: {e.message_zh}" for e in check_import_order(dict(order))]
    return refused("100", "; ".join(problems)) if problems else ACCEPTED


def check_delivery(delivery: Mapping[str, Any], waybill: Mapping[str, Any] | None) -> Decision:
    """CEB513 签收: only for a waybill customs accepted."""
    if waybill is None:
        return refused("100", f"运单[{_text(delivery, 'logisticsCode')}/{_text(delivery, 'logisticsNo')}]"
                              "未向海关申报或未被海关接受，不能签收")
    return ACCEPTED


def missing_mode_fields(inventory: Mapping[str, Any],
                        mode_fields: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]] | None = None) -> list[str]:
    """The fields the inventory's trade mode requires that are empty (RULES.md 2.3): import modes by default, or
    the table given (clearance_export's for CEB603)."""
    head, line_fields = (MODE_FIELDS if mode_fields is None else mode_fields).get(_text(inventory, "tradeMode"),
                                                                                 ((), ()))
    missing = [name for name in head if not _text(inventory, name)]
    for line in inventory.get("inventoryList") or []:
        missing += [f"表体第[{_gnum(line)}]项{name}" for name in line_fields if not _text(line, name)]
    return missing


def missing_documents(inventory: Mapping[str, Any], order: Mapping[str, Any] | None,
                      payment: Mapping[str, Any] | None, waybill: Mapping[str, Any] | None) -> list[str]:
    order_no, ebp = _text(inventory, "orderNo"), _text(inventory, "ebpCode")
    found = (("订单", order, f"{ebp}/{order_no}"), ("支付单", payment, f"订单{ebp}/{order_no}"),
             ("运单", waybill, f"{_text(inventory, 'logisticsCode')}/{_text(inventory, 'logisticsNo')}"))
    return [f"{name}[{shown}]" for name, doc, shown in found if doc is None]


def three_document_match(inventory: Mapping[str, Any], order: Mapping[str, Any], payment: Mapping[str, Any],
                         waybill: Mapping[str, Any]) -> list[str]:
    """三单对碰: every disagreement between the inventory, the order, the payment and the waybill, with both values."""
    problems = [f"{what}{name}[{_text(doc, name)}]与清单{name}[{_text(inventory, name)}]不一致"
                for what, doc, names in (("订单", order, ("orderNo", "ebpCode")),
                                         ("支付单", payment, ("orderNo", "ebpCode")), ("运单", waybill, ("orderNo",)))
                for name in names if _text(doc, name) != _text(inventory, name)]
    paid, amount = _number(_text(order, "acturalPaid")), _number(_text(payment, "amountPaid"))
    if paid is None or paid != amount:
        problems.append(f"订单实际支付金额acturalPaid[{_text(order, 'acturalPaid')}]与支付单支付金额"
                        f"amountPaid[{_text(payment, 'amountPaid')}]不一致")
    problems += [f"订单{name}[{_text(order, name)}]与运单{name}[{_text(waybill, name)}]不一致"
                 for name in CONSIGNEE if _text(order, name) != _text(waybill, name)]
    return problems + _goods_match(inventory, order)


def _goods_match(inventory: Mapping[str, Any], order: Mapping[str, Any]) -> list[str]:
    names = {_gnum(line): _text(line, "itemName") for line in order.get("orderList") or []}
    lines = {_gnum(line): _text(line, "gname") for line in inventory.get("inventoryList") or []}
    if sorted(lines) != sorted(names):
        return [f"清单表体商品序号gnum[{','.join(sorted(lines, key=_order))}]与订单商品序号"
                f"gnum[{','.join(sorted(names, key=_order))}]不一一对应"]
    return [f"清单表体第[{gnum}]项商品名称gname[{gname}]与订单商品名称itemName[{names[gnum]}]不一致"
            for gnum, gname in sorted(lines.items(), key=lambda item: _order(item[0])) if gname != names[gnum]]


def _order(gnum: str) -> tuple[int, str]:
    return (int(gnum), "") if gnum.isdigit() else (0, gnum)


def check_limits(inventory: Mapping[str, Any], used: Decimal) -> Decision:
    """个人额度: the single-transaction limit, then the buyer's annual limit with what they used this year."""
    value, cop_no = transaction_value(inventory), _text(inventory, "copNo")
    if value > SINGLE_LIMIT:
        return refused("-621005", f"清单[{cop_no}]的购买金额超过单笔限额[{SINGLE_LIMIT}]")
    if used + value > ANNUAL_LIMIT:
        return refused("-621018", f"清单[{cop_no}]中购买人[{_text(inventory, 'buyerIdNumber')}]已用购买额度为"
                                  f"[{used:.2f}]，本次购买将超过年度限额[{ANNUAL_LIMIT}]")
    return ACCEPTED


def check_inventory(inventory: Mapping[str, Any], order: Mapping[str, Any] | None, payment: Mapping[str, Any] | None,
                    waybill: Mapping[str, Any] | None, used: Decimal) -> Decision:
    """CEB621 (see the module docstring for the order of the checks). order, payment, waybill: what customs accepted
    for this inventory's order and waybill (None: nothing); used: the buyer's annual amount used so far."""
    missing = missing_mode_fields(inventory)
    if missing:
        mode = _text(inventory, "tradeMode")
        return refused("-621001", f"清单报文校验失败，贸易方式{mode}须填写: {'、'.join(missing)}")
    absent = missing_documents(inventory, order, payment, waybill)
    if absent:
        return refused("-621002", f"四单回执解析失败，海关未收到或未接受{'、'.join(absent)}！")
    mismatches = three_document_match(inventory, order or {}, payment or {}, waybill or {})
    if mismatches:
        return refused("-621003", "清单申报失败，" + "；".join(mismatches))
    return check_limits(inventory, used)


def check_cancellation(cancellation: Mapping[str, Any], inventory: Mapping[str, Any] | None) -> Decision:
    """CEB623: inventory (customs' record: its facts and "status") known and in a cancellable state."""
    invt_no = _text(cancellation, "invtNo")
    if inventory is None:
        return refused("-623003", f"系统中不存在清单编号为[{invt_no}]的清单！")
    status = _text(inventory, "status")
    if status not in statuses.CANCELLABLE:
        return refused("-623005", f"清单的状态不符合撤单申报要求(清单编号[{invt_no}])！"
                                  f"当前状态[{statuses.label(status)}]")
    return ACCEPTED


def check_return(refund: Mapping[str, Any], inventory: Mapping[str, Any] | None) -> Decision:
    """CEB625: inventory known and released; each line exists in it and takes back at most what is left of it
    (inventory["returned"]: gnum -> quantity earlier returns took back)."""
    invt_no, cop_no = _text(refund, "invtNo"), _text(refund, "copNo")
    if inventory is None:
        return refused("-625004", f"退货申请单申报失败，系统中不存在清单编号为[{invt_no}]的清单")
    status = _text(inventory, "status")
    if status not in statuses.RETURNABLE:
        return refused("-625004", f"退货申请单申报失败，清单[{invt_no}]当前状态为[{statuses.label(status)}]，"
                                  "只有已放行的清单可以退货")
    lines = {_gnum(line): line for line in inventory.get("inventoryList") or []}
    returned = inventory.get("returned") or {}
    for line in refund.get("invtRefundList") or []:
        gnum, gcode = _gnum(line), _text(line, "gcode")
        original = lines.get(gnum)
        if original is None or (gcode and gcode != _text(original, "gcode")):
            return refused("-625209", f"退货申请单[{cop_no}],在关联的清单中未找到表体序号为[{gnum}],"
                                      f"商品编号为[{gcode}]的数据")
        qty, before = _number(_text(line, "qty")) or Decimal(0), Decimal(str(returned.get(gnum, 0)))
        if qty + before > (_number(_text(original, "qty")) or Decimal(0)):
            return refused("-625004", f"退货申请单申报失败，表体第[{gnum}]项退货数量[{qty}]超过清单数量"
                                      f"[{_text(original, 'qty')}]" + (f"（已退[{before}]）" if before else ""))
    return ACCEPTED


def receipts(message_type: str, decision: Decision, numbers: Mapping[str, str], guid: str,
             inspected: bool = False) -> list[Step]:
    """The receipts customs sends for a document, in order. The 2 carries only the preNo (the e-port's number);
    the invtNo / rkdNo come with acceptance. inspected: an accepted inventory goes 查验 (500) before 审结."""
    early = {k: v for k, v in numbers.items() if k == "preNo"}
    first = Step("2", f"新增申报成功[{guid}]", early)
    if not decision.accepted:
        return [first, Step(decision.code, decision.info, early)]
    flow = list(FLOWS.get(message_type, DEFAULT_FLOW))
    if inspected and message_type == "CEB621":
        flow.insert(1, INSPECTION)
    return [first, *(Step(status, info, dict(numbers)) for status, info in flow)]


# numbers customs assigns (RULES.md 2.5): preNo B + yyyyMMdd + 9 digits (e-port); invtNo 4-digit customs code + year +
# I + 9 digits; rkdNo as the spec's sample: customs code + yyyyMMdd + 6 digits; taxNo: the inventory's first bill
def pre_no(day: date, serial: int) -> str:
    return f"B{day:%Y%m%d}{serial:09d}"


def invt_no(customs_code: str, year: int, serial: int) -> str:
    return f"{customs_code}{year:04d}I{serial:09d}"


def rkd_no(customs_code: str, day: date, serial: int) -> str:
    return f"{customs_code}{day:%Y%m%d}{serial:06d}"


def tax_no(inventory_no: str) -> str:
    return f"{inventory_no}01"


def tax_bill(inventory: Mapping[str, Any], number: str, rates: Callable[[str], Rates | None], return_time: str,
             guid: str) -> dict[str, Any]:
    """电子税单 CEB816 (Tax: TaxHeadRd + TaxListRd) for a released inventory (customs' record, with its invtNo)."""
    tax = retail_import_tax(inventory, rates)
    note = "跨境电商零售进口: 关税0，增值税、消费税按法定应纳税额的70%征收"
    if tax.missing_rates:
        note += f"；商品编码[{','.join(tax.missing_rates)}]无税率，税额按0计 (no HS rates)"
    parties = {k: _text(inventory, k) for k in ("assureCode", "ebcCode", "logisticsCode", "agentCode", "customsCode")}
    return {"guid": guid, "returnTime": return_time, "invtNo": _text(inventory, "invtNo"), "taxNo": number,
            "customsTax": tax.customs_tax, "valueAddedTax": tax.value_added_tax, "consumptionTax": tax.consumption_tax,
            "status": "1", "note": note, **{k: v for k, v in parties.items() if v},
            "taxListRd": [{"gnum": t.gnum, "gcode": t.gcode, "taxPrice": t.tax_price, "customsTax": t.customs_tax,
                           "valueAddedTax": t.value_added_tax, "consumptionTax": t.consumption_tax}
                          for t in tax.lines]}


def tax_status(inventory: Mapping[str, Any], status: str, return_time: str, guid: str) -> dict[str, Any]:
    """电子税单状态 CEB818 for the inventory's tax bill (inventory["taxNo"]): 3 作废 when it is cancelled."""
    head = {"guid": guid, "returnTime": return_time, "invtNo": _text(inventory, "invtNo"),
            "taxNo": _text(inventory, "taxNo"), "status": status}
    return head | ({"assureCode": _text(inventory, "assureCode")} if _text(inventory, "assureCode") else {})
