"""One entry of a code list as the rules see it: a code, its names, its validity dates, its other columns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

BASE = ("code", "name_zh", "name_en", "valid_from", "valid_to")


@dataclass(frozen=True)
class Entry:
    list_name: str
    code: str
    name_zh: str = ""
    name_en: str = ""
    valid_from: str = ""  # ISO date, empty: since always
    valid_to: str = ""  # ISO date, inclusive; empty: no end
    attrs: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, list_name: str, row: Mapping[str, str]) -> Entry:
        return cls(list_name, row["code"], row.get("name_zh", ""), row.get("name_en", ""), row.get("valid_from", ""),
                   row.get("valid_to", ""), {k: v for k, v in row.items() if k not in BASE and v})

    def valid_on(self, day: date) -> bool:
        text = day.isoformat()
        return (not self.valid_from or self.valid_from <= text) and (not self.valid_to or text <= self.valid_to)

    def name(self, lang: str = "zh-CN") -> str:
        return (self.name_en or self.name_zh) if lang == "en" else (self.name_zh or self.name_en)

    @property
    def validity(self) -> str:
        return f"{self.valid_from or '…'} ~ {self.valid_to or '…'}"
