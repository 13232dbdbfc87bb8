"""#17 items 2 and 5: a caller of the signing service uses only its organisation's enterprises' keys (platform services
by the explicit S1:any-key role, the static key as CBEC_SIGNER_API_KEY_ENTERPRISES says), and every call, refused or
not, leaves one key-use record without its content. In process: the platform's real API clients, a real key store."""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid

import pytest
from fastapi.testclient import TestClient

from engine.signing.audit import KeyUse, KeyUseLog, key_use_log
from tests.signing_helpers import EXPIRED_ENTERPRISE, OTHER_ENTERPRISE, RSA_ENTERPRISE, blank_pdf, make_service
from ui.routers.signing.main import signer_app
from ui.security import sign_request

STATIC_KEY = "static-test-key"


class Collected(KeyUseLog):
    """A key-use log that keeps what it is given, for the test to read."""

    def __init__(self) -> None:
        self.uses: list[KeyUse] = []

    def record(self, use: KeyUse) -> None:
        self.uses.append(use)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


class Signed:
    """An HTTP client signing each request as the platform's API client ``app_id`` (HMAC headers)."""

    def __init__(self, http: TestClient, app_id: str, secret: str):
        self.http, self.app_id, self.secret = http, app_id, secret

    def post(self, path: str, payload: dict):
        return self._send("POST", path, json.dumps(payload).encode())

    def get(self, path: str):
        return self._send("GET", path, b"")

    def _send(self, method: str, path: str, body: bytes):
        stamp, nonce = str(int(time.time())), uuid.uuid4().hex
        headers = {"X-App-Id": self.app_id, "X-Timestamp": stamp, "X-Nonce": nonce,
                   "Content-Type": "application/json",
                   "X-Signature": sign_request(self.secret, method, path, stamp, nonce, body)}
        return self.http.request(method, path, content=body, headers=headers)


@pytest.fixture
def world(make_platform, tmp_path):
    """Organisation ALPHA owns the RSA and the expired enterprise, BETA owns the other one; each has a signing client.
    A platform service holds the S1:any-key role."""
    platform = make_platform()
    identity = platform.identity
    for organisation, enterprises in (("ALPHA", (RSA_ENTERPRISE, EXPIRED_ENTERPRISE)), ("BETA", (OTHER_ENTERPRISE,)),
                                      ("SVC", ())):
        identity.register_organisation(organisation, organisation.lower(), by="test")
        for code in enterprises:
            identity.assign_enterprise(organisation, code, by="test")
    clients = {"alpha": identity.register_client("alpha erp", "ALPHA", ["signing_client"], by="test"),
               "beta": identity.register_client("beta pay", "BETA", ["signing_client"], by="test"),
               "service": identity.register_client("platform", "SVC", ["signing_platform_service"], by="test")}
    uses = Collected()
    service = make_service(tmp_path / "keystore")

    def http(**env: str) -> TestClient:
        app = signer_app(service, {"CBEC_SIGNER_API_KEY": STATIC_KEY, **env}, uses)
        app.state.platform = platform
        return TestClient(app, raise_server_exceptions=False)

    client = http()
    return {name: Signed(client, *pair) for name, pair in clients.items()} | {"http": http, "uses": uses,
                                                                              "signing": service}


def refused_as_not_yours(response) -> bool:
    problem = response.json()
    return (response.status_code, problem["code"], problem["field"]) == (403, "key-not-yours", "enterprise") and \
        problem["message_zh"] and problem["message_en"]


def test_a_client_signs_decrypts_seals_and_lists_only_with_its_own_organisations_keys(world):
    alpha, beta = world["alpha"], world["beta"]
    data = b64(b"payment 42")
    assert alpha.post("/v1/cms/sign", {"enterprise": RSA_ENTERPRISE, "data": data}).status_code == 200
    for path, body in [("/v1/cms/sign", {"data": data}), ("/v1/raw/sign", {"data": data}),
                       ("/v1/xml/dsig/sign", {"xml": "<a/>"}), ("/v1/qr/sign", {"payload": "x"}),
                       ("/v1/pdf/seal", {"pdf": b64(blank_pdf())}),
                       ("/v1/raw/verify", {"data": data, "signature": data})]:
        assert refused_as_not_yours(alpha.post(path, {"enterprise": OTHER_ENTERPRISE, **body})), path
        assert refused_as_not_yours(beta.post(path, {"enterprise": RSA_ENTERPRISE, **body})), path

    # anyone may seal an envelope for BETA (its public certificate); only BETA opens it
    envelope = alpha.post("/v1/envelope/encrypt", {"data": data, "recipients": [OTHER_ENTERPRISE]}).json()["envelope"]
    assert refused_as_not_yours(alpha.post("/v1/envelope/decrypt", {"enterprise": OTHER_ENTERPRISE,
                                                                     "envelope": envelope}))
    assert beta.post("/v1/envelope/decrypt", {"enterprise": OTHER_ENTERPRISE, "envelope": envelope}).json()["data"] \
        == data

    assert refused_as_not_yours(alpha.get(f"/v1/keys/{OTHER_ENTERPRISE}"))
    assert refused_as_not_yours(beta.get("/v1/keys/9999999999"))  # an unknown code says nothing of what exists
    assert [k["enterprise"] for k in alpha.get(f"/v1/keys/{RSA_ENTERPRISE}").json()] == [RSA_ENTERPRISE]
    assert {k["enterprise"] for k in alpha.get("/v1/keys/expiring").json()} == {EXPIRED_ENTERPRISE}
    assert beta.get("/v1/keys/expiring").json() == []


def test_a_platform_service_with_the_any_key_role_uses_every_enterprises_key(world):
    service = world["service"]
    for enterprise in (RSA_ENTERPRISE, OTHER_ENTERPRISE):
        response = service.post("/v1/raw/sign", {"enterprise": enterprise, "data": b64(b"x")})
        assert response.status_code == 200, response.text
    assert {k["enterprise"] for k in service.get("/v1/keys/expiring").json()} == {EXPIRED_ENTERPRISE}


def test_a_change_of_the_organisations_enterprises_counts_at_the_next_call(world, make_platform):
    alpha = world["alpha"]
    body = {"enterprise": OTHER_ENTERPRISE, "data": b64(b"x")}
    assert alpha.post("/v1/raw/sign", body).status_code == 403
    alpha.http.app.state.platform.identity.assign_enterprise("ALPHA", OTHER_ENTERPRISE, by="test")
    assert alpha.post("/v1/raw/sign", body).status_code == 200


@pytest.mark.parametrize(("setting", "allowed", "refused"), [
    (None, (), (RSA_ENTERPRISE, OTHER_ENTERPRISE)),
    (OTHER_ENTERPRISE, (OTHER_ENTERPRISE,), (RSA_ENTERPRISE,)),
    (f" {RSA_ENTERPRISE} , {OTHER_ENTERPRISE}", (RSA_ENTERPRISE, OTHER_ENTERPRISE), ()),
    ("*", (RSA_ENTERPRISE, OTHER_ENTERPRISE), ()),
])  # fmt: skip
def test_the_static_key_uses_only_the_enterprises_its_setting_lists(world, setting, allowed, refused, caplog):
    env = {} if setting is None else {"CBEC_SIGNER_API_KEY_ENTERPRISES": setting}
    http = world["http"](**env)
    if setting is None:
        assert "CBEC_SIGNER_API_KEY_ENTERPRISES" in caplog.text  # said at start-up
    for enterprise in allowed:
        response = http.post("/v1/raw/sign", json={"enterprise": enterprise, "data": "eA=="},
                             headers={"X-API-Key": STATIC_KEY})
        assert response.status_code == 200, response.text
    for enterprise in refused:
        assert refused_as_not_yours(http.post("/v1/raw/sign", json={"enterprise": enterprise, "data": "eA=="},
                                              headers={"X-API-Key": STATIC_KEY}))


def test_every_call_leaves_one_key_use_record_with_a_digest_and_never_the_content(world):
    alpha, uses = world["alpha"], world["uses"]
    items = [b"order 1", b"order 2", b"order 3"]
    signed = alpha.post("/v1/raw/sign", {"enterprise": RSA_ENTERPRISE, "items": [b64(i) for i in items]})
    alpha.post("/v1/cms/sign", {"enterprise": OTHER_ENTERPRISE, "data": b64(b"secret order")})
    alpha.post("/v1/cms/sign", {"enterprise": RSA_ENTERPRISE, "data": "not base64!"})
    world["http"]().post("/v1/raw/sign", json={"enterprise": RSA_ENTERPRISE, "data": "eA=="},
                         headers={"X-API-Key": "a guess"})
    batch, foreign, malformed, anonymous = uses.uses[-4:]

    joined = b"".join(hashlib.sha256(item).digest() for item in items)
    assert (batch.caller, batch.organisation, batch.operation, batch.enterprise) == (
        alpha.app_id, "ALPHA", "raw.sign", RSA_ENTERPRISE)
    assert (batch.key_id, batch.items, batch.outcome, batch.status) == (signed.json()["key_id"], 3, "ok", 200)
    assert batch.digest == hashlib.sha256(joined).hexdigest() and batch.address
    assert (foreign.enterprise, foreign.outcome, foreign.status) == (OTHER_ENTERPRISE, "key-not-yours", 403)
    assert foreign.digest == hashlib.sha256(b"secret order").hexdigest()
    assert (malformed.outcome, malformed.status) == ("invalid-input", 422)
    assert (anonymous.caller, anonymous.outcome, anonymous.status) == ("", "unauthorized", 401)
    assert not any("secret order" in repr(use) or b64(b"secret order") in repr(use) for use in uses.uses)


def test_an_unexpected_error_is_a_500_in_the_error_shape_and_is_recorded(world, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(world["signing"], "sign_cms", broken)  # stands for any failure nobody foresaw
    response = world["alpha"].post("/v1/cms/sign", {"enterprise": RSA_ENTERPRISE, "data": b64(b"x")})
    assert response.status_code == 500
    assert response.json()["code"] == "internal-error" and "disk on fire" not in response.text
    assert (world["uses"].uses[-1].outcome, world["uses"].uses[-1].status) == ("internal-error", 500)


def test_the_platforms_key_use_log_keeps_every_call_for_the_auditors(world):
    """The log ``cbec signer`` wires (engine.signing.audit.key_use_log): the calls reach the auditors' read model."""
    platform = world["alpha"].http.app.state.platform
    uses = key_use_log(platform, interval=3600)
    try:
        app = signer_app(world["signing"], {}, uses)
        app.state.platform = platform
        alpha = Signed(TestClient(app, raise_server_exceptions=False), world["alpha"].app_id, world["alpha"].secret)
        assert alpha.post("/v1/cms/sign", {"enterprise": RSA_ENTERPRISE, "data": b64(b"kept")}).status_code == 200
        assert alpha.post("/v1/cms/sign", {"enterprise": OTHER_ENTERPRISE, "data": b64(b"x")}).status_code == 403
        uses.flush()
    finally:
        uses.close()
    while platform.signing_audit.view.run_once():
        pass
    found = platform.readmodels.query("SELECT operation, enterprise, caller, digest, outcome, status "
                                      "FROM signing_key_uses ORDER BY at, batch_id, seq", ())
    assert [(r["operation"], r["enterprise"], r["caller"], r["outcome"], r["status"]) for r in found] == [
        ("cms.sign", RSA_ENTERPRISE, world["alpha"].app_id, "ok", 200),
        ("cms.sign", OTHER_ENTERPRISE, world["alpha"].app_id, "key-not-yours", 403)]
    assert found[0]["digest"] == hashlib.sha256(b"kept").hexdigest()
