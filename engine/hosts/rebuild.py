"""Rebuild a read model beside the live one, then switch (B3): the consoles keep reading the live tables while the
history is replayed into shadow tables, and the switch is one short transaction.

SQLite: the shadow is a separate file (its writes never take the live file's lock); its rows are copied into
`<table>__shadow` tables of the live file, and the switch drops each live table and renames its shadow in one
transaction. PostgreSQL: the shadow is a schema of its own; the switch drops each live table and moves the
shadow table into the live schema (ALTER TABLE ... SET SCHEMA), keeping the grants the live table had (the BI
role's SELECT). Both: the live projector's position is set to the shadow's in the same transaction, so it goes on
from exactly where the replay stopped."""

from __future__ import annotations

import re
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

from projections.base import Projector
from projections.db import Database

Progress = Callable[[int, int], None]


def print_progress(name: str) -> Progress:
    """Percentage lines on stderr: `import_orders: 42% (420000/1000000)`, once per percent."""
    shown = [-1]

    def report(done: int, total: int) -> None:
        percent = 100 if total <= 0 else min(100, done * 100 // total)
        if percent != shown[0]:
            shown[0] = percent
            print(f"{name}: {percent}% ({done}/{total})", file=sys.stderr, flush=True)

    return report


def replay(view: Projector, progress: Progress | None = None, batch: int = 5000) -> int:
    """Apply the whole history to an empty view; progress(position, last position) after each batch."""
    total = view.store.recorder.max_notification_id() or 0
    count = 0
    while applied := view.run_once(batch):
        count += applied
        if progress:
            progress(view.position(), total)
    if progress:
        progress(total, total)
    return count


def rebuild_beside(view: Projector, fill: Callable[[Projector], int] | None = None,
                   progress: Progress | None = None) -> int:
    """Build the view's tables from history beside the live ones, then switch. fill(shadow) replays into the
    shadow view (default: from the event store); returns the events applied."""
    shadow_db, cleanup = _shadow_database(view.db, view.name)
    try:
        shadow = type(view)(shadow_db, view.store)
        count = fill(shadow) if fill else replay(shadow, progress)
        _switch(view, shadow)
    finally:
        shadow_db.close()
        cleanup()
    return count


def _shadow_database(live: Database, name: str) -> tuple[Database, Callable[[], None]]:
    tag = f"{name}_{uuid.uuid4().hex[:8]}"
    if not live.is_postgres:
        path = Path(live.url.removeprefix("sqlite:///"))
        shadow_path = path.with_name(f"{path.stem}.rebuild-{tag}.sqlite")

        def remove() -> None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{shadow_path}{suffix}").unlink(missing_ok=True)

        return Database(f"sqlite:///{shadow_path}"), remove
    schema = f"rebuild_{tag}"[:63]
    live.execute(f'CREATE SCHEMA "{schema}"')
    parsed = urlparse(live.url)
    query = parse_qs(parsed.query) | {"schema": [schema]}
    shadow = Database(parsed._replace(query=urlencode(query, doseq=True)).geturl())
    return shadow, lambda: live.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _switch(view: Projector, shadow: Projector) -> None:
    if view.db.is_postgres:
        _switch_postgres(view, shadow)
    else:
        _switch_sqlite(view, shadow)


def _switch_sqlite(view: Projector, shadow: Projector) -> None:
    db, shadow_path = view.db, shadow.db.url.removeprefix("sqlite:///")
    db.execute("ATTACH DATABASE ? AS shadow", (shadow_path,))
    try:
        with db.transaction(exclusive=True):  # copy beside the live tables; readers go on reading them
            for table in view.tables:
                ddl = db.query("SELECT sql FROM shadow.sqlite_master WHERE type = 'table' AND name = ?",
                               (table,))[0]["sql"]
                db.execute(f"DROP TABLE IF EXISTS {table}__shadow")
                db.execute(re.sub(rf"^CREATE TABLE (IF NOT EXISTS )?\"?{table}\"?", f"CREATE TABLE {table}__shadow",
                                  ddl, count=1))
                db.execute(f"INSERT INTO {table}__shadow SELECT * FROM shadow.{table}")
    finally:
        db.execute("DETACH DATABASE shadow")
    with db.transaction(exclusive=True):  # the switch: the live projector waits on this lock, then goes on
        for table in view.tables:
            db.execute(f"DROP TABLE {table}")
            db.execute(f"ALTER TABLE {table}__shadow RENAME TO {table}")
        for statement in view.ddl:
            db.execute(statement)  # the indexes, under their usual names
        db.execute("UPDATE projection_positions SET last_id = ? WHERE name = ?", (shadow.position(), view.name))


def _switch_postgres(view: Projector, shadow: Projector) -> None:
    db = view.db
    live_schema = _schema(db)
    shadow_schema = _schema(shadow.db)
    with db.transaction():
        db.execute("SELECT last_id FROM projection_positions WHERE name = ? FOR UPDATE", (view.name,))
        for table in view.tables:
            grants = _grants(db, live_schema, table)
            db.execute(f'DROP TABLE IF EXISTS "{live_schema}"."{table}"')
            db.execute(f'ALTER TABLE "{shadow_schema}"."{table}" SET SCHEMA "{live_schema}"')
            for grantee, privilege in grants:
                db.execute(f'GRANT {privilege} ON "{live_schema}"."{table}" TO {grantee}')
        db.execute("UPDATE projection_positions SET last_id = ? WHERE name = ?", (shadow.position(), view.name))


def _schema(db: Database) -> str:
    return str(db.query("SELECT current_schema() AS s")[0]["s"])


def _grants(db: Database, schema: str, table: str) -> list[tuple[str, str]]:
    """Privileges others hold on a table (the owner's own are implied)."""
    rows = db.query(
        "SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(r.rolname) END AS grantee, "
        "a.privilege_type AS privilege FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "CROSS JOIN LATERAL aclexplode(c.relacl) a LEFT JOIN pg_roles r ON r.oid = a.grantee "
        "WHERE n.nspname = ? AND c.relname = ? AND a.grantee <> c.relowner", (schema, table))
    return [(r["grantee"], r["privilege"]) for r in rows]

