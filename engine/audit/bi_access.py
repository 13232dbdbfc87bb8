"""BI数据库角色 (B4, PostgreSQL): a database role for BI tools that reads the read models and nothing else.

`grant_bi_role` creates the role when missing (NOLOGIN, or LOGIN with a password), lets it use the schema, grants
SELECT on the read-model tables, revokes everything on every other table of the schema (the event store, its
tracking, the audit chain, positions, sessions), and makes its sessions read-only. Run it again after new read
models appear; a rebuilt table keeps the grants its live table had."""

from __future__ import annotations

import re
from collections.abc import Sequence

from projections.db import Database

ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
PRIVATE = {"system_log", "projection_positions", "login_throttle", "api_nonces"}  # people's addresses, positions


class BIAccessError(ValueError):
    """The role cannot be granted: bad name, or not PostgreSQL."""


def grant_bi_role(db: Database, role: str, tables: Sequence[str], password: str | None = None) -> list[str]:
    """Returns the tables the role may now read."""
    if not db.is_postgres:
        raise BIAccessError("BI database roles need PostgreSQL (CBEC_DATABASE_URL=postgresql://...)")
    if not ROLE_NAME.fullmatch(role):
        raise BIAccessError(f"role name {role!r}: lower-case letters, digits and _ (63 at most)")
    schema = str(db.query("SELECT current_schema() AS s")[0]["s"])
    readable = sorted(t for t in set(tables) - PRIVATE if _exists(db, schema, t))
    with db.transaction():
        _ensure_role(db, role, password)
        db.execute(f'GRANT USAGE ON SCHEMA "{schema}" TO {role}')
        db.execute(f'REVOKE CREATE ON SCHEMA "{schema}" FROM {role}')
        for table in _all_tables(db, schema):
            db.execute(f'REVOKE ALL ON "{schema}"."{table}" FROM {role}')
        for table in readable:
            db.execute(f'GRANT SELECT ON "{schema}"."{table}" TO {role}')
        db.execute(f'ALTER ROLE {role} SET default_transaction_read_only = on')
        db.execute(f'ALTER ROLE {role} SET search_path = "{schema}"')
    return readable


def _ensure_role(db: Database, role: str, password: str | None) -> None:
    exists = db.query("SELECT 1 AS x FROM pg_roles WHERE rolname = ?", (role,))
    login = f"LOGIN PASSWORD {_literal(password)}" if password else "NOLOGIN"
    db.execute(f"{'ALTER' if exists else 'CREATE'} ROLE {role} {login} NOSUPERUSER NOCREATEDB NOCREATEROLE")


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _exists(db: Database, schema: str, table: str) -> bool:
    return bool(db.query("SELECT 1 AS x FROM pg_tables WHERE schemaname = ? AND tablename = ?", (schema, table)))


def _all_tables(db: Database, schema: str) -> list[str]:
    return [r["tablename"] for r in db.query("SELECT tablename FROM pg_tables WHERE schemaname = ?", (schema,))]
