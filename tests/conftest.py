"""Shared fixtures: real services (PostgreSQL), real folders, a platform on the embedded default."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
IN_CI = os.environ.get("CI", "").lower() == "true"
POSTGRES = os.environ.get("CBEC_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


def missing(reason: str) -> None:
    """Outside CI a missing service skips its tests; in CI it is a failure."""
    if IN_CI:
        pytest.fail(f"CI=true and {reason}")
    pytest.skip(reason)


@pytest.fixture
def postgres_url():
    """A fresh schema in the test database, dropped afterwards."""
    try:
        import psycopg

        conn = psycopg.connect(POSTGRES, autocommit=True, connect_timeout=5)
    except Exception as error:  # noqa: BLE001 - any connection failure means the service is missing
        missing(f"PostgreSQL not reachable at {POSTGRES}: {error}")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    yield f"{POSTGRES}?schema={schema}"
    conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    conn.close()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'events.sqlite'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def make_platform(tmp_path):
    """Build platforms on a data folder; closes them at the end of the test."""
    from engine import bootstrap
    from engine.settings import Settings

    built = []

    def make(database_url: str | None = None, faults: str = "", demo_users: bool = False, **env: str):
        settings_env = {"CBEC_SIM_ACCEPT_DELAY": "0", **env}
        if database_url:
            settings_env["CBEC_DATABASE_URL"] = database_url
        platform = bootstrap.build(Settings.from_env(tmp_path / "data", env=settings_env),
                                   with_simulator=True, faults=faults)
        platform.identity.enterprises.ensure_demo()
        if demo_users:
            from engine.demo import ensure_demo

            ensure_demo(platform.identity, platform.identity.enterprises)
        built.append(platform)
        return platform

    yield make
    for platform in built:
        platform.close()


def login(client, username: str, password: str | None = None, next_url: str = "/declarant/orders"):
    """Log a TestClient in through the login form; sets the CSRF header for later unsafe requests."""
    import re

    from engine.demo import DEMO_PASSWORD

    page = client.get("/login")
    token = re.search(r'name="login_csrf" value="([^"]+)"', page.text).group(1)
    response = client.post("/login", data={"username": username, "password": password or DEMO_PASSWORD,
                                           "login_csrf": token, "next": next_url}, follow_redirects=True)
    found = re.search(r'<meta name="csrf-token" content="([^"]*)"', response.text)
    if found and found.group(1):
        client.headers["X-CSRF-Token"] = found.group(1)
    return response
