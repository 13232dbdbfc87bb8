"""An in-memory index of every list: exact lookups for the rules, prefix search for forms.

Built once from the read model and replaced whole when it changes, so readers never see half an update.
A search finds entries whose code, Chinese name, English name or (for countries) alias starts with the text:
typing 日 or 11 offers 116 日本, typing jp offers 116 too.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date
from itertools import islice

from domain.reference.entry import Entry

ALIASES, COUNTRIES = "country_aliases", "countries"


def fold(text: str) -> str:
    return text.strip().casefold()


class ReferenceIndex:
    def __init__(self, entries: Iterable[Entry] = (), complete: Mapping[str, bool] | None = None):
        """``complete`` says which lists hold every official code (a list it does not name does); a code missing
        from an incomplete list is only a warning (#18)."""
        self._complete = dict(complete or {})
        self._by_code: dict[str, dict[str, Entry]] = defaultdict(dict)
        for entry in entries:
            self._by_code[entry.list_name][entry.code] = entry
        self._aliases = {fold(e.code): e.attrs.get("country", "") for e in self._by_code[ALIASES].values()}
        self._keys: dict[str, list[list[tuple[str, str]]]] = {}

    def entry(self, list_name: str, code: str) -> Entry | None:
        return self._by_code.get(list_name, {}).get(code)

    def has_list(self, list_name: str) -> bool:
        """A list without entries (ports, before anyone imports them) is not enforced."""
        return bool(self._by_code.get(list_name))

    def is_complete(self, list_name: str) -> bool:
        """Whether a code missing from the list is missing from customs' list too (else it may be one we lack)."""
        return self._complete.get(list_name, True)

    def count(self, list_name: str) -> int:
        return len(self._by_code.get(list_name, {}))

    def entries(self, list_name: str) -> list[Entry]:
        return list(self._by_code.get(list_name, {}).values())

    def covering(self, list_name: str, goods_code: str, on: date | None = None) -> Entry | None:
        """The most specific entry of a goods list (正面/负面清单) whose HS prefix covers this 10-digit code."""
        entries = self._by_code.get(list_name, {})
        for length in range(len(goods_code), 3, -1):
            entry = entries.get(goods_code[:length])
            if entry is not None and (on is None or entry.valid_on(on)):
                return entry
        return None

    def country_for(self, text: str) -> Entry | None:
        """A country from its code or any alias: 日本, JP, JPN, Japan -> 116."""
        direct = self.entry(COUNTRIES, text.strip())
        return direct or self.entry(COUNTRIES, self._aliases.get(fold(text), ""))

    def search(self, list_name: str, text: str, limit: int = 20, on: date | None = None) -> list[Entry]:
        """Entries whose code, names or aliases start with the text: the exact code first, then codes, Chinese
        names, English names, aliases. Stops at the limit, so a search costs the same with 100 or 10,000 rows."""
        entries, query = self._by_code.get(list_name, {}), fold(text)
        if not query:
            in_order = (entries[code] for _, code in self._search_keys(list_name)[0])
            return list(islice((e for e in in_order if on is None or e.valid_on(on)), limit))
        found: dict[str, Entry] = {}
        exact = entries.get(text.strip())
        if exact is not None and (on is None or exact.valid_on(on)):
            found[exact.code] = exact
        for keys in self._search_keys(list_name):
            at = bisect_left(keys, (query, ""))
            while at < len(keys) and len(found) < limit and keys[at][0].startswith(query):
                code, at = keys[at][1], at + 1
                entry = entries.get(code)
                if entry is not None and code not in found and (on is None or entry.valid_on(on)):
                    found[code] = entry
        return list(found.values())[:limit]

    def _search_keys(self, list_name: str) -> list[list[tuple[str, str]]]:
        keys = self._keys.get(list_name)
        if keys is None:
            entries = self._by_code.get(list_name, {}).values()
            keys = [sorted((fold(e.code), e.code) for e in entries),
                    sorted((fold(e.name_zh), e.code) for e in entries if e.name_zh),
                    sorted((fold(e.name_en), e.code) for e in entries if e.name_en)]
            if list_name == COUNTRIES:
                keys.append(sorted(self._aliases.items()))
            self._keys[list_name] = keys
        return keys
