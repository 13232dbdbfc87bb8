"""Statuses of a declaration: the platform's own before customs answers, then customs' returnStatus."""

DECLARED = "declared"  # 已提交: recorded, message not yet built
PREPARED = "prepared"  # 已生成报文: signed message built, waiting for the transport
SENT = "sent"  # 已发送: written to the customs node transport

LABELS: dict[str, tuple[str, str]] = {
    DECLARED: ("已提交", "Submitted"),
    PREPARED: ("已生成报文", "Message built"),
    SENT: ("已发送", "Sent"),
    "1": ("电子口岸已暂存", "Stored by e-port"),
    "2": ("申报中", "Declaring"),
    "3": ("发送海关成功", "Sent to customs"),
    "4": ("发送海关失败", "Sending to customs failed"),
    "100": ("海关退单", "Rejected by customs"),
    "120": ("海关入库", "Accepted by customs"),
    "300": ("人工审核", "Manual review"),
    "399": ("海关审结", "Concluded by customs"),
    "500": ("查验", "Inspection"),
    "800": ("放行", "Released"),
    "899": ("结关", "Cleared"),
}
FORMAT_ERROR = ("报文格式错误", "Message format error")


def label(status: str, lang: str = "zh-CN") -> str:
    """The display name of a status in the user's language; negative codes are processing errors."""
    zh, en = LABELS.get(status) or (FORMAT_ERROR if status.startswith("-") else (status, status))
    return en if lang == "en" else zh


def is_final(status: str) -> bool:
    return status in {"100", "120", "399", "800", "899"} or status.startswith("-")
