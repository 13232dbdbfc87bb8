"""Raw RSA-2048 and SM2 signatures through the signing service as a module: one core and all cores.

All-core figures run one process per core, each with its own SigningService over the same key store,
each signing (or verifying) for a fixed time from a common start; the rate is their sum.
Batch figures (``*_batch100_*``) go through ``verify_raw_many`` / ``sign_raw_many`` with 100 items per call,
which verify (RSA, SM2) and sign (SM2) in one native call (adapters/signing/native.py); the ``*threads`` row runs
one thread per core in one process, which only scales because the native call releases the GIL.
"""

import multiprocessing
import os
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from adapters.signing import native
from adapters.signing.keystore import KeyStore
from engine.signing.service import SigningService

Metric = tuple[str, float, str]
PASSPHRASE = b"cbec bench passphrase"
DATA = b"cbec signing benchmark: 32 bytes" * 4
ENTERPRISES = {"RSA": "BENCHRSA01", "SM2": "BENCHSM201"}
BATCH = 100
BATCHED = (("RSA", "verify"), ("SM2", "sign"), ("SM2", "verify"))


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
    return lines + _batches(root, service, cores, seconds)


def _batches(root: Path, service: SigningService, cores: int, seconds: float) -> list[Metric]:
    """The batch path, 100 items per call: one core, all cores (processes), and for RSA verify all cores as threads."""
    lines: list[Metric] = [("module_native_batch", float(native.available()), "1 = native library loaded")]
    for key_type, operation in BATCHED:
        label, enterprise = "rsa2048" if key_type == "RSA" else "sm2", ENTERPRISES[key_type]
        unit, name = {"sign": "signs/s", "verify": "verifies/s"}[operation], f"{operation}_batch"
        work = _operation(service, enterprise, name)
        lines.append((f"module_{label}_{operation}_batch{BATCH}_1core", _rate_for(work, seconds, step=1) * BATCH, unit))
        total = _all_cores(root, enterprise, name, cores, seconds)
        lines.append((f"module_{label}_{operation}_batch{BATCH}_{cores}cores", total, unit))
        if key_type == "RSA":
            lines.append((f"module_{label}_{operation}_batch{BATCH}_{cores}threads",
                          _threads(work, cores, seconds) * BATCH, unit))  # fmt: skip
    return lines


def paired(root: Path, rounds: int = 3, seconds: float = 2.0) -> list[Metric]:
    """The batch path against ``openssl speed`` measured right beside it, in alternating rounds: on a shared machine
    whose speed drifts by a factor of two within minutes, a ratio of figures taken minutes apart says little. Each
    round measures openssl, then ours, on the same cores; the reported ratio is the median of the rounds'."""
    from bench import sign_tools

    cores = os.cpu_count() or 1
    service = SigningService(KeyStore(root, PASSPHRASE))
    lines: list[Metric] = []
    for key_type, operation in BATCHED:
        label, enterprise = "rsa2048" if key_type == "RSA" else "sm2", ENTERPRISES[key_type]
        work = _operation(service, enterprise, f"{operation}_batch")
        for n in sorted({1, cores}):
            ratios = []
            for _ in range(rounds):
                limit = sign_tools.speed_of(label, operation, n)
                if not limit:
                    return lines
                ours = _rate_for(work, seconds, step=1) * BATCH if n == 1 else \
                    _all_cores(root, enterprise, f"{operation}_batch", n, seconds)
                ratios.append(100 * ours / limit)
            where = "1core" if n == 1 else f"{n}cores"
            lines.append((f"paired_batch_vs_openssl_{label}_{operation}_{where}", round(statistics.median(ratios), 1),
                          f"% (median of {rounds} alternating rounds: {', '.join(f'{r:.0f}' for r in ratios)})"))
    return lines


def _operation(service: SigningService, enterprise: str, operation: str) -> Callable[[], object]:
    if operation == "sign":
        return lambda: service.sign_raw(enterprise, DATA)
    items = [DATA] * BATCH
    if operation == "sign_batch":
        return lambda: service.sign_raw_many(enterprise, items)
    signed = service.sign_raw(enterprise, DATA)
    if not service.verify_raw(enterprise, signed.key_id, DATA, signed.signature).ok:
        raise RuntimeError(f"{enterprise}: the benchmark signature does not verify")
    if operation == "verify_batch":
        signatures = [signed.signature] * BATCH
        if not all(service.verify_raw_many(enterprise, signed.key_id, items, signatures).ok):
            raise RuntimeError(f"{enterprise}: the benchmark batch does not verify")
        return lambda: service.verify_raw_many(enterprise, signed.key_id, items, signatures)
    return lambda: service.verify_raw(enterprise, signed.key_id, DATA, signed.signature)


def _rate_for(operation: Callable[[], object], seconds: float, start: float | None = None, step: int = 20) -> float:
    """Calls per second over at least ``seconds`` (checking the clock every ``step`` calls)."""
    if start is not None:
        time.sleep(max(0.0, start - time.time()))
    operation()
    count, began = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - began) < seconds:
        for _ in range(step):
            operation()
        count += step
    return round(count / elapsed, 1)


def _threads(operation: Callable[[], object], threads: int, seconds: float) -> float:
    """Calls per second of ``threads`` threads of this process calling ``operation`` from a common start."""
    start = time.time() + 0.5
    with ThreadPoolExecutor(threads) as pool:
        rates = pool.map(lambda _: _rate_for(operation, seconds, start, step=1), range(threads))
        return round(sum(rates), 1)


def _all_cores(root: Path, enterprise: str, operation: str, cores: int, seconds: float) -> float:
    start = time.time() + 1.5
    with multiprocessing.get_context("spawn").Pool(cores) as pool:
        jobs = [(str(root), enterprise, operation, seconds, start)] * cores
        return round(sum(pool.starmap(_worker, jobs)), 1)


def _worker(root: str, enterprise: str, operation: str, seconds: float, start: float) -> float:
    service = SigningService(KeyStore(Path(root), PASSPHRASE))
    service.signing_key(enterprise)
    if operation.endswith("_batch"):
        return _rate_for(_operation(service, enterprise, operation), seconds, start, step=1) * BATCH
    return _rate_for(_operation(service, enterprise, operation), seconds, start)
