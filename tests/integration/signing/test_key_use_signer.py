"""#17 item 5 through the signing service itself: real calls to the signer app record who used which key, refused
calls with their code, and only the SHA-256 of what was signed; never the content."""

from __future__ import annotations

import base64
import hashlib
import inspect

import pytest
from fastapi.testclient import TestClient

from engine.signing.audit import key_use_log
from tests.signing_helpers import RSA_ENTERPRISE, SM2_ENTERPRISE, make_service
from ui.routers.signing import api

MARKER = "MARKER-c0ffee-签名原文"
API_KEY = "a-test-key-made-by-this-test"


@pytest.fixture
def signer(make_platform, tmp_path):
    """The signer app as `cbec signer` builds it (static key for every enterprise), with the platform's key-use log."""
    if "uses" not in inspect.signature(api.create_signer_app).parameters:
        pytest.skip("the signer API does not take the key-use log yet (#17 item 5 wiring in ui/routers/signing/api.py)")
    from ui.routers.signing.main import signer_app

    platform = make_platform()
    uses = key_use_log(platform)
    app = signer_app(make_service(tmp_path / "keystore"), {"CBEC_SIGNER_API_KEY": API_KEY,
                                                           "CBEC_SIGNER_API_KEY_ENTERPRISES": "*"}, uses)
    app.state.platform = platform
    client = TestClient(app, headers={"X-API-Key": API_KEY})
    yield platform, uses, client
    uses.close()


def recorded(platform, uses) -> list[dict]:
    uses.flush()
    while platform.signing_audit.view.run_once():
        pass
    return platform.readmodels.query("SELECT * FROM signing_key_uses ORDER BY at")


def test_signatures_and_refusals_are_recorded_with_the_digest_and_never_the_content(signer):
    platform, uses, client = signer
    data = f"<order>{MARKER}</order>".encode()
    signed = client.post("/v1/raw/sign", json={"enterprise": RSA_ENTERPRISE, "data": base64.b64encode(data).decode()})
    assert signed.status_code == 200
    refused = client.post("/v1/raw/sign", json={"enterprise": "3309999999", "data": base64.b64encode(data).decode()})
    assert refused.status_code == 404
    cms = client.post("/v1/cms/sign", json={"enterprise": SM2_ENTERPRISE, "data": base64.b64encode(data).decode()})
    assert cms.status_code == 200

    rows = recorded(platform, uses)
    assert [(r["operation"], r["enterprise"], r["outcome"], r["status"]) for r in rows] == [
        ("raw.sign", RSA_ENTERPRISE, "ok", 200), ("raw.sign", "3309999999", "unknown-key", 404),
        ("cms.sign", SM2_ENTERPRISE, "ok", 200)]
    content = hashlib.sha256(data).hexdigest()
    assert [r["digest"] for r in rows] == [content, content, content]  # a single raw item: its own SHA-256 too
    assert rows[0]["key_id"] == signed.json()["key_id"]
    assert rows[0]["caller"] == "static-key"

    stored = b"".join(n.state for n in platform.store.recorder.select_notifications(1, 1_000_000))
    assert b"MARKER-c0ffee" not in stored
    assert content.encode() in stored
    assert "MARKER-c0ffee" not in repr(rows)
