"""节点配置与链路告警 (X5): how the platform talks to the customs data-exchange node, and what is wrong with it.

`NodeLink` is the one configuration of the link (fixed id): the sender DXP ID of the envelope (blank: each
enterprise's own), the receiver IDs of the cross-border import and export systems, the transport each way (how
messages go to customs, where receipts come from), whether messages travel in a DxpMsg envelope, and after how
many minutes an unmoved message in the out box is an alarm. Every change is a Configured event with all fields,
who and why, so the history says what the link looked like at any moment.

`LinkAlert` is one occurrence of a link problem (a stale out box: the customs client stopped moving files; a
transport that is down): Raised, then Cleared when the link moves again, Acknowledged by an operator."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, ClassVar
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.shared.ids import NAMESPACE
from domain.shared.rules import DeclarationRejected, FieldError

TRANSPORTS = ("filebox", "amqp", "http")
# a DXP user number: "DXP" and 13 capital letters or digits (DXPENT0000458763, DXPEDCCEB0000002); the DxpMsg XSD
# allows SenderId and ReceiverId up to 16 characters
DXP_ID = re.compile(r"DXP[A-Z0-9]{13}")
STALE_MINUTES = (1, 1440)
ALERT_KINDS = ("stale", "down")  # 积压: the out box does not move; 中断: the transport refuses or is unreachable
DIRECTIONS = ("out", "in")
# the fields, their words (zh, en) for errors and the console
FIELDS: dict[str, tuple[str, str]] = {
    "sender_dxp_id": ("发送方DXP编号", "sender DXP ID"),
    "import_receiver": ("进口接收方DXP编号", "import receiver DXP ID"),
    "export_receiver": ("出口接收方DXP编号", "export receiver DXP ID"),
    "out_transport": ("报文发送通道", "outgoing transport"),
    "in_transport": ("回执接收通道", "receipt transport"),
    "dxp_envelope": ("DXP封装", "DXP envelope"),
    "stale_after_minutes": ("积压告警阈值（分钟）", "stale-box threshold (minutes)"),
}


@dataclass(frozen=True)
class LinkConfig:
    """The link as configured (or as the settings give it before anyone configured it)."""

    sender_dxp_id: str  # '' = each enterprise's own dxp_id
    import_receiver: str
    export_receiver: str
    out_transport: str
    in_transport: str
    dxp_envelope: bool
    stale_after_minutes: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def receiver_for(self, direction: str) -> str:
        return self.export_receiver if direction == "export" else self.import_receiver


def check(values: dict[str, Any], base: LinkConfig) -> LinkConfig:
    """The configuration `values` make of `base` (fields not given stay), or DeclarationRejected naming every
    field that breaks a rule, in Chinese and English."""
    unknown = sorted(set(values) - set(FIELDS))
    if unknown:
        raise DeclarationRejected([_error(name, "unknown", f"未知的配置项 {name}", f"unknown setting {name}")
                                   for name in unknown])
    merged = base.as_dict() | values
    errors: list[FieldError] = []
    fields: dict[str, Any] = {}
    for name in ("sender_dxp_id", "import_receiver", "export_receiver"):
        text = str(merged[name] or "").strip().upper()
        fields[name] = text
        zh, en = FIELDS[name]
        if not text and name != "sender_dxp_id":
            errors.append(_error(name, "required", f"{zh}为必填项", f"{en} is required"))
        elif text and not DXP_ID.fullmatch(text):
            errors.append(_error(name, "dxp_id", f"{zh}应为16位：DXP加13位大写字母或数字（如 DXPEDCCEB0000002）",
                                 f"{en} must be 16 characters: DXP and 13 capital letters or digits "
                                 "(e.g. DXPEDCCEB0000002)", text))
    for name in ("out_transport", "in_transport"):
        text = str(merged[name] or "").strip().lower()
        fields[name] = text
        if text not in TRANSPORTS:
            zh, en = FIELDS[name]
            errors.append(_error(name, "transport", f"{zh}只能是 {' / '.join(TRANSPORTS)}",
                                 f"{en} must be one of {', '.join(TRANSPORTS)}", text))
    fields["dxp_envelope"] = as_bool(merged["dxp_envelope"])
    minutes = merged["stale_after_minutes"]
    try:
        fields["stale_after_minutes"] = int(str(minutes).strip())
    except ValueError:
        fields["stale_after_minutes"] = 0
    low, high = STALE_MINUTES
    if not low <= fields["stale_after_minutes"] <= high:
        zh, en = FIELDS["stale_after_minutes"]
        errors.append(_error("stale_after_minutes", "range", f"{zh}应为 {low} 到 {high} 之间的整数",
                             f"{en} must be a whole number from {low} to {high}", str(minutes)))
    if errors:
        raise DeclarationRejected(errors)
    return LinkConfig(**fields)


def as_bool(value: Any) -> bool:
    """A checkbox or setting: on, 1, true, yes."""
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in ("1", "on", "true", "yes")


def changes(before: LinkConfig | None, after: LinkConfig) -> dict[str, tuple[Any, Any]]:
    """The fields that differ: name -> (before, after); every field when there was nothing before."""
    old = before.as_dict() if before is not None else {}
    return {k: (old.get(k), v) for k, v in after.as_dict().items() if before is None or old[k] != v}


def _error(field: str, rule: str, zh: str, en: str, value: str = "") -> FieldError:
    return FieldError(field=field, rule=rule, message_zh=zh, message_en=en, value=value)


class NodeLink(Aggregate):
    """节点配置: the platform's one link configuration; `configure` records a Configured event even for the first
    one, so the history is the list of Configured events."""

    if TYPE_CHECKING:  # event classes @event makes below, named by other modules (topics, isinstance); their
        # fields are the decorated method's arguments, which mypy cannot see: typed as any class
        Configured: ClassVar[type[Any]]

    @staticmethod
    def create_id(**_: Any) -> UUID:
        return uuid5(NAMESPACE, "node-link")

    @event("Opened")
    def __init__(self) -> None:
        self.config: LinkConfig | None = None
        self.by = ""
        self.reason = ""

    @event("Configured")
    def configure(self, sender_dxp_id: str, import_receiver: str, export_receiver: str, out_transport: str,
                  in_transport: str, dxp_envelope: bool, stale_after_minutes: int, by: str, reason: str) -> None:
        self.config = LinkConfig(sender_dxp_id, import_receiver, export_receiver, out_transport, in_transport,
                                 dxp_envelope, stale_after_minutes)
        self.by, self.reason = by, reason


class LinkAlert(Aggregate):
    """链路告警: one occurrence of a problem of one kind on one direction of the link. `seq` numbers the
    occurrences, so two heartbeats deciding at once raise it once (the second loses on the version)."""

    @staticmethod
    def create_id(kind: str, direction: str, seq: int, **_: Any) -> UUID:
        return uuid5(NAMESPACE, f"link-alert/{kind}/{direction}/{seq}")

    @event("Raised")
    def __init__(self, kind: str, direction: str, seq: int, transport: str, detail: str,
                 contacts: list[str] | None = None) -> None:
        self.kind = kind
        self.contacts = contacts or []  # told by e-mail (the alerts view queues, engine/exchange/alert_mailer.py sends)
        self.direction = direction
        self.seq = seq
        self.transport = transport
        self.detail = detail
        self.cleared = ""  # why, once cleared
        self.acknowledged_by = ""

    @event("Cleared")
    def clear(self, detail: str) -> None:
        self.cleared = detail or "ok"

    @event("Acknowledged")
    def acknowledge(self, by: str, note: str) -> None:
        self.acknowledged_by = by
