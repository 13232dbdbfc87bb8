"""The DXP terminal-node envelope (终端节点报文 ``dxp:DxpMsg``): Base64 of a business message.

Enterprises that connect without the customs client software send each business message in
a ``DxpMsg`` addressed to the cross-border system (import ``DXPEDCCEB0000002``, export
``DXPEDCCEB0000003``); receipts come back the same way.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from lxml import etree

from .builder import XSI_NS, to_bytes
from .errors import CodecError
from .model import message_spec
from .schemas import DXP_TERMINAL_XSD, xml_schema
from .xmlio import parse_xml

DXP_NS = "http://www.chinaport.gov.cn/dxp"
DXP_MSG = f"{{{DXP_NS}}}DxpMsg"
DXP_MSG_SV = f"{{{DXP_NS}}}DxpMsgSv"
IMPORT_RECEIVER = "DXPEDCCEB0000002"
EXPORT_RECEIVER = "DXPEDCCEB0000003"
_CHINA = timezone(timedelta(hours=8))
_RECEIVER_PATH = f"{{{DXP_NS}}}ReceiverIds/{{{DXP_NS}}}ReceiverId"


@dataclass(frozen=True, slots=True)
class Envelope:
    cop_msg_id: str
    sender_id: str
    receiver_ids: tuple[str, ...]
    create_time: datetime
    msg_type: str  # e.g. CEB311Message
    file_name: str | None = None


def receiver_for(message_type: str) -> str:
    """The DXP id of the cross-border system that takes ``message_type`` (import or export)."""
    return IMPORT_RECEIVER if message_spec(message_type).direction == "import" else EXPORT_RECEIVER


def msg_type_name(message_type: str) -> str:
    """'CEB311' or 'CEB311Message' -> 'CEB311Message'; other DXP message types unchanged."""
    try:
        return message_spec(message_type).root
    except CodecError:
        return message_type


def wrap_dxp(
    business_xml: bytes,
    *,
    sender_id: str,
    receiver_id: str | Sequence[str],
    msg_type: str,
    cop_msg_id: str,
    created: datetime,
) -> bytes:
    """A ``DxpMsg`` carrying ``business_xml``, checked against the terminal-node XSD.

    ``created`` is written as xs:dateTime without a zone, like the samples; an aware datetime is
    first converted to China time. AddInfo/FileName is ``<MsgType>_<CopMsgId>.xml``.
    """
    msg_type = msg_type_name(msg_type)
    receivers = (receiver_id,) if isinstance(receiver_id, str) else tuple(receiver_id)
    root = etree.Element(DXP_MSG, nsmap={"dxp": DXP_NS, "xsi": XSI_NS})
    root.set("ver", "1.0")
    info = _child(root, "TransInfo")
    _child(info, "CopMsgId", cop_msg_id)
    _child(info, "SenderId", sender_id)
    ids = _child(info, "ReceiverIds")
    for receiver in receivers:
        _child(ids, "ReceiverId", receiver)
    _child(info, "CreatTime", _xs_datetime(created))
    _child(info, "MsgType", msg_type)
    _child(root, "Data", base64.b64encode(bytes(business_xml)).decode("ascii"))
    _child(_child(root, "AddInfo"), "FileName", f"{msg_type}_{cop_msg_id}.xml")
    _check(root)
    return to_bytes(root)


def is_dxp(data: bytes) -> bool:
    """True when ``data`` is a DXP envelope (``DxpMsg`` or ``DxpMsgSv``), False for anything else."""
    try:
        return parse_xml(data).tag in (DXP_MSG, DXP_MSG_SV)
    except CodecError:
        return False


def unwrap_dxp(data: bytes) -> tuple[Envelope, bytes]:
    """The envelope and the exact business-message bytes of a ``DxpMsg`` (or ``DxpMsgSv``)."""
    return read_envelope(parse_xml(data))


def read_envelope(root: etree._Element) -> tuple[Envelope, bytes]:
    if root.tag == DXP_MSG_SV:
        root = root.find(DXP_MSG)
        if root is None:
            raise CodecError("DxpMsgSv 中没有 DxpMsg: no DxpMsg inside DxpMsgSv")
    if root.tag != DXP_MSG:
        raise CodecError(f"不是DXP报文 not a DXP envelope: root {root.tag}")
    info = root.find(_tag("TransInfo"))
    if info is None:
        raise CodecError("DXP报文缺少 TransInfo: DxpMsg without TransInfo")
    envelope = Envelope(
        cop_msg_id=_text(info, "CopMsgId"),
        sender_id=_text(info, "SenderId"),
        receiver_ids=tuple(e.text or "" for e in info.iterfind(_RECEIVER_PATH)),
        create_time=_parse_datetime(_text(info, "CreatTime")),
        msg_type=_text(info, "MsgType"),
        file_name=root.findtext(f"{_tag('AddInfo')}/{_tag('FileName')}"),
    )
    return envelope, _decode(root.findtext(_tag("Data")))


def _decode(data: str | None) -> bytes:
    if not data or not data.strip():
        raise CodecError("DXP报文没有数据 DxpMsg/Data is missing or empty")
    try:
        return base64.b64decode("".join(data.split()), validate=True)
    except (binascii.Error, ValueError) as error:
        raise CodecError(f"DXP数据不是Base64 DxpMsg/Data is not valid Base64: {error}") from error


def _check(root: etree._Element) -> None:
    schema = xml_schema(DXP_TERMINAL_XSD)
    if not schema(root):
        problems = "; ".join(e.message for e in schema.error_log)
        raise CodecError(f"DXP报文不符合终端节点报文规范 DxpMsg does not match the XSD: {problems}")


def _xs_datetime(value: datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(_CHINA)
    return value.strftime("%Y-%m-%dT%H:%M:%S")


def _parse_datetime(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError as error:
        raise CodecError(f"CreatTime 不是日期时间 is not an xs:dateTime: {text!r}") from error


def _tag(name: str) -> str:
    return f"{{{DXP_NS}}}{name}"


def _child(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, _tag(name))
    if text is not None:
        element.text = text
    return element


def _text(parent: etree._Element, name: str) -> str:
    return parent.findtext(_tag(name)) or ""
