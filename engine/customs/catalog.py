"""The field catalogue of every CEB message, from the official XSD: what the rules check and the forms show."""

from __future__ import annotations

import functools
import re

from adapters import ceb
from adapters.ceb import FieldSpec
from domain.customs.documents import ALL_TYPES

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


ROLES = {"order": ("订单", "order"), "payment": ("支付单", "payment"), "waybill": ("运单", "waybill"),
         "inventory": ("清单", "inventory"), "collection": ("收款单", "receipt of payment"),
         # what the platform's own checks name besides the message's fields
         "amendReason": ("修改原因", "amendReason"), "status": ("单证状态", "status"),
         "documentId": ("单证", "documentId")}
LINE = re.compile(r"^(\w+)\[(\d+)\]$")


def path_label(catalog: Catalog, path: str, message_type: str = "", lang: str = "zh-CN") -> str:
    """A field path as a reader names it (#18): acturalPaid 实际支付金额, inventoryList[2].gcode 第2行 商品编码,
    waybill.consignee 运单 收货人姓名; English keeps the field names. Error lists show it instead of the raw path."""
    words = []
    for part in str(path).split("."):
        line = LINE.match(part)
        if line:
            words.append(f"line {line.group(2)}" if lang == "en" else f"第{line.group(2)}行")
            words[-1:] = [_label_anywhere(catalog, line.group(1), message_type, lang), words[-1]]
        elif part in ROLES:
            words.append(ROLES[part][1 if lang == "en" else 0])
        else:
            words.append(_label_anywhere(catalog, part, message_type, lang))
    return " ".join(words)


def _label_anywhere(catalog: Catalog, name: str, message_type: str, lang: str) -> str:
    """The field's label in the document's own type, else in the first type that has it."""
    if name.endswith("List") and lang != "en":
        return "明细"
    for candidate in ([message_type] if message_type else []) + [t.message for t in ALL_TYPES]:
        label = catalog.label(candidate, name, lang)
        if label != name:
            return label
    return name
