"""The words of 修改重报, 复制新增 and the documents built from others (#18), zh-CN and English. Passed to the pages
that show them as `aw` (ui/routers/customs/amend_pages.py), not merged into the shared table."""

from __future__ import annotations

TEXT: dict[str, tuple[str, str]] = {
    "actions": ("操作", "Actions"),
    "modify": ("修改重报", "Modify and declare again"),
    "copy": ("复制新增", "Copy as new"),
    "make_cancellations": ("撤销申请", "Apply for cancellation"),
    "make_returns": ("退货申请", "Apply for a return"),
    "make_export-cancellations": ("撤销申请", "Apply for cancellation"),
    "make_export-returns": ("退货申请", "Apply for a return"),
    "make_inventories": ("生成清单", "Build the inventory"),
    "make_export-inventories": ("生成出口清单", "Build the export inventory"),
    "modify_title": ("修改重报", "Modify and declare again"),
    "modify_intro": ("修改后按新申报的全部规则校验，以同一编号重新申报，原版本保留在历史中。",
                     "The modified document is checked with every rule of a new declaration and declared again under "
                     "the same number; the earlier version stays in the history."),
    "reason": ("修改原因", "Reason for the modification"),
    "resend": ("修改并重新申报", "Save and declare again"),
    "modified": ("已修改并重新申报，等待发送海关", "Modified and declared again; waiting to be sent to customs"),
    "versions": ("版本历史", "Versions"),
    "version": ("版本", "Version"),
    "by": ("操作人", "By"),
    "at": ("时间", "At"),
    "why": ("原因", "Reason"),
    "outcome": ("海关结果", "Customs' answer"),
    "first": ("首次申报", "First declaration"),
    "current": ("当前版本", "Current"),
    "prefilled_from": ("已根据以下单证预填：", "Prefilled from:"),
    "still_missing": ("仍需填写：", "Still to fill in:"),
    "role_order": ("订单", "order"),
    "role_payment": ("支付单", "payment"),
    "role_waybill": ("运单", "waybill"),
    "not_modifiable": ("不能修改重报", "Cannot be modified"),
    "discard_confirm": ("确定删除该暂存单证？删除后不能恢复。", "Delete this draft? It cannot be undone."),
}


def words(lang: str):  # noqa: ANN201 - a template helper
    """t() for these words in the user's language."""
    return lambda key: TEXT[key][1 if lang == "en" else 0] if key in TEXT else key
