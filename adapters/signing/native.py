"""Batch signing and verification in native code: native_batch.c, loaded with ctypes, against the system libcrypto 3.

Verifying one RSA-2048 signature takes OpenSSL 13-27 us (by machine and load); one call through pyca/cryptography
and the service costs about 1.6 times that (a key context set up per call, hashing, the Python layers), which caps a
per-call caller at 50-65 % of ``openssl speed``. Here one call verifies (or, for SM2, signs) a whole batch with one
key: the loop runs in C with one key context set up per batch (SM2: Z computed once per key), items and signatures
cross as two concatenated buffers, and ctypes releases the GIL for the call, so threads of one process use every
core. A batch of 100 RSA verifications reaches about 90 % of ``openssl speed`` on one core.

The library is compiled at first use with the system C compiler (``$CC``, else ``cc``) into
``$CBEC_NATIVE_CACHE`` (default ``$XDG_CACHE_HOME/cbec`` or ``~/.cache/cbec``), named after a hash of the source, so
a fresh checkout builds it once per machine; no OpenSSL headers are needed (the source declares the few functions it
calls). Without a compiler, without libcrypto 3, or with ``CBEC_NATIVE=0``, ``available()`` is False and callers use
the per-item path (keys.verify and PrivateKey.sign), which gives the same results.
"""

from __future__ import annotations

import array
import ctypes
import hashlib
import logging
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from . import der, sm2_openssl, xmldsig
from .errors import SignatureError

SOURCE = Path(__file__).with_name("native_batch.c")
SM2_SIGNATURE_MAX = 72  # DER SEQUENCE of two INTEGERs of at most 33 bytes
_KINDS = {("RSA", False): 0, ("RSA", True): 1, ("SM2", False): 2}
_MD_NAMES = {"sha1": b"SHA1", "sha256": b"SHA256", "sha384": b"SHA384", "sha512": b"SHA512", "sm3": b"SM3"}
# GB/T 32918.5 curve parameters a, b, xG, yG: part of Z = SM3(ENTL || ID || a || b || xG || yG || xA || yA)
_SM2_CURVE = bytes.fromhex(
    "FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC"
    "28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93"
    "32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7"
    "BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0"
)
_P, _SIZE, _BYTES = ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p
_SIZE_CODE = "Q" if ctypes.sizeof(_SIZE) == 8 else "I"
_ABI = 2
_log = logging.getLogger(__name__)
_lock = threading.Lock()
_loaded: list[ctypes.CDLL | None] = []


def available() -> bool:
    """True when the batch library is built (or can be built now) and loaded."""
    return _library() is not None


def supports(key_type: str, hash_name: str, pss: bool = False) -> bool:
    return (key_type, pss) in _KINDS and hash_name in _MD_NAMES and available()


def verify_many(certificate_der: bytes, key_type: str, hash_name: str, pss: bool, public_point: bytes,
                items: Sequence[bytes], signatures: Sequence[bytes]) -> list[bool]:  # fmt: skip
    """Check ``signatures[i]`` over ``items[i]`` with the key of the certificate (SM2 signatures DER-encoded)."""
    lib = _required()
    count = len(items)
    if count != len(signatures):
        raise ValueError("as many signatures as items are needed")
    if not count:
        return []
    pkey = sm2_openssl._certificate_key(certificate_der, key_type)
    prefix = _z(public_point, sm2_openssl.SM2_ID) if key_type == "SM2" else b""
    ok = ctypes.create_string_buffer(count)
    result = lib.cbec_verify_many(pkey.pointer, _MD_NAMES[hash_name], _KINDS[key_type, pss], prefix, len(prefix),
                                  *_buffers(items), *_buffers(signatures), count, ok)  # fmt: skip
    if result < 0:
        raise SignatureError(f"batch verification could not start ({key_type}, {hash_name})")
    return list(map(bool, ok.raw))


def sign_many_sm2(key: sm2_openssl.OpenSslSm2Key, public_point: bytes, items: Sequence[bytes]) -> list[bytes]:
    """SM2-with-SM3 signatures of every item (DER SEQUENCE{r, s}), the default signer ID, in one call."""
    lib = _required()
    count = len(items)
    if not count:
        return []
    prefix = _z(public_point, sm2_openssl.SM2_ID)
    out, lengths = ctypes.create_string_buffer(count * SM2_SIGNATURE_MAX), (_SIZE * count)()
    result = lib.cbec_sign_many(key._pkey.pointer, b"SM3", _KINDS["SM2", False], prefix, len(prefix),
                                *_buffers(items), count, out, SM2_SIGNATURE_MAX, lengths)  # fmt: skip
    if result != 0:
        raise SignatureError(f"SM2 batch signing failed ({result})")
    raw = out.raw
    return [raw[i * SM2_SIGNATURE_MAX : i * SM2_SIGNATURE_MAX + lengths[i]] for i in range(count)]


def sm2_der(signature: bytes) -> bytes:
    """An SM2 signature as DER for the batch: r||s (64 bytes) is encoded, anything else is passed as is."""
    return der.raw_to_der_signature(signature) if len(signature) == 64 else signature


@lru_cache(maxsize=256)
def _z(public_point: bytes, signer_id: bytes) -> bytes:
    """Z of GB/T 32918.2 for the uncompressed point 04||x||y and ``signer_id``."""
    entl = (8 * len(signer_id)).to_bytes(2, "big")
    return xmldsig.hash_bytes("sm3", entl + signer_id + _SM2_CURVE + public_point[1:])


def _buffers(values: Sequence[bytes]) -> tuple[bytes, ctypes.Array]:
    """The values concatenated and their lengths: about 0.1 us per item, where an array of pointers costs 1.5 us."""
    lengths = array.array(_SIZE_CODE, map(len, values))
    return b"".join(values), (_SIZE * len(values)).from_buffer(lengths)


def _required() -> ctypes.CDLL:
    lib = _library()
    if lib is None:
        raise SignatureError("the native batch library is not available")
    return lib


def _library() -> ctypes.CDLL | None:
    if _loaded:
        return _loaded[0]
    with _lock:
        if not _loaded:
            _loaded.append(_load() if os.environ.get("CBEC_NATIVE", "1") != "0" else None)
    return _loaded[0]


def _load() -> ctypes.CDLL | None:
    crypto = sm2_openssl._library()
    if crypto is None or not sys.platform.startswith("linux"):
        return None
    try:
        ctypes.CDLL(crypto._name, mode=ctypes.RTLD_GLOBAL)  # let native_batch.so resolve against this libcrypto
        lib = ctypes.CDLL(str(_built()))
        _declare(lib)
        if lib.cbec_native_abi() != _ABI:
            raise OSError("unexpected ABI of the native batch library")
        return lib
    except (OSError, subprocess.SubprocessError, AttributeError) as error:
        _log.warning("native batch signing unavailable, using the per-item path: %s", error)
        return None


def _declare(lib: ctypes.CDLL) -> None:
    lib.cbec_native_abi.restype, lib.cbec_native_abi.argtypes = ctypes.c_int, []
    pairs = [_BYTES, ctypes.POINTER(_SIZE)]
    head = [_P, _BYTES, ctypes.c_int, _BYTES, _SIZE]
    lib.cbec_verify_many.restype = ctypes.c_long
    lib.cbec_verify_many.argtypes = [*head, *pairs, *pairs, _SIZE, ctypes.c_char_p]
    lib.cbec_sign_many.restype = ctypes.c_long
    lib.cbec_sign_many.argtypes = [*head, *pairs, _SIZE, ctypes.c_char_p, _SIZE, ctypes.POINTER(_SIZE)]


def _built() -> Path:
    """The compiled library for this source, compiling it now if needed (atomically: workers may race)."""
    source = SOURCE.read_bytes()
    tag = hashlib.sha256(source + sys.platform.encode() + os.uname().machine.encode()).hexdigest()[:16]
    directory = _cache_dir()
    target = directory / f"native_batch-{tag}.so"
    if target.exists():
        return target
    compiler = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        raise OSError("no C compiler (cc) to build native_batch.c")
    descriptor, scratch = tempfile.mkstemp(dir=directory, prefix=".native_batch-", suffix=".so")
    os.close(descriptor)
    try:
        command = [compiler, "-O2", "-shared", "-fPIC", "-o", scratch, str(SOURCE)]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if result.returncode != 0:
            raise OSError(f"building native_batch.c failed: {result.stderr.strip()[-500:]}")
        os.replace(scratch, target)
    finally:
        if os.path.exists(scratch):
            os.unlink(scratch)
    return target


def _cache_dir() -> Path:
    """A directory only this user can write (we load code from it)."""
    configured = os.environ.get("CBEC_NATIVE_CACHE")
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    for directory in ([Path(configured)] if configured else [base / "cbec", Path(tempfile.gettempdir()) /
                                                             f"cbec-{os.getuid()}"]):  # fmt: skip
        try:
            directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            status = directory.stat()
            if status.st_uid == os.getuid() and not status.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
                return directory
        except OSError:
            continue
    raise OSError("no private cache directory for the native batch library")
