"""Short Chinese labels (订单编号 for orderNo) derived from the XSD annotations.

The annotations are written two ways: the export schema mostly starts with the label
("订单编号-交易平台的订单编号…"), the import schema mostly has a sentence only
("交易平台的订单编号，同一交易平台的订单编号应唯一…"). The label is, in order: a correction
where the annotation is wrong or ambiguous, the leading label of the annotation, the whole
annotation when it is already label-short, the usual name of the element in the
specification's field tables, then the first clause of the annotation.
"""

from __future__ import annotations

import re

# The annotation is wrong (copy-paste in the XSD) or means something else in this context.
_CORRECTIONS = {
    "endTime": "汇总结束时间",  # annotated 汇总开始时间
    "payerName": "支付人姓名",  # annotated 支付人的身份证件号码
    "operatorName": "监管场所经营人名称",  # CEB215 annotates it as a logistics code
    "import InventoryHead.country": "起运国（地区）",
    "export InventoryList.country": "最终目的国（地区）",
    "export InvtRefundHead.country": "起运国（地区）",
    "OrderHead.freight": "运杂费",
}

_BY_NAME = {
    "acturalPaid": "实际支付金额", "agentCode": "申报企业代码", "agentName": "申报企业名称",
    "amountPaid": "支付金额", "appStatus": "业务状态", "appTime": "报送时间", "appType": "报送类型",
    "areaCode": "区内企业代码", "areaName": "区内企业名称", "assureCode": "担保企业编号",
    "barCode": "条形码", "batchNumbers": "商品批次号", "billNo": "提运单号",
    "buyerIdNumber": "订购人证件号码", "buyerIdType": "订购人证件类型", "buyerName": "订购人姓名",
    "buyerRegNo": "订购人注册号", "buyerTelephone": "订购人电话", "coElNo": "企业唯一编号",
    "consignee": "收货人姓名", "consigneeAddress": "收货地址", "consigneeDistrict": "收货地址行政区划代码",
    "consigneeTelephone": "收货人电话", "copCode": "传输企业代码", "copName": "传输企业名称",
    "copNo": "企业内部编号", "country": "原产国（地区）", "currency": "币制", "customsCode": "申报海关代码",
    "declTime": "申报日期", "discount": "非现金抵扣金额", "dxpId": "报文传输编号", "dxpMode": "报文传输模式",
    "ebcName": "电商企业名称", "ebpCode": "电商平台代码", "ebpName": "电商平台名称", "emsNo": "账册编号",
    "freight": "运费", "gcode": "商品编码", "gmodel": "规格型号", "gname": "商品名称", "gnum": "商品序号",
    "goodsInfo": "主要货物信息", "goodsValue": "商品价格", "grossWeight": "毛重（千克）",
    "guid": "系统唯一序号", "ieDate": "进出口日期", "ieFlag": "进出口标记", "insuredFee": "保价费",
    "invtNo": "清单编号", "itemDescribe": "企业商品描述", "itemName": "企业商品名称",
    "itemNo": "企业商品货号", "itemRecordNo": "账册备案料号", "licenseNo": "许可证件号",
    "loctNo": "监管场所代码", "logisticsName": "物流企业名称", "logisticsNo": "物流运单编号",
    "logisticsStatus": "物流签收状态", "logisticsTime": "物流签收时间", "netWeight": "净重（千克）",
    "note": "备注", "operatorCode": "监管场所经营人代码", "orderNo": "订单编号", "orderType": "电子订单类型",
    "oriBizMessage": "原始报文内容", "oriCopMsgId": "原始报文编号", "oriMessageType": "原始报文类型",
    "packNo": "件数", "payCode": "支付企业代码", "payName": "支付企业名称", "payTime": "支付时间",
    "payTransactionId": "支付交易编号", "payerIdNumber": "支付人证件号码", "payerIdType": "支付人证件类型",
    "portCode": "口岸海关代码", "preNo": "预录入编号", "price": "单价", "qty": "数量",
    "qty1": "法定数量", "qty2": "第二数量", "rkdNo": "入库单编号", "returnInfo": "回执信息",
    "returnStatus": "回执状态", "returnTime": "回执时间", "statisticsFlag": "申报业务类型",
    "taxTotal": "代扣税款", "totalPrice": "总价", "tradeCountry": "贸易国（地区）", "tradeMode": "贸易方式",
    "trafMode": "运输方式", "trafName": "运输工具名称", "trafNo": "运输工具编号", "unit": "计量单位",
    "unit1": "法定计量单位", "unit2": "第二计量单位", "unloadLocation": "卸货库位", "voyageNo": "航班航次号",
    "weight": "毛重（千克）", "wrapType": "包装种类代码", "location": "卸货库位",
    "declAgentCode": "报关单位代码", "declAgentName": "报关单位名称", "status": "税单状态",
    "iacName": "区内企业名称", "ebcCode": "电商企业代码", "logisticsCode": "物流企业代码",
    "telephone": "支付人电话", "reason": "原因", "taxNo": "电子税单编号",
}

_LABEL = re.compile(r"[\u4e00-\u9fff（）()]{2,12}")
_LEADING = re.compile(r"([^-, ]+)[-, ]")
_NOT_LABELS = frozenset({"海关标准的参数代码"})  # a description that happens to lead some annotations
_CLAUSE = re.compile(r"[^，。；;,:：（(]+")


def short_label(name: str, doc: str, context: str = "") -> str:
    """The short Chinese label of element ``name`` annotated ``doc``.

    ``context`` is "<direction> <parent element>", e.g. "import InventoryHead".
    """
    parent = context.rpartition(" ")[2]
    for key in (f"{context}.{name}", f"{parent}.{name}", name):
        if key in _CORRECTIONS:
            return _CORRECTIONS[key]
    return _from_annotation(doc) or _BY_NAME.get(name) or _first_clause(doc) or name


def _from_annotation(doc: str) -> str | None:
    leading = _LEADING.match(doc)
    label = leading.group(1).rstrip("。.") if leading else ""
    if _LABEL.fullmatch(label) and label not in _NOT_LABELS:
        return label
    whole = doc.rstrip("。. ")
    if len(whole) <= 7 and _LABEL.fullmatch(whole) and not whole.startswith("与"):
        return whole
    return None


def _first_clause(doc: str) -> str:
    clause = _CLAUSE.match(doc)
    return clause.group(0).strip()[:20] if clause else ""
