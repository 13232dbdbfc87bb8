"""What a form or a rule engine needs to know about each field of a message type."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from types import MappingProxyType

from .model import FieldSpec, MessageSpec, NodeSpec, catalogue, message_spec, normalize_type

HEAD = "head"


def describe(message_type: str) -> Mapping[str, tuple[FieldSpec, ...]]:
    """Ordered fields per section of the JSON document.

    ``head`` holds the fields of the document dict itself (a merged head such as OrderHead, or
    the flat receipt node); each list has its key, e.g. ``orderList``. Nested lists (none in the
    202205 schemas) would be keyed ``orderList.subList``.
    """
    return _describe(normalize_type(message_type))


def field_specs(message_type: str) -> Mapping[str, FieldSpec]:
    """Every field by its JSON path: ``orderNo`` for the head, ``orderList.qty`` for lines."""
    return _field_specs(normalize_type(message_type))


def message_info(message_type: str) -> MessageSpec:
    """Code, root, direction, Chinese name, business node, signature requirement of a message."""
    return message_spec(message_type)


def message_types(direction: str | None = None) -> tuple[str, ...]:
    """All message codes ('CEB213' ...), optionally only 'import' or 'export'."""
    return tuple(sorted(c for c, s in catalogue().items() if direction in (None, s.direction)))


@functools.cache
def _describe(code: str) -> Mapping[str, tuple[FieldSpec, ...]]:
    sections: dict[str, list[FieldSpec]] = {}
    _collect(message_spec(code).business, HEAD, sections)
    return MappingProxyType({key: tuple(fields) for key, fields in sections.items()})


@functools.cache
def _field_specs(code: str) -> Mapping[str, FieldSpec]:
    specs = {}
    for section, fields in _describe(code).items():
        for field in fields:
            specs[field.name if section == HEAD else f"{section}.{field.name}"] = field
    return MappingProxyType(specs)


def _collect(node: NodeSpec, section: str, sections: dict[str, list[FieldSpec]]) -> None:
    fields = sections.setdefault(section, [])
    for child in node.children:
        if isinstance(child, FieldSpec):
            fields.append(child)
        elif child.repeated:
            _collect(child, child.key if section == HEAD else f"{section}.{child.key}", sections)
        else:
            _collect(child, section, sections)
