"""The message-tracking and dead-letter consoles' words (X3, X5), zh-CN and English; merged into ui.i18n.TEXT."""

from __future__ import annotations

TEXT: dict[str, tuple[str, str]] = {
    "msg_tracking": ("报文跟踪", "Message tracking"),
    "msg_raw_receipt": ("原始回执报文", "Raw receipt message"),
    "msg_download_xml": ("下载 XML", "Download XML"),
    "msg_dead_letters": ("死信报文", "Dead letters"),
    "msg_search": ("单证编号 / guid", "Document No. / guid"),
    "msg_type": ("报文类型", "Type"),
    "msg_status": ("传输状态", "Transport status"),
    "msg_customs_status": ("海关回执", "Customs receipt"),
    "msg_attempts": ("失败次数", "Failed attempts"),
    "msg_documents": ("单证", "Documents"),
    "msg_stage": ("阶段", "Stage"),
    "msg_detail": ("详情", "Detail"),
    "msg_reason": ("原因", "Reason"),
    "msg_resend": ("重发", "Resend"),
    "msg_discard": ("丢弃", "Discard"),
    "msg_no_dead_letters": ("没有死信报文", "No dead letters"),
}
