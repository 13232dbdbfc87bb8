"""Demo documents: consistent, valid examples used by `cbec example`, the demo data and the benchmarks."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from engine.identity.enterprises import DEMO


def import_order(order_no: str = "DEMO20261125000001", lines: int = 2) -> dict[str, Any]:
    """An import order (CEB311) whose amounts add up: goods + freight + tax - discount = paid."""
    order_list: list[dict[str, Any]] = [
        {"gnum": i, "itemNo": f"SKU-{i:04d}", "itemName": f"婴儿配方奶粉 {i}段", "gmodel": "800克/罐",
         "barCode": f"69012345{i:05d}", "unit": "122", "qty": Decimal(2), "price": Decimal("198.50"),
         "totalPrice": Decimal("397.00"), "currency": "142", "country": "601"}
        for i in range(1, lines + 1)
    ]
    goods = sum((line["totalPrice"] for line in order_list), Decimal(0))
    freight, tax, discount = Decimal("10"), (goods * Decimal("0.091")).quantize(Decimal("0.01")), Decimal("5")
    return {
        "orderNo": order_no, "ebpCode": DEMO["code"], "ebpName": DEMO["name"], "ebcCode": DEMO["code"],
        "ebcName": DEMO["name"], "goodsValue": goods, "freight": freight, "discount": discount, "taxTotal": tax,
        "acturalPaid": goods + freight + tax - discount, "currency": "142", "buyerRegNo": "buyer0001",
        "buyerName": "张三", "buyerTelephone": "13800000000", "buyerIdType": "1", "buyerIdNumber": "330102199001011234",
        "payCode": "3301960002", "payName": "示范支付有限公司", "payTransactionId": f"PAY{order_no}",
        "consignee": "张三", "consigneeTelephone": "13800000000", "consigneeAddress": "浙江省杭州市西湖区文三路1号",
        "orderList": order_list,
    }


LOGISTICS = {"code": "3301980001", "name": "示范国际物流有限公司"}
PAYMENT = {"code": "3301960002", "name": "示范支付有限公司"}
SITE = {"code": "3301990001", "name": "示范保税物流中心监管场所"}
BUYER = {"name": "张三", "id": "330102199001011234", "phone": "13800000000", "address": "浙江省杭州市西湖区文三路1号"}
CUSTOMS = "2928"  # 杭关电商


def purchase(order_no: str = "DEMO20261125000001", mode: str = "9610", lines: int = 2,
             buyer_id: str = BUYER["id"], price: Decimal = Decimal("198.50")) -> dict[str, dict[str, Any]]:
    """One consistent retail import purchase (I3, I4, I8, I9, I10): order, payment, waybill, inventory and delivery
    receipt that pass the three-document match. mode 9610 (直购进口) or 1210 (保税进口)."""
    order = import_order(order_no, lines)
    for line in order["orderList"]:
        line["price"], line["totalPrice"] = price, price * line["qty"]
    goods = sum((line["totalPrice"] for line in order["orderList"]), Decimal(0))
    order["goodsValue"] = goods
    order["taxTotal"] = (goods * Decimal("0.091")).quantize(Decimal("0.01"))
    order["acturalPaid"] = goods + order["freight"] + order["taxTotal"] - order["discount"]
    order["buyerIdNumber"] = buyer_id
    logistics_no = f"YT{order_no[-16:]}"
    payment = {
        "payCode": PAYMENT["code"], "payName": PAYMENT["name"], "payTransactionId": order["payTransactionId"],
        "orderNo": order_no, "ebpCode": DEMO["code"], "ebpName": DEMO["name"], "payerIdType": "1",
        "payerIdNumber": buyer_id, "payerName": BUYER["name"], "telephone": BUYER["phone"],
        "amountPaid": order["acturalPaid"], "currency": "142", "payTime": "20261125093000"}
    waybill = {
        "logisticsCode": LOGISTICS["code"], "logisticsName": LOGISTICS["name"], "logisticsNo": logistics_no,
        "orderNo": order_no, "freight": order["freight"], "insuredFee": Decimal(0), "currency": "142",
        "weight": Decimal("1.8"), "packNo": 1, "goodsInfo": "婴儿配方奶粉", "consignee": order["consignee"],
        "consigneeAddress": order["consigneeAddress"], "consigneeTelephone": order["consigneeTelephone"]}
    inventory_lines = [
        {"gnum": line["gnum"], "itemNo": line["itemNo"], "itemName": line["itemName"], "gcode": "0402210000",
         "gname": line["itemName"], "gmodel": line["gmodel"], "barCode": line["barCode"], "country": "601",
         "currency": "142", "qty": line["qty"], "unit": "122", "qty1": Decimal("1.6"), "unit1": "035",
         "price": line["price"], "totalPrice": line["totalPrice"]} for line in order["orderList"]]
    inventory: dict[str, Any] = {
        "orderNo": order_no, "ebpCode": DEMO["code"], "ebpName": DEMO["name"], "ebcCode": DEMO["code"],
        "ebcName": DEMO["name"], "logisticsNo": logistics_no, "logisticsCode": LOGISTICS["code"],
        "logisticsName": LOGISTICS["name"], "copNo": f"C{order_no[-19:]}", "assureCode": DEMO["code"],
        "ieFlag": "I", "declTime": "20261125", "customsCode": CUSTOMS, "portCode": CUSTOMS, "buyerIdType": "1",
        "buyerIdNumber": buyer_id, "buyerName": BUYER["name"], "buyerTelephone": BUYER["phone"],
        "consigneeAddress": order["consigneeAddress"], "agentCode": DEMO["code"], "agentName": DEMO["name"],
        "tradeMode": mode, "trafMode": "5" if mode == "9610" else "4", "country": "601" if mode == "9610" else "142",
        "freight": order["freight"], "insuredFee": Decimal(0), "currency": "142", "packNo": 1,
        "grossWeight": Decimal("1.8"), "netWeight": Decimal("1.6"), "inventoryList": inventory_lines}
    if mode == "9610":
        inventory |= {"trafNo": "CA1234", "voyageNo": "20261125", "billNo": "999-12345675"}
    else:
        inventory |= {"emsNo": "T2928W000001", "areaCode": SITE["code"], "areaName": SITE["name"]}
        for line in inventory_lines:
            line["itemRecordNo"] = f"R{line['itemNo']}"
    delivery = {"logisticsCode": LOGISTICS["code"], "logisticsName": LOGISTICS["name"], "logisticsNo": logistics_no,
                "logisticsStatus": "S", "logisticsTime": "20261128150000"}
    return {"order": order, "payment": payment, "waybill": waybill, "inventory": inventory, "delivery": delivery}


def cancellation(inventory: dict[str, Any], invt_no: str, reason: str = "消费者取消订单") -> dict[str, Any]:
    """撤销申请单 (CEB623) for an inventory customs numbered invt_no."""
    keep = ("orderNo", "ebpCode", "ebpName", "ebcCode", "ebcName", "logisticsNo", "logisticsCode", "logisticsName",
            "buyerIdType", "buyerIdNumber", "buyerName", "buyerTelephone", "agentCode", "agentName", "customsCode")
    return {k: inventory[k] for k in keep} | {"invtNo": invt_no, "reason": reason}


def refund(inventory: dict[str, Any], invt_no: str, qty: Decimal | None = None,
           reason: str = "商品质量问题退货") -> dict[str, Any]:
    """退货申请单 (CEB625) returning every line (or qty of each) of an inventory customs numbered invt_no."""
    head = cancellation(inventory, invt_no, reason)
    return head | {"invtRefundList": [
        {"gnum": line["gnum"], "gcode": line["gcode"], "gname": line["gname"], "qty": qty or line["qty"],
         "unit": line["unit"]} for line in inventory["inventoryList"]]}


def entry(logistics_nos: list[str], bill_no: str = "999-12345675") -> dict[str, Any]:
    """入库明细单 (CEB711): the parcels of one arrival, unloaded at the supervised site."""
    return {"customsCode": CUSTOMS, "operatorCode": SITE["code"], "operatorName": SITE["name"], "ieFlag": "I",
            "trafMode": "5", "trafNo": "CA1234", "voyageNo": "20261125", "billNo": bill_no,
            "logisticsCode": LOGISTICS["code"], "logisticsName": LOGISTICS["name"], "unloadLocation": "A区01库位",
            "deliveryList": [{"gnum": i, "logisticsNo": no} for i, no in enumerate(logistics_nos, start=1)]}


def buyer_id(n: int, birthday: str = "19900101") -> str:
    """The n-th demo buyer's 18-digit ID number (330102 + birthday + 3-digit sequence + GB 11643 check digit), so
    that many purchases do not all count against one buyer's annual limit."""
    base = f"330102{birthday}{n % 1000:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return base + "10X98765432"[sum(int(d) * w for d, w in zip(base, weights, strict=True)) % 11]


# --- export (#7) -------------------------------------------------------------------------------------------------
EXPORT_ORDER_TYPES = {"9610": "E", "1210": "E", "9710": "B", "9810": "W"}  # RULES.md 2.3


def export_purchase(order_no: str = "EXP20261125000001", mode: str = "9610", lines: int = 2,
                    country: str = "502", gcode: str = "6109100021", price: Decimal = Decimal("12.50"),
                    decl_date: str = "20261125") -> dict[str, dict[str, Any]]:
    """One consistent export shipment (E1, E2, E6, E9): order (E B2C, B for 9710, W booking for 9810), receipt of
    payment, waybill and inventory. 9810 orders come from an overseas platform without a customs code: "无"."""
    logistics_no = f"EX{order_no[-18:]}"
    ebp = {"code": "无", "name": "海外仓示范平台"} if mode == "9810" else DEMO
    order_list: list[dict[str, Any]] = [
        {"gnum": i, "itemNo": f"EXSKU-{i:03d}", "itemName": f"纯棉针织T恤 {i}号", "barCode": "无", "unit": "011",
         "currency": "142", "qty": Decimal(4), "price": price, "totalPrice": price * 4}
        for i in range(1, lines + 1)]
    goods = sum((line["totalPrice"] for line in order_list), Decimal(0))
    order = {"orderType": EXPORT_ORDER_TYPES[mode], "orderNo": order_no, "ebpCode": ebp["code"],
             "ebpName": ebp["name"], "ebcCode": DEMO["code"], "ebcName": DEMO["name"], "goodsValue": goods,
             "freight": Decimal(0), "currency": "142", "orderList": order_list}
    collection = {"ebpCode": ebp["code"], "ebpName": ebp["name"], "ebcCode": DEMO["code"], "ebcName": DEMO["name"],
                  "orderNo": order_no, "payCode": PAYMENT["code"], "payName": PAYMENT["name"],
                  "payNo": f"RC{order_no[-18:]}", "charge": goods, "currency": "142",
                  "accountingDate": f"{decl_date}093000"}
    waybill = {"logisticsCode": LOGISTICS["code"], "logisticsName": LOGISTICS["name"], "logisticsNo": logistics_no,
               "freight": Decimal(0), "insuredFee": Decimal(0), "currency": "142", "grossWeight": Decimal("0.9"),
               "packNo": 1, "goodsInfo": "纯棉针织T恤", "ebcCode": DEMO["code"], "ebcName": DEMO["name"]}
    inventory: dict[str, Any] = {
        "customsCode": CUSTOMS, "ebpCode": ebp["code"], "ebpName": ebp["name"], "orderNo": order_no,
        "logisticsCode": LOGISTICS["code"], "logisticsName": LOGISTICS["name"], "logisticsNo": logistics_no,
        "copNo": f"E{order_no[-19:]}", "ieFlag": "E", "portCode": CUSTOMS, "ieDate": decl_date,
        "statisticsFlag": "B" if mode == "9610" else "A", "agentCode": DEMO["code"], "agentName": DEMO["name"],
        "ebcCode": DEMO["code"], "ebcName": DEMO["name"], "ownerCode": DEMO["code"], "ownerName": DEMO["name"],
        "tradeMode": mode, "trafMode": "5", "country": country, "POD": "LAX" if country == "502" else "TYO",
        "freight": Decimal(0), "fCurrency": "142", "fFlag": "3", "insuredFee": Decimal(0), "iCurrency": "142",
        "iFlag": "3", "wrapType": "2", "packNo": 1, "grossWeight": Decimal("0.9"), "netWeight": Decimal("0.8"),
        "inventoryList": [
            {"gnum": line["gnum"], "itemNo": line["itemNo"], "itemName": line["itemName"], "gcode": gcode,
             "gname": line["itemName"], "gmodel": "棉100%|针织|男式", "barCode": "无", "country": country,
             "currency": "142", "qty": line["qty"], "qty1": Decimal("0.4"), "unit": "011", "unit1": "035",
             "price": line["price"], "totalPrice": line["totalPrice"]} for line in order_list]}
    if mode == "1210":
        inventory |= {"iacCode": SITE["code"], "iacName": SITE["name"], "emsNo": "T2928W000002"}
        for line in inventory["inventoryList"]:
            line["itemRecordNo"] = f"R{line['itemNo']}"
    return {"order": order, "collection": collection, "waybill": waybill, "inventory": inventory}


def bag(logistics_nos: list[str], bill_no: str = "999-87654321", invt_nos: list[str] | None = None) -> dict[str, Any]:
    """清单总分单 (CEB607, E7): many parcels (waybill numbers) under one master waybill / bag."""
    return {"customsCode": CUSTOMS, "agentCode": LOGISTICS["code"], "agentName": LOGISTICS["name"], "trafMode": "5",
            "trafName": "CA987", "voyageNo": "20261126", "billNo": bill_no, "grossWeight": Decimal("0.9") *
            len(logistics_nos), "logisticsCode": LOGISTICS["code"], "logisticsName": LOGISTICS["name"],
            "msgCount": 1, "msgSeqNo": 1,
            "wayBillList": [{"gnum": i, "totalPackageNo": "BAG0001", "logisticsNo": no}
                            | ({"invtNo": invt_nos[i - 1]} if invt_nos else {})
                            for i, no in enumerate(logistics_nos, start=1)]}


def arrival(logistics_nos: list[str], bill_no: str = "999-87654321") -> dict[str, Any]:
    """运抵单 (CEB507, E10): the supervised site reports the parcels arrived."""
    return {"customsCode": CUSTOMS, "operatorCode": SITE["code"], "operatorName": SITE["name"], "ieFlag": "E",
            "trafMode": "5", "billNo": bill_no, "domesticTrafNo": "浙A12345", "logisticsCode": LOGISTICS["code"],
            "logisticsName": LOGISTICS["name"], "msgCount": 1, "msgSeqNo": 1,
            "arrivalList": [{"gnum": i, "logisticsNo": no, "totalPackageNo": "BAG0001"}
                            for i, no in enumerate(logistics_nos, start=1)]}


def departure(logistics_nos: list[str], bill_no: str = "999-87654321",
              leave_time: str = "20261126220000") -> dict[str, Any]:
    """离境单 (CEB509, E8): the parcels left the country on a conveyance."""
    return {"customsCode": CUSTOMS, "logisticsCode": LOGISTICS["code"], "logisticsName": LOGISTICS["name"],
            "trafMode": "5", "trafName": "CA987", "voyageNo": "20261126", "billNo": bill_no, "leaveTime": leave_time,
            "msgCount": 1, "msgSeqNo": 1,
            "departureList": [{"gnum": i, "totalPackageNo": "BAG0001", "logisticsNo": no}
                              for i, no in enumerate(logistics_nos, start=1)]}


def summary(invt_nos: list[str], start: str = "", end: str = "") -> dict[str, Any]:
    """汇总申请单 (CEB701, E3): the inventories (or a time window) to summarise into customs declarations."""
    head = {"customsCode": CUSTOMS, "agentCode": DEMO["code"], "agentName": DEMO["name"], "ebcCode": DEMO["code"],
            "ebcName": DEMO["name"], "declAgentCode": DEMO["code"], "declAgentName": DEMO["name"],
            "summaryFlag": "1", "itemNameFlag": "1", "msgCount": 1, "msgSeqNo": 1,
            "summaryApplyList": [{"invtNo": no} for no in invt_nos]}
    return head | ({"startTime": start, "endTime": end} if start else {})


def export_cancellation(invt_no: str, reason: str = "客户取消订单") -> dict[str, Any]:
    """出口撤销申请单 (CEB605, E4)."""
    return {"customsCode": CUSTOMS, "invtNo": invt_no, "reason": reason, "agentCode": DEMO["code"],
            "agentName": DEMO["name"], "ebcCode": DEMO["code"], "ebcName": DEMO["name"]}


def export_return(inventory: dict[str, Any], invt_no: str, qty: Decimal | None = None,
                  reason: str = "境外消费者退货") -> dict[str, Any]:
    """零售出口退货申请单 (CEB213, E5) of an export inventory customs numbered invt_no: every line, or qty of each
    (its legal quantity qty1 in proportion: customs takes back at most the original's, RULES.md 2.1 CEB213)."""
    trade_mode = {"9610": "9661", "1210": "1261"}.get(str(inventory.get("tradeMode")))
    return {"customsCode": CUSTOMS, "ebpCode": inventory["ebpCode"], "ebpName": inventory["ebpName"],
            "ebcCode": inventory["ebcCode"], "ebcName": inventory["ebcName"], "logisticsNo": inventory["logisticsNo"],
            "logisticsCode": inventory["logisticsCode"], "logisticsName": inventory["logisticsName"],
            "invtNo": invt_no, "agentCode": DEMO["code"], "agentName": DEMO["name"], "billNo": "999-87654321",
            "ieFlag": "I", "trafMode": "5", "trafName": "CA988", "portCode": CUSTOMS, "reason": reason,
            "country": inventory["country"], "voyageNo": "20261201"} \
        | ({"tradeMode": trade_mode} if trade_mode else {}) | {"invtRefundList": [
            {"gnum": line["gnum"], "gcode": line["gcode"], "gname": line["gname"], "gmodel": line["gmodel"],
             "qty": qty or line["qty"], "qty1": _share(line["qty1"], qty, line["qty"]), "unit": line["unit"],
             "unit1": line["unit1"]} for line in inventory["inventoryList"]]}


def _share(legal: Decimal, qty: Decimal | None, declared: Decimal) -> Decimal:
    """The legal quantity of qty of a line declared with `declared` (all of it without qty), 5 decimals."""
    return legal if qty is None else (legal * qty / declared).quantize(Decimal("0.00001"))


def tally(logistics_no: str, invt_no: str = "", bill_no: str = "999-87654321") -> dict[str, Any]:
    """出口退运理货明细单 (CEB215, E5): the site's tally of a returned parcel."""
    return {"customsCode": CUSTOMS, "operatorCode": SITE["code"], "operatorName": SITE["name"],
            "logisticsCode": LOGISTICS["code"], "logisticsName": LOGISTICS["name"], "logisticsNo": logistics_no,
            "billNo": bill_no, "ieFlag": "I", "trafMode": "5", "trafName": "CA988", "voyageNo": "20261201",
            "location": "退货区B01"} | ({"invtNo": invt_no} if invt_no else {})
