"""The signing service over HTTP: a local `cbec signer` (one worker per core) and concurrent client processes.

Clients are processes (not threads) so that the client side is not held back by one GIL; they share the
machine's cores with the server, as a co-located caller would. Each client keeps one connection open.
"""

import base64
import logging
import multiprocessing
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from bench.sign_service import DATA, ENTERPRISES, PASSPHRASE

Metric = tuple[str, float, str]
API_KEY = "cbec-bench-key"
BATCH = 100


def run(data_dir: Path, seconds: float = 2.0, clients: int | None = None) -> list[Metric]:
    """Signs and verifies per second through HTTP for RSA-2048 and SM2, single items and batches of 100 (verified in
    one native call per request, see adapters/signing/native.py)."""
    logging.getLogger("httpx").setLevel(logging.WARNING)
    cores = os.cpu_count() or 1
    clients = clients or 2 * cores
    port = _free_port()
    server = _start(data_dir, port, cores)
    try:
        url = f"http://127.0.0.1:{port}"
        lines: list[Metric] = []
        for key_type, enterprise in ENTERPRISES.items():
            label = "rsa2048" if key_type == "RSA" else "sm2"
            for call, per_request, unit in (("sign", 1, "signs/s"), ("verify", 1, "verifies/s"),
                                            ("sign", BATCH, "signs/s"), ("verify", BATCH, "verifies/s")):  # fmt: skip
                rate = _measure(url, enterprise, call, per_request, clients, seconds)
                suffix = f"_batch{per_request}" if per_request > 1 else ""
                lines.append((f"http_{label}_{call}{suffix}_{cores}workers", rate, unit))
        return lines + [("http_clients", float(clients), "processes")]
    finally:
        server.terminate()
        server.wait(timeout=30)


def _start(data_dir: Path, port: int, workers: int) -> subprocess.Popen:
    env = {**os.environ, "CBEC_DATA_DIR": str(data_dir), "CBEC_KEYSTORE_PASSPHRASE": PASSPHRASE.decode(),
           "CBEC_SIGNER_API_KEY": API_KEY, "CBEC_KEYSTORE_DIR": str(data_dir / "keystore"),
           "CBEC_SIGNER_API_KEY_ENTERPRISES": ",".join(ENTERPRISES.values())}  # fmt: skip  # the static key's keys
    command = [sys.executable, "-m", "engine.cli", "signer", "--port", str(port), "--workers", str(workers)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError(f"cbec signer did not start: {server.stderr.read().decode(errors='replace')[-2000:]}")


def _measure(url: str, enterprise: str, call: str, per_request: int, clients: int, seconds: float) -> float:
    start = time.time() + 1.5
    with multiprocessing.get_context("spawn").Pool(clients) as pool:
        rates = pool.starmap(_client, [(url, enterprise, call, per_request, seconds, start)] * clients)
    return round(sum(rates) * per_request, 1)


def _client(url: str, enterprise: str, call: str, per_request: int, seconds: float, start: float) -> float:
    """Requests per second of one client over its own measured window."""
    item = base64.b64encode(DATA).decode()
    with httpx.Client(base_url=url, headers={"X-API-Key": API_KEY}, timeout=30) as client:
        body = {"enterprise": enterprise, "data": item} if per_request == 1 else {
            "enterprise": enterprise, "items": [item] * per_request}  # fmt: skip
        if call == "verify":
            signed = client.post("/v1/raw/sign", json=body).json()
            body = {"enterprise": enterprise, "key_id": signed["key_id"], "data": item,
                    "signature": signed["signature"]} if per_request == 1 else {
                    "enterprise": enterprise, "key_id": signed["key_id"], "items": body["items"],
                    "signatures": signed["signatures"]}  # fmt: skip
        path = f"/v1/raw/{call}"
        time.sleep(max(0.0, start - time.time()))
        count, began = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - began) < seconds:
            answer = client.post(path, json=body)
            if answer.status_code != 200:  # a plain error: httpx's own cannot cross the process pool
                raise RuntimeError(f"{path} answered {answer.status_code}: {answer.text[:300]}")
            count += 1
    return count / elapsed


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
