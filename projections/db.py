"""A small SQL port for read models: the same statements on SQLite and PostgreSQL ('?' placeholders)."""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse


def private_sqlite_file(path: Path) -> None:
    """Create a SQLite file readable by its owner only (0600), in a folder of the owner's only (0700) when the
    folder is new; an existing file is narrowed to 0600. SQLite gives its -wal and -shm files the mode of the
    database file."""
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not path.exists():
        # never open a descriptor on an existing database: closing it would drop every POSIX lock this process holds
        # on the file (SQLite's locks), and another connection's transaction would then be lost (the kill -9 tests
        # caught it). O_EXCL opens only a file this call creates.
        try:
            os.close(os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:
            pass
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if file.exists() and file.stat().st_mode & 0o077:
            file.chmod(0o600)


class Database:
    def __init__(self, url: str):
        self.url = url
        self.is_postgres = url.startswith(("postgresql://", "postgres://"))
        self._local = threading.local()

    def _connect(self) -> Any:
        if not self.is_postgres:
            path = Path(self.url.removeprefix("sqlite:///"))
            private_sqlite_file(path)
            conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            return conn
        import psycopg

        parsed = urlparse(self.url)
        schema = parse_qs(parsed.query).get("schema", [""])[0]
        conninfo = parsed._replace(query="").geturl()
        options = f"-c search_path={schema}" if schema else ""
        return psycopg.connect(conninfo, autocommit=True, options=options)

    @property
    def conn(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect()
        return conn

    def sql(self, statement: str) -> str:
        return statement.replace("?", "%s") if self.is_postgres else statement

    def execute(self, statement: str, params: Sequence[Any] = ()) -> Any:
        return self.conn.execute(self.sql(statement), params)

    def executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        if self.is_postgres:
            with self.conn.cursor() as cursor:
                cursor.executemany(self.sql(statement), rows)
        else:
            self.conn.executemany(statement, rows)

    def query(self, statement: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        cursor = self.execute(statement, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    @contextmanager
    def transaction(self, exclusive: bool = False) -> Iterator[None]:
        """exclusive: on SQLite take the write lock at BEGIN (PostgreSQL locks rows with FOR UPDATE instead)."""
        self.execute("BEGIN IMMEDIATE" if exclusive and not self.is_postgres else "BEGIN")
        try:
            yield
        except BaseException:
            self.execute("ROLLBACK")
            raise
        self.execute("COMMIT")

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
