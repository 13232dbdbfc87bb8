"""B4 on PostgreSQL: `cbec bi grant` makes a database role for BI tools that reads the read models and nothing
else: not the event store, not the audit chain, and it cannot write."""

from __future__ import annotations

import uuid
from urllib.parse import urlparse

import psycopg
import pytest

from engine.audit.bi_access import BIAccessError, grant_bi_role
from engine.customs import examples
from engine.hosts.rebuild import rebuild_beside


@pytest.fixture
def bi_role(postgres_url):
    name = f"bi_{uuid.uuid4().hex[:10]}"
    yield name
    admin = postgres_url.split("?")[0]
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP OWNED BY {name}")
        conn.execute(f"DROP ROLE IF EXISTS {name}")


def connect_as(postgres_url: str, role: str, password: str) -> psycopg.Connection:
    url = urlparse(postgres_url.split("?")[0])
    return psycopg.connect(host=url.hostname, port=url.port or 5432, dbname=url.path.lstrip("/"), user=role,
                           password=password, autocommit=True)


def test_the_bi_role_reads_read_models_only_and_cannot_write(make_platform, postgres_url, bi_role):
    platform = make_platform(postgres_url)
    platform.customs.import_orders.declare_many([examples.import_order(f"BI{i:03d}") for i in range(5)], "ecom")
    platform.runner.run_until_idle()
    platform.audit.runner.run_until_idle()  # the B followers
    tables = [t for view in platform.views().values() for t in view.tables]
    readable = grant_bi_role(platform.readmodels, bi_role, tables, password="Bi-Test-2026")
    assert {"import_orders", "declarations_daily", "receipts", "event_index"} <= set(readable)
    assert "system_log" not in readable
    schema = platform.store.recorder.datastore.schema
    events = f'"{schema}".{platform.store.recorder.events_table_name}'
    rebuild_beside(platform.views()["import_orders"])  # a rebuilt table keeps the role's grant
    with connect_as(postgres_url, bi_role, "Bi-Test-2026") as conn:
        assert conn.execute("SELECT COUNT(*) FROM import_orders").fetchone()[0] == 5  # search_path set for it
        for forbidden in (f"SELECT * FROM {events}", f'SELECT * FROM "{schema}".audit_chain',
                          f'SELECT * FROM "{schema}".projection_positions', f'SELECT * FROM "{schema}".system_log'):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(forbidden)
        for write in ("DELETE FROM import_orders", "UPDATE import_orders SET status = 'x'",
                      f"INSERT INTO {events} (originator_id) VALUES (gen_random_uuid())",
                      "CREATE TABLE mine (x int)"):
            with pytest.raises((psycopg.errors.InsufficientPrivilege, psycopg.errors.ReadOnlySqlTransaction)):
                conn.execute(write)


def test_granting_twice_updates_the_role(make_platform, postgres_url, bi_role):
    platform = make_platform(postgres_url)
    platform.runner.run_until_idle()
    platform.audit.runner.run_until_idle()  # the B followers
    tables = [t for view in platform.views().values() for t in view.tables]
    grant_bi_role(platform.readmodels, bi_role, tables)  # NOLOGIN first
    grant_bi_role(platform.readmodels, bi_role, tables, password="Bi-Test-2026")
    with connect_as(postgres_url, bi_role, "Bi-Test-2026") as conn:
        assert conn.execute("SELECT COUNT(*) FROM enterprises").fetchone()[0] >= 1


def test_a_bi_role_needs_postgresql_and_a_plain_name(make_platform, postgres_url):
    with pytest.raises(BIAccessError):
        grant_bi_role(make_platform().readmodels, "bi", ["import_orders"])
    with pytest.raises(BIAccessError):
        grant_bi_role(make_platform(postgres_url).readmodels, "bi; DROP TABLE x", ["import_orders"])
