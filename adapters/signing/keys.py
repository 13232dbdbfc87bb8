"""Signature schemes and private-key handles: one ``sign(data, scheme)`` for file keys and hardware tokens.

A PrivateKey is anything that signs (and unwraps envelope keys) without showing its secret:
RsaPrivateKey and Sm2PrivateKey hold keys read from PEM; pkcs11_token.Pkcs11PrivateKey holds a handle
on a token. Signatures are RSA PKCS#1 v1.5 / PSS bytes, or SM2 as raw r||s (64 bytes, the customs form);
``sm2_der`` / ``sm2_raw`` convert for CMS and the raw-signature API.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol, runtime_checkable

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from . import der, native, sm2, sm2_openssl
from .certificate import Certificate
from .errors import SignatureError, UnsupportedAlgorithmError, WrongPassphraseError
from .signer import Signer, XmlSigner
from .xmldsig import PROFILES


@dataclass(frozen=True)
class Scheme:
    """A signature algorithm: key type, hash, and for RSA the padding (PKCS#1 v1.5 or PSS)."""

    name: str
    key_type: str
    hash_name: str
    pss: bool = False


RSA_SHA256 = Scheme("RSA-SHA256", "RSA", "sha256")
RSA_PSS_SHA256 = Scheme("RSA-PSS-SHA256", "RSA", "sha256", pss=True)
SM2_SM3 = Scheme("SM2-SM3", "SM2", "sm3")
CUSTOMS_RSA_SHA1 = Scheme("RSA-SHA1", "RSA", "sha1")
SCHEMES = {s.name: s for s in (RSA_SHA256, RSA_PSS_SHA256, SM2_SM3)}
DEFAULT_SCHEMES = {"RSA": RSA_SHA256, "SM2": SM2_SM3}
_CUSTOMS_SCHEMES = {"RSA": CUSTOMS_RSA_SHA1, "SM2": SM2_SM3}
_NATIVE_RSA_FROM = 4  # items; below that pyca/cryptography per item is as fast
_HASHES = {"sha1": hashes.SHA1, "sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512}


def scheme(name: str | None, key_type: str) -> Scheme:
    """The scheme called ``name`` (default: RSA-SHA256 or SM2-SM3 by key type); SHA-1 is kept for customs."""
    if name is None:
        return DEFAULT_SCHEMES[key_type]
    if name == CUSTOMS_RSA_SHA1.name:
        raise UnsupportedAlgorithmError("SHA-1 只用于海关报文签名", "SHA-1 is only used for the customs XML profile")
    found = SCHEMES.get(name)
    if found is None:
        english = f"unsupported algorithm {name}; use one of {list(SCHEMES)}"
        raise UnsupportedAlgorithmError(f"不支持的算法 {name}", english)
    if found.key_type != key_type:
        raise UnsupportedAlgorithmError(f"{name} 需要 {found.key_type} 密钥", f"{name} needs an {found.key_type} key")
    return found


@runtime_checkable
class PrivateKey(Protocol):
    """A private key that signs and unwraps envelope keys (RSA or SM2). Safe to share between threads."""

    key_type: str

    def sign(self, data: bytes, scheme: Scheme) -> bytes:
        """Sign ``data`` (hashing it with the scheme's hash; SM2 with ZA of the default ID)."""

    def decrypt(self, ciphertext: bytes, oaep: bool) -> bytes:
        """Unwrap a key-transport ciphertext: RSA PKCS#1 v1.5 or OAEP-SHA256, or an SM2Cipher (``oaep`` unused)."""


class RsaPrivateKey:
    key_type = "RSA"

    def __init__(self, key: rsa.RSAPrivateKey) -> None:
        self._key = key

    def sign(self, data: bytes, scheme: Scheme) -> bytes:
        return self._key.sign(data, _padding(scheme, signing=True), _HASHES[scheme.hash_name]())

    def decrypt(self, ciphertext: bytes, oaep: bool) -> bytes:
        return self._key.decrypt(ciphertext, _encryption_padding(oaep))


class Sm2PrivateKey:
    key_type = "SM2"

    def __init__(self, key: sm2.Sm2Key) -> None:
        self._key = key

    def sign(self, data: bytes, scheme: Scheme) -> bytes:
        return self._key.sign(data)

    def decrypt(self, ciphertext: bytes, oaep: bool) -> bytes:
        return self._key.decrypt(ciphertext)


def load_private_key(pem: bytes, certificate: Certificate, password: bytes | None = None) -> PrivateKey:
    """Read a PEM key (PKCS#8, encrypted or not) of the certificate's type; WrongPassphraseError if it won't open."""
    if certificate.key_type == "SM2":
        try:
            return Sm2PrivateKey(sm2.load_private_key(pem, certificate, password))
        except SignatureError as error:
            raise _unreadable(pem, error) from error
    try:
        key = load_pem_private_key(pem, password)
    except UnsupportedAlgorithm as error:
        raise SignatureError(f"the certificate holds an RSA key but the key file is not RSA: {error}") from error
    except (ValueError, TypeError) as error:
        raise _unreadable(pem, error) from error
    if not isinstance(key, rsa.RSAPrivateKey):
        raise SignatureError(f"the certificate holds an RSA key but the key is {type(key).__name__}")
    return RsaPrivateKey(key)


def verify(certificate: Certificate, scheme: Scheme, data: bytes, signature: bytes) -> bool:
    """Check a signature made with ``scheme`` by the key of ``certificate`` (SM2: raw r||s)."""
    if certificate.key_type != scheme.key_type:
        return False
    if scheme.key_type == "SM2":
        return sm2.verify(certificate, data, signature)
    try:
        public_key(certificate).verify(signature, data, _padding(scheme, signing=False), _HASHES[scheme.hash_name]())
    except InvalidSignature:
        return False
    return True


def verify_many(certificate: Certificate, scheme: Scheme, items: Sequence[bytes],
                signatures: Sequence[bytes]) -> list[bool]:  # fmt: skip
    """``verify`` for many (item, signature) pairs with one key (SM2 signatures r||s or DER): in one native call
    when the batch library is there (adapters/signing/native.py), else one by one with the same results. A batch
    costs a key context set-up (a few microseconds), so a very short RSA batch goes one by one."""
    if len(items) != len(signatures):
        raise ValueError("as many signatures as items are needed")
    if certificate.key_type != scheme.key_type:
        return [False] * len(items)
    batch = _native_sm2(certificate) if scheme.key_type == "SM2" else len(items) >= _NATIVE_RSA_FROM
    if batch and native.supports(scheme.key_type, scheme.hash_name, scheme.pss):
        values = [native.sm2_der(value) for value in signatures] if scheme.key_type == "SM2" else signatures
        return native.verify_many(certificate.der, scheme.key_type, scheme.hash_name, scheme.pss,
                                  certificate.public_key, items, values)  # fmt: skip
    if scheme.key_type == "SM2":
        signatures = [sm2_raw(value) for value in signatures]
    return [verify(certificate, scheme, item, value) for item, value in zip(items, signatures, strict=True)]


def sign_many(key: PrivateKey, certificate: Certificate, scheme: Scheme, items: Sequence[bytes]) -> list[bytes]:
    """Signatures of many items in the raw-signature form (RSA bytes, SM2 DER SEQUENCE{r, s}); SM2 file keys sign
    in one native call when the batch library is there (RSA signing costs far more than the call, so per item)."""
    inner = getattr(key, "_key", None)
    if isinstance(inner, sm2_openssl.OpenSslSm2Key) and _native_sm2(certificate) and native.available():
        return native.sign_many_sm2(inner, certificate.public_key, items)
    if scheme.key_type == "SM2":
        return [sm2_der(key.sign(item, scheme)) for item in items]
    return [key.sign(item, scheme) for item in items]


def _native_sm2(certificate: Certificate) -> bool:
    """The batch path is libcrypto's (not with CBEC_SM2_BACKEND=gmssl) and computes Z from the uncompressed point."""
    point = certificate.public_key
    return certificate.key_type == "SM2" and len(point) == 65 and point[0] == 4 and sm2.backend_name() == "openssl"


def encrypt_for(certificate: Certificate, data: bytes, oaep: bool) -> bytes:
    """Key transport to the holder of ``certificate``: RSA (PKCS#1 v1.5 or OAEP), or SM2 encryption (an SM2Cipher)."""
    if certificate.key_type == "SM2":
        return sm2.encrypt(certificate, data)
    if certificate.key_type != "RSA":
        raise UnsupportedAlgorithmError(
            f"不支持的接收方密钥 {certificate.key_type}",
            f"envelopes need an RSA or SM2 recipient, not {certificate.key_type}",
        )
    return public_key(certificate).encrypt(data, _encryption_padding(oaep))


def public_key(certificate: Certificate) -> rsa.RSAPublicKey:
    return _rsa_public_key(certificate.der)


def sm2_der(raw: bytes) -> bytes:
    return der.raw_to_der_signature(raw)


def sm2_raw(encoded: bytes) -> bytes:
    """DER SEQUENCE{r, s} to r||s; raw 64-byte input is passed through. Malformed input gives b""."""
    if len(encoded) == 64:
        return encoded
    try:
        return der.der_to_raw_signature(encoded)
    except ValueError:
        return b""


class CustomsKey:
    """Adapts a PrivateKey to the customs profile (RSA-SHA1 PKCS#1 v1.5, or SM2-SM3 r||s)."""

    def __init__(self, key: PrivateKey) -> None:
        self._key, self._scheme = key, _CUSTOMS_SCHEMES[key.key_type]

    def sign(self, data: bytes) -> bytes:
        return self._key.sign(data, self._scheme)


def customs_signer(key: PrivateKey, certificate: Certificate) -> Signer:
    """The customs XML Signer (NOTES.md §6) over any PrivateKey, for example a PKCS#11 token."""
    profile = PROFILES["RSA-SHA1" if key.key_type == "RSA" else "SM2-SM3"]
    return XmlSigner(profile, CustomsKey(key), certificate)


def _padding(scheme: Scheme, signing: bool) -> padding.AsymmetricPadding:
    if not scheme.pss:
        return padding.PKCS1v15()
    salt = padding.PSS.DIGEST_LENGTH if signing else padding.PSS.AUTO
    return padding.PSS(mgf=padding.MGF1(_HASHES[scheme.hash_name]()), salt_length=salt)


def _encryption_padding(oaep: bool) -> padding.AsymmetricPadding:
    if oaep:
        return padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    return padding.PKCS1v15()


def _unreadable(pem: bytes, error: Exception) -> SignatureError:
    if b"ENCRYPTED" in pem:
        return WrongPassphraseError("私钥口令错误", f"wrong passphrase for the private key ({error})")
    return SignatureError(f"cannot read the private key: {error}")


@lru_cache(maxsize=256)
def _rsa_public_key(certificate_der: bytes) -> rsa.RSAPublicKey:
    key = x509.load_der_x509_certificate(certificate_der).public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise SignatureError("the certificate does not hold an RSA key")
    return key
