"""Demo documents: consistent, valid examples used by `cbec example`, the demo data and the benchmarks."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from engine.enterprises import DEMO


def import_order(order_no: str = "DEMO20261125000001", lines: int = 2) -> dict[str, Any]:
    """An import order (CEB311) whose amounts add up: goods + freight + tax - discount = paid."""
    order_list = [
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
