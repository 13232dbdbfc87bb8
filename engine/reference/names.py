"""The names of customs codes (#18): 142 人民币, 502 美国, 122 罐, 1210 保税电商, read from the code lists (海关参数) in
the reader's language. Printouts, document pages and lists show a code with its name: a bare code means nothing to a
reader who has not learnt the tables."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain.reference.rules import HS, UNITS

# which code list a field's code is in, by the field's name, for every document type (the CEB names are shared)
CODE_LISTS = {"currency": "currencies", "fCurrency": "currencies", "iCurrency": "currencies",
              "country": "countries", "tradeCountry": "countries", "unit": UNITS, "unit1": UNITS, "unit2": UNITS,
              "buyerIdType": "id_types", "payerIdType": "id_types", "customsCode": "customs_districts",
              "portCode": "customs_districts", "iePortCode": "customs_districts", "tradeMode": "trade_modes",
              "trafMode": "transport_modes", "POD": "ports", "gcode": HS}


class CodeNames:
    """Names of the codes in a document, read from the reference data as it stands (one lookup per code)."""

    def __init__(self, reference: Any):
        self.reference = reference

    def name(self, field: str, code: Any, lang: str = "zh-CN") -> str:
        list_name = CODE_LISTS.get(field)
        if list_name is None or code in (None, ""):
            return ""
        entry = self.reference.entry(list_name, str(code))
        if not entry:
            return ""
        return str((entry.get("name_en") if lang == "en" else None) or entry.get("name_zh") or entry.get("name") or "")

    def of(self, document: Mapping[str, Any], lang: str = "zh-CN") -> dict[str, Any]:
        """{field: name} of the head's coded fields, and {list key: [{field: name} per line]} of its lines."""
        names: dict[str, Any] = {}
        for field, value in document.items():
            if isinstance(value, list):
                names[field] = [{f: self.name(f, v, lang) for f, v in line.items() if f in CODE_LISTS}
                                for line in value if isinstance(line, Mapping)]
            elif field in CODE_LISTS:
                names[field] = self.name(field, value, lang)
        return names
