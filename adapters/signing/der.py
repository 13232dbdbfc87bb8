"""The ASN.1 glue asn1crypto leaves to us: PEM blocks of any label, OIDs of an AlgorithmIdentifier of any algorithm,
and SM2's two DER structures with the fixed-width pieces libcrypto's and gmssl's interfaces take instead.

Everything is read and written by asn1crypto; nothing here walks DER bytes by hand."""

from asn1crypto import algos, core, pem


class Sm2Cipher(core.Sequence):
    """GM/T 0009 ``SM2Cipher ::= SEQUENCE { x INTEGER, y INTEGER, hash OCTET STRING, cipherText OCTET STRING }``:
    C1 = (x, y), C3 (SM3 hash) and C2, as libcrypto writes and reads SM2 ciphertexts."""

    _fields = [("x", core.Integer), ("y", core.Integer), ("hash", core.OctetString), ("cipher_text", core.OctetString)]


def pem_blocks(data: bytes) -> list[tuple[str, bytes]]:
    """Every PEM block of ``data`` as (label, DER bytes); none when ``data`` holds no complete PEM block."""
    if not pem.detect(data):
        return []
    try:
        return [(label, body) for label, _headers, body in pem.unarmor(data, multiple=True)]
    except ValueError:  # no BEGIN/END pair, or a body that is not Base64
        return []


def algorithm(identifier: algos.AnyAlgorithmIdentifier) -> tuple[str, str | None]:
    """(algorithm OID, the OID of its parameters when they are one, as an EC key's named curve is) in dotted form."""
    try:
        curve = core.ObjectIdentifier.load(identifier["parameters"].dump(), strict=True).dotted
    except ValueError:
        curve = None
    return identifier["algorithm"].dotted, curve


def raw_to_der_signature(raw: bytes) -> bytes:
    """r||s to the DER ``SEQUENCE { r INTEGER, s INTEGER }`` that OpenSSL expects."""
    return algos.DSASignature.from_p1363(raw).dump()


def der_to_raw_signature(der: bytes, size: int = 32) -> bytes:
    """DER ``SEQUENCE { r, s }`` to fixed-width r||s (the customs SM2 SignatureValue form); ValueError if it is not."""
    signature = algos.DSASignature.load(der, strict=True)
    return b"".join(_fixed_width(size, signature["r"].native, signature["s"].native))


def sm2_cipher(x: bytes, y: bytes, hash_value: bytes, ciphertext: bytes) -> bytes:
    """The DER SM2Cipher of C1 = (x, y), C3 and C2."""
    numbers = {"x": int.from_bytes(x, "big"), "y": int.from_bytes(y, "big")}
    return Sm2Cipher({**numbers, "hash": hash_value, "cipher_text": ciphertext}).dump()


def read_sm2_cipher(data: bytes, size: int = 32) -> tuple[bytes, bytes, bytes, bytes]:
    """(x, y, C3, C2) of a DER SM2Cipher, coordinates fixed-width (the C1C3C2 pieces other libraries take);
    ValueError if it is not one."""
    cipher = Sm2Cipher.load(data, strict=True)
    x, y = _fixed_width(size, cipher["x"].native, cipher["y"].native)
    hash_value = cipher["hash"].native
    if len(hash_value) != 32:
        raise ValueError("the SM2Cipher hash is not 32 bytes")
    return x, y, hash_value, cipher["cipher_text"].native


def _fixed_width(size: int, *numbers: int) -> list[bytes]:
    if any(n < 0 or n.bit_length() > 8 * size for n in numbers):
        raise ValueError("integer out of range")
    return [n.to_bytes(size, "big") for n in numbers]
