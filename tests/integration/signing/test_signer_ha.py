"""#17 item 10: two `cbec signer` instances sharing one key store, as deploy/README.md runs them behind a balancer.

A rotation made with `cbec signer-keys` while both run reaches both without a restart; signatures by the previous key
keep verifying on either; one instance going away leaves the other answering; `/healthz` is what a balancer checks.
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys

import httpx
import pytest

from tests.integration.signing.test_signer_service import _wait_until_up, free_port
from tests.signing_helpers import PASSPHRASE, RSA_ENTERPRISE, SM2_ENTERPRISE, make_store

API_KEY = "ha-test-signer-key"


def _env(data_dir) -> dict[str, str]:
    return {**os.environ, "CBEC_SIGNER_API_KEY": API_KEY, "CBEC_SIGNER_API_KEY_ENTERPRISES": "*",
            "CBEC_KEYSTORE_PASSPHRASE": PASSPHRASE.decode(), "CBEC_DATA_DIR": str(data_dir)}  # fmt: skip


def _start(data_dir) -> tuple[subprocess.Popen, str]:
    port = free_port()
    command = [sys.executable, "-m", "engine.cli", "signer", "--port", str(port), "--workers", "1",
               "--data", str(data_dir)]  # fmt: skip
    server = subprocess.Popen(command, env=_env(data_dir), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    _wait_until_up(base, server)
    return server, base


@pytest.fixture
def pair(tmp_path):
    make_store(tmp_path / "keystore")
    started: list[subprocess.Popen] = []
    try:
        bases = []
        for _ in range(2):
            server, base = _start(tmp_path)
            started.append(server)
            bases.append(base)
        yield tmp_path, started, bases
    finally:
        for server in started:
            server.terminate()
            server.wait(timeout=30)


def _cms(base: str, enterprise: str, data: bytes) -> dict:
    body = {"enterprise": enterprise, "data": base64.b64encode(data).decode()}
    answer = httpx.post(f"{base}/v1/cms/sign", json=body, headers={"X-API-Key": API_KEY}, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _verify(base: str, cms: str) -> dict:
    answer = httpx.post(f"{base}/v1/cms/verify", json={"cms": cms}, headers={"X-API-Key": API_KEY}, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _active_key(base: str, enterprise: str) -> str:
    keys = httpx.get(f"{base}/v1/keys/{enterprise}", headers={"X-API-Key": API_KEY}, timeout=30).json()
    return next(key["key_id"] for key in keys if key["active"])


def test_a_rotation_on_one_host_reaches_every_instance_and_old_signatures_still_verify(pair):
    data_dir, _, (first, second) = pair
    before = _cms(first, RSA_ENTERPRISE, b"signed before the rotation")["cms"]
    old_key = _active_key(second, RSA_ENTERPRISE)

    rotate = [sys.executable, "-m", "engine.cli", "signer-keys", "generate", RSA_ENTERPRISE, "--data", str(data_dir)]
    done = subprocess.run(rotate, env=_env(data_dir), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr

    new_key = _active_key(first, RSA_ENTERPRISE)
    assert new_key != old_key and _active_key(second, RSA_ENTERPRISE) == new_key
    for base in (first, second):  # both sign with the new key at once, neither was restarted
        after = _cms(base, RSA_ENTERPRISE, b"signed after the rotation")["cms"]
        assert _verify(base, after)["ok"]
        checked = _verify(base, before)  # the previous key keeps verifying (item 8)
        assert checked["ok"], checked
        assert checked["key_id"] == old_key


def test_one_instance_down_leaves_the_other_serving_and_healthz_tells_the_balancer(pair):
    _, servers, (first, second) = pair
    assert httpx.get(f"{first}/healthz", timeout=5).status_code == 200
    servers[0].terminate()
    servers[0].wait(timeout=30)
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"{first}/healthz", timeout=2)
    assert httpx.get(f"{second}/healthz", timeout=5).status_code == 200
    signed = _cms(second, SM2_ENTERPRISE, b"the other host still signs")
    assert _verify(second, signed["cms"])["ok"]
