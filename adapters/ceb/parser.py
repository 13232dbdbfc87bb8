"""Read any CEB message (sent, receipt, or inside a DXP envelope) into JSON-shaped documents."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from lxml import etree

from .dxp import DXP_MSG, DXP_MSG_SV, Envelope, read_envelope
from .errors import CodecError
from .model import CEB_NS, DS_NS, FieldSpec, NodeSpec, catalogue
from .xmlio import local_name, namespace, parse_xml

_SIGNATURE = f"{{{DS_NS}}}Signature"
# The official CEB214 sample's root is ``ceb:CEB214`` (no "Message"): read it, validate flags it.
_ROOT = re.compile(r"(CEB\d{3})(?:Message)?")
_FIELD, _MERGED, _LIST = 0, 1, 2
_Reading = dict[str, tuple[int, str, "_Reading | None"]]


@dataclass(frozen=True, slots=True)
class Message:
    message_type: str  # CEB312
    guid: str
    version: str
    documents: list[dict]
    transfer: dict | None
    signed: bool
    envelope: Envelope | None
    root: etree._Element  # the business message root (inside the envelope if any)


@dataclass(frozen=True, slots=True)
class _Reader:
    business: str
    business_map: _Reading
    transfer_map: _Reading


def parse(data: bytes) -> Message:
    """Read a business message (``ceb:`` prefix or default namespace) or a ``dxp:DxpMsg``.

    Field values stay the strings of the XML (amounts too); an element that holds markup instead
    of text (CEB900 oriBizMessage) is returned serialized, as a string.
    """
    root = parse_xml(data)
    envelope = None
    if root.tag in (DXP_MSG, DXP_MSG_SV):
        envelope, inner = read_envelope(root)
        root = parse_xml(inner)
        if root.tag in (DXP_MSG, DXP_MSG_SV):
            raise CodecError("DXP报文中嵌套了DXP报文 a DXP envelope inside a DXP envelope")
    return read_message(root, envelope)


def read_message(root: etree._Element, envelope: Envelope | None = None) -> Message:
    code = message_code(root)
    reader = _reader(code)
    documents: list[dict] = []
    transfer = None
    signed = False
    for child in root:
        name = local_name(child.tag)
        if name == reader.business:
            documents.append(_read(child, reader.business_map, {}))
        elif name == "BaseTransfer":
            transfer = _read(child, reader.transfer_map, {})
        elif child.tag == _SIGNATURE:
            signed = True
    guid, version = root.get("guid", ""), root.get("version", "")
    return Message(code, guid, version, documents, transfer, signed, envelope, root)


def message_code(root: etree._Element) -> str:
    """'CEB311' for a ``CEB311Message`` root in the ceb namespace (or none); CodecError otherwise."""
    tag = root.tag if isinstance(root.tag, str) else ""
    match = _ROOT.fullmatch(local_name(tag))
    if match is None or match.group(1) not in catalogue():
        raise CodecError(f"未知报文根元素 unknown root element: {tag or root!r}")
    if namespace(tag) not in (CEB_NS, ""):
        raise CodecError(f"报文命名空间错误 wrong namespace {namespace(tag)!r}, expected {CEB_NS!r}")
    return match.group(1)


def _read(element: etree._Element, reading: _Reading, out: dict) -> dict:
    for child in element:
        name = local_name(child.tag)
        if not name:
            continue
        kind, key, inner = reading.get(name) or ((_MERGED, name, {}) if len(child) else (_FIELD, name, None))
        if kind == _FIELD:
            out[key] = _text(child)
        elif kind == _LIST:
            out.setdefault(key, []).append(_read(child, inner, {}))
        else:
            _read(child, inner, out)
    return out


def _text(element: etree._Element) -> str:
    if len(element) == 0:
        return element.text or ""
    inner = "".join(etree.tostring(c, encoding="unicode", with_tail=True) for c in element)
    return (element.text or "") + inner


@functools.cache
def _reader(code: str) -> _Reader:
    spec = catalogue()[code]
    transfer = _reading(spec.transfer) if spec.transfer else {}
    return _Reader(spec.business.name, _reading(spec.business), transfer)


def _reading(node: NodeSpec) -> _Reading:
    reading: _Reading = {}
    for child in node.children:
        if isinstance(child, FieldSpec):
            reading[child.name] = (_FIELD, child.name, None)
        elif child.repeated:
            reading[child.name] = (_LIST, child.key, _reading(child))
        else:
            reading[child.name] = (_MERGED, child.name, _reading(child))
    return reading
