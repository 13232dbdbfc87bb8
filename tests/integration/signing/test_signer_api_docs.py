"""#17 item 11: /docs of the signing service and of the platform work offline (Swagger UI's assets come from the
package), and both OpenAPI documents say how callers authenticate and what refusals they may get."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.conftest import login
from tests.signing_helpers import make_service
from ui.app import create_app
from ui.routers.signing.api import Caller, create_signer_app

ASSETS = {"swagger-ui-bundle.js": "javascript", "swagger-ui.css": "text/css", "favicon-32x32.png": "image/png"}


@pytest.fixture
def signer(tmp_path) -> TestClient:
    service = make_service(tmp_path / "keystore")
    return TestClient(create_signer_app(service, lambda: Caller("t", "T", None)))


@pytest.fixture
def platform_client(make_platform) -> TestClient:
    client = TestClient(create_app(make_platform(demo_users=True)), base_url="https://testserver")
    login(client, "ecom")
    return client


def offline(client: TestClient) -> None:
    """The page names no address outside the app, and every asset it names loads from the app."""
    page = client.get("/docs")
    assert page.status_code == 200
    assert not re.search(r"https?://", page.text), page.text
    for name, kind in ASSETS.items():
        assert f"/static/swagger/{name}" in page.text
        asset = client.get(f"/static/swagger/{name}")
        assert asset.status_code == 200 and kind in asset.headers["content-type"] and len(asset.content) > 100


def test_the_signer_docs_page_needs_no_internet(signer):
    offline(signer)
    assert b"SwaggerUIBundle" in signer.get("/static/swagger/swagger-ui-bundle.js").content


def test_the_signer_answers_with_the_platforms_security_headers(signer):
    """#17 item 11: the signer's pages and answers carry the same policy as the platform's: /docs runs its own scripts
    only, nothing is framed or sniffed, and no answer (keys, signatures) is cached."""
    docs, keys = signer.get("/docs"), signer.get("/v1/keys/expiring")
    assert "script-src 'self' 'sha256-" in docs.headers["content-security-policy"]
    assert "http" not in docs.headers["content-security-policy"]
    for answer in (docs, keys):
        assert answer.headers["x-frame-options"] == "DENY" and answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["cache-control"] == "no-store"


def test_the_platform_docs_page_needs_no_internet_and_its_policy_allows_only_the_platform(platform_client):
    offline(platform_client)
    assert "http" not in platform_client.get("/docs").headers["content-security-policy"]


def test_the_signer_openapi_document_says_how_to_authenticate_and_every_refusal(signer):
    document = signer.get("/openapi.json").json()
    schemes = document["components"]["securitySchemes"]
    assert {(s["in"], s["name"]) for s in schemes.values()} == {
        ("header", "X-API-Key"), ("header", "X-App-Id"), ("header", "X-Timestamp"), ("header", "X-Nonce"),
        ("header", "X-Signature")}
    for path, operations in document["paths"].items():
        for operation in operations.values():
            assert {"401", "403", "413", "422"} <= set(operation["responses"]), path
            assert operation["responses"]["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/Problem")
            assert operation["security"] == [{"ApiKey": []},
                                             {"AppId": [], "Timestamp": [], "Nonce": [], "Signature": []}]
    problem = document["components"]["schemas"]["Problem"]["properties"]
    assert set(problem) == {"code", "message_zh", "message_en", "field"}
    raw = document["components"]["schemas"]["RawSignIn"]["properties"]["items"]["anyOf"][0]
    assert raw["maxItems"] == 1000 and raw["items"]["maxLength"] > 0
    assert "16 MB" in document["info"]["description"]


def test_the_platform_openapi_document_says_how_to_authenticate_and_its_refusals(platform_client):
    document = platform_client.get("/openapi.json").json()
    schemes = document["components"]["securitySchemes"]
    assert schemes["Session"]["in"] == "cookie" and schemes["Signature"]["name"] == "X-Signature"
    api = [(path, op) for path, ops in document["paths"].items() if path.startswith("/api/") for op in ops.values()]
    assert api
    for path, operation in api:
        assert {"401", "403", "413", "422"} <= set(operation["responses"]), path
        assert {"Session": []} in operation["security"]
