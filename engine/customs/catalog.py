"""The field catalogue of every CEB message, from the official XSD: what the rules check and the forms show."""

from __future__ import annotations

import functools

from adapters import ceb
from adapters.ceb import FieldSpec

Fields = list[FieldSpec]  # the fields of one part of a message (its head, or one list's lines), in XSD order
Specs = tuple[Fields, dict[str, Fields]]


class Catalog:
    def specs(self, message_type: str) -> Specs:
        """(head fields, {list key: line fields}) of a message's business document, in XSD order."""
        return _specs(message_type)

    def label(self, message_type: str, name: str, lang: str = "zh-CN") -> str:
        if lang == "en":
            return name
        head, lists = self.specs(message_type)
        for spec in head + [s for fields in lists.values() for s in fields]:
            if spec.name == name:
                return spec.label_zh or name
        return name


@functools.cache
def _specs(message_type: str) -> Specs:
    parts = dict(ceb.describe(message_type))
    head = list(parts.pop("head", ()))
    return head, {key: list(fields) for key, fields in parts.items()}
