"""签名审计 queries (#17 item 5): the auditors' search over the key-use read model, checked and scoped.

The page, the JSON API and the export (ui/routers/signing/pages.py) all come through ``KeyUseQueries``: filters
are checked here (a bad time or digest is refused naming the field and the rule, in Chinese and English) and every
read is scoped to what the caller's organisation may see (``scope_of``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from domain.identity.roles import Principal
from domain.shared.rules import FieldError
from engine import clock
from projections.signing.key_uses import Filters, KeyUsesView, Scope, local_iso

TEXT_FIELDS = ("caller", "organisation", "enterprise", "key_id", "operation", "outcome")
HEX = re.compile(r"[0-9a-f]{1,64}")
ZONE = re.compile(r"(Z|[+-]\d\d:?\d\d)$")


class FiltersRefused(ValueError):
    """The search could not be read; ``errors`` name each field and rule."""

    def __init__(self, errors: list[FieldError]):
        super().__init__("; ".join(f"{e.field}: {e.message_zh} {e.message_en}" for e in errors))
        self.errors = errors


@dataclass(frozen=True)
class Found:
    """One page of uses, the total, and how many uses were lost in the time searched (platform-wide)."""

    rows: list[dict[str, Any]]
    total: int
    lost: int


def scope_of(principal: Principal) -> Scope | None:
    """Platform auditors see every use; anyone else the uses of its organisation's enterprises' keys and those of its
    organisation's callers."""
    if principal.sees_all:
        return None
    return Scope(principal.organisation, principal.enterprise_codes)


def parse_filters(raw: Mapping[str, str]) -> Filters:
    """The search as typed (query parameters) to Filters; FiltersRefused naming every field that cannot be read."""
    errors: list[FieldError] = []
    values = {name: str(raw.get(name) or "").strip() for name in (*TEXT_FIELDS, "digest", "time_from", "time_to")}
    digest = values["digest"].lower()
    if digest and not HEX.fullmatch(digest):
        errors.append(FieldError("digest", "sha256_hex", "摘要应为SHA-256十六进制（最多64位，可只填开头）",
                                 "the digest is a SHA-256 in hex (up to 64 characters; its start is enough)",
                                 value=values["digest"][:80]))
    time_from = _moment("time_from", values["time_from"], errors, end=False)
    time_to = _moment("time_to", values["time_to"], errors, end=True)
    if errors:
        raise FiltersRefused(errors)
    return Filters(time_from=time_from, time_to=time_to, digest=digest,
                   **{name: values[name] for name in TEXT_FIELDS})


def _moment(field: str, text: str, errors: list[FieldError], end: bool) -> str:
    """A date or date-time (Asia/Shanghai unless it names its zone) as the read model's time text. ``end``: the end
    of what was typed, so "to 2026-03-01" includes that whole day, "to 09:30" that whole minute."""
    if not text:
        return ""
    try:
        moment = datetime.fromisoformat(text.replace(" ", "T"))
    except ValueError:
        errors.append(FieldError(field, "datetime", "时间格式应为 YYYY-MM-DD 或 YYYY-MM-DDTHH:MM[:SS]",
                                 "the time is YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS]", value=text[:80]))
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=clock.SHANGHAI)
    if end:
        moment += _precision(text)
    return local_iso(moment)


def _precision(text: str) -> timedelta:
    """The unit the text was typed in: a day, a minute, a second (or finer)."""
    body = ZONE.sub("", text.replace(" ", "T"))
    try:
        date.fromisoformat(body)
        return timedelta(days=1)
    except ValueError:
        pass
    time_part = body.partition("T")[2]
    if time_part.count(":") == 1:
        return timedelta(minutes=1)
    return timedelta(microseconds=1) if "." in time_part else timedelta(seconds=1)


class KeyUseQueries:
    """Reads of the key-use log for auditors, always through a principal's scope."""

    def __init__(self, view: KeyUsesView):
        self.view = view

    def search(self, principal: Principal, filters: Filters, page: int = 1, per_page: int = 50) -> Found:
        """The read model is caught up first: an auditor sees the batches written until now."""
        self.view.run_once()
        rows, total = self.view.search(filters, scope_of(principal), page, per_page)
        return Found(rows=rows, total=total, lost=self.view.lost(filters))

    def operations(self) -> list[str]:
        return self.view.operations()
