"""Just enough DER and PEM to read X.509 certificates, EC private keys and ECDSA-style signatures."""

import base64
import re

INTEGER, BIT_STRING, OCTET_STRING, OID, SEQUENCE = 0x02, 0x03, 0x04, 0x06, 0x30

_PEM = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----", re.S)


class DerError(ValueError):
    pass


def pem_blocks(data: bytes) -> list[tuple[str, bytes]]:
    """Every PEM block of ``data`` as (label, DER bytes)."""
    blocks = []
    for label, body in _PEM.findall(data):
        lines = [line.strip() for line in body.splitlines() if b":" not in line]
        blocks.append((label.decode(), base64.b64decode(b"".join(lines))))
    return blocks


def read(data: bytes) -> tuple[int, bytes]:
    """Decode one TLV that must span all of ``data``."""
    tag, value, end = _tlv(data, 0)
    if end != len(data):
        raise DerError("trailing bytes after DER value")
    return tag, value


def leading(data: bytes) -> bytes:
    """The first TLV of ``data`` and nothing after it (a PDF's /Contents is zero-padded after the DER value)."""
    _tag, _value, end = _tlv(data, 0)
    return data[:end]


def items(value: bytes) -> list[tuple[int, bytes]]:
    """The TLVs inside a constructed value, in order."""
    found, pos = [], 0
    while pos < len(value):
        tag, inner, pos = _tlv(value, pos)
        found.append((tag, inner))
    return found


def _tlv(data: bytes, pos: int) -> tuple[int, bytes, int]:
    if pos + 2 > len(data):
        raise DerError("truncated DER header")
    tag, length = data[pos], data[pos + 1]
    pos += 2
    if length & 0x80:
        count = length & 0x7F
        if not 0 < count <= 4 or pos + count > len(data):
            raise DerError("bad DER length")
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    if pos + length > len(data):
        raise DerError("truncated DER value")
    return tag, data[pos : pos + length], pos + length


def expect(node: tuple[int, bytes], tag: int) -> bytes:
    if node[0] != tag:
        raise DerError(f"expected DER tag {tag:#x}, found {node[0]:#x}")
    return node[1]


def oid_text(value: bytes) -> str:
    """Dotted form of an OBJECT IDENTIFIER value."""
    if not value:
        raise DerError("empty OID")
    arcs, current = [], 0
    for byte in value[1:]:
        current = current << 7 | byte & 0x7F
        if not byte & 0x80:
            arcs.append(current)
            current = 0
    first = min(value[0] // 40, 2)
    return ".".join(str(arc) for arc in (first, value[0] - 40 * first, *arcs))


def encode(tag: int, value: bytes) -> bytes:
    length = len(value)
    if length < 0x80:
        return bytes((tag, length)) + value
    size = (length.bit_length() + 7) // 8
    return bytes((tag, 0x80 | size)) + length.to_bytes(size, "big") + value


def encode_integer(number: int) -> bytes:
    return encode(INTEGER, number.to_bytes(number.bit_length() // 8 + 1, "big", signed=True))


def raw_to_der_signature(raw: bytes) -> bytes:
    """64-byte r||s to the DER ``SEQUENCE { r INTEGER, s INTEGER }`` that OpenSSL expects."""
    half = len(raw) // 2
    r, s = int.from_bytes(raw[:half], "big"), int.from_bytes(raw[half:], "big")
    return encode(SEQUENCE, encode_integer(r) + encode_integer(s))


def der_to_raw_signature(der: bytes, size: int = 32) -> bytes:
    """DER ``SEQUENCE { r, s }`` to fixed-width r||s (the customs SM2 SignatureValue format)."""
    r_node, s_node = items(expect(read(der), SEQUENCE))
    numbers = [int.from_bytes(expect(node, INTEGER), "big", signed=True) for node in (r_node, s_node)]
    if any(n < 0 or n.bit_length() > 8 * size for n in numbers):
        raise DerError("signature integer out of range")
    return b"".join(n.to_bytes(size, "big") for n in numbers)


def sm2_cipher(x: bytes, y: bytes, hash_value: bytes, ciphertext: bytes) -> bytes:
    """The GM/T 0009 ``SM2Cipher ::= SEQUENCE { x INTEGER, y INTEGER, hash OCTET STRING, cipherText OCTET STRING }``
    from C1 = (x, y), C3 and C2."""
    body = encode_integer(int.from_bytes(x, "big")) + encode_integer(int.from_bytes(y, "big"))
    return encode(SEQUENCE, body + encode(OCTET_STRING, hash_value) + encode(OCTET_STRING, ciphertext))


def read_sm2_cipher(data: bytes, size: int = 32) -> tuple[bytes, bytes, bytes, bytes]:
    """(x, y, C3, C2) of a DER SM2Cipher, coordinates fixed-width (the C1C3C2 pieces other libraries take)."""
    fields = items(expect(read(data), SEQUENCE))
    if len(fields) != 4:
        raise DerError("SM2Cipher has four fields")
    x, y = (int.from_bytes(expect(node, INTEGER), "big", signed=True) for node in fields[:2])
    hash_value, ciphertext = expect(fields[2], OCTET_STRING), expect(fields[3], OCTET_STRING)
    if x < 0 or y < 0 or max(x, y).bit_length() > 8 * size or len(hash_value) != 32:
        raise DerError("SM2Cipher field out of range")
    return x.to_bytes(size, "big"), y.to_bytes(size, "big"), hash_value, ciphertext
