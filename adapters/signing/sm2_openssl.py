"""SM2 with SM3 through the system OpenSSL 3 libcrypto (ctypes): about 60 times faster than pure Python.

Keys are loaded once into an EVP_PKEY (read-only afterwards, so shared across threads); every
sign/verify call makes its own EVP_MD_CTX. Signatures are returned and taken as raw r||s (64 bytes).
SM2 public-key encryption (GB/T 32918.4, for digital envelopes) uses the same keys; its ciphertext is
the DER SM2Cipher of GM/T 0009 (x, y of C1, C3 = SM3 hash, C2), which is what libcrypto writes and reads.
"""

import ctypes
import ctypes.util
import weakref
from functools import cache, lru_cache

from . import der
from .errors import SignatureError

SM2_ID = b"1234567812345678"
_P = ctypes.c_void_p
_PASSWORD_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, _P, ctypes.c_int, ctypes.c_int, _P)
_SIGNATURES = {
    "BIO_new_mem_buf": (_P, [ctypes.c_char_p, ctypes.c_int]),
    "BIO_free": (ctypes.c_int, [_P]),
    "PEM_read_bio_PrivateKey": (_P, [_P, _P, _PASSWORD_CALLBACK, _P]),
    "d2i_X509": (_P, [_P, ctypes.POINTER(_P), ctypes.c_long]),
    "X509_get_pubkey": (_P, [_P]),
    "X509_free": (None, [_P]),
    "EVP_PKEY_is_a": (ctypes.c_int, [_P, ctypes.c_char_p]),
    "EVP_PKEY_free": (None, [_P]),
    "EVP_PKEY_CTX_new_from_name": (_P, [_P, ctypes.c_char_p, _P]),
    "EVP_PKEY_CTX_free": (None, [_P]),
    "EVP_PKEY_CTX_set1_id": (ctypes.c_int, [_P, ctypes.c_char_p, ctypes.c_int]),
    "EVP_sm3": (_P, []),
    "EVP_MD_CTX_new": (_P, []),
    "EVP_MD_CTX_free": (None, [_P]),
    "EVP_DigestSignInit": (ctypes.c_int, [_P, ctypes.POINTER(_P), _P, _P, _P]),
    "EVP_DigestSign": (
        ctypes.c_int,
        [_P, ctypes.c_char_p, ctypes.POINTER(ctypes.c_size_t), ctypes.c_char_p, ctypes.c_size_t],
    ),
    "EVP_DigestVerifyInit": (ctypes.c_int, [_P, ctypes.POINTER(_P), _P, _P, _P]),
    "EVP_DigestVerify": (
        ctypes.c_int,
        [_P, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t],
    ),
    "EVP_PKEY_CTX_new_from_pkey": (_P, [_P, _P, _P]),
    "EVP_PKEY_encrypt_init": (ctypes.c_int, [_P]),
    "EVP_PKEY_encrypt": (
        ctypes.c_int,
        [_P, ctypes.c_char_p, ctypes.POINTER(ctypes.c_size_t), ctypes.c_char_p, ctypes.c_size_t],
    ),
    "EVP_PKEY_decrypt_init": (ctypes.c_int, [_P]),
    "EVP_PKEY_decrypt": (
        ctypes.c_int,
        [_P, ctypes.c_char_p, ctypes.POINTER(ctypes.c_size_t), ctypes.c_char_p, ctypes.c_size_t],
    ),
    "ERR_get_error": (ctypes.c_ulong, []),
    "ERR_error_string_n": (None, [ctypes.c_ulong, ctypes.c_char_p, ctypes.c_size_t]),
    "ERR_clear_error": (None, []),
}


def available() -> bool:
    """True when a libcrypto 3 with SM2 and SM3 can be loaded."""
    return _library() is not None


@cache
def _library() -> ctypes.CDLL | None:
    for name in ("libcrypto.so.3", ctypes.util.find_library("crypto")):
        try:
            lib = ctypes.CDLL(name) if name else None
            if lib is not None and _declare(lib) and _supports_sm2(lib):
                return lib
        except (OSError, AttributeError):
            continue
    return None


def _declare(lib: ctypes.CDLL) -> bool:
    for name, (restype, argtypes) in _SIGNATURES.items():
        function = getattr(lib, name)
        function.restype, function.argtypes = restype, argtypes
    return True


def _supports_sm2(lib: ctypes.CDLL) -> bool:
    context = lib.EVP_PKEY_CTX_new_from_name(None, b"SM2", None)
    lib.EVP_PKEY_CTX_free(context)
    lib.ERR_clear_error()
    return bool(context) and bool(lib.EVP_sm3())


def _lib() -> ctypes.CDLL:
    lib = _library()
    if lib is None:
        raise SignatureError("OpenSSL libcrypto 3 with SM2 is not available")
    return lib


def _error(lib: ctypes.CDLL, what: str) -> SignatureError:
    code = lib.ERR_get_error()
    text = ctypes.create_string_buffer(256)
    lib.ERR_error_string_n(code, text, len(text))
    lib.ERR_clear_error()
    return SignatureError(f"{what}: {text.value.decode(errors='replace') if code else 'failed'}")


class _Pkey:
    """Owns one EVP_PKEY pointer (of type ``kind``) and frees it when garbage collected."""

    def __init__(self, lib: ctypes.CDLL, pointer: int, what: str, kind: str = "SM2") -> None:
        if not pointer:
            raise _error(lib, what)
        self.pointer = pointer
        weakref.finalize(self, lib.EVP_PKEY_free, pointer)
        if lib.EVP_PKEY_is_a(pointer, kind.encode()) != 1:
            raise SignatureError(f"{what}: not an {kind} key")


class OpenSslSm2Key:
    """An SM2 private key loaded once from PEM (PKCS#8, SEC1 or encrypted)."""

    def __init__(self, pem: bytes, password: bytes | None = None) -> None:
        lib = _lib()
        secret = password or b""

        def give_password(buffer: int, size: int, _writing: int, _user: int) -> int:
            if password is None or len(secret) > size:
                return -1
            ctypes.memmove(buffer, secret, len(secret))
            return len(secret)

        callback = _PASSWORD_CALLBACK(give_password)
        bio = lib.BIO_new_mem_buf(pem, len(pem))
        try:
            pointer = lib.PEM_read_bio_PrivateKey(bio, None, callback, None)
        finally:
            lib.BIO_free(bio)
        self._pkey = _Pkey(lib, pointer, "cannot read SM2 private key")

    def sign(self, data: bytes) -> bytes:
        lib = _lib()
        context = lib.EVP_MD_CTX_new()
        try:
            _start(lib, lib.EVP_DigestSignInit, context, self._pkey)
            size = ctypes.c_size_t(128)
            signature = ctypes.create_string_buffer(size.value)
            if lib.EVP_DigestSign(context, signature, ctypes.byref(size), data, len(data)) != 1:
                raise _error(lib, "SM2 signing failed")
            return der.der_to_raw_signature(signature.raw[: size.value])
        finally:
            lib.EVP_MD_CTX_free(context)

    def decrypt(self, ciphertext: bytes) -> bytes:
        """Open a DER SM2Cipher made for this key; SignatureError when it was not, or was changed (C3 differs)."""
        return _crypt(self._pkey, ciphertext, decrypt=True)


def encrypt(certificate_der: bytes, plaintext: bytes) -> bytes:
    """SM2-encrypt ``plaintext`` (a content key) for the key of a DER certificate: the DER SM2Cipher."""
    return _crypt(_certificate_key(certificate_der), plaintext, decrypt=False)


def _crypt(pkey: _Pkey, data: bytes, decrypt: bool) -> bytes:
    lib = _lib()
    init, run = (lib.EVP_PKEY_decrypt_init, lib.EVP_PKEY_decrypt) if decrypt else (
        lib.EVP_PKEY_encrypt_init, lib.EVP_PKEY_encrypt)  # fmt: skip
    what = "SM2 decryption failed" if decrypt else "SM2 encryption failed"
    context = lib.EVP_PKEY_CTX_new_from_pkey(None, pkey.pointer, None)
    if not context:
        raise _error(lib, what)
    try:
        size = ctypes.c_size_t(0)
        if init(context) != 1 or run(context, None, ctypes.byref(size), data, len(data)) != 1:
            raise _error(lib, what)
        output = ctypes.create_string_buffer(size.value)
        if run(context, output, ctypes.byref(size), data, len(data)) != 1:
            raise _error(lib, what)
        return output.raw[: size.value]
    finally:
        lib.EVP_PKEY_CTX_free(context)


def verify(certificate_der: bytes, data: bytes, signature: bytes) -> bool:
    """Check a raw r||s SM2-with-SM3 signature against the key of a DER certificate."""
    lib = _lib()
    public_key = _certificate_key(certificate_der)
    encoded = der.raw_to_der_signature(signature)
    context = lib.EVP_MD_CTX_new()
    try:
        _start(lib, lib.EVP_DigestVerifyInit, context, public_key)
        valid = lib.EVP_DigestVerify(context, encoded, len(encoded), data, len(data)) == 1
    finally:
        lib.EVP_MD_CTX_free(context)
    lib.ERR_clear_error()
    return valid


def _start(lib: ctypes.CDLL, init: ctypes._CFuncPtr, context: int, pkey: _Pkey) -> None:
    """Init with SM3 and set the signer ID before any data, so ZA uses 1234567812345678."""
    if not context:
        raise _error(lib, "EVP_MD_CTX_new failed")
    key_context = _P()
    if init(context, ctypes.byref(key_context), lib.EVP_sm3(), None, pkey.pointer) != 1:
        raise _error(lib, "SM2 init failed")
    if lib.EVP_PKEY_CTX_set1_id(key_context, SM2_ID, len(SM2_ID)) != 1:
        raise _error(lib, "setting the SM2 signer ID failed")


@lru_cache(maxsize=256)
def _certificate_key(certificate_der: bytes, kind: str = "SM2") -> _Pkey:
    """The public key of a DER certificate as an EVP_PKEY (SM2, or RSA for adapters/signing/native.py)."""
    lib = _lib()
    buffer = ctypes.create_string_buffer(certificate_der, len(certificate_der))
    cursor = _P(ctypes.addressof(buffer))
    certificate = lib.d2i_X509(None, ctypes.byref(cursor), len(certificate_der))
    if not certificate:
        raise _error(lib, "cannot parse the certificate")
    try:
        return _Pkey(lib, lib.X509_get_pubkey(certificate), "cannot read the certificate public key", kind)
    finally:
        lib.X509_free(certificate)
