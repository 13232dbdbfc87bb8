"""`cbec signer` as other systems use it: a real process (uvicorn, 2 workers) on a free port, httpx clients."""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from adapters.signing import verify_bytes
from adapters.signing.keystore import KeyStore
from bench.sign import ceb311_document
from engine import bootstrap
from engine.settings import Settings
from engine.signing.service import SigningService
from tests.signing_helpers import (
    EXPIRED_ENTERPRISE,
    LOCKED_ENTERPRISE,
    OTHER_ENTERPRISE,
    PASSPHRASE,
    RSA_ENTERPRISE,
    SM2_ENTERPRISE,
    blank_pdf,
    make_store,
)
from ui.security import sign_request

API_KEY = "test-signer-key"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def unb64(text: str) -> bytes:
    return base64.b64decode(text)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    data = tmp_path_factory.mktemp("signer-data")
    make_store(data / "keystore")
    return data


@pytest.fixture(scope="module")
def api_clients(data_dir) -> dict[str, tuple[str, str]]:
    """Two API clients of the platform (#4): one whose role grants S1:sign, one whose role does not; their
    organisation owns the RSA enterprise."""
    # the platform opens the same sealed key store as the signer, with its passphrase (#17 item 7: one store)
    platform = bootstrap.build(Settings.from_env(data_dir, env={"CBEC_KEYSTORE_PASSPHRASE": PASSPHRASE.decode()}))
    try:
        platform.identity.register_organisation("ERP", "企业系统", by="test")
        platform.identity.assign_enterprise("ERP", RSA_ENTERPRISE, by="test")
        return {"signer": platform.identity.register_client("ERP signer", "ERP", ["signing_client"], by="test"),
                "declarant": platform.identity.register_client("ERP orders", "ERP", ["declarant_ecommerce"], "t")}
    finally:
        platform.close()


@pytest.fixture(scope="module")
def local(data_dir) -> SigningService:
    """The same key store opened in the test process, to check what the server returns."""
    return SigningService(KeyStore(data_dir / "keystore", PASSPHRASE))


@pytest.fixture(scope="module")
def url(data_dir, api_clients):
    port = free_port()
    env = {**os.environ, "CBEC_SIGNER_API_KEY": API_KEY, "CBEC_SIGNER_API_KEY_ENTERPRISES": "*",
           "CBEC_KEYSTORE_PASSPHRASE": PASSPHRASE.decode()}
    command = [sys.executable, "-m", "engine.cli", "signer", "--port", str(port), "--workers", "2",
               "--data", str(data_dir)]  # fmt: skip
    server = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, server)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def _wait_until_up(base: str, server: subprocess.Popen) -> None:
    deadline = time.time() + 30
    while time.time() < deadline:
        if server.poll() is not None:
            pytest.fail(f"cbec signer exited: {server.stdout.read().decode(errors='replace')}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    pytest.fail("cbec signer did not answer within 30 s")


@pytest.fixture
def client(url):
    with httpx.Client(base_url=url, headers={"X-API-Key": API_KEY}, timeout=30) as http:
        yield http


def test_signatures_under_concurrent_load_are_all_correct(url, local):
    jobs = [(SM2_ENTERPRISE if n % 2 else RSA_ENTERPRISE, f"order {n:04d}".encode()) for n in range(400)]

    def sign(job: tuple[str, bytes]) -> tuple[str, bytes, dict]:
        enterprise, data = job
        with httpx.Client(base_url=url, headers={"X-API-Key": API_KEY}, timeout=30) as http:
            response = http.post("/v1/raw/sign", json={"enterprise": enterprise, "data": b64(data)})
        response.raise_for_status()
        return enterprise, data, response.json()

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(sign, jobs))
    assert len(results) == 400
    for enterprise, data, body in results:
        assert local.verify_raw(enterprise, body["key_id"], data, unb64(body["signature"]), body["algorithm"]).ok


def test_customs_and_cms_signing_under_concurrent_load_are_correct(url, local):
    def sign(n: int) -> tuple[bytes, bytes]:
        enterprise = SM2_ENTERPRISE if n % 2 else RSA_ENTERPRISE
        with httpx.Client(base_url=url, headers={"X-API-Key": API_KEY}, timeout=30) as http:
            xml = http.post("/v1/xml/customs/sign", json={"enterprise": enterprise, "xml": ceb311_document().decode()})
            cms = http.post("/v1/cms/sign", json={"enterprise": enterprise, "data": b64(b"n=%d" % n)})
        return xml.json()["xml"].encode(), unb64(cms.json()["cms"])

    with ThreadPoolExecutor(8) as pool:
        for xml, cms in pool.map(sign, range(60)):
            assert verify_bytes(xml).ok
            assert local.verify_cms(cms).ok


def test_every_operation_round_trips_over_http(client):
    def post(path: str, body: dict) -> dict:
        response = client.post(path, json=body)
        assert response.status_code == 200, response.text
        return response.json()

    data, rsa, sm2 = b64(b"declaration"), RSA_ENTERPRISE, SM2_ENTERPRISE
    xml = post("/v1/xml/customs/sign", {"enterprise": sm2, "xml": ceb311_document().decode()})["xml"]
    assert post("/v1/xml/customs/verify", {"xml": xml})["ok"]
    xml = post("/v1/xml/dsig/sign", {"enterprise": rsa, "xml": ceb311_document().decode()})["xml"]
    assert post("/v1/xml/dsig/verify", {"xml": xml})["algorithm"] == "RSA-SHA256"
    xml = post("/v1/xml/dsig/sign-detached", {"enterprise": sm2, "content": data, "uri": "d.txt"})["xml"]
    assert post("/v1/xml/dsig/verify", {"xml": xml, "content": data})["ok"]
    cms = post("/v1/cms/sign", {"enterprise": rsa, "data": data, "algorithm": "RSA-PSS-SHA256"})["cms"]
    assert post("/v1/cms/verify", {"cms": cms})["content"] == data
    raw = post("/v1/raw/sign", {"enterprise": sm2, "items": [data, data]})
    assert post("/v1/raw/verify", {"enterprise": sm2, "key_id": raw["key_id"], "data": data,
                                   "signature": raw["signatures"][1]})["ok"]  # fmt: skip
    envelope = post("/v1/envelope/encrypt", {"data": data, "recipients": [rsa, OTHER_ENTERPRISE], "cipher": "SM4-CBC"})
    opened = post("/v1/envelope/decrypt", {"enterprise": OTHER_ENTERPRISE, "envelope": envelope["envelope"]})
    assert opened["data"] == data
    qr = post("/v1/qr/sign", {"enterprise": sm2, "payload": "订单 order 42"})
    assert unb64(qr["png"]).startswith(b"\x89PNG")
    assert post("/v1/qr/verify", {"text": qr["text"]})["payload"] == "订单 order 42"
    pdf = post("/v1/pdf/seal", {"enterprise": rsa, "pdf": b64(blank_pdf()), "reason": "签章"})["pdf"]
    assert post("/v1/pdf/verify", {"pdf": pdf})["ok"]
    assert [k["key_type"] for k in client.get(f"/v1/keys/{sm2}").json()] == ["SM2"]
    assert EXPIRED_ENTERPRISE in [k["enterprise"] for k in client.get("/v1/keys/expiring").json()]


def test_a_changed_envelope_is_refused_with_422_not_opened_to_garbage_17(client):
    """#17 item 6: a flipped byte decrypted to garbage with 200; envelopes are now AES-256-GCM by default and a
    changed one is refused, naming the envelope, in zh and en. CBC stays available by name for legacy peers."""
    data = b64("报关单 declaration №42 ¥2165.64".encode() * 4)
    made = client.post("/v1/envelope/encrypt", json={"data": data, "recipients": [RSA_ENTERPRISE, SM2_ENTERPRISE]})
    assert made.status_code == 200, made.text
    envelope = unb64(made.json()["envelope"])
    assert b"\x06\x0b\x2a\x86\x48\x86\xf7\x0d\x01\x09\x10\x01\x17" in envelope[:24]  # id-ct-authEnvelopedData
    for enterprise in (RSA_ENTERPRISE, SM2_ENTERPRISE):
        opened = client.post("/v1/envelope/decrypt", json={"enterprise": enterprise, "envelope": b64(envelope)})
        assert opened.json()["data"] == data
    for index in (len(envelope) - 30, len(envelope) - 1):  # the ciphertext, the tag
        changed = envelope[:index] + bytes([envelope[index] ^ 1]) + envelope[index + 1 :]
        refused = client.post("/v1/envelope/decrypt", json={"enterprise": RSA_ENTERPRISE, "envelope": b64(changed)})
        assert (refused.status_code, refused.json()["code"]) == (422, "envelope-tampered")
        assert "篡改" in refused.json()["message_zh"] and "tampered" in refused.json()["message_en"]
    legacy = client.post("/v1/envelope/encrypt", json={"data": data, "recipients": [RSA_ENTERPRISE],
                                                       "cipher": "AES-256-CBC"})  # fmt: skip
    assert client.post("/v1/envelope/decrypt", json={"enterprise": RSA_ENTERPRISE,
                                                     "envelope": legacy.json()["envelope"]}).json()["data"] == data
    unknown = client.post("/v1/envelope/encrypt", json={"data": data, "recipients": [RSA_ENTERPRISE],
                                                        "cipher": "DES-CBC"})  # fmt: skip
    assert (unknown.status_code, unknown.json()["code"]) == (422, "unsupported-algorithm")
    assert "cipher" in unknown.json()["message_en"] and "AES-256-GCM" in unknown.json()["message_en"]


def test_sm2_envelopes_sm2_seals_and_batch_verification_over_http(client, local):
    """S3, S5, S6: an SM2 enterprise as envelope recipient, an SM2 seal with its reader notice, batch verify."""
    def post(path: str, body: dict) -> dict:
        response = client.post(path, json=body)
        assert response.status_code == 200, response.text
        return response.json()

    data, rsa, sm2 = b64(b"declaration"), RSA_ENTERPRISE, SM2_ENTERPRISE
    envelope = post("/v1/envelope/encrypt", {"data": data, "recipients": [sm2, rsa], "cipher": "SM4-CBC",
                                             "profile": "gm"})["envelope"]  # fmt: skip
    assert post("/v1/envelope/decrypt", {"enterprise": sm2, "envelope": envelope})["data"] == data
    assert post("/v1/envelope/decrypt", {"enterprise": rsa, "envelope": envelope})["data"] == data
    refused = client.post("/v1/envelope/decrypt", json={"enterprise": OTHER_ENTERPRISE, "envelope": envelope})
    assert (refused.status_code, refused.json()["code"]) == (422, "not-a-recipient")

    sealed = post("/v1/pdf/seal", {"enterprise": sm2, "pdf": b64(blank_pdf())})
    assert "PDF readers" in sealed["notice_en"] and sealed["notice_zh"]
    assert post("/v1/pdf/verify", {"pdf": sealed["pdf"]})["algorithm"] == "SM2-SM3"
    assert "notice_en" not in post("/v1/pdf/seal", {"enterprise": rsa, "pdf": b64(blank_pdf())})

    for enterprise in (rsa, sm2):
        items = [b64(b"item %d" % n) for n in range(50)]
        signed = post("/v1/raw/sign", {"enterprise": enterprise, "items": items})
        signatures = signed["signatures"]
        signatures[9] = signatures[10]
        checked = post("/v1/raw/verify", {"enterprise": enterprise, "key_id": signed["key_id"], "items": items,
                                          "signatures": signatures})  # fmt: skip
        assert (checked["ok"], checked["reason"]) == (False, "signature-invalid")
        assert [n for n, ok in enumerate(checked["results"]) if not ok] == [9]
    mixed = client.post("/v1/raw/verify", json={"enterprise": rsa, "data": data, "items": [data], "signatures": [data]})
    assert (mixed.status_code, mixed.json()["code"], mixed.json()["field"]) == (422, "invalid-input", "items")


@pytest.mark.parametrize(("body", "status", "code"), [
    ({"enterprise": "9999999999"}, 404, "unknown-key"),
    ({"enterprise": EXPIRED_ENTERPRISE}, 409, "certificate-expired"),
    ({"enterprise": LOCKED_ENTERPRISE}, 403, "wrong-passphrase"),
    ({"enterprise": SM2_ENTERPRISE, "algorithm": "RSA-SHA1"}, 422, "unsupported-algorithm"),
    ({"enterprise": RSA_ENTERPRISE, "data": "not base64!"}, 422, "invalid-input"),
])  # fmt: skip
def test_refusals_carry_a_stable_code_and_chinese_and_english_messages(client, body, status, code):
    response = client.post("/v1/cms/sign", json={"data": b64(b"x"), **body})
    assert response.status_code == status
    problem = response.json()
    assert problem["code"] == code and problem["message_zh"] and problem["message_en"]


def test_calls_without_the_api_key_are_refused_and_the_api_is_documented(url):
    assert httpx.post(f"{url}/v1/raw/sign", json={"enterprise": RSA_ENTERPRISE, "data": "eA=="}).status_code == 401
    wrong = httpx.post(f"{url}/v1/raw/sign", json={}, headers={"X-API-Key": "guess"})
    assert wrong.status_code == 401
    paths = httpx.get(f"{url}/openapi.json").json()["paths"]
    assert {"/v1/cms/sign", "/v1/envelope/decrypt", "/v1/pdf/seal", "/v1/qr/verify"} <= set(paths)


def signed_post(url: str, client: tuple[str, str], path: str, payload: dict) -> httpx.Response:
    app_id, secret = client
    body, stamp, nonce = json.dumps(payload).encode(), str(int(time.time())), uuid.uuid4().hex
    headers = {"X-App-Id": app_id, "X-Timestamp": stamp, "X-Nonce": nonce, "Content-Type": "application/json",
               "X-Signature": sign_request(secret, "POST", path, stamp, nonce, body)}
    return httpx.post(url + path, content=body, headers=headers, timeout=30)


def test_platform_api_clients_sign_when_their_role_allows_it(url, api_clients, local):
    payload = {"enterprise": RSA_ENTERPRISE, "data": base64.b64encode(b"payload").decode()}
    allowed = signed_post(url, api_clients["signer"], "/v1/raw/sign", payload)
    assert allowed.status_code == 200
    assert signed_post(url, api_clients["declarant"], "/v1/raw/sign", payload).status_code == 403
