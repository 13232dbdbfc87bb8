"""海关参数 read model: every code list's current entries, and each entry's history, for lookups, the
administrator console and BI.

Table reference_entries: list_name (currencies, countries, hs_codes ... see domain/reference/lists.py), code,
name_zh, name_en, valid_from / valid_to (ISO dates, empty = open), data (JSON: every column of the entry),
updated_at (ISO 8601), updated_by. Primary key (list_name, code).
Table reference_history: list_name, code, version (the list aggregate's event version), at (ISO 8601),
action (seeded, imported, edited, added), by_whom, reason, source, changes (JSON {"before": {}, "after": {}}).
Table reference_lists: list_name, complete (1 or 0: an administrator said whether the list holds every official
code; no row: as shipped), by_whom, at (ISO 8601), reason (#18).
Table reference_changes: one row, last_id: the notification of the newest code-list event applied, so that readers
rebuild their in-memory index when the lists changed, not whenever the log moved on (#18: 14,000 rows take 0.5 s).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from eventsourcing.utils import get_topic

from domain.reference.lists import LISTS
from domain.reference.model import CodeList
from projections.base import Projector

DDL = (
    """CREATE TABLE IF NOT EXISTS reference_entries (
        list_name VARCHAR(40) NOT NULL, code VARCHAR(100) NOT NULL, name_zh VARCHAR(500), name_en VARCHAR(500),
        valid_from VARCHAR(10), valid_to VARCHAR(10), data TEXT NOT NULL, updated_at VARCHAR(40) NOT NULL,
        updated_by VARCHAR(100), PRIMARY KEY (list_name, code))""",
    "CREATE INDEX IF NOT EXISTS reference_entries_name ON reference_entries (list_name, name_zh)",
    """CREATE TABLE IF NOT EXISTS reference_history (
        list_name VARCHAR(40) NOT NULL, code VARCHAR(100) NOT NULL, version INTEGER NOT NULL, at VARCHAR(40) NOT NULL,
        action VARCHAR(16) NOT NULL, by_whom VARCHAR(100), reason VARCHAR(1000), source VARCHAR(500),
        changes TEXT NOT NULL, PRIMARY KEY (list_name, code, version))""",
    """CREATE TABLE IF NOT EXISTS reference_lists (
        list_name VARCHAR(40) PRIMARY KEY, complete INTEGER NOT NULL, by_whom VARCHAR(100), at VARCHAR(40) NOT NULL,
        reason VARCHAR(1000))""",
    "CREATE TABLE IF NOT EXISTS reference_changes (one INTEGER PRIMARY KEY, last_id BIGINT NOT NULL)",
)
CHANGED = """INSERT INTO reference_changes (one, last_id) VALUES (1, ?)
    ON CONFLICT (one) DO UPDATE SET last_id = excluded.last_id"""

UPSERT = """INSERT INTO reference_entries (list_name, code, name_zh, name_en, valid_from, valid_to, data, updated_at,
    updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (list_name, code) DO UPDATE SET
    name_zh = excluded.name_zh, name_en = excluded.name_en, valid_from = excluded.valid_from,
    valid_to = excluded.valid_to, data = excluded.data, updated_at = excluded.updated_at,
    updated_by = excluded.updated_by"""
HISTORY = """INSERT INTO reference_history (list_name, code, version, at, action, by_whom, reason, source, changes)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (list_name, code, version) DO NOTHING"""
MARKED = """INSERT INTO reference_lists (list_name, complete, by_whom, at, reason) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (list_name) DO UPDATE SET complete = excluded.complete, by_whom = excluded.by_whom, at = excluded.at,
    reason = excluded.reason"""
LAST_IMPORTS = """SELECT DISTINCT h.list_name, h.version, h.at, h.by_whom, h.source FROM reference_history h JOIN (
    SELECT list_name, MAX(version) AS version FROM reference_history WHERE action = 'imported' GROUP BY list_name) m
    ON h.list_name = m.list_name AND h.version = m.version WHERE h.action = 'imported'"""
LIST_OF = {CodeList.create_id(name): name for name in LISTS}


class ReferenceView(Projector):
    name = "reference"
    tables = ("reference_entries", "reference_history", "reference_lists", "reference_changes")
    ddl = DDL
    topics = (get_topic(CodeList.Seeded), get_topic(CodeList.Imported), get_topic(CodeList.EntryEdited),
              get_topic(CodeList.CompletenessMarked))

    def __init__(self, db: Any, store: Any):
        super().__init__(db, store)
        self.listeners: list[Callable[[], None]] = []

    def run_once(self, limit: int = 2000) -> int:
        count = super().run_once(limit)
        if count:
            for listener in self.listeners:
                listener()
        return count

    def apply_notifications(self, notifications: Any) -> None:
        super().apply_notifications(notifications)
        if notifications:
            self.db.execute(CHANGED, (notifications[-1].id,))

    def changed(self) -> int:
        """The notification of the newest code-list event applied (0: none yet): it moves only when a list did."""
        rows = self.db.query("SELECT last_id FROM reference_changes")
        return int(rows[0]["last_id"]) if rows else 0

    def apply(self, events: list[Any]) -> None:
        for e in events:
            list_name = LIST_OF[e.originator_id]
            at, version = e.at.isoformat(), e.originator_version
            if isinstance(e, CodeList.Seeded):
                reason = f"随平台发布的代码表 shipped data {e.digest}"
                self._added(list_name, e.added, at, version, "seeded", "system", reason, "shipped")
            elif isinstance(e, CodeList.Imported):
                self._added(list_name, e.added, at, version, "imported", e.by, e.reason, e.source)
                self._changed(list_name, e.changed, at, version, "imported", e.by, e.reason, e.source)
            elif isinstance(e, CodeList.EntryEdited):
                change = {"code": e.code, "before": e.before, "after": e.after}
                self._changed(list_name, [change], at, version, "edited" if e.before else "added", e.by, e.reason, "")
            elif isinstance(e, CodeList.CompletenessMarked):
                self.db.execute(MARKED, (list_name, int(e.complete), e.by[:100], at, e.reason[:1000]))

    def _added(self, list_name: str, rows: list[dict[str, str]], at: str, version: int, action: str, by: str,
               reason: str, source: str) -> None:
        self.db.executemany(UPSERT, [_entry(list_name, row, at, by) for row in rows])
        self.db.executemany(HISTORY, [(list_name, row["code"], version, at, action, by, reason[:1000], source[:500],
                                       json.dumps({"before": {}, "after": row}, ensure_ascii=False)) for row in rows])

    def _changed(self, list_name: str, changes: list[dict[str, Any]], at: str, version: int, action: str, by: str,
                 reason: str, source: str) -> None:
        current = dict(self._current(list_name, [c["code"] for c in changes]))
        merged = [current.get(c["code"], {}) | c["after"] for c in changes]
        self.db.executemany(UPSERT, [_entry(list_name, row, at, by) for row in merged])
        self.db.executemany(HISTORY, [
            (list_name, c["code"], version, at, action, by, reason[:1000], source[:500],
             json.dumps({"before": c["before"], "after": c["after"]}, ensure_ascii=False)) for c in changes])

    def _current(self, list_name: str, codes: list[str]) -> Iterator[tuple[str, dict[str, str]]]:
        for start in range(0, len(codes), 500):
            chunk = codes[start:start + 500]
            rows = self.db.query(f"SELECT code, data FROM reference_entries WHERE list_name = ? AND code IN "
                                 f"({', '.join('?' * len(chunk))})", [list_name, *chunk])
            yield from ((r["code"], json.loads(r["data"])) for r in rows)

    # queries ------------------------------------------------------------------------------------

    def page(self, list_name: str, q: str = "", page: int = 1, per_page: int = 50) -> tuple[list[dict[str, str]], int]:
        """Entries whose code starts with, or whose names contain, the text; by code."""
        where, params = "list_name = ?", [list_name]
        if q:
            where += " AND (code LIKE ? OR name_zh LIKE ? OR LOWER(name_en) LIKE ?)"
            params += [f"{q}%", f"%{q}%", f"%{q.lower()}%"]
        total = self.db.query(f"SELECT COUNT(*) AS n FROM reference_entries WHERE {where}", params)[0]["n"]
        rows = self.db.query(f"SELECT data FROM reference_entries WHERE {where} ORDER BY code LIMIT ? OFFSET ?",
                             [*params, per_page, (max(page, 1) - 1) * per_page])
        return [json.loads(r["data"]) for r in rows], int(total)

    def get(self, list_name: str, code: str) -> dict[str, str] | None:
        rows = self.db.query("SELECT data FROM reference_entries WHERE list_name = ? AND code = ?", (list_name, code))
        return json.loads(rows[0]["data"]) if rows else None

    def rows(self, list_name: str | None = None) -> list[tuple[str, dict[str, str]]]:
        """(list, entry) of one list or of all, by code."""
        where, params = ("WHERE list_name = ?", [list_name]) if list_name else ("", [])
        found = self.db.query(f"SELECT list_name, data FROM reference_entries {where} ORDER BY list_name, code", params)
        return [(r["list_name"], json.loads(r["data"])) for r in found]

    def counts(self) -> dict[str, int]:
        rows = self.db.query("SELECT list_name, COUNT(*) AS n FROM reference_entries GROUP BY list_name")
        return {r["list_name"]: int(r["n"]) for r in rows}

    def completeness(self) -> dict[str, dict[str, Any]]:
        """What administrators said of each list's completeness, by list: complete, by_whom, at, reason."""
        rows = self.db.query("SELECT * FROM reference_lists")
        return {r["list_name"]: r | {"complete": bool(r["complete"])} for r in rows}

    def last_imports(self) -> dict[str, dict[str, Any]]:
        """Each list's latest import that changed it: at, by_whom, source (the file)."""
        return {r["list_name"]: dict(r) for r in self.db.query(LAST_IMPORTS)}

    def history(self, list_name: str, code: str) -> list[dict[str, Any]]:
        """What happened to one entry, newest first: when, what, who, why, and the values before and after."""
        rows = self.db.query("SELECT * FROM reference_history WHERE list_name = ? AND code = ? ORDER BY version DESC",
                             (list_name, code))
        return [r | {"changes": json.loads(r["changes"])} for r in rows]


def _entry(list_name: str, row: dict[str, str], at: str, by: str) -> tuple[Any, ...]:
    return (list_name, row["code"], row.get("name_zh", "")[:500], row.get("name_en", "")[:500],
            row.get("valid_from", ""), row.get("valid_to", ""), json.dumps(row, ensure_ascii=False), at, by[:100])
