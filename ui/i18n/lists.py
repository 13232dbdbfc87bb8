"""Words of what every list shares (#18): page size, jump, sorting, personal data, list exports' column headers."""

from __future__ import annotations

TEXT: dict[str, tuple[str, str]] = {
    "list_per_page": ("每页", "Per page"),
    "list_jump": ("跳至第", "Go to page"),
    "list_page_unit": ("页", ""),
    "list_go": ("确定", "Go"),
    "list_buyer": ("订购人/支付人（姓名、证件号、电话）", "Buyer / payer (name, ID number, phone)"),
    "list_buyer_id": ("证件号", "ID number"),
    "list_buyer_phone": ("电话", "Phone"),
    "export_list_xlsx": ("导出列表Excel", "Export list (Excel)"),
    "personal_reason": ("查看原因", "Reason"),
    "personal_show": ("显示完整证件号和电话", "Show whole ID numbers and phones"),
    "personal_revealed": ("正在显示完整证件号和电话，本次查看已记入系统日志。",
                          "Whole ID numbers and phones are shown; this view is recorded in the system log."),
    "personal_hide": ("隐藏", "Hide"),
    # list exports' column headers (engine: exports of document lists)
    "col_message_type": ("报文类型", "Message type"),
    "col_number": ("单证编号", "Number"),
    "col_order_no": ("订单编号", "Order No."),
    "col_logistics_no": ("物流运单编号", "Waybill No."),
    "col_invt_no": ("清单编号", "Inventory No."),
    "col_ebp_code": ("电商平台代码", "E-commerce platform code"),
    "col_buyer_name": ("订购人/支付人/收货人", "Buyer / payer / consignee"),
    "col_buyer_id_number": ("证件号码", "ID number"),
    "col_buyer_telephone": ("电话", "Phone"),
    "col_consignee": ("收货人", "Consignee"),
    "col_amount": ("金额", "Amount"),
    "col_status": ("状态代码", "Status code"),
    "col_status_name": ("状态", "Status"),
    "col_return_info": ("回执信息", "Receipt info"),
    "col_declared_by": ("申报人", "Declared by"),
    "col_declared_at": ("申报时间", "Declared at"),
}
