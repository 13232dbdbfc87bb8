"""代码表 aggregates: one per list, its entries and every change to them as events (who, when, why).

A list is one aggregate so that an import of a whole table is one decision and one event, however many
rows it has; an entry's history is the list's events that touched its code.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.reference.lists import LISTS, Codes, ListSpec, Reason, normalise, problems
from domain.shared.ids import NAMESPACE

SEED_CHUNK = 1000  # rows of a shipped list per Seeded event


class ReferenceChangeRefused(ValueError):
    """An edit the list cannot take (no reason given, a bad value); nothing was recorded."""

    def __init__(self, reasons: Sequence[Reason]):
        super().__init__("; ".join(r.en for r in reasons))
        self.reasons = list(reasons)


@dataclass(frozen=True)
class Rejection:
    row: int  # line of the file, the header being line 1
    code: str
    reasons: tuple[Reason, ...]

    @property
    def reason_zh(self) -> str:
        return "；".join(r.zh for r in self.reasons)

    @property
    def reason_en(self) -> str:
        return "; ".join(r.en for r in self.reasons)


@dataclass
class ImportReport:
    """What an import did: rows added, changed, unchanged, and the rejected ones with their reasons."""

    list_name: str
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: int = 0
    rejected: list[Rejection] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"list": self.list_name, "added": len(self.added), "changed": len(self.changed),
                "unchanged": self.unchanged, "rejected": len(self.rejected),
                "rejections": [{"row": r.row, "code": r.code, "reason_zh": r.reason_zh, "reason_en": r.reason_en}
                               for r in self.rejected]}


class CodeList(Aggregate):
    """代码表 one customs code list or basic-data list (币制, 国别, 商品编码, 正面清单 ...)."""

    @staticmethod
    def create_id(name: str, **_: Any) -> UUID:
        return uuid5(NAMESPACE, f"reference/{name}")

    @event("Created")
    def __init__(self, name: str, created_at: datetime) -> None:
        self.name = name
        self.entries: dict[str, dict[str, str]] = {}
        self.seeded: list[str] = []
        self.complete: bool | None = None  # None: as the shipped list says (adapters/reference/shipped.py)

    @property
    def spec(self) -> ListSpec:
        return LISTS[self.name]

    def seed(self, rows: Iterable[Mapping[str, Any]], digest: str, at: datetime) -> list[str]:
        """Load the list shipped with the platform, once per version of the file: only codes not yet present
        are added, so administrators' edits survive a new shipped version. Invalid rows are skipped. A long list
        (11,827 HS codes) is recorded as several events of SEED_CHUNK rows: one event stays small enough for a Kafka
        record (1 MB by default) and for a read model to take in one transaction."""
        if digest in self.seeded:
            return []
        added: dict[str, dict[str, str]] = {}
        for raw in rows:
            row = normalise(self.spec, raw)
            if row["code"] not in self.entries and row["code"] not in added and not problems(self.spec, row):
                added[row["code"]] = row
        values = list(added.values())
        for start in range(0, max(len(values), 1), SEED_CHUNK):
            self._seeded(digest=digest, added=values[start:start + SEED_CHUNK], at=at)
        return list(added)

    @event("Seeded")
    def _seeded(self, digest: str, added: list[dict[str, str]], at: datetime) -> None:
        if digest not in self.seeded:
            self.seeded.append(digest)
        for row in added:
            self.entries[row["code"]] = row

    def import_rows(self, rows: Sequence[tuple[int, Mapping[str, Any]]], columns: Iterable[str], codes: Codes | None,
                    by: str, reason: str, source: str, at: datetime) -> ImportReport:
        """Import a table (rows numbered as in the file). Columns the file lacks keep their values; a row that
        breaks a rule is rejected with its reasons and the others are still imported."""
        present = set(columns) | {"code"}
        report, added, changed, seen = ImportReport(self.name), {}, {}, set()
        for number, raw in rows:
            row = normalise(self.spec, raw)
            current = self.entries.get(row["code"])
            merged = {k: (row[k] if k in present or current is None else current.get(k, "")) for k in self.spec.keys}
            reasons = problems(self.spec, merged, codes)
            if row["code"] in seen:
                code = row["code"]
                reasons.insert(0, Reason(f"代码 {code} 在文件中重复", f"code {code} appears twice in the file"))
            seen.add(row["code"])
            if reasons:
                report.rejected.append(Rejection(number, row["code"], tuple(reasons)))
            elif current is None:
                added[row["code"]] = merged
            elif diff := _diff(current, merged):
                changed[row["code"]] = diff
            else:
                report.unchanged += 1
        if added or changed:
            self._imported(added=list(added.values()), changed=list(changed.values()), by=by, reason=reason,
                           source=source, at=at)
        report.added, report.changed = list(added), list(changed)
        return report

    @event("Imported")
    def _imported(self, added: list[dict[str, str]], changed: list[dict[str, Any]], by: str, reason: str, source: str,
                  at: datetime) -> None:
        for row in added:
            self.entries[row["code"]] = row
        for change in changed:
            self.entries[change["code"]] = self.entries[change["code"]] | change["after"]

    def mark_complete(self, complete: bool, by: str, reason: str, at: datetime) -> bool:
        """Say whether the list now holds every official code (an administrator imported customs' own table):
        from then on a code missing from it is refused, not only warned about (#18). False when nothing changes."""
        if self.complete is complete:
            return False
        self._marked(complete=complete, by=by, reason=reason, at=at)
        return True

    @event("CompletenessMarked")
    def _marked(self, complete: bool, by: str, reason: str, at: datetime) -> None:
        self.complete = complete

    def edit(self, values: Mapping[str, Any], codes: Codes | None, by: str, reason: str, at: datetime) -> bool:
        """Add or change one entry, with the reason for the record. False when nothing changed."""
        if not reason.strip():
            raise ReferenceChangeRefused([Reason("请填写修改原因", "a reason for the change is required")])
        current = self.entries.get(normalise(self.spec, values)["code"])
        row = normalise(self.spec, {k: values.get(k, (current or {}).get(k, "")) for k in self.spec.keys})
        reasons = problems(self.spec, row, codes)
        if reasons:
            raise ReferenceChangeRefused(reasons)
        diff: dict[str, Any] = _diff(current or {}, row) if current else {"code": row["code"], "before": {},
                                                                         "after": row}
        if not diff:
            return False
        self._edited(code=row["code"], before=diff["before"], after=diff["after"], by=by, reason=reason.strip(), at=at)
        return True

    @event("EntryEdited")
    def _edited(self, code: str, before: dict[str, str], after: dict[str, str], by: str, reason: str,
                at: datetime) -> None:
        self.entries[code] = self.entries.get(code, {}) | after


def _diff(current: Mapping[str, str], new: Mapping[str, str]) -> dict[str, Any]:
    """The fields that change, with their values before and after; empty when nothing changes."""
    keys = [k for k, v in new.items() if current.get(k, "") != v]
    if not keys:
        return {}
    return {"code": new["code"], "before": {k: current.get(k, "") for k in keys}, "after": {k: new[k] for k in keys}}
