"""X.509 certificates as far as the customs signature needs them: serial (KeyName) and public key."""

import base64
from dataclasses import dataclass
from functools import lru_cache

from asn1crypto import algos, core
from asn1crypto import x509 as asn1_x509

from . import der
from .errors import SignatureError

RSA_OID = "1.2.840.113549.1.1.1"
EC_OID = "1.2.840.10045.2.1"
SM2_OID = "1.2.156.10197.1.301"


@dataclass(frozen=True)
class Certificate:
    """A parsed certificate. ``key_type`` is "RSA", "SM2", or the key algorithm OID otherwise."""

    der: bytes
    serial: int
    key_type: str
    public_key: bytes

    @property
    def key_name(self) -> str:
        """企业证书序列号 as the customs u-key signer writes it in ds:KeyName: lower-case hex zero-padded to an even
        number of digits (``01691fe9``), one byte per two digits as the serial is encoded."""
        digits = format(self.serial, "x")
        return digits.zfill(len(digits) + len(digits) % 2)

    @property
    def key_id(self) -> str:
        """The key store's id of this certificate's key: the serial in lower-case hex without padding. Key folders
        were named so before KeyName was padded; keeping the id unpadded keeps existing stores readable."""
        return format(self.serial, "x")

    @property
    def base64(self) -> str:
        return base64.b64encode(self.der).decode("ascii")

    def matches_key_name(self, key_name: str) -> bool:
        """Hex comparison that tolerates case and leading zeros: customs receipts and messages stored before KeyName
        was padded carry ``1691f7f`` where u-keys write ``01691f7f``."""
        try:
            return int(key_name.strip(), 16) == self.serial
        except ValueError:
            return False


def load_certificate(data: bytes) -> Certificate:
    """Parse a PEM (first CERTIFICATE block) or DER certificate."""
    blocks = [body for label, body in der.pem_blocks(data) if label == "CERTIFICATE"]
    if b"-----BEGIN" in data and not blocks:
        raise SignatureError("no CERTIFICATE block in PEM data")
    return parse_certificate(blocks[0] if blocks else data)


@lru_cache(maxsize=256)
def parse_certificate(data: bytes) -> Certificate:
    """Parse DER; results are cached because every verification of a message re-reads its certificate."""
    try:
        tbs = asn1_x509.Certificate.load(data, strict=True)["tbs_certificate"]
        serial = tbs["serial_number"].native
        key_type, public_key = _subject_public_key(_PublicKeyInfo.load(tbs["subject_public_key_info"].dump()))
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise SignatureError(f"certificate is not readable X.509 DER: {exc}") from exc
    return Certificate(data, serial, key_type, public_key)


class _PublicKeyInfo(core.Sequence):
    """SubjectPublicKeyInfo of any algorithm: asn1crypto's keys.PublicKeyInfo cannot give the key of one it does
    not know (an SM2 key under the SM2 OID)."""

    _fields = [("algorithm", algos.AnyAlgorithmIdentifier), ("public_key", core.OctetBitString)]


def _subject_public_key(spki: _PublicKeyInfo) -> tuple[str, bytes]:
    oid, curve = der.algorithm(spki["algorithm"])
    key = spki["public_key"].native
    if oid == RSA_OID:
        return "RSA", key
    if oid == SM2_OID or (oid == EC_OID and curve == SM2_OID):
        return "SM2", key
    return f"{oid}/{curve}" if curve else oid, key
