"""SM2 with SM3 in pure Python (gmssl), the fallback when libcrypto lacks SM2: about 80 signs/s.

gmssl draws its nonce from ``random`` unless given one, so every call passes ``secrets.token_hex(32)``.
Its constructor mangles public keys starting with "04" (``lstrip``), so the point is set afterwards.
"""

import secrets

from gmssl.sm2 import CryptSM2, default_ecc_table

from . import der
from .certificate import EC_OID, SM2_OID
from .errors import SignatureError

_ORDER = int(default_ecc_table["n"], 16)


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


def verify(public_point: bytes, data: bytes, signature: bytes) -> bool:
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    if len(signature) != 64 or not (0 < r < _ORDER and 0 < s < _ORDER):
        return False
    try:
        return bool(_crypt("", public_point).verify_with_sm3(signature.hex(), data))
    except Exception:  # gmssl raises assorted errors on points off the curve
        return False


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
    except (der.DerError, IndexError, ValueError) as exc:
        raise SignatureError(f"cannot read SM2 private key: {exc}") from exc
    raise SignatureError("the gmssl SM2 fallback reads only unencrypted PKCS#8 or SEC1 PEM keys")


def _pkcs8_scalar(data: bytes) -> int:
    _version, algorithm, key = der.items(der.expect(der.read(data), der.SEQUENCE))[:3]
    oids = [der.oid_text(value) for tag, value in der.items(algorithm[1]) if tag == der.OID]
    if oids[0] != SM2_OID and oids != [EC_OID, SM2_OID]:
        raise SignatureError(f"not an SM2 key: {oids}")
    return _sec1_scalar(der.expect(key, der.OCTET_STRING))


def _sec1_scalar(data: bytes) -> int:
    fields = der.items(der.expect(der.read(data), der.SEQUENCE))
    return int.from_bytes(der.expect(fields[1], der.OCTET_STRING), "big")
