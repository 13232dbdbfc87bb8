"""签名审计 read model (#17 item 5): one row per use of a signing key, for the auditors' page, API and export.

Table signing_key_uses: batch_id and seq (the use's place in its batch: the primary key), at (ISO 8601 in
Asia/Shanghai with +08:00, fixed width, so text order is time order), caller (API client app id, user name or
"static-key"), organisation (the caller's), address, operation, enterprise (whose key), key_id, digest (SHA-256 hex of
the input: never the input itself), items (1, or a batch call's items), outcome ("ok" or the refusal code), status
(the HTTP status answered), dropped (uses the writing worker lost just before this batch; the same on every row of
the batch), worker (the signer process that wrote it).
Table signing_key_use_batches: batch_id, worker, at, uses, dropped: one row per batch, to count what was lost."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from eventsourcing.utils import get_topic

from domain.signing.model import KeyUseBatch
from projections.base import Projector
from projections.query import Where

SHANGHAI = ZoneInfo("Asia/Shanghai")
TABLE, BATCHES = "signing_key_uses", "signing_key_use_batches"
FILTERED = ("caller", "organisation", "enterprise", "key_id", "operation", "outcome", "digest")

DDL = (
    f"""CREATE TABLE IF NOT EXISTS {TABLE} (
        batch_id VARCHAR(36) NOT NULL, seq INTEGER NOT NULL, at VARCHAR(40) NOT NULL, caller VARCHAR(200),
        organisation VARCHAR(200), address VARCHAR(200), operation VARCHAR(200), enterprise VARCHAR(200),
        key_id VARCHAR(200), digest VARCHAR(64), items INTEGER, outcome VARCHAR(200), status INTEGER,
        dropped INTEGER NOT NULL, worker VARCHAR(200), PRIMARY KEY (batch_id, seq))""",
    f"""CREATE TABLE IF NOT EXISTS {BATCHES} (
        batch_id VARCHAR(36) PRIMARY KEY, worker VARCHAR(200), at VARCHAR(40) NOT NULL, uses INTEGER NOT NULL,
        dropped INTEGER NOT NULL)""",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_at ON {TABLE} (at)",
    *(f"CREATE INDEX IF NOT EXISTS {TABLE}_{column} ON {TABLE} ({column}, at)" for column in FILTERED),
    f"CREATE INDEX IF NOT EXISTS {BATCHES}_at ON {BATCHES} (at)",
)
INSERT_USE = f"""INSERT INTO {TABLE} (batch_id, seq, at, caller, organisation, address, operation, enterprise, key_id,
    digest, items, outcome, status, dropped, worker) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (batch_id, seq) DO NOTHING"""
INSERT_BATCH = f"""INSERT INTO {BATCHES} (batch_id, worker, at, uses, dropped) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (batch_id) DO NOTHING"""
ORDER = "at DESC, batch_id DESC, seq DESC"


def local_iso(moment: Any) -> str:
    """A datetime (or ISO text) as fixed-width ISO 8601 in Asia/Shanghai: '2026-03-01T09:30:00.000000+08:00'."""
    value = moment if isinstance(moment, datetime) else datetime.fromisoformat(str(moment))
    return value.astimezone(SHANGHAI).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class Scope:
    """What an auditor may see: uses of its organisation's enterprises' keys, or by its organisation's callers.
    None instead of a Scope: everything (platform auditors)."""

    organisation: str
    enterprises: frozenset[str]

    def add_to(self, where: Where) -> None:
        codes = sorted(self.enterprises)
        marks = ", ".join("?" * len(codes))
        where.parts.append(f"(organisation = ?{f' OR enterprise IN ({marks})' if codes else ''})")
        where.params.extend([self.organisation, *codes])


@dataclass(frozen=True)
class Filters:
    """The auditor's search, already checked: times as local_iso text (time_to exclusive), the rest as typed."""

    time_from: str = ""
    time_to: str = ""
    caller: str = ""
    organisation: str = ""
    enterprise: str = ""
    key_id: str = ""
    operation: str = ""
    outcome: str = ""  # "ok", "refused" (anything else), or one refusal code
    digest: str = ""  # the full SHA-256 hex, or its first characters

    def where(self, scope: Scope | None) -> Where:
        where = Where()
        for column in ("caller", "organisation", "enterprise", "key_id", "operation"):
            where.equals(column, getattr(self, column))
        self._outcome(where)
        self._digest(where)
        self.times(where)
        if scope is not None:
            scope.add_to(where)
        return where

    def _outcome(self, where: Where) -> None:
        if self.outcome == "refused":
            where.parts.append("outcome <> ?")
            where.params.append("ok")
        else:
            where.equals("outcome", self.outcome)

    def _digest(self, where: Where) -> None:
        if len(self.digest) == 64:
            where.equals("digest", self.digest)
        elif self.digest:
            where.parts.append("digest LIKE ?")
            where.params.append(self.digest + "%")

    def times(self, where: Where, column: str = "at") -> None:
        """Only the time range (the batches table has no other of the columns)."""
        if self.time_from:
            where.parts.append(f"{column} >= ?")
            where.params.append(self.time_from)
        if self.time_to:
            where.parts.append(f"{column} < ?")
            where.params.append(self.time_to)


class KeyUsesView(Projector):
    name = "signing_key_uses"
    tables = (TABLE, BATCHES)
    ddl = DDL
    topics = (get_topic(KeyUseBatch.Recorded),)

    def run_once(self, limit: int = 40) -> int:
        """At most 40 batches (20,000 uses) per transaction, whatever the caller asks (a rebuild asks 5,000): a
        batch event holds up to 500 uses, and the consoles wait on this transaction's lock."""
        return super().run_once(min(limit, 40))

    def apply(self, events: list[Any]) -> None:
        uses, batches = [], []
        for e in events:
            batch_id, worker = str(e.originator_id), e.worker
            batches.append((batch_id, worker, local_iso(e.at), len(e.uses), e.dropped))
            uses += [(batch_id, seq, local_iso(u["at"]), u["caller"], u["organisation"], u["address"], u["operation"],
                      u["enterprise"], u["key_id"], u["digest"], u["items"], u["outcome"], u["status"], e.dropped,
                      worker) for seq, u in enumerate(e.uses)]
        if batches:
            self.db.executemany(INSERT_BATCH, batches)
        if uses:
            self.db.executemany(INSERT_USE, uses)

    def search(self, filters: Filters, scope: Scope | None, page: int = 1,
               per_page: int = 50) -> tuple[list[dict[str, Any]], int]:
        """One page of the uses the filters and the scope select, newest first, and how many there are."""
        return filters.where(scope).page(self.db, TABLE, ORDER, page, per_page)

    def lost(self, filters: Filters) -> int:
        """Uses the signer workers lost in the filters' time range (written with the batches that followed)."""
        where = Where()
        filters.times(where)
        rows = self.db.query(f"SELECT COALESCE(SUM(dropped), 0) AS n FROM {BATCHES} WHERE {' AND '.join(where.parts)}",
                             where.params)
        return int(rows[0]["n"])

    def operations(self) -> list[str]:
        """The operation names recorded so far (the API's own names, not anybody's data), for the filter's list."""
        rows = self.db.query(f"SELECT DISTINCT operation FROM {TABLE} ORDER BY operation")
        return [r["operation"] for r in rows if r["operation"]]

    def count(self) -> int:
        return int(self.db.query(f"SELECT COUNT(*) AS n FROM {TABLE}")[0]["n"])


def columns() -> Sequence[str]:
    """The columns of an export, in order."""
    return ("at", "caller", "organisation", "address", "operation", "enterprise", "key_id", "digest", "items",
            "outcome", "status", "dropped")
