"""Buyers' personal data in what people see (#18): ID numbers and phones are masked unless the viewer may see them.

The mask keeps the first 3 and last 4 characters of an ID number (330***********1234) and of a phone (138****5678).
Why 3 + 4 for ID numbers: the widespread 6 + 4 (GB/T 35273 examples, bank apps) shows the whole county code, which
with a name narrows a buyer down a lot; 3 + 4 is what Chinese e-commerce and logistics consoles show, still enough for
a declarant to tell two buyers apart and to read the check digit back to a caller. Phones: 3 + 4 is the common
practice everywhere (the carrier prefix and the last four digits). Pure: no I/O, the caller decides who may see."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

KEEP_HEAD, KEEP_TAIL = 3, 4
ID_FIELDS = frozenset({"buyerIdNumber", "payerIdNumber", "consigneeIdNumber", "buyer_id_number"})
# "telephone": the payment's (CEB411) 支付人电话, the payer's own phone
PHONE_FIELDS = frozenset({"buyerTelephone", "payerTelephone", "consigneeTelephone", "buyer_telephone", "telephone"})
PERSONAL_FIELDS = ID_FIELDS | PHONE_FIELDS
# a CEB message's element of one of those fields (any namespace prefix) and its text
XML_FIELD = re.compile(r"(<(?:[\w.-]+:)?(?:" + "|".join(sorted(PERSONAL_FIELDS)) + r")>)([^<]*)(<)")


def mask(value: Any) -> Any:
    """The first 3 and last 4 characters kept, the rest as *; a value of 8 characters or fewer keeps only its last 2
    (a short foreign ID would otherwise be nearly whole). None and empty stay as they are."""
    if value is None or value == "":
        return value
    text = str(value)
    if len(text) <= KEEP_HEAD + KEEP_TAIL + 1:
        return "*" * max(len(text) - 2, 1) + text[-2:] if len(text) > 2 else "*" * len(text)
    return text[:KEEP_HEAD] + "*" * (len(text) - KEEP_HEAD - KEEP_TAIL) + text[-KEEP_TAIL:]


def masked(values: Mapping[str, Any]) -> dict[str, Any]:
    """A document or list row with its personal fields masked, its lists (lines) walked too."""
    out: dict[str, Any] = {}
    for name, value in values.items():
        if name in PERSONAL_FIELDS:
            out[name] = mask(value)
        elif isinstance(value, list):
            out[name] = [masked(item) if isinstance(item, Mapping) else item for item in value]
        else:
            out[name] = value
    return out


def has_personal(values: Mapping[str, Any]) -> bool:
    """Does it carry an ID number or phone (that unmasked viewing would reveal, and so log)?"""
    return any(values.get(name) for name in PERSONAL_FIELDS)


def masked_xml(xml: str) -> str:
    """A CEB message with the text of its buyer / payer / consignee ID number and phone elements masked."""
    return XML_FIELD.sub(lambda m: m.group(1) + str(mask(m.group(2))) + m.group(3), xml)


def masked_value(name: str, value: Any) -> Any:
    """One field's value as shown to someone who may not see personal data whole: a personal field masked, a text
    carrying a CEB message (a message's signed XML, a receipt kept in an event) with its personal elements masked,
    anything else as it is. The one rule for values shown field by field (the audit history's dotted paths end with
    the field's name)."""
    if name in PERSONAL_FIELDS:
        return mask(value)
    if isinstance(value, str) and "<" in value:
        return masked_xml(value)
    return value
