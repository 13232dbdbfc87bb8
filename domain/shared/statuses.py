"""Statuses of a declaration: the platform's own before customs answers, then customs' returnStatus."""

DRAFT = "draft"  # 暂存: saved by the declarant, not declared yet (domain/customs/drafts.py)
DECLARED = "declared"  # 已提交: recorded, message not yet built
PREPARED = "prepared"  # 已生成报文: signed message built, waiting for the transport
SENT = "sent"  # 已发送: written to the customs node transport
CANCELLED = "cancelled"  # 已撤销: an inventory whose cancellation (CEB623) customs approved

LABELS: dict[str, tuple[str, str]] = {
    DRAFT: ("暂存", "Draft"),
    DECLARED: ("已提交", "Submitted"),
    PREPARED: ("已生成报文", "Message built"),
    SENT: ("已发送", "Sent"),
    CANCELLED: ("已撤销", "Cancelled"),
    "1": ("电子口岸已暂存", "Stored by e-port"),
    "2": ("申报中", "Declaring"),
    "3": ("发送海关成功", "Sent to customs"),
    "4": ("发送海关失败", "Sending to customs failed"),
    "100": ("海关退单", "Rejected by customs"),
    "120": ("海关入库", "Accepted by customs"),
    "300": ("人工审核", "Manual review"),
    "399": ("海关审结", "Concluded by customs"),
    "500": ("查验", "Inspection"),
    "501": ("扣留移送通关", "Detained, passed to clearance"),
    "502": ("扣留移送缉私", "Detained, passed to anti-smuggling"),
    "503": ("扣留移送法规", "Detained, passed to legal affairs"),
    "505": ("移交", "Handed over"),
    "599": ("其它扣留", "Detained (other)"),
    "600": ("挂起", "Suspended"),
    "700": ("退运", "Returned abroad"),
    "800": ("放行", "Released"),
    "899": ("结关", "Cleared"),
}
FORMAT_ERROR = ("报文格式错误", "Message format error")
PROCESSING_ERROR = ("海关处理失败", "Refused by customs processing")


def label(status: str, lang: str = "zh-CN") -> str:
    """The display name of a status in the user's language. Negative codes are processing errors: the short ones
    (-1 ...) are CEB900 format errors, the six-digit ones business refusals such as -621005 (RULES.md 1.2)."""
    if status in LABELS:
        zh, en = LABELS[status]
    elif status.startswith("-"):
        zh, en = (PROCESSING_ERROR if len(status) > 4 else FORMAT_ERROR)
        zh, en = f"{zh} {status}", f"{en} {status}"
    else:
        zh, en = status, status
    return en if lang == "en" else zh


def is_refused(status: str) -> bool:
    """Customs said no: 100 退单, or a negative code (a processing or CEB900 format error)."""
    return status == "100" or status.startswith("-")


def is_final(status: str) -> bool:
    return status in {"100", "120", "399", "800", "899", "700", CANCELLED} or status.startswith("-")


# CEB622 inventory states and the moves customs makes between them (RULES.md 1.4, 3.2; the order of the states is
# the spec's flow 2 -> 3 -> 120 -> (300 / 500 / 50x) -> 399 -> 800 (-> 899), or 100; the allowed moves are INFERRED
# from that flow and the error texts of RULES.md 2.6). "" is "no customs answer yet".
_DETAINED = {"501", "502", "503", "505", "599"}
_OPEN = {"", "1", "2", "3", "4"}
INVENTORY_MOVES: dict[str, set[str]] = {
    "120": {"300", "399", "500", "600", "800", "100", "700"} | _DETAINED,
    "300": {"399", "500", "600", "800", "100", "700"} | _DETAINED,
    "600": {"300", "399", "500", "800", "100", "700"} | _DETAINED,
    "399": {"500", "800", "100", "700"} | _DETAINED,
    "500": {"399", "800", "100", "700"} | _DETAINED,
    **{code: {"800", "100", "700"} for code in _DETAINED},
    "800": {"899", "700"},
    "899": {"700"},
    "700": set(),
    "100": set(),
    CANCELLED: set(),
}


ACCEPTED = {"120", "399", "800", "899"}


# export inventories (CEB603/CEB604) move the same way (RULES.md 1.4: 1,2,3,4,100,120,300,500,399,800,899)
INVENTORY_TYPES = {"CEB621", "CEB603"}


def legal_move(message_type: str, current: str, new: str) -> bool:
    """May a receipt move a document from its current customs status to `new`? Inventories (CEB621, CEB603) follow
    the state machine above. Other documents take any newer receipt, except that an accepted one is not turned into
    a refusal by a processing error (e.g. -301010 "已存在相同编号的订单" answering a second copy of it). Before
    customs' first final answer anything goes."""
    if message_type not in INVENTORY_TYPES:
        return not (current in ACCEPTED and new.startswith("-"))
    if current in _OPEN or current.startswith("-"):
        return True
    if new in _OPEN:
        return False
    return new in INVENTORY_MOVES.get(current, set()) or new.startswith("-") and current in {"120", "300"}


# inventory states in which customs takes a cancellation (CEB623) or a return (CEB625); INFERRED (RULES.md 2.6:
# "清单的状态不符合撤单申报要求" -623005; returns reference a released inventory, RULES.md 2.4)
CANCELLABLE = {"120", "300", "399", "500", "800"}
RETURNABLE = {"800", "899"}
# the same for export inventories (CEB605, CEB213; INFERRED, RULES.md 2.1, 2.6): cancelled until the goods left (not
# after 899 结关); returned once released (800) or departed (899)
EXPORT_CANCELLABLE = {"120", "399", "800"}
EXPORT_RETURNABLE = {"800", "899"}
