"""#16 items 12, 15, 17: what every request meets before a route runs. A body larger than CBEC_MAX_BODY_MB is refused
with 413 before it is parsed, and a form or multipart body to a protected route from no one is refused unread;
every answer carries the security headers and pages and API answers are not cached; /healthz tells anyone only ok or
not ok, and /docs, /openapi.json follow CBEC_API_DOCS (logged-in users by default)."""

from __future__ import annotations

import base64
import hashlib
import io
import re

import pytest
from fastapi.testclient import TestClient
from starlette.formparsers import MultiPartParser

from tests.conftest import login
from tests.integration.identity.test_security import signed
from ui.app import create_app

UPLOAD = "/declarant/import/orders"


def client_for(platform, username: str | None = None, **options) -> TestClient:
    client = TestClient(create_app(platform), base_url="https://testserver", follow_redirects=False, **options)
    if username:
        login(client, username)
    return client


def events(platform) -> int:
    return platform.store.recorder.max_notification_id() or 0


@pytest.fixture
def parsed(monkeypatch):
    """Counts the multipart bodies Starlette parses."""
    calls: list[int] = []
    original = MultiPartParser.parse

    async def parse(self):
        calls.append(1)
        return await original(self)

    monkeypatch.setattr(MultiPartParser, "parse", parse)
    return calls


# item 12: the body size limit, and no parsing for the anonymous -------------------------------------------------------

def test_a_body_over_the_limit_is_refused_by_its_length_before_it_is_read(make_platform, parsed):
    platform = make_platform(demo_users=True, CBEC_MAX_BODY_MB="1")
    before = events(platform)
    big = b"x" * (1024 * 1024 + 1)
    for client in (client_for(platform), client_for(platform, "ecom")):
        response = client.post(UPLOAD, files={"file": ("orders.xlsx", io.BytesIO(big))})
        assert response.status_code == 413
        assert "请求体超过 1 MB" in response.text and "larger than 1 MB" in response.text
        assert "CBEC_MAX_BODY_MB" in response.text
    api = client_for(platform).post("/api/import/orders", content=big, headers={"Content-Type": "application/json"})
    assert api.status_code == 413 and "CBEC_MAX_BODY_MB" in api.json()["detail"]
    assert parsed == [] and events(platform) - before <= 1  # the login of ecom; no log entry per refusal


def test_a_streamed_body_without_a_length_is_cut_at_the_limit(make_platform, parsed):
    platform = make_platform(demo_users=True, CBEC_MAX_BODY_MB="1")
    client = client_for(platform, "ecom")

    def chunks():
        head = (b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"o.xlsx\"\r\n"
                b"Content-Type: application/octet-stream\r\n\r\n")
        yield head
        for _ in range(64):  # 4 MB, far past the limit
            yield b"x" * 65536

    before = events(platform)
    response = client.post(UPLOAD, content=chunks(),
                           headers={"Content-Type": "multipart/form-data; boundary=b", "X-CSRF-Token":
                                    client.headers.get("X-CSRF-Token", "")})
    assert response.status_code == 413 and "CBEC_MAX_BODY_MB" in response.text
    assert events(platform) == before  # neither an error nor a command entry in the system log


def test_an_anonymous_multipart_body_to_a_protected_route_is_refused_unread(make_platform, parsed):
    platform = make_platform(demo_users=True)
    client = client_for(platform)
    form = {"file": ("orders.xlsx", io.BytesIO(b"PK" + b"x" * 200_000))}
    page = client.post(UPLOAD, files=form)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    client.cookies.set("cbec_session", "forged.cookie.value", domain="testserver.local")
    assert client.post(UPLOAD, files=form).status_code == 303
    api = client_for(platform).post("/api/import/payment-raw", files=form)
    assert api.status_code == 401 and "log in" in api.json()["detail"]
    broken_json = client_for(platform).post("/api/import/orders", content=b"{" * 100_000,
                                            headers={"Content-Type": "application/json"})
    assert broken_json.status_code == 401  # unread: parsed first, it would be FastAPI's 422 (invalid JSON)
    assert parsed == []
    # the login form itself (public) is still read, and a logged-in upload still parses
    assert login(client_for(platform), "ecom").status_code == 200
    assert client_for(platform, "ecom").post(UPLOAD, files=form).status_code in (200, 422)
    assert parsed


def test_the_default_limit_takes_a_20_mb_workbook_and_its_form(tmp_path):
    from engine.settings import Settings, SettingsError

    assert Settings.from_env(tmp_path, env={}).max_body_mb * 1024 * 1024 > 20 * 1024 * 1024
    with pytest.raises(SettingsError, match="CBEC_MAX_BODY_MB.*1..1024"):
        Settings.from_env(tmp_path, env={"CBEC_MAX_BODY_MB": "0"})


# item 15: security headers ----------------------------------------------------------------------------------------

def test_every_answer_carries_the_security_headers_and_personal_data_is_not_cached(make_platform):
    platform = make_platform(demo_users=True)
    anonymous, ecom = client_for(platform), client_for(platform, "ecom")
    answers = {"login page": anonymous.get("/login"), "orders page": ecom.get("/declarant/orders"),
               "api": ecom.get("/api/import/orders"), "export": ecom.get("/declarant/orders/export?format=csv"),
               "refused": anonymous.get("/api/import/orders"), "static": anonymous.get("/static/style.css")}
    for name, response in answers.items():
        assert response.status_code in (200, 401), name
        headers = response.headers
        assert "frame-ancestors 'none'" in headers["content-security-policy"], name
        policy = dict(d.strip().split(" ", 1) for d in headers["content-security-policy"].split(";"))
        assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'", name  # nothing inline
        assert policy["style-src-attr"] == "'unsafe-inline'", name  # the dashboard charts' SVG style attributes
        assert headers["x-frame-options"] == "DENY" and headers["x-content-type-options"] == "nosniff", name
        assert headers["referrer-policy"] == "same-origin", name
        assert (headers.get("cache-control") == "no-store") == (name != "static"), name


def test_the_consoles_need_no_inline_script_or_style_element():
    from pathlib import Path

    import ui

    for template in (Path(ui.__file__).parent / "templates").rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), template
        assert not re.search(r"<style|\son[a-z]+=|javascript:", text), template


def test_the_api_docs_page_allows_only_its_own_inline_script(make_platform):
    response = client_for(make_platform(demo_users=True), "ecom").get("/docs")
    assert response.status_code == 200
    script = re.search(r"<script>(.*?)</script>", response.text, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    policy = response.headers["content-security-policy"]
    assert f"'sha256-{digest}'" in policy and "frame-ancestors 'none'" in policy
    assert "script-src 'self' 'sha256-" in policy and "'unsafe-eval'" not in policy
    assert "http" not in policy  # #17 item 11: Swagger UI's assets come from the platform itself, not a CDN


# item 17: /healthz and the API documentation ----------------------------------------------------------------------

def test_healthz_tells_anyone_only_ok_and_the_details_to_administrators_or_the_token(make_platform):
    platform = make_platform(demo_users=True, CBEC_HEALTH_TOKEN="probe-secret-1")
    platform.runner.start()
    anonymous = client_for(platform).get("/healthz")
    assert anonymous.status_code == 200 and anonymous.json() == {"ok": True}
    assert client_for(platform, "ecom").get("/healthz").json() == {"ok": True}
    assert client_for(platform, "auditor").get("/healthz").json() == {"ok": True}
    assert client_for(platform).get("/healthz", headers={"X-Health-Token": "guess"}).json() == {"ok": True}
    for details in (client_for(platform, "admin").get("/healthz"),
                    client_for(platform).get("/healthz", headers={"X-Health-Token": "probe-secret-1"})):
        found = details.json()
        assert found["ok"] and found["store"]["ok"] and "steps" in found["processors"] and "customs179" in found


def test_healthz_not_ok_says_only_so_to_anyone(make_platform):
    platform = make_platform(demo_users=True)  # processors not started: not ok
    response = client_for(platform).get("/healthz")
    assert response.status_code == 503 and response.json() == {"ok": False}


def test_the_api_docs_are_for_logged_in_users_by_default(make_platform):
    platform = make_platform(demo_users=True)
    anonymous = client_for(platform)
    for path in ("/docs", "/openapi.json"):
        refused = anonymous.get(path)
        assert refused.status_code == 303 and refused.headers["location"].startswith("/login")
    ecom = client_for(platform, "ecom")
    assert ecom.get("/docs").status_code == 200
    assert "/api/import/orders" in ecom.get("/openapi.json").json()["paths"]
    assert anonymous.get("/redoc").status_code in (303, 404)


@pytest.mark.parametrize(("mode", "anonymous_status", "user_status"), [("off", 404, 404), ("public", 200, 200)])
def test_the_api_docs_can_be_turned_off_or_made_public(make_platform, mode, anonymous_status, user_status):
    platform = make_platform(demo_users=True, CBEC_API_DOCS=mode)
    assert client_for(platform).get("/openapi.json").status_code == anonymous_status
    assert client_for(platform, "ecom").get("/docs").status_code == user_status


def test_a_hostile_json_body_is_refused_in_the_platforms_own_words(make_platform):
    """#16: malformed, undecodable or 100,000-deep JSON gets the API's refusal (422, field "body", rule "json" or
    "depth", zh and en), not FastAPI's English 400; other validation errors keep FastAPI's answer."""
    platform = make_platform(demo_users=True)
    app_id, secret = platform.identity.register_client("ERP", "ECOM-DEMO", ["declarant_ecommerce"], by="test")
    machine, user = client_for(platform), client_for(platform, "ecom")
    bodies = {b"[" * 100_000 + b"]" * 100_000: "depth", b'{"orderNo": ': "json", b'{"orderNo": "\xff\xfe"}': "json",
              b"\xff\xfe\x00{": "json"}
    for body, rule in bodies.items():
        for response in (signed(machine, app_id, secret, "POST", "/api/import/orders", body),
                         user.post("/api/import/orders", content=body, headers={"Content-Type": "application/json"})):
            assert response.status_code == 422, (body[:20], response.text[:200])
            [error] = response.json()["errors"]
            assert (error["field"], error["rule"]) == ("body", rule), body[:20]
            assert error["message_zh"] and error["message_en"] and "parsing the body" not in response.text
    wrong_shape = signed(machine, app_id, secret, "POST", "/api/import/orders", b"[1]")
    assert wrong_shape.status_code == 422 and isinstance(wrong_shape.json()["detail"], list)  # FastAPI's own answer
    assert signed(machine, app_id, secret, "GET", "/api/import/nothing/here").status_code == 404
