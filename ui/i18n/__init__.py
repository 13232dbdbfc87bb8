"""The consoles' words in zh-CN (default) and English."""

from __future__ import annotations

from fastapi import Request

from ui.i18n.audit import TEXT as AUDIT_TEXT
from ui.i18n.documents import TEXT as DOCUMENTS_TEXT
from ui.i18n.lists import TEXT as LISTS_TEXT
from ui.i18n.messages import TEXT as MESSAGES_TEXT
from ui.i18n.node import TEXT as NODE_TEXT
from ui.i18n.query import TEXT as QUERY_TEXT
from ui.i18n.reconciliation import TEXT as RECONCILIATION_TEXT
from ui.i18n.reference import TEXT as REFERENCE_TEXT
from ui.i18n.signing import TEXT as SIGNING_TEXT
from ui.i18n.summaries import TEXT as SUMMARIES_TEXT

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
    "login": ("登录", "Log in"),
    "logout": ("退出", "Log out"),
    "username": ("用户名", "User name"),
    "password": ("密码", "Password"),
    "account": ("我的账户", "My account"),
    "roles": ("角色", "Roles"),
    "organisation": ("单位组织", "Organisation"),
    "organisations": ("单位组织", "Organisations"),
    "users": ("用户", "Users"),
    "enterprises": ("企业", "Enterprises"),
    "clients": ("接口客户端", "API clients"),
    "system_log": ("系统日志", "System log"),
    "current_password": ("当前密码", "Current password"),
    "new_password": ("新密码", "New password"),
    "change_password": ("修改密码", "Change password"),
    "password_changed": ("密码已修改", "Password changed"),
    "create": ("新增", "Create"),
    "name": ("名称", "Name"),
    "code": ("代码", "Code"),
    "kinds": ("企业类型", "Kinds"),
    "uscc": ("统一社会信用代码", "Unified social credit code"),
    "dxp_id": ("DXP编号", "DXP ID"),
    "signing": ("签名算法", "Signing"),
    "certificate": ("证书(PEM)", "Certificate (PEM)"),
    "private_key": ("私钥(PEM)", "Private key (PEM)"),
    "generate_test_key": ("生成测试密钥（仅测试环境）", "Generate a test key (test environments only)"),
    "secret_once": ("请立即保存密钥，它只显示这一次：", "Save the secret now; it is shown only this once:"),
    "kind": ("类别", "Kind"),
    "actor": ("操作人", "Who"),
    "address": ("来源地址", "From"),
    "action": ("操作", "Action"),
    "target": ("对象", "Target"),
    "outcome": ("结果", "Outcome"),
    "export_csv": ("导出CSV", "Export CSV"),
    "export_xlsx": ("导出Excel", "Export Excel"),
    "saved": ("已保存", "Saved"),
    "permissions": ("权限", "Permissions"),
    "import_orders": ("批量导入订单", "Import orders from Excel"),
    "download_template": ("下载导入模板", "Download the template"),
    "workbook": ("Excel文件", "Workbook"),
    "keep_good_rows": ("有错误时仍导入正确的订单", "Keep the good orders when some rows are wrong"),
    "import_and_declare": ("导入并申报", "Import and declare"),
    "import_report": ("导入结果", "Import report"),
    "import_summary": ("共 {n} 张订单，已申报 {stored} 张", "{n} orders read, {stored} declared"),
    "sheet": ("工作表", "Sheet"),
    "row": ("行号", "Row"),
    "field": ("字段", "Field"),
    "reason": ("原因", "Reason"),
    "nothing_stored": ("文件中有错误，未保存任何订单。请更正后重新导入，或勾选“仍导入正确的订单”。",
                       "The file has errors, so no order was stored. Correct it and import again, or tick "
                       "'keep the good orders'."),
    # 海关参数 administrator console (I1, I2)
    "admin": ("管理员控制台", "Administrator console"),
    "ref_title": ("海关参数", "Customs reference data"),
    "ref_list": ("代码表", "List"),
    "ref_list_key": ("标识", "Key"),
    "ref_entries": ("条目数", "Entries"),
    "ref_import": ("导入", "Import"),
    "ref_export": ("导出Excel", "Export Excel"),
    "ref_template": ("下载空白模板", "Empty template"),
    "ref_lookup_api": ("查询接口：", "Lookup API:"),
    "ref_search": ("代码或名称", "Code or name"),
    "ref_search_hint": ("如 116、日本", "e.g. 116, Japan"),
    "ref_new": ("新增条目", "New entry"),
    "ref_no_entries": ("没有条目", "No entries"),
    "ref_back": ("返回列表", "Back to the list"),
    "ref_missing": ("该代码不存在，可在下方新增", "No such code; you may add it below"),
    "ref_saved": ("已保存，修改已记入历史", "Saved; the change is in the history"),
    "ref_unchanged": ("内容未变化，未记录", "Nothing changed; nothing recorded"),
    "ref_errors": ("请更正以下错误，未保存：", "Please correct these errors; nothing was saved:"),
    "ref_edit": ("编辑条目", "Edit entry"),
    "ref_reason": ("修改原因", "Reason"),
    "ref_operator": ("操作人", "Operator"),
    "ref_save": ("保存", "Save"),
    "ref_history": ("变更历史", "History"),
    "ref_action": ("操作", "Action"),
    "ref_by": ("操作人", "By"),
    "ref_changes": ("变更内容", "Changes"),
    "ref_action_seeded": ("平台初始数据", "shipped data"),
    "ref_action_imported": ("导入", "imported"),
    "ref_action_edited": ("修改", "edited"),
    "ref_action_added": ("新增", "added"),
    "ref_report": ("导入结果", "Import report"),
    "ref_added": ("新增", "Added"),
    "ref_changed": ("修改", "Changed"),
    "ref_unchanged_n": ("未变化", "Unchanged"),
    "ref_rejected": ("拒绝", "Rejected"),
    "ref_row": ("行号", "Row"),
    "ref_code": ("代码", "Code"),
    "ref_why": ("原因", "Reason"),
    "ref_upload": ("上传Excel或CSV文件", "Upload an Excel or CSV file"),
    "ref_file": ("文件", "File"),
    "ref_import_help": ("第一行为表头（列名同模板）；文件中没有的列保持原值；有错误的行被拒绝，其余行照常导入。",
                        "The first row is the header (column names as in the template); columns the file lacks keep "
                        "their values; rows with errors are rejected, the others are imported."),
}

TEXT.update(AUDIT_TEXT)  # 审计与数据统计 (B1-B4)
TEXT.update(MESSAGES_TEXT)  # 报文跟踪, 死信 (X3, X5)
TEXT.update(RECONCILIATION_TEXT)  # 回执告警, 未匹配回执, 数据校验 (X2, X5)
TEXT.update(QUERY_TEXT)  # 综合查询, 179 支付原始数据 (I12, I13)
TEXT.update(DOCUMENTS_TEXT)  # 进口单证 (I4-I11), 暂存, 批量申报, 电子税单 (I7)
TEXT.update(SUMMARIES_TEXT)  # 汇总申报 (E3)
TEXT.update(NODE_TEXT)  # 节点配置, 链路状态与告警 (X5)
TEXT.update(REFERENCE_TEXT)  # 代码表完整性, 北京时间 (#18)
TEXT.update(LISTS_TEXT)  # 每页、跳页、排序、个人信息、列表导出表头 (#18)
TEXT.update(SIGNING_TEXT)  # 签名审计 (#17 item 5)


def lang_of(request: Request, default: str = "zh-CN") -> str:
    lang = request.query_params.get("lang") or request.cookies.get("lang") or default
    return "en" if lang == "en" else "zh-CN"


def translator(lang: str):  # noqa: ANN201 - a Jinja global
    def t(key: str, **values: object) -> str:
        zh, en = TEXT.get(key, (key, key))
        return (en if lang == "en" else zh).format(**values)

    return t
