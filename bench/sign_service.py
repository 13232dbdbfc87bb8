"""Raw RSA-2048 and SM2 signatures through the signing service as a module: one core and all cores.

All-core figures run one process per core, each with its own SigningService over the same key store,
each signing (or verifying) for a fixed time from a common start; the rate is their sum.
"""

import multiprocessing
import os
import time
from collections.abc import Callable
from pathlib import Path

from adapters.signing.keystore import KeyStore
from engine.signing import SigningService

Metric = tuple[str, float, str]
PASSPHRASE = b"cbec bench passphrase"
DATA = b"cbec signing benchmark: 32 bytes" * 4
ENTERPRISES = {"RSA": "BENCHRSA01", "SM2": "BENCHSM201"}


def make_keystore(root: Path) -> KeyStore:
    """A key store with one RSA-2048 and one SM2 enterprise (encrypted at rest like production)."""
    store = KeyStore(root, PASSPHRASE)
    for key_type, enterprise in ENTERPRISES.items():
        store.generate(enterprise, key_type, f"bench {key_type}")
    return store


def run(root: Path, seconds: float = 2.0) -> list[Metric]:
    """Signs and verifies per second for RSA-2048 (RSA-SHA256) and SM2-SM3, one core and all cores."""
    cores = os.cpu_count() or 1
    service = SigningService(KeyStore(root, PASSPHRASE))
    lines: list[Metric] = []
    for key_type, enterprise in ENTERPRISES.items():
        label = "rsa2048" if key_type == "RSA" else "sm2"
        for operation, unit in (("sign", "signs/s"), ("verify", "verifies/s")):
            work = _operation(service, enterprise, operation)
            lines.append((f"module_{label}_{operation}_1core", _rate_for(work, seconds), unit))
            total = _all_cores(root, enterprise, operation, cores, seconds)
            lines.append((f"module_{label}_{operation}_{cores}cores", total, unit))
    return lines


def _operation(service: SigningService, enterprise: str, operation: str) -> Callable[[], object]:
    if operation == "sign":
        return lambda: service.sign_raw(enterprise, DATA)
    signed = service.sign_raw(enterprise, DATA)
    if not service.verify_raw(enterprise, signed.key_id, DATA, signed.signature).ok:
        raise RuntimeError(f"{enterprise}: the benchmark signature does not verify")
    return lambda: service.verify_raw(enterprise, signed.key_id, DATA, signed.signature)


def _rate_for(operation: Callable[[], object], seconds: float, start: float | None = None) -> float:
    if start is not None:
        time.sleep(max(0.0, start - time.time()))
    operation()
    count, began = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - began) < seconds:
        for _ in range(20):
            operation()
        count += 20
    return round(count / elapsed, 1)


def _all_cores(root: Path, enterprise: str, operation: str, cores: int, seconds: float) -> float:
    start = time.time() + 1.5
    with multiprocessing.get_context("spawn").Pool(cores) as pool:
        jobs = [(str(root), enterprise, operation, seconds, start)] * cores
        return round(sum(pool.starmap(_worker, jobs)), 1)


def _worker(root: str, enterprise: str, operation: str, seconds: float, start: float) -> float:
    service = SigningService(KeyStore(Path(root), PASSPHRASE))
    service.signing_key(enterprise)
    return _rate_for(_operation(service, enterprise, operation), seconds, start)
