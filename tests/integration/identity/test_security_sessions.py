"""#16 item 8: logout, a new password, deactivation and other roles end every session of the user (a session
carries the user's session epoch, checked on each request)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from engine.demo import DEMO_PASSWORD
from tests.conftest import login
from ui.app import create_app
from ui.security import SESSION_COOKIE


@pytest.fixture
def platform(make_platform):
    return make_platform(demo_users=True)


@pytest.fixture
def app(platform):
    return create_app(platform)


def session(app, username: str = "ecom", check: str = "/api/import/orders") -> TestClient:
    client = TestClient(app, base_url="https://testserver")
    login(client, username)
    assert client.get(check).status_code == 200
    return client


def stolen(app, client: TestClient) -> TestClient:
    """Another browser holding a copy of the cookie (what an attacker who took it would send)."""
    copy = TestClient(app, base_url="https://testserver")
    copy.cookies.set(SESSION_COOKIE, client.cookies.get(SESSION_COOKIE), domain="testserver.local")
    return copy


def test_logout_ends_every_session_of_the_user(app):
    laptop, phone = session(app), session(app)
    copy = stolen(app, laptop)
    assert copy.get("/api/import/orders").status_code == 200
    assert laptop.post("/logout", follow_redirects=False).status_code == 303
    assert copy.get("/api/import/orders").status_code == 401  # the logged-out cookie no longer works
    assert phone.get("/api/import/orders").status_code == 401
    assert session(app).get("/api/import/orders").status_code == 200  # a new login works


def test_a_new_password_ends_the_other_sessions_and_keeps_this_one(app):
    laptop, phone = session(app), session(app)
    old_cookie = stolen(app, laptop)
    changed = laptop.post("/account/password", data={"current": DEMO_PASSWORD, "new": "Fresh-Secret-2027"})
    assert changed.status_code == 200
    assert laptop.get("/api/import/orders").status_code == 200  # this browser got a new cookie
    assert phone.get("/api/import/orders").status_code == 401
    assert old_cookie.get("/api/import/orders").status_code == 401


def test_deactivating_a_user_ends_its_sessions(app, platform):
    ecom = session(app)
    admin = session(app, "admin")
    assert admin.post("/admin/users/ecom/deactivate", data={"reason": "left"}).status_code == 200
    assert ecom.get("/api/import/orders").status_code == 401
    assert not platform.identity.user("ecom").active
    assert "锁定" not in login(TestClient(app, base_url="https://testserver"), "ecom").text  # refused, not locked
    assert platform.identity.principal("ecom") is None


def test_changing_a_users_roles_ends_its_sessions(app, platform):
    ecom = session(app)
    admin = session(app, "admin")
    page = admin.post("/admin/users/ecom/roles", data={"roles": ["declarant_logistics"], "reason": "moved"})
    assert page.status_code == 200
    assert ecom.get("/api/import/orders").status_code == 401
    again = session(app, check="/api/import/waybills")  # logging in again gives the new roles
    assert again.get("/api/import/orders").status_code == 403
