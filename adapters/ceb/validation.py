"""Validate CEB messages against the official XSDs and name each problem by its field.

Fields are named like the JSON documents: ``orderNo`` for a field of the document (merged heads
such as OrderHead are not named), ``OrderList[2]/qty`` for a line, ``BaseTransfer/dxpId``,
``@guid`` for a root attribute, ``Order[2]/orderNo`` when a message holds several documents.
Note that libxml2 stops checking an element's remaining children after its first structural
error, so a message may hide further problems until the first ones are fixed.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from lxml import etree

from .dxp import DXP_MSG, DXP_MSG_SV, read_envelope
from .errors import CodecError
from .model import FieldSpec, MessageSpec, NodeSpec, catalogue
from .parser import message_code
from .schemas import DXP_TERMINAL_XSD, DXP_TRANSPORT_XSD, EXPORT_XSD, IMPORT_XSD, xml_schema
from .xmlio import local_name, parse_xml

_EXPECTED = re.compile(r"Expected is (?:one of )?\( (.+?) \)")
_ATTRIBUTE = re.compile(r"Element '[^']+', attribute '([^']+)'|The attribute '([^']+)'")
_CODES = (
    ("LENGTH_VALID", "xsd.length"),  # also MINLENGTH / MAXLENGTH
    ("DIGITS_VALID", "xsd.digits"),  # TOTALDIGITS / FRACTIONDIGITS
    ("PATTERN_VALID", "xsd.pattern"),
    ("ENUMERATION_VALID", "xsd.enumeration"),
    ("INCLUSIVE_VALID", "xsd.range"),
    ("EXCLUSIVE_VALID", "xsd.range"),
    ("DATATYPE_VALID", "xsd.type"),
    ("CVC_TYPE", "xsd.type"),
    ("CVC_ELT_5", "xsd.fixed"),
    ("CVC_ELT_1", "xsd.root"),
    ("COMPLEX_TYPE_4", "xsd.required"),  # a required attribute is missing
    ("COMPLEX_TYPE_3", "xsd.unexpected"),  # an attribute that is not allowed
    ("ELEMENT_CONTENT", "xsd.content"),  # refined into xsd.required / xsd.unexpected
    ("COMPLEX_TYPE_2", "xsd.content"),
)
_VALUE_CODES = frozenset({"xsd.length", "xsd.digits", "xsd.pattern", "xsd.type", "xsd.enumeration"})


@dataclass(frozen=True, slots=True)
class SchemaIssue:
    field: str  # orderNo, OrderList[2]/qty, BaseTransfer/dxpId, @guid
    code: str  # xsd.required, xsd.length, xsd.digits, xsd.type, xsd.pattern, xsd.unexpected, ...
    message: str  # the libxml2 text


def validate(
    message: etree._Element | etree._ElementTree | bytes, *, allow_unsigned: bool = False
) -> list[SchemaIssue]:
    """Schema issues of a business message, a DXP envelope (and the message inside it), or bytes.

    ``allow_unsigned`` ignores a missing ds:Signature (CEB621/623/625/711 require one), for
    checking a message before it is signed.
    """
    try:
        root = message if isinstance(message, etree._Element) else _root(message)
        if root.tag in (DXP_MSG, DXP_MSG_SV):
            return _validate_envelope(root, allow_unsigned)
        spec = catalogue()[message_code(root)]
    except CodecError as error:
        return [SchemaIssue("", "xml.message", str(error))]
    schema = xml_schema(IMPORT_XSD if spec.direction == "import" else EXPORT_XSD)
    if schema(root):
        return []
    locator = _Locator(root, spec)
    issues = [locator.issue(entry) for entry in schema.error_log]
    if allow_unsigned:
        issues = [i for i in issues if not (i.field == "Signature" and i.code == "xsd.required")]
    return issues


def _root(message: etree._ElementTree | bytes) -> etree._Element:
    return message.getroot() if isinstance(message, etree._ElementTree) else parse_xml(message)


def _validate_envelope(root: etree._Element, allow_unsigned: bool) -> list[SchemaIssue]:
    schema = xml_schema(DXP_TERMINAL_XSD if root.tag == DXP_MSG else DXP_TRANSPORT_XSD)
    if not schema(root):
        return [SchemaIssue(_last_step(e.path), _code(e.type_name), e.message) for e in schema.error_log]
    _, inner = read_envelope(root)
    return validate(inner, allow_unsigned=allow_unsigned)


class _Locator:
    """Turns libxml2 error entries into field names of the JSON shape."""

    def __init__(self, root: etree._Element, spec: MessageSpec) -> None:
        self._root = root
        self._spec = spec
        self._nodes = _nodes(spec.code)
        self._namespaces = {k: v for k, v in root.nsmap.items() if k}
        self._several = len(root.findall(f"{{*}}{spec.business.name}")) > 1

    def issue(self, entry: etree._LogEntry) -> SchemaIssue:
        code, message = _code(entry.type_name), entry.message
        element = self._element(entry.path or "")
        if element is None:
            return SchemaIssue(_last_step(entry.path or ""), code, message)
        attribute = _ATTRIBUTE.search(message)
        if attribute:
            name = attribute.group(1) or attribute.group(2)
            return SchemaIssue(_join(self._path(element), "@" + name), code, message)
        if code == "xsd.content" and (expected := _EXPECTED.search(message)):
            return self._content_issue(element, expected.group(1), message)
        if code in _VALUE_CODES and not element.text and self._is_required(element):
            code = "xsd.required"
        return SchemaIssue(self._path(element), code, message)

    def _content_issue(self, element: etree._Element, expected: str, message: str) -> SchemaIssue:
        wanted = expected.split(",")[-1].strip().rpartition("}")[2]
        if "Missing child" in message:
            return SchemaIssue(_join(self._path(element), wanted), "xsd.required", message)
        parent = element.getparent()
        present = {local_name(c.tag) for c in parent} if parent is not None else set()
        if parent is not None and wanted not in present and wanted in self._required(parent):
            return SchemaIssue(_join(self._path(parent), wanted), "xsd.required", message)
        return SchemaIssue(self._path(element), "xsd.unexpected", message)

    def _element(self, path: str) -> etree._Element | None:
        steps = path.split("/")[2:]
        if not steps:
            return self._root if path else None
        try:
            found = self._root.xpath("/".join(steps), namespaces=self._namespaces)
        except etree.XPathError:
            return None
        return found[0] if found and isinstance(found[0], etree._Element) else None

    def _path(self, element: etree._Element) -> str:
        parts: list[str] = []
        while element is not None and element is not self._root:
            parts.append(self._segment(element))
            element = element.getparent()
        return "/".join(p for p in reversed(parts) if p)

    def _segment(self, element: etree._Element) -> str:
        name = local_name(element.tag)
        node = self._nodes.get(name)
        at_root = element.getparent() is self._root
        if node is None or (at_root and name != self._spec.business.name):
            return name
        if self._several if at_root else node.repeated:
            same = sum(1 for s in element.itersiblings(preceding=True) if s.tag == element.tag)
            return f"{name}[{same + 1}]"
        return ""

    def _required(self, parent: etree._Element) -> frozenset[str]:
        if parent is self._root:
            return frozenset(_root_required(self._spec))
        node = self._nodes.get(local_name(parent.tag))
        return _required_children(node) if node else frozenset()

    def _is_required(self, element: etree._Element) -> bool:
        parent = element.getparent()
        return parent is not None and local_name(element.tag) in self._required(parent)


@functools.cache
def _nodes(code: str) -> dict[str, NodeSpec]:
    spec = catalogue()[code]
    found: dict[str, NodeSpec] = {}
    stack = [spec.business] + ([spec.transfer] if spec.transfer else [])
    while stack:
        node = stack.pop()
        found[node.name] = node
        stack.extend(c for c in node.children if isinstance(c, NodeSpec))
    return found


@functools.cache
def _required_children(node: NodeSpec) -> frozenset[str]:
    return frozenset(
        c.name for c in node.children if (c.required if isinstance(c, FieldSpec) else c.min_occurs > 0)
    )


def _root_required(spec: MessageSpec) -> set[str]:
    required = {spec.business.name}
    if spec.transfer is not None:
        required.add("BaseTransfer")
    if spec.signature == "required":
        required.add("Signature")
    return required


def _code(type_name: str) -> str:
    return next((code for marker, code in _CODES if marker in type_name), "xsd.invalid")


def _join(path: str, name: str) -> str:
    return f"{path}/{name}" if path else name


def _last_step(path: str) -> str:
    step = path.rsplit("/", 1)[-1]
    return step.rpartition(":")[2]
