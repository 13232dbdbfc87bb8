"""Unencrypted PKCS#8 PEM of an RSA or SM2 private key, in memory only: what the key store seals (sealed.py).

pyca/cryptography writes RSA; it cannot read or write SM2 keys, so those go through libcrypto like sm2_pem.py.
The clear PEM never reaches a file: callers seal it at once.
"""

from __future__ import annotations

import ctypes

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from . import sm2_openssl, sm2_pem
from .errors import SignatureError, WrongPassphraseError

_BIO_CTRL_INFO = 3


def clear_pem(key_pem: bytes, key_type: str, password: bytes | None = None) -> bytes:
    """``key_pem`` (PKCS#8, SEC1 or PKCS#1, encrypted with ``password`` or not) as unencrypted PKCS#8 PEM."""
    if key_type == "SM2":
        try:
            return _sm2_clear(sm2_openssl.OpenSslSm2Key(key_pem, password))
        except SignatureError as error:
            if b"ENCRYPTED" in key_pem:
                raise WrongPassphraseError("私钥文件口令错误", f"wrong password for the key file ({error})") from error
            raise
    try:
        key = load_pem_private_key(key_pem, password)
    except UnsupportedAlgorithm as error:
        raise SignatureError(f"the certificate holds an RSA key but the key file is not RSA: {error}") from error
    except (ValueError, TypeError) as error:
        if b"ENCRYPTED" in key_pem:
            raise WrongPassphraseError("私钥文件口令错误", "wrong password for the key file") from error
        raise SignatureError(f"cannot read the private key: {error}") from error
    if not isinstance(key, rsa.RSAPrivateKey):
        raise SignatureError(f"the certificate holds an RSA key but the key is {type(key).__name__}")
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())  # fmt: skip


def _sm2_clear(key: sm2_openssl.OpenSslSm2Key) -> bytes:
    lib = sm2_pem._lib()
    bio = lib.BIO_new(lib.BIO_s_mem())
    try:
        if lib.PEM_write_bio_PKCS8PrivateKey(bio, key._pkey.pointer, None, None, 0, None, None) != 1:
            raise sm2_openssl._error(lib, "cannot write the SM2 key")
        data = ctypes.c_char_p()
        size = lib.BIO_ctrl(bio, _BIO_CTRL_INFO, 0, ctypes.byref(data))
        return ctypes.string_at(data, size)
    finally:
        lib.BIO_free(bio)
