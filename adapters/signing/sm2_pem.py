"""Writing SM2 private keys as passphrase-encrypted PKCS#8 PEM through libcrypto (pyca/cryptography cannot).

PBES2 with AES-256-CBC and PBKDF2, the same as ``openssl pkcs8 -topk8 -v2 aes-256-cbc``.
"""

import ctypes

from . import sm2_openssl
from .errors import SignatureError

_P = ctypes.c_void_p
_BIO_CTRL_INFO = 3
_DECLARATIONS = {
    "BIO_s_mem": (_P, []),
    "BIO_new": (_P, [_P]),
    "BIO_ctrl": (ctypes.c_long, [_P, ctypes.c_int, ctypes.c_long, ctypes.POINTER(ctypes.c_char_p)]),
    "EVP_aes_256_cbc": (_P, []),
    "PEM_write_bio_PKCS8PrivateKey": (ctypes.c_int, [_P, _P, _P, ctypes.c_char_p, ctypes.c_int, _P, _P]),
}


def encrypted_pem(key: sm2_openssl.OpenSslSm2Key, passphrase: bytes) -> bytes:
    """The key as ``-----BEGIN ENCRYPTED PRIVATE KEY-----`` protected by ``passphrase``."""
    if not passphrase:
        raise SignatureError("an empty passphrase does not protect a key")
    lib = _lib()
    bio = lib.BIO_new(lib.BIO_s_mem())
    try:
        written = lib.PEM_write_bio_PKCS8PrivateKey(
            bio, key._pkey.pointer, lib.EVP_aes_256_cbc(), passphrase, len(passphrase), None, None
        )
        if written != 1:
            raise sm2_openssl._error(lib, "cannot write the encrypted SM2 key")
        data = ctypes.c_char_p()
        size = lib.BIO_ctrl(bio, _BIO_CTRL_INFO, 0, ctypes.byref(data))
        return ctypes.string_at(data, size)
    finally:
        lib.BIO_free(bio)


def _lib() -> ctypes.CDLL:
    lib = sm2_openssl._lib()
    for name, (restype, argtypes) in _DECLARATIONS.items():
        function = getattr(lib, name)
        function.restype, function.argtypes = restype, argtypes
    return lib
