"""The consoles' words in zh-CN (default) and English."""

from __future__ import annotations

from fastapi import Request

TEXT: dict[str, tuple[str, str]] = {
    "app": ("跨境电商综合服务平台", "Cross-border E-commerce Platform"),
    "declarant": ("申报企业控制台", "Declarant console"),
    "orders": ("进口订单", "Import orders"),
    "new_order": ("新增订单", "New order"),
    "search": ("查询", "Search"),
    "order_no": ("订单编号", "Order No."),
    "status": ("状态", "Status"),
    "all": ("全部", "All"),
    "date_from": ("申报日期从", "Declared from"),
    "date_to": ("至", "to"),
    "buyer": ("订购人", "Buyer"),
    "paid": ("实际支付金额", "Paid"),
    "declared_at": ("申报时间", "Declared at"),
    "info": ("回执信息", "Receipt info"),
    "total": ("共 {n} 条", "{n} in total"),
    "prev": ("上一页", "Previous"),
    "next": ("下一页", "Next"),
    "head": ("订单表头", "Order head"),
    "lines": ("商品明细", "Goods lines"),
    "add_line": ("增加商品", "Add line"),
    "remove": ("删除", "Remove"),
    "submit": ("提交申报", "Submit declaration"),
    "errors": ("请更正以下错误，订单未保存：", "Please correct these errors; nothing was stored:"),
    "declared": ("订单已提交申报", "Order submitted"),
    "fields": ("订单内容", "Order fields"),
    "timeline": ("事件时间线", "Timeline"),
    "signed_xml": ("已发送的签名报文", "Signed message as sent"),
    "receipts": ("海关回执", "Customs receipts"),
    "no_orders": ("暂无订单", "No orders yet"),
    "enterprise": ("申报企业", "Enterprise"),
    "not_sent": ("报文尚未生成", "Message not built yet"),
    "event": ("事件", "Event"),
    "time": ("时间", "Time"),
    "details": ("详情", "Details"),
    "lang_switch": ("English", "中文"),
}


def lang_of(request: Request, default: str = "zh-CN") -> str:
    lang = request.query_params.get("lang") or request.cookies.get("lang") or default
    return "en" if lang == "en" else "zh-CN"


def translator(lang: str):  # noqa: ANN201 - a Jinja global
    def t(key: str, **values: object) -> str:
        zh, en = TEXT.get(key, (key, key))
        return (en if lang == "en" else zh).format(**values)

    return t
