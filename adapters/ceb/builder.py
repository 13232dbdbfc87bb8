"""Build CEB business messages from JSON-shaped documents, elements in XSD order."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from lxml import etree

from .errors import CodecError
from .model import CEB_NS, FieldSpec, NodeSpec, message_spec
from .xmlio import thread_parser as _parser

XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'


@dataclass(frozen=True, slots=True)
class _Step:
    """One child element to write: a field (children None), a merged node or a list."""

    open: str  # "<ceb:orderNo>" or "<orderNo>"
    close: str
    key: str  # dict key: the field name or the list key
    required: bool
    repeated: bool = False
    children: tuple[_Step, ...] | None = None


@dataclass(frozen=True, slots=True)
class _Plan:
    open: str  # root start tag up to the attributes
    close: str
    business: _Step
    transfer: _Step | None


def render(value: object) -> str:
    """The XML text of a field value: str as is, int, Decimal without exponent or useless zeros."""
    kind = type(value)
    if kind is str:
        return value  # type: ignore[return-value]
    if kind is int:
        return str(value)
    if isinstance(value, Decimal):
        return _decimal_text(value)
    if isinstance(value, bool | float):
        raise TypeError(f"{value!r}: use Decimal or str for amounts, never float or bool")
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, str):
        return str.__str__(value)
    raise TypeError(f"{value!r} ({kind.__name__}) cannot be written as a CEB field value")


def _decimal_text(value: Decimal) -> str:
    if not value.is_finite():
        raise ValueError(f"{value!r} is not a finite amount")
    if value.is_zero():
        return "0"
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def build(
    message_type: str,
    documents: Iterable[Mapping[str, object]],
    transfer: Mapping[str, object] | None,
    guid: str,
    version: str = "1.0",
    *,
    prefix: bool | None = None,
) -> etree._Element:
    """Build ``CEBnnnMessage`` holding one business node per document.

    ``transfer`` fills BaseTransfer (copCode, copName, dxpMode default 'DXP', dxpId, note); it is
    ignored for messages without one (receipts). ``prefix`` None chooses like the official
    samples: ``ceb:`` for messages enterprises send, the default namespace for those customs send.
    Optional fields that are None or "" are left out, required ones are always written (empty
    when missing, so that ``validate`` reports them). Keys the schema does not know are ignored.
    """
    return _parse(_markup(message_type, documents, transfer, guid, version, prefix))


def build_bytes(
    message_type: str,
    documents: Iterable[Mapping[str, object]],
    transfer: Mapping[str, object] | None,
    guid: str,
    version: str = "1.0",
    *,
    prefix: bool | None = None,
) -> bytes:
    """``to_bytes(build(...))`` without the tree: the fast path for messages sent unsigned."""
    text = _markup(message_type, documents, transfer, guid, version, prefix)
    try:
        return XML_DECLARATION + text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise CodecError(f"字段值不是合法的Unicode a field value is not valid Unicode: {error}") from error


def to_bytes(root: etree._Element | etree._ElementTree) -> bytes:
    """UTF-8 bytes with an XML declaration (double-quoted, like the official samples)."""
    if isinstance(root, etree._ElementTree):
        root = root.getroot()
    return XML_DECLARATION + etree.tostring(root, encoding="UTF-8")


# The message is written as markup and parsed once: about twice as fast as creating each
# element through lxml, and the parser rejects what the tree API would (invalid characters).
def _markup(
    message_type: str,
    documents: Iterable[Mapping[str, object]],
    transfer: Mapping[str, object] | None,
    guid: str,
    version: str,
    prefix: bool | None,
) -> str:
    spec = message_spec(message_type)
    if isinstance(documents, Mapping | str | bytes):
        raise TypeError("documents must be a list of dicts, one per business node")
    plan = _plan(spec.code, (not spec.from_customs) if prefix is None else prefix)
    out = [plan.open, ' guid="', _attribute(guid), '" version="', _attribute(version), '">']
    for document in documents:
        _write(out, plan.business, document)
    if plan.transfer is not None:
        _write(out, plan.transfer, {"dxpMode": "DXP", **(transfer or {})})
    out.append(plan.close)
    return "".join(out)


def _parse(text: str) -> etree._Element:
    try:
        return etree.fromstring(text, _parser())
    except (etree.XMLSyntaxError, ValueError) as error:
        raise CodecError(f"字段值含非法字符 a value has characters XML does not allow: {error}") from error


def _write(out: list[str], step: _Step, data: Mapping[str, object]) -> None:
    out.append(step.open)
    for child in step.children:
        if child.children is None:
            value = data.get(child.key)
            if value is None or value == "":
                if child.required:
                    out += (child.open, child.close)
                continue
            out += (child.open, _text(render(value)), child.close)
        elif child.repeated:
            for item in data.get(child.key) or ():
                _write(out, child, item)
        elif child.required or _has_values(child, data):
            _write(out, child, data)
    out.append(step.close)


def _has_values(step: _Step, data: Mapping[str, object]) -> bool:
    return any(data.get(c.key) not in (None, "", []) for c in step.children)


def _text(value: str) -> str:
    if "&" in value:
        value = value.replace("&", "&amp;")
    if "<" in value:
        value = value.replace("<", "&lt;")
    if ">" in value:
        value = value.replace(">", "&gt;")
    if "\r" in value:  # a parser would turn a literal CR into LF
        value = value.replace("\r", "&#13;")
    return value


def _attribute(value: str) -> str:
    return _text(str(value)).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")


@functools.cache
def _plan(code: str, prefixed: bool) -> _Plan:
    spec = message_spec(code)
    prefix = "ceb:" if prefixed else ""
    # xmlns:xsi is declared although unused: the signature's SignedInfo is canonicalized with the
    # namespaces in scope, and customs verifies it with both ceb and xsi declared (NOTES §6.2).
    namespaces = f' xmlns:ceb="{CEB_NS}" xmlns:xsi="{XSI_NS}"' if prefixed else f' xmlns="{CEB_NS}"'
    return _Plan(
        open=f"<{prefix}{spec.root}{namespaces}",
        close=f"</{prefix}{spec.root}>",
        business=_node_step(spec.business, prefix),
        transfer=_node_step(spec.transfer, prefix) if spec.transfer else None,
    )


def _node_step(node: NodeSpec, prefix: str) -> _Step:
    children = tuple(
        _field_step(c, prefix) if isinstance(c, FieldSpec) else _node_step(c, prefix) for c in node.children
    )
    required = node.min_occurs > 0
    return _Step(*_tags(node.name, prefix), node.key or node.name, required, node.repeated, children)


def _field_step(field: FieldSpec, prefix: str) -> _Step:
    return _Step(*_tags(field.name, prefix), field.name, field.required)


def _tags(name: str, prefix: str) -> tuple[str, str]:
    return f"<{prefix}{name}>", f"</{prefix}{name}>"
