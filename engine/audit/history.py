"""审计历史 (B1): any document's history from its events, its state as of any moment, and what changed between two
moments. The state is replayed from the event store (the aggregate's own events, in version order); nothing is
read from a read model.

Two rules keep what is shown fit to show: secrets (HIDDEN) are never shown, only said to have changed; buyers' ID
numbers and phones, and the CEB messages that carry them, are masked by the one rule of domain/shared/personal.py
(first 3 + last 4) unless the caller asks for them whole (`whole=True`: a viewer holding I3:view-personal who gave a
reason, which the console logs) (#18)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from domain.shared.personal import masked_value
from engine.store import EventStore
from projections.audit.event_index import kinds_of, user_of

HIDDEN = ("hash", "secret", "sealed", "password")  # never shown, only said to have changed
INTERNAL = {"_id", "_version", "_created_on", "_modified_on", "_pending_events"}
MASK = "••••••"


@dataclass
class Change:
    path: str
    before: Any
    after: Any


@dataclass
class HistoryEntry:
    version: int
    at: datetime
    doc_type: str
    event_type: str
    user: str  # '' when the platform itself acted
    changes: list[Change] = field(default_factory=list)

    @property
    def field_changes(self) -> list[Change]:
        """Changes of the aggregate's own fields (status, return_info ...)."""
        return [c for c in self.changes if "." not in c.path]

    @property
    def nested_changes(self) -> list[Change]:
        """Changes inside documents and lists (document.orderList.1.qty, receipts.2.returnStatus ...)."""
        return [c for c in self.changes if "." in c.path]


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Nested dicts and lists as dotted paths to leaf values: document.orderList.1.itemName -> '...'."""
    items: Iterable[tuple[Any, Any]]
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list | tuple):
        items = ((str(i), v) for i, v in enumerate(value, start=1))
    else:
        return {prefix: _leaf(prefix, value)}
    flat: dict[str, Any] = {}
    for key, inner in items:
        flat |= flatten(inner, f"{prefix}.{key}" if prefix else str(key))
    if not flat and prefix:
        flat[prefix] = "[]" if isinstance(value, list | tuple) else "{}"
    return flat


def _leaf(path: str, value: Any) -> Any:
    if isinstance(value, datetime | UUID | Decimal):
        return str(value)
    return value


def field_of(path: str) -> str:
    """The field a dotted path ends with (document.orderList.1.itemName -> itemName)."""
    return path.rsplit(".", 1)[-1]


def hidden(path: str) -> bool:
    return any(word in field_of(path).lower() for word in HIDDEN)


def masked(path: str, value: Any, whole: bool = False) -> Any:
    """The value as shown: a secret never; personal data masked unless `whole`."""
    if value is None:
        return None
    if hidden(path):
        return MASK
    return value if whole else masked_value(field_of(path), value)


def personal_in(changes: Iterable[Change]) -> bool:
    """Do these changes, shown whole, carry a buyer's ID number or phone (a view to log)?"""
    return any(masked_value(field_of(c.path), value) != value
               for c in changes for value in (c.before, c.after) if value is not None)


def diff(before: dict[str, Any], after: dict[str, Any], whole: bool = False) -> list[Change]:
    """Every path whose value differs, in path order (a missing path is None); secrets only said to change,
    personal data masked unless `whole`."""
    return [Change(path, masked(path, before.get(path), whole), masked(path, after.get(path), whole))
            for path in sorted(before.keys() | after.keys()) if before.get(path) != after.get(path)]


def shown(state: dict[str, Any], whole: bool = False) -> dict[str, Any]:
    """A state fit to display: secrets masked, personal data too unless `whole`."""
    return {path: masked(path, value, whole) for path, value in state.items()}


def state_of(aggregate: Any) -> dict[str, Any]:
    if aggregate is None:
        return {}
    return flatten({k.lstrip("_"): v for k, v in vars(aggregate).items() if k not in INTERNAL})


class History:
    def __init__(self, store: EventStore):
        self.store = store

    def events(self, originator_id: UUID) -> list[Any]:
        return list(self.store.events.get(originator_id))

    def entries(self, originator_id: UUID, whole: bool = False) -> list[HistoryEntry]:
        """Each event with its time, who acted and the fields it changed (from the state before to after);
        personal data masked unless `whole`."""
        aggregate, entries = None, []
        before: dict[str, Any] = {}
        for event in self.events(originator_id):
            aggregate = event.mutate(aggregate)
            after = state_of(aggregate)
            doc_type, event_type = kinds_of(event)
            entries.append(HistoryEntry(event.originator_version, event.timestamp, doc_type, event_type,
                                        user_of(event), diff(before, after, whole)))
            before = after
        return entries

    def state_at(self, originator_id: UUID, moment: datetime, whole: bool = False) -> tuple[dict[str, Any], int]:
        """The document as it was at the moment (every event up to and including it): its fields, secrets masked
        (personal data too unless `whole`), and its version. ({}, 0) before it existed."""
        aggregate, version = self._replay(originator_id, moment)
        return shown(state_of(aggregate), whole), version

    def between(self, originator_id: UUID, start: datetime, end: datetime, whole: bool = False) -> list[Change]:
        """What changed from the first moment to the second (personal data masked unless `whole`)."""
        return diff(state_of(self._replay(originator_id, start)[0]), state_of(self._replay(originator_id, end)[0]),
                    whole)

    def _replay(self, originator_id: UUID, moment: datetime) -> tuple[Any, int]:
        aggregate, version = None, 0
        for event in self.events(originator_id):
            if event.timestamp > moment:
                break
            aggregate, version = event.mutate(aggregate), event.originator_version
        return aggregate, version
