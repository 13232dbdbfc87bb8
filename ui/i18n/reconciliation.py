"""The receipt-alert, unmatched-receipt and reconciliation consoles' words (X2, X5), zh-CN and English; merged into
ui.i18n.TEXT."""

from __future__ import annotations

TEXT: dict[str, tuple[str, str]] = {
    "alert_title": ("回执超时告警", "Receipt timeout alerts"),
    "alert_policy_help": ("超时（秒）：{timeouts}；处理方式：{policy}（resend 最多 {n} 次，之后升级）",
                          "Timeouts (seconds): {timeouts}; policy: {policy} (resend at most {n} times, then "
                          "escalate)"),
    "alert_timeout": ("超时", "Timeout"),
    "alert_handling": ("处理", "Handling"),
    "alert_escalated": ("已升级", "Escalated"),
    "alert_resends": ("已重发 {n} 次", "resent {n}×"),
    "alert_no_receipt": ("仍无回执", "still no receipt"),
    "alert_acknowledged": ("确认", "Acknowledged"),
    "alert_acknowledge": ("确认", "Acknowledge"),
    "alert_note": ("备注", "Note"),
    "alert_none": ("没有回执超时告警", "No receipt timeout alerts"),
    "alert_notifications": ("通知联系人", "Notifications to contacts"),
    "alert_contact": ("联系人", "Contact"),
    "alert_subject": ("主题", "Subject"),
    "alert_queued": ("已排队（未配置邮件服务器）", "queued (no mail server configured)"),
    "alert_mail_queued": ("待发送", "queued"),
    "alert_mail_sent": ("已发送", "sent"),
    "alert_mail_failed": ("发送失败，将重试", "failed, will retry"),
    "alert_mail_attempts": ("尝试次数", "attempts"),
    "alert_no_contacts": ("没有通知（可设置 CBEC_ALERT_CONTACTS）", "No notifications (set CBEC_ALERT_CONTACTS)"),
    "unmatched_title": ("未匹配回执", "Unmatched receipts"),
    "unmatched_help": ("海关回执所指的单证、报文或税单在本平台不存在：已保留，供核查。",
                       "Receipts naming a document, message or tax bill this platform does not know: kept for "
                       "checking."),
    "unmatched_file": ("回执文件", "Receipt file"),
    "unmatched_for": ("所指", "Addressed to"),
    "unmatched_none": ("没有未匹配回执", "No unmatched receipts"),
    "recon_title": ("数据校验", "Daily reconciliation"),
    "recon_day": ("日期", "Day"),
    "recon_help": ("按报文首次发送日期（北京时间）统计；点击数字查看单证。",
                   "Counted by the day (Beijing time) the message was first sent; click a number for its documents."),
    "recon_sender": ("发送企业", "Sending enterprise"),
    "recon_sent": ("已发送", "Sent"),
    "recon_receipted": ("已回执", "Receipted"),
    "recon_final": ("已终结", "Final"),
    "recon_rejected": ("被退回", "Rejected"),
    "recon_missing": ("缺回执", "Missing"),
    "recon_total": ("合计", "Total"),
    "recon_none": ("当天没有发送的单证", "Nothing sent that day"),
    "recon_sent_at": ("发送时间", "Sent at"),
}
