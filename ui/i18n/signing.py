"""The signing audit's words (签名审计, #17 item 5), zh-CN and English; merged into ui.i18n.TEXT."""

from __future__ import annotations

TEXT: dict[str, tuple[str, str]] = {
    "ku_title": ("签名审计", "Signing audit"),
    "ku_intro": ("签名服务每一次使用密钥的记录：调用方、密钥、操作、所签内容的摘要与结果，被拒绝的调用也在其中。",
                 "Every use of a signing key by the signing service: who called, which key, what operation, a "
                 "digest of the input and the outcome, refused calls included."),
    "ku_no_content": ("签名内容本身从不保存，只保存其 SHA-256 摘要：持有原文者可算出摘要在此查找。",
                      "The signed content itself is never stored, only its SHA-256: whoever holds the content can "
                      "compute the digest and look it up here."),
    "ku_zone": ("时间为北京时间 (Asia/Shanghai, +08:00)", "Times are Asia/Shanghai (+08:00)"),
    "ku_lost": ("注意：所选时段内有 {n} 条使用记录因事件库不可写而丢失（签名服务缓冲区已满）。",
                "Warning: {n} key uses of this period were lost while the event store could not be written (the "
                "signing service's buffer was full)."),
    "ku_time_from": ("时间从", "From"),
    "ku_time_to": ("至", "To"),
    "ku_outcome_ok": ("成功", "succeeded"),
    "ku_outcome_refused": ("被拒绝", "refused"),
    "ku_errors": ("查询条件有误：", "The search cannot be read:"),
    "ku_none": ("没有符合条件的记录", "No key use matches"),
    "ku_col_at": ("时间", "Time"),
    "ku_col_caller": ("调用方", "Caller"),
    "ku_col_organisation": ("调用方单位", "Caller's organisation"),
    "ku_col_address": ("来源地址", "Address"),
    "ku_col_operation": ("操作", "Operation"),
    "ku_col_enterprise": ("企业", "Enterprise"),
    "ku_col_key_id": ("密钥", "Key id"),
    "ku_col_digest": ("摘要 (SHA-256)", "Digest (SHA-256)"),
    "ku_col_items": ("条数", "Items"),
    "ku_col_outcome": ("结果", "Outcome"),
    "ku_col_status": ("HTTP状态", "HTTP status"),
    "ku_col_dropped": ("此前丢失", "Lost before"),
}
