"""#16 item 19: events.sqlite and the read-model files were world-readable. The data folder is 0700 and the SQLite
files 0600, whatever the umask; an existing world-readable folder or file is narrowed when the platform opens it."""

from __future__ import annotations

import os
import stat

import pytest

from engine import bootstrap
from engine.settings import Settings


@pytest.fixture
def open_umask():
    old = os.umask(0o000)  # the worst case: files would be created 0666 / 0777
    yield
    os.umask(old)


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def sqlite_files(data):
    return [p for p in data.iterdir() if p.name.startswith(("events.sqlite", "readmodels.sqlite"))]


def test_the_data_folder_and_the_sqlite_files_are_the_owners_only(tmp_path, open_umask):
    data = tmp_path / "data"
    platform = bootstrap.build(Settings.from_env(data, env={}))
    try:
        platform.identity.register_organisation("MODE", "权限", by="test")
        platform.identity.log_view.run_once()  # the read models are written too
        assert mode(data) == 0o700
        names = {p.name for p in sqlite_files(data)}
        assert {"events.sqlite", "readmodels.sqlite"} <= names
        assert {p.name: mode(p) for p in sqlite_files(data)} == dict.fromkeys(names, 0o600)
    finally:
        platform.close()


def test_an_existing_world_readable_store_is_narrowed(tmp_path, open_umask):
    data = tmp_path / "data"
    bootstrap.build(Settings.from_env(data, env={})).close()
    data.chmod(0o755)
    for path in sqlite_files(data):
        path.chmod(0o644)
    platform = bootstrap.build(Settings.from_env(data, env={}))
    try:
        platform.identity.register_organisation("MODE2", "权限", by="test")
        assert mode(data) == 0o700
        assert {mode(p) for p in sqlite_files(data)} == {0o600}
    finally:
        platform.close()


def test_narrowing_an_existing_database_never_opens_it(tmp_path, monkeypatch):
    """Closing any descriptor on a SQLite file drops every POSIX lock the process holds on it, so a second
    connection's set-up silently broke the first's transaction (events lost across kill -9). An existing file is
    only chmod-ed, never opened."""
    import os

    from projections.db import private_sqlite_file

    database = tmp_path / "events.sqlite"
    database.write_bytes(b"")
    database.chmod(0o644)
    opened = []
    real_open = os.open
    monkeypatch.setattr(os, "open", lambda path, *a, **k: opened.append(str(path)) or real_open(path, *a, **k))
    private_sqlite_file(database)
    assert opened == [] and database.stat().st_mode & 0o777 == 0o600
    private_sqlite_file(tmp_path / "new.sqlite")
    assert opened == [str(tmp_path / "new.sqlite")] and (tmp_path / "new.sqlite").stat().st_mode & 0o777 == 0o600
