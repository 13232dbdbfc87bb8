"""Sealed secrets (密封容器): a private key or a check value encrypted under a passphrase with a memory-hard KDF.

The container is one JSON object (``key.sealed``, ``.passphrase-check``)::

    {"format": "cbec-sealed", "version": 1, "kind": "private-key",
     "kdf": {"name": "scrypt", "n": 32768, "r": 8, "p": 1, "salt": "<base64, 16 bytes>"},
     "cipher": "AES-256-GCM", "nonce": "<base64, 12 bytes>", "ciphertext": "<base64>"}

Why not PKCS#8 PBES2 as before: OpenSSL and pyca write PBKDF2 with 2,048 iterations, far below current guidance, and
libcrypto cannot be told a higher count for SM2 keys through the calls used here. scrypt (RFC 7914) is memory-hard;
n=2**15, r=8, p=1 costs 32 MiB and about 0.1 s per derivation, paid once per key load (the key store caches opened
keys), never per signature. The cost is written in every container, so it can be raised later and old containers
keep opening. Everything but the ciphertext is authenticated as GCM associated data, so nobody can lower the cost or
swap the kind of a container without the passphrase.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from .errors import InvalidInputError, WrongPassphraseError

FORMAT = "cbec-sealed"
VERSION = 1
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
MAX_SCRYPT_N = 2**20  # a container asking for more memory than 1 GiB is refused rather than derived
_SALT, _NONCE = 16, 12


@dataclass(frozen=True)
class Kdf:
    """The scrypt parameters of one container."""

    salt: bytes
    n: int = SCRYPT_N
    r: int = SCRYPT_R
    p: int = SCRYPT_P

    def derive(self, passphrase: bytes) -> bytes:
        return Scrypt(salt=self.salt, length=32, n=self.n, r=self.r, p=self.p).derive(passphrase)

    def as_json(self) -> dict[str, Any]:
        return {"name": "scrypt", "n": self.n, "r": self.r, "p": self.p, "salt": _b64(self.salt)}


def seal(secret: bytes, passphrase: bytes, kind: str) -> bytes:
    """``secret`` encrypted under ``passphrase``: a fresh salt and nonce every time."""
    if not passphrase:
        raise InvalidInputError("密钥库口令不能为空", "the key store passphrase must not be empty")
    kdf = Kdf(os.urandom(_SALT))
    header = {"format": FORMAT, "version": VERSION, "kind": kind, "kdf": kdf.as_json(), "cipher": "AES-256-GCM",
              "nonce": _b64(os.urandom(_NONCE))}
    ciphertext = AESGCM(kdf.derive(passphrase)).encrypt(base64.b64decode(header["nonce"]), secret, _aad(header))
    return json.dumps({**header, "ciphertext": _b64(ciphertext)}, indent=1).encode() + b"\n"


def unseal(container: bytes, passphrase: bytes, kind: str) -> bytes:
    """The secret; WrongPassphraseError when the passphrase (or the container) is not the one it was sealed with."""
    header, ciphertext = _parse(container, kind)
    kdf = header["kdf"]
    key = Kdf(base64.b64decode(kdf["salt"]), kdf["n"], kdf["r"], kdf["p"]).derive(passphrase)
    try:
        return AESGCM(key).decrypt(base64.b64decode(header["nonce"]), ciphertext, _aad(header))
    except InvalidTag as error:
        raise WrongPassphraseError("密钥库口令错误（或文件已损坏）",
                                   "wrong key store passphrase (or the sealed file was altered)") from error


def describe(container: bytes) -> dict[str, Any]:
    """The container's header (format, kind, KDF and its cost, cipher): what an operator or a test may inspect."""
    header, _ = _parse(container, None)
    return header


def is_sealed(data: bytes) -> bool:
    return data.lstrip().startswith(b"{")


def _parse(container: bytes, kind: str | None) -> tuple[dict[str, Any], bytes]:
    try:
        document = json.loads(container)
        ciphertext = base64.b64decode(document.pop("ciphertext"), validate=True)
        kdf = document["kdf"]
        well_formed = (document["format"] == FORMAT and document["version"] == VERSION
                       and document["cipher"] == "AES-256-GCM" and kdf["name"] == "scrypt"
                       and all(isinstance(kdf[k], int) for k in ("n", "r", "p")))  # fmt: skip
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise InvalidInputError("密封文件无法读取", f"the sealed file cannot be read: {error}") from error
    if not well_formed or not 2 <= kdf["n"] <= MAX_SCRYPT_N or kdf["r"] * kdf["p"] > 64:
        raise InvalidInputError("密封文件格式不支持", "the sealed file's format or KDF cost is not supported")
    if kind is not None and document.get("kind") != kind:
        raise InvalidInputError("密封文件类型不符", f"the sealed file holds {document.get('kind')}, not {kind}")
    return document, ciphertext


def _aad(header: dict[str, Any]) -> bytes:
    return json.dumps(header, sort_keys=True, separators=(",", ":")).encode()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
