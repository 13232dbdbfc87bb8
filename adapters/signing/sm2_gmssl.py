"""SM2 with SM3 in pure Python (gmssl), the fallback when libcrypto lacks SM2: about 80 signs/s.

gmssl draws its nonce from ``random`` unless given one, so every call passes ``secrets.token_hex(32)``.
Its constructor mangles public keys starting with "04" (``lstrip``), so the point is set afterwards.
For the same reason SM2 encryption (envelope keys) does not call ``CryptSM2.encrypt``, which draws its
ephemeral key from ``random``, nor ``decrypt``, which never checks C3: both are written here on gmssl's
point arithmetic and SM3, with the ephemeral key from ``secrets``, C1 checked to be on the curve and C3
compared. Ciphertexts are the DER SM2Cipher of GM/T 0009, as libcrypto writes them.
"""

import hmac
import secrets

from asn1crypto import algos, core
from asn1crypto import keys as asn1_keys
from gmssl import sm3
from gmssl.sm2 import CryptSM2, default_ecc_table

from . import der
from .certificate import EC_OID, SM2_OID
from .errors import SignatureError

_ORDER = int(default_ecc_table["n"], 16)
_PRIME, _A, _B = (int(default_ecc_table[name], 16) for name in ("p", "a", "b"))


class GmsslSm2Key:
    """An SM2 key from an unencrypted PKCS#8 or SEC1 PEM; the certificate supplies the point for ZA."""

    def __init__(self, pem: bytes, public_point: bytes) -> None:
        self._sm2 = _crypt(format(_private_scalar(pem), "064x"), public_point)

    def sign(self, data: bytes) -> bytes:
        for _ in range(8):
            signature = self._sm2.sign_with_sm3(data, secrets.token_hex(32))
            if signature:
                return bytes.fromhex(signature)
        raise SignatureError("SM2 signing kept failing")

    def decrypt(self, ciphertext: bytes) -> bytes:
        """Open a DER SM2Cipher made for this key; SignatureError when it was not, or was changed (C3 differs)."""
        try:
            x, y, hash_value, encrypted = der.read_sm2_cipher(ciphertext)
        except ValueError as error:
            raise SignatureError(f"SM2 decryption failed: not an SM2Cipher ({error})") from error
        if not _on_curve(int.from_bytes(x, "big"), int.from_bytes(y, "big")):
            raise SignatureError("SM2 decryption failed: C1 is not a point of the curve")
        shared = self._sm2._kg(int(self._sm2.private_key, 16), (x + y).hex())
        plaintext = _xor(encrypted, _kdf(shared, len(encrypted)))
        if not hmac.compare_digest(_c3(shared, plaintext), hash_value):
            raise SignatureError("SM2 decryption failed: the hash C3 does not match")
        return plaintext


def encrypt(public_point: bytes, plaintext: bytes) -> bytes:
    """SM2-encrypt ``plaintext`` for ``public_point`` (04||x||y): the DER SM2Cipher."""
    sm2 = _crypt("", public_point)
    for _ in range(8):
        k = secrets.randbelow(_ORDER - 1) + 1
        shared = sm2._kg(k, sm2.public_key)
        mask = _kdf(shared, len(plaintext))
        if any(mask) or not plaintext:
            c1 = bytes.fromhex(sm2._kg(k, default_ecc_table["g"]))
            return der.sm2_cipher(c1[:32], c1[32:], _c3(shared, plaintext), _xor(plaintext, mask))
    raise SignatureError("SM2 encryption kept failing")


def verify(public_point: bytes, data: bytes, signature: bytes) -> bool:
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    if len(signature) != 64 or not (0 < r < _ORDER and 0 < s < _ORDER):
        return False
    try:
        return bool(_crypt("", public_point).verify_with_sm3(signature.hex(), data))
    except Exception:  # gmssl raises assorted errors on points off the curve
        return False


def _kdf(shared_hex: str, size: int) -> bytes:
    return bytes.fromhex(sm3.sm3_kdf(shared_hex.encode(), size)) if size else b""


def _c3(shared_hex: str, plaintext: bytes) -> bytes:
    shared = bytes.fromhex(shared_hex)
    return bytes.fromhex(sm3.sm3_hash(list(shared[:32] + plaintext + shared[32:])))


def _xor(data: bytes, mask: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(data, mask, strict=True))


def _on_curve(x: int, y: int) -> bool:
    return 0 <= x < _PRIME and 0 <= y < _PRIME and (y * y - x * x * x - _A * x - _B) % _PRIME == 0


def _crypt(private_hex: str, public_point: bytes) -> CryptSM2:
    if len(public_point) != 65 or public_point[0] != 4:
        raise SignatureError("SM2 public key must be an uncompressed point")
    sm2 = CryptSM2(private_key=private_hex, public_key="")
    sm2.public_key = public_point[1:].hex()
    return sm2


def _private_scalar(pem: bytes) -> int:
    blocks = dict(der.pem_blocks(pem))
    try:
        if "PRIVATE KEY" in blocks:
            return _pkcs8_scalar(blocks["PRIVATE KEY"])
        if "EC PRIVATE KEY" in blocks:
            return _sec1_scalar(blocks["EC PRIVATE KEY"])
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise SignatureError(f"cannot read SM2 private key: {exc}") from exc
    raise SignatureError("the gmssl SM2 fallback reads only unencrypted PKCS#8 or SEC1 PEM keys")


class _PrivateKeyInfo(core.Sequence):
    """PKCS#8 PrivateKeyInfo (or RFC 5958 OneAsymmetricKey) of any algorithm: asn1crypto's keys.PrivateKeyInfo
    cannot give the key of one it does not know (an SM2 key under the SM2 OID)."""

    _fields = [
        ("version", core.Integer),
        ("private_key_algorithm", algos.AnyAlgorithmIdentifier),
        ("private_key", core.OctetString),
        ("attributes", asn1_keys.Attributes, {"implicit": 0, "optional": True}),
        ("public_key", core.OctetBitString, {"implicit": 1, "optional": True}),  # RFC 5958 OneAsymmetricKey
    ]


def _pkcs8_scalar(data: bytes) -> int:
    info = _PrivateKeyInfo.load(data, strict=True)
    oid, curve = der.algorithm(info["private_key_algorithm"])
    if oid != SM2_OID and (oid, curve) != (EC_OID, SM2_OID):
        raise SignatureError(f"not an SM2 key: {[oid, curve] if curve else [oid]}")
    return _sec1_scalar(info["private_key"].native)


def _sec1_scalar(data: bytes) -> int:
    return asn1_keys.ECPrivateKey.load(data, strict=True)["private_key"].native
