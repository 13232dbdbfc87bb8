"""What the official XSDs say about each CEB message, read once from the files.

A message (``CEB311Message``) holds one kind of business node (``Order``), repeated; each
instance is one *document*. A node's children are fields (simple elements) or nodes (complex
elements). In the JSON shape a complex child with maxOccurs 1 (``OrderHead``) is merged into
its parent's dict, one with maxOccurs > 1 (``OrderList``) becomes a list named in lower camel
case (``orderList``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from lxml import etree

from .errors import CodecError
from .labels import short_label
from .schemas import EXPORT_XSD, IMPORT_XSD, parse_xsd

CEB_NS = "http://www.chinaport.gov.cn/ceb"
DS_NS = "http://www.w3.org/2000/09/xmldsig#"
_XS = "{http://www.w3.org/2001/XMLSchema}"
_XS_NS = {"xs": "http://www.w3.org/2001/XMLSchema"}
ROOT_NAME = re.compile(r"(CEB\d{3})Message")
_TYPE_NAME = re.compile(r"(?:CEB)?(\d{3})(?:Message)?", re.IGNORECASE)
_KINDS = {"string": "string", "decimal": "decimal", "int": "int", "integer": "int", "long": "int"}
_ENVELOPE_PARTS = frozenset({"BaseTransfer", "BaseSubscribe", "ExtendMessage", "Signature"})


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One simple element: occurrence, facets and the Chinese annotation of the XSD."""

    name: str
    required: bool
    max_length: int | None = None
    length: int | None = None
    min_length: int | None = None
    total_digits: int | None = None
    fraction_digits: int | None = None
    kind: str = "string"  # 'string' | 'decimal' | 'int'
    label_zh: str = ""  # short label, e.g. 订单编号
    doc_zh: str = ""  # the full xs:documentation text
    default: str | None = None
    fixed: str | None = None
    patterns: tuple[str, ...] = ()
    enumeration: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class NodeSpec:
    """One complex element and its ordered children."""

    name: str
    min_occurs: int
    max_occurs: int | None  # None = unbounded
    label_zh: str
    children: tuple[FieldSpec | NodeSpec, ...]

    @property
    def repeated(self) -> bool:
        return self.max_occurs is None or self.max_occurs > 1

    @property
    def key(self) -> str | None:
        """The JSON list key for a repeated node (``orderList``); None when merged flat."""
        return lower_camel(self.name) if self.repeated else None


@dataclass(frozen=True, slots=True)
class MessageSpec:
    code: str  # CEB311
    root: str  # CEB311Message
    direction: str  # 'import' | 'export'
    label_zh: str
    business: NodeSpec
    parts: tuple[str, ...]  # root children in XSD order, e.g. ('Order', 'BaseTransfer', ...)
    transfer: NodeSpec | None
    signature: str  # 'required' | 'optional' | 'absent'
    attributes: tuple[FieldSpec, ...]

    @property
    def from_customs(self) -> bool:
        """Receipts and notices sent by customs carry no BaseTransfer (CEB312, 816, 900 ...)."""
        return self.transfer is None


def lower_camel(name: str) -> str:
    return name[:1].lower() + name[1:]


def normalize_type(message_type: str) -> str:
    """'CEB311', 'CEB311Message', 'ceb311' or '311' -> 'CEB311'."""
    match = _TYPE_NAME.fullmatch(str(message_type).strip())
    if match is None:
        raise CodecError(f"未知报文类型 unknown message type: {message_type!r}")
    return f"CEB{match.group(1)}"


@functools.cache
def catalogue() -> Mapping[str, MessageSpec]:
    """Every CEB message of the import and export schemas, keyed by code ('CEB311')."""
    specs: dict[str, MessageSpec] = {}
    for direction, xsd in (("import", IMPORT_XSD), ("export", EXPORT_XSD)):
        specs.update(_XsdReader(parse_xsd(xsd).getroot(), direction).messages())
    return MappingProxyType(specs)


def message_spec(message_type: str) -> MessageSpec:
    code = normalize_type(message_type)
    spec = catalogue().get(code)
    if spec is None:
        raise CodecError(f"未知报文类型 unknown message type: {message_type!r}")
    return spec


class _XsdReader:
    """Walks one business-node XSD (only the constructs the customs schemas use)."""

    def __init__(self, root: etree._Element, direction: str) -> None:
        self._globals = {el.get("name"): el for el in root.iterchildren(_XS + "element")}
        self._direction = direction

    def messages(self) -> Iterator[tuple[str, MessageSpec]]:
        for name, element in self._globals.items():
            match = ROOT_NAME.fullmatch(name)
            if match:
                yield match.group(1), self._message(match.group(1), element)

    def _message(self, code: str, element: etree._Element) -> MessageSpec:
        complex_type = element.find(_XS + "complexType")
        particles = list(complex_type.find(_XS + "sequence").iterchildren(_XS + "element"))
        names = tuple(_particle_name(p) for p in particles)
        by_name = dict(zip(names, particles, strict=True))
        business = [self._node(p) for n, p in by_name.items() if n not in _ENVELOPE_PARTS]
        if len(business) != 1:
            raise CodecError(f"{code}: expected one business node, found {[b.name for b in business]}")
        signature = by_name.get("Signature")
        return MessageSpec(
            code=code,
            root=element.get("name"),
            direction=self._direction,
            label_zh=_documentation(element),
            business=business[0],
            parts=names,
            transfer=self._node(by_name["BaseTransfer"]) if "BaseTransfer" in by_name else None,
            signature="absent" if signature is None else ("required" if _min(signature) else "optional"),
            attributes=tuple(_attribute(a) for a in complex_type.iterchildren(_XS + "attribute")),
        )

    def _target(self, particle: etree._Element) -> etree._Element:
        ref = particle.get("ref")
        return particle if ref is None else self._globals[ref.rpartition(":")[2]]

    def _child(self, particle: etree._Element, parent: str) -> FieldSpec | NodeSpec:
        target = self._target(particle)
        if target.find(_XS + "complexType") is not None:
            return self._node(particle)
        return _field(particle, target, f"{self._direction} {parent}")

    def _node(self, particle: etree._Element) -> NodeSpec:
        target = self._target(particle)
        sequence = target.find(f"{_XS}complexType/{_XS}sequence")
        if sequence is None or len(sequence.findall(_XS + "element")) != _count_elements(sequence):
            raise CodecError(f"unsupported XSD construct in {target.get('name')}")
        children = tuple(self._child(p, target.get("name")) for p in sequence.iterchildren(_XS + "element"))
        node = NodeSpec(
            name=target.get("name"),
            min_occurs=_min(particle),
            max_occurs=_max(particle),
            label_zh=_documentation(particle) or _documentation(target),
            children=children,
        )
        _check_flat_names(node)
        return node


def _count_elements(sequence: etree._Element) -> int:
    return sum(1 for c in sequence if isinstance(c.tag, str) and c.tag != _XS + "annotation")


def _particle_name(particle: etree._Element) -> str:
    return particle.get("name") or particle.get("ref").rpartition(":")[2]


def _min(particle: etree._Element) -> int:
    return int(particle.get("minOccurs", "1"))


def _max(particle: etree._Element) -> int | None:
    value = particle.get("maxOccurs", "1")
    return None if value == "unbounded" else int(value)


def _documentation(element: etree._Element) -> str:
    text = element.findtext("xs:annotation/xs:documentation", namespaces=_XS_NS)
    return " ".join(text.split()) if text else ""


def _field(particle: etree._Element, target: etree._Element, context: str) -> FieldSpec:
    if _max(particle) != 1:
        raise CodecError(f"unsupported repeated simple element {target.get('name')}")
    facets = _facets(target)
    name = target.get("name")
    doc = _documentation(particle) or _documentation(target)
    return FieldSpec(
        name=name,
        required=_min(particle) > 0,
        label_zh=short_label(name, doc, context),
        doc_zh=doc,
        default=target.get("default"),
        fixed=target.get("fixed"),
        **facets,
    )


def _attribute(attribute: etree._Element) -> FieldSpec:
    name = attribute.get("name")
    doc = _documentation(attribute)
    facets = _facets(attribute)
    required = attribute.get("use") == "required"
    return FieldSpec(name=name, required=required, label_zh=short_label(name, doc), doc_zh=doc, **facets)


def _facets(declaration: etree._Element) -> dict:
    restriction = declaration.find(f"{_XS}simpleType/{_XS}restriction")
    if restriction is None:
        return {"kind": _kind(declaration.get("type"))}
    values: dict[str, list[str]] = {}
    for facet in restriction:
        if isinstance(facet.tag, str):
            values.setdefault(etree.QName(facet).localname, []).append(facet.get("value"))

    def number(facet: str) -> int | None:
        return int(values[facet][0]) if facet in values else None

    return {
        "kind": _kind(restriction.get("base")),
        "max_length": number("maxLength"),
        "length": number("length"),
        "min_length": number("minLength"),
        "total_digits": number("totalDigits"),
        "fraction_digits": number("fractionDigits"),
        "patterns": tuple(values.get("pattern", ())),
        "enumeration": tuple(values.get("enumeration", ())),
    }


def _kind(type_name: str | None) -> str:
    return _KINDS.get((type_name or "xs:string").rpartition(":")[2], "string")


def _check_flat_names(node: NodeSpec) -> None:
    """Merged children share their parent's dict: a name clash would lose data."""
    seen: set[str] = set()
    stack = list(node.children)
    while stack:
        child = stack.pop()
        name = child.key if isinstance(child, NodeSpec) and child.repeated else child.name
        if isinstance(child, NodeSpec) and not child.repeated:
            stack.extend(child.children)
            continue
        if name in seen:
            raise CodecError(f"{node.name}: field {name} appears twice once merged flat")
        seen.add(name)
