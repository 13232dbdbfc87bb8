"""A1-A6, A9: logins, sessions, CSRF, permissions on every route, tenancy, signed machine requests, the
system log, and secrets kept out of events."""

from __future__ import annotations

import time
import uuid

import pytest
from fastapi.testclient import TestClient

from engine.customs import examples
from engine.customs.api_json import plain
from tests.conftest import login
from ui.app import api_routes, create_app
from ui.security import Require, sign_request


@pytest.fixture
def platform(make_platform):
    return make_platform(demo_users=True)


@pytest.fixture
def app(platform):
    return create_app(platform)


def client_for(app, username: str | None = None) -> TestClient:
    client = TestClient(app, base_url="https://testserver")
    if username:
        login(client, username)
    return client


def test_every_route_declares_its_permission(app):
    def declared(dependant) -> bool:
        return any(isinstance(d.call, Require) or declared(d) for d in dependant.dependencies)

    routes = list(api_routes(app.routes))
    assert len(routes) > 150  # every console and API route is seen, not only those added to the app itself
    undeclared = [r.path for r, inherited in routes
                  if not declared(r.dependant) and not any(isinstance(d.dependency, Require) for d in inherited)]
    assert undeclared == []


def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(app):
    client = client_for(app)
    wrong = login(client, "ecom", "Wrong-Password-1")
    unknown = login(client, "nobody-here", "Wrong-Password-1")
    assert wrong.status_code == unknown.status_code == 401
    assert "用户名或密码错误" in wrong.text and "用户名或密码错误" in unknown.text


def test_repeated_failures_lock_the_account_even_for_the_right_password(app):
    client = client_for(app)
    for _ in range(5):
        last = login(client, "payment", "Wrong-Password-1")
    assert "锁定" in last.text
    assert "锁定" in login(client, "payment").text  # the right password is refused while locked
    assert "锁定" in [login(client, "ghost", "x") for _ in range(5)][-1].text  # unknown names lock the same way


def test_the_session_cookie_is_http_only_secure_same_site_and_expires(app):
    client = client_for(app)
    page = client.get("/login")
    token = page.text.split('name="login_csrf" value="')[1].split('"')[0]
    response = client.post("/login", data={"username": "ecom", "password": "Cbec-Demo-2026", "login_csrf": token,
                                           "next": "/"}, follow_redirects=False)
    cookie = next(v for k, v in response.headers.multi_items() if k == "set-cookie" and "cbec_session" in v).lower()
    assert "httponly" in cookie and "secure" in cookie and "samesite=lax" in cookie and "max-age=28800" in cookie


def test_pages_need_a_login_and_the_api_answers_401(app):
    client = client_for(app)
    assert client.get("/declarant/orders", follow_redirects=False).headers["location"].startswith("/login?next=")
    assert client.get("/api/import/orders").status_code == 401


def test_forms_and_cookie_api_calls_without_the_csrf_token_are_refused(app):
    client = client_for(app, "ecom")
    del client.headers["X-CSRF-Token"]
    assert client.post("/api/import/orders", json=plain(examples.import_order("CSRF1"))).status_code == 403
    assert client.post("/declarant/orders/new", data={"orderNo": "CSRF2"}).status_code == 403


def test_roles_limit_what_a_user_may_do(app):
    auditor = client_for(app, "auditor")
    assert auditor.get("/api/import/orders").status_code == 200
    assert auditor.post("/api/import/orders", json=plain(examples.import_order("AUD1"))).status_code == 403
    assert client_for(app, "ecom").get("/admin/log").status_code == 403


def other_tenant(platform):
    """A second e-commerce organisation with its own enterprise and declarant."""
    platform.identity.register_organisation("OTHER", "另一家电商", by="test")
    platform.identity.enterprises.ensure("3301960009", "另一家电商有限公司", ["ecommerce", "platform"],
                                         "DXPENT0000000009", "", organisation="OTHER")
    platform.identity.assign_enterprise("OTHER", "3301960009", by="test")
    platform.identity.register_user("other", "另一家申报员", "OTHER", ["declarant_ecommerce"], "Their-Pass-2026",
                                    "test")


def test_a_declarant_sees_and_declares_only_for_its_own_organisation(app, platform):
    other_tenant(platform)
    mine = client_for(app, "ecom")
    theirs = client_for(app)
    login(theirs, "other", "Their-Pass-2026")
    other_order = plain(examples.import_order("THEIRS1")) | {"ebpCode": "3301960009", "ebcCode": "3301960009"}
    assert theirs.post("/api/import/orders", json=other_order).status_code == 201
    assert mine.post("/api/import/orders", json=plain(examples.import_order("MINE1"))).status_code == 201
    platform.customs.orders_view.run_once()

    assert [i["order_no"] for i in mine.get("/api/import/orders").json()["items"]] == ["MINE1"]
    assert mine.get("/api/import/orders/THEIRS1").status_code == 404
    assert mine.get("/declarant/orders/THEIRS1").status_code == 404
    refused = mine.post("/api/import/orders", json=plain(examples.import_order("SPOOF1")) | {
        "ebpCode": "3301960009", "ebcCode": "3301960009"})
    assert refused.status_code == 422 and "tenancy" in {e["rule"] for e in refused.json()["errors"]}
    assert [i["order_no"] for i in theirs.get("/api/import/orders").json()["items"]] == ["THEIRS1"]
    assert {e["code"] for e in theirs.get("/api/enterprises").json()} == {"3301960009"}


def signed(client: TestClient, app_id: str, secret: str, method: str, path: str, body: bytes = b"",
           timestamp: int | None = None, nonce: str | None = None):
    stamp, nonce = str(timestamp or int(time.time())), nonce or uuid.uuid4().hex
    headers = {"X-App-Id": app_id, "X-Timestamp": stamp, "X-Nonce": nonce, "Content-Type": "application/json",
               "X-Signature": sign_request(secret, method, path, stamp, nonce, body)}
    return client.request(method, path, content=body, headers=headers)


def test_machine_clients_sign_requests_and_replays_are_refused(app, platform):
    app_id, secret = platform.identity.register_client("ERP", "ECOM-DEMO", ["declarant_ecommerce"], by="test")
    client = client_for(app)
    import json

    body = json.dumps(plain(examples.import_order("ERP1"))).encode()
    assert signed(client, app_id, secret, "POST", "/api/import/orders", body).status_code == 201
    assert signed(client, app_id, secret, "GET", "/api/import/orders?q=ERP").status_code == 200
    assert signed(client, app_id, secret, "GET", "/api/import/orders", timestamp=int(time.time()) - 3600).status_code \
        == 401
    assert signed(client, app_id, "wrong-secret", "GET", "/api/import/orders").status_code == 401
    assert signed(client, app_id, secret, "GET", "/api/import/orders", nonce="n" * 16).status_code == 200
    assert signed(client, app_id, secret, "GET", "/api/import/orders", nonce="n" * 16).status_code == 401


def test_secrets_never_reach_the_event_store(platform):
    _, secret = platform.identity.register_client("ERP", "ECOM-DEMO", ["declarant_ecommerce"], by="test")
    platform.identity.register_user("newbie", "新人", "ECOM-DEMO", ["declarant_ecommerce"], "Plain-Text-Pass-9", "t")
    stored = b"".join(n.state for n in platform.store.recorder.select_notifications(1, 100_000))
    assert secret.encode() not in stored and b"Plain-Text-Pass-9" not in stored and b"BEGIN PRIVATE KEY" not in stored


def test_event_payloads_can_be_encrypted_at_rest(make_platform, tmp_path):
    from eventsourcing.cryptography import AESCipher

    platform = make_platform(CBEC_CIPHER_KEY=AESCipher.create_key(32))
    platform.customs.import_orders.declare(examples.import_order("SECRETORDER1"), "test")
    raw = (tmp_path / "data" / "events.sqlite").read_bytes()
    assert b"SECRETORDER1" not in raw
    order_id = platform.customs.import_orders.get("3301960001", "SECRETORDER1").id
    assert platform.customs.queries.store.repository.get(order_id)


def test_weak_passwords_are_refused_with_the_rule_named(platform):
    from domain.shared.rules import DeclarationRejected

    with pytest.raises(DeclarationRejected) as rejected:
        platform.identity.register_user("weak", "弱", "ECOM-DEMO", ["declarant_ecommerce"], "short", "test")
    assert {e.rule for e in rejected.value.errors} == {"password_length", "password_classes"}


def test_the_system_log_records_logins_and_commands_and_exports_them(app, platform):
    login(client_for(app), "ecom", "Wrong-Password-1")
    ecom = client_for(app, "ecom")
    ecom.post("/api/import/orders", json=plain(examples.import_order("LOGGED1")))
    admin = client_for(app, "admin")
    page = admin.get("/admin/log?kind=login")
    assert "failed" in page.text and "testclient" in page.text
    commands = admin.get("/admin/log?kind=command&q=ecom").text
    assert "POST /api/import/orders" in commands and "201" in commands
    exported = admin.get("/admin/log/export?format=csv&q=ecom")
    assert exported.headers["content-type"].startswith("text/csv") and "POST /api/import/orders" in exported.text
    assert admin.get("/admin/log/export?format=xlsx").content[:2] == b"PK"


def test_enterprises_are_registered_with_checked_codes(app, platform):
    admin = client_for(app, "admin")
    bad = admin.post("/admin/enterprises", data={"code": "33019", "name": "坏企业", "kinds": ["ecommerce"],
                                                 "uscc": "91350100M000100Y44", "generate": "1", "dxp_id": "D"})
    assert bad.status_code == 422 and "customs_code" in bad.text or "uscc" in bad.text
    good = admin.post("/admin/enterprises", data={"code": "3301970001", "name": "新电商", "kinds": ["ecommerce"],
                                                  "uscc": "91350100M000100Y43", "generate": "1", "dxp_id": "D1",
                                                  "organisation": "ECOM-DEMO"})
    assert good.status_code == 200 and "3301970001" in good.text
    assert "3301970001" in platform.identity.organisation("ECOM-DEMO").enterprise_codes
    assert "key.pem" not in good.text


def test_an_administrator_defines_a_role_whose_permissions_a_user_then_has(app, platform):
    admin = client_for(app, "admin")
    page = admin.post("/admin/roles", data={"name": "order_viewer", "name_zh": "订单查看员", "name_en": "Order viewer",
                                            "permissions": ["I3:view"]})
    assert page.status_code == 200 and "订单查看员" in page.text
    bad = admin.post("/admin/roles", data={"name": "auditor", "permissions": ["no:such"]})
    assert bad.status_code == 422
    assert 'data-field="name"' in bad.text and 'data-field="permissions"' in bad.text
    platform.identity.register_user("viewer", "查看员", "ECOM-DEMO", ["order_viewer"], "Glance-Pass-2026", "test")
    viewer = client_for(app)
    login(viewer, "viewer", "Glance-Pass-2026")
    assert viewer.get("/api/import/orders").status_code == 200
    assert viewer.post("/api/import/orders", json=plain(examples.import_order("VIEW1"))).status_code == 403


@pytest.mark.parametrize(("username", "landing"), [
    ("ecom", "/declarant"), ("logistics", "/declarant"), ("payment", "/declarant"),  # #18: 申报首页
    ("site", "/declarant"), ("auditor", "/declarant/orders"), ("bi", "/declarant/orders")])
def test_the_home_page_takes_every_demo_user_to_a_console_it_may_open(app, username, landing):
    """P5, A2: "/" lands each role on a page it is allowed to see, never on a 403."""
    client = client_for(app, username)
    page = client.get("/")
    assert page.status_code == 200 and page.url.path == landing
