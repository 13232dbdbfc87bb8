"""Digital envelopes (数字信封): CMS EnvelopedData (RFC 5652, GB/T 35275) for one or more RSA or SM2 recipients.

The content is encrypted once with a fresh key (AES-128/256-CBC or SM4-CBC, the OIDs OpenSSL writes);
that key is wrapped for every recipient in a KeyTransRecipientInfo named by issuer and serial number:
RSA recipients with PKCS#1 v1.5 or RSAES-OAEP (SHA-256), SM2 recipients with SM2 public-key encryption
(GB/T 32918.4; keyEncryptionAlgorithm sm2encrypt 1.2.156.10197.1.301.3 without parameters, encryptedKey
the DER SM2Cipher of GM/T 0009: x and y of C1, the SM3 hash C3, the ciphertext C2). RSA and SM2 recipients
may share one envelope. ``profile="cms"`` writes the RFC 5652 content types (``openssl cms -decrypt`` 3.0
opens such envelopes for RSA and SM2 recipients alike, though it cannot make SM2 ones), ``profile="gm"`` the
GB/T 35275 ones (envelopedData 1.2.156.10197.6.1.4.2.3, data 1.2.156.10197.6.1.4.2.1) that Chinese CA toolkits
expect; both are read.

An envelope keeps the content secret; it does not prove who sent it nor that nobody changed it (CBC has
no integrity check: a changed key or last block is caught, a changed middle block garbles the content).
Sign the content (CMS SignedData) before enveloping it when that matters.
"""

import os

from asn1crypto import algos, cms, core
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from . import keys
from .certificate import Certificate
from .errors import (
    InvalidInputError,
    NotARecipientError,
    SignatureError,
    SigningError,
    UnsupportedAlgorithmError,
)

SM4_CBC_OID = "1.2.156.10197.1.104.2"
SM4_OID = "1.2.156.10197.1.104"  # read as SM4-CBC with the IV as parameter, as some toolkits write it
SM2_ENCRYPT_OID = "1.2.156.10197.1.301.3"
GM_DATA_OID = "1.2.156.10197.6.1.4.2.1"
GM_ENVELOPED_DATA_OID = "1.2.156.10197.6.1.4.2.3"
PROFILES = ("cms", "gm")
CIPHERS = {"AES-256-CBC": ("aes256_cbc", 32), "AES-128-CBC": ("aes128_cbc", 16), "SM4-CBC": (SM4_CBC_OID, 16)}
_BY_OID = {oid: name for name, (oid, _) in CIPHERS.items()} | {SM4_OID: "SM4-CBC"}
_KEY_TRANSPORT = {"rsaes_pkcs1v15": "RSA", "rsaes_oaep": "RSA", SM2_ENCRYPT_OID: "SM2"}


def encrypt(recipients: list[Certificate], data: bytes, cipher: str = "AES-256-CBC", oaep: bool = False,
            profile: str = "cms") -> bytes:  # fmt: skip
    """A DER ContentInfo holding EnvelopedData that each recipient's private key opens (``oaep``: RSA only)."""
    if cipher not in CIPHERS:
        english = f"unsupported cipher {cipher}; use {list(CIPHERS)}"
        raise UnsupportedAlgorithmError(f"不支持的对称算法 {cipher}", english)
    if profile not in PROFILES:
        english = f"unknown envelope profile {profile}; use {PROFILES}"
        raise UnsupportedAlgorithmError(f"不支持的信封格式 {profile}", english)
    if not recipients:
        raise InvalidInputError("至少需要一个接收方", "an envelope needs at least one recipient")
    oid, size = CIPHERS[cipher]
    content_key, iv = os.urandom(size), os.urandom(16)
    parameters = iv if oid != SM4_CBC_OID else core.OctetString(iv)
    encrypted = cms.EncryptedContentInfo({
        "content_type": "data" if profile == "cms" else GM_DATA_OID,
        "content_encryption_algorithm": algos.EncryptionAlgorithm({"algorithm": oid, "parameters": parameters}),
        "encrypted_content": _cbc(cipher, content_key, iv, data, encrypt=True),
    })  # fmt: skip
    infos = [_recipient_info(certificate, content_key, oaep) for certificate in recipients]
    enveloped = cms.EnvelopedData({"version": "v0", "recipient_infos": infos, "encrypted_content_info": encrypted})
    content_type = "enveloped_data" if profile == "cms" else GM_ENVELOPED_DATA_OID
    return _ContentInfo({"content_type": content_type, "content": enveloped}).dump()


def recipients(envelope: bytes) -> list[tuple[str, int]]:
    """(issuer in human form, serial) of every key-transport recipient."""
    return [(ri.chosen["rid"].chosen["issuer"].human_friendly, ri.chosen["rid"].chosen["serial_number"].native)
            for ri in _enveloped(envelope)["recipient_infos"] if ri.name == "ktri"]  # fmt: skip


def decrypt(envelope: bytes, certificate: Certificate, key: keys.PrivateKey) -> bytes:
    """The content, if ``certificate`` is one of the recipients; NotARecipientError otherwise."""
    enveloped = _enveloped(envelope)
    info = _find_recipient(enveloped, asn1_x509.Certificate.load(certificate.der))
    transport = info["key_encryption_algorithm"]["algorithm"].native
    if _KEY_TRANSPORT.get(transport) != certificate.key_type:
        english = f"key transport {transport} does not fit the recipient's {certificate.key_type} key"
        raise UnsupportedAlgorithmError(f"不支持的密钥封装算法 {transport}", english)
    encrypted = enveloped["encrypted_content_info"]
    algorithm = encrypted["content_encryption_algorithm"]
    cipher = _BY_OID.get(algorithm["algorithm"].native)
    if cipher is None:
        raise UnsupportedAlgorithmError("不支持的对称算法", f"unsupported cipher {algorithm['algorithm'].native}")
    try:
        content_key = key.decrypt(info["encrypted_key"].native, transport == "rsaes_oaep")
    except SigningError:
        raise
    except (ValueError, SignatureError) as error:
        english = f"the envelope's key for this recipient cannot be unwrapped (changed, or another key): {error}"
        raise InvalidInputError("数字信封的密钥无法解开(已被改动或私钥不符)", english) from error
    try:
        iv = _iv(algorithm["parameters"])
        return _cbc(cipher, content_key, iv, encrypted["encrypted_content"].native or b"", encrypt=False)
    except ValueError as error:
        english = f"the envelope cannot be decrypted (its ciphertext was changed): {error}"
        raise InvalidInputError("数字信封无法解密(密文已被改动)", english) from error


def _recipient_info(certificate: Certificate, content_key: bytes, oaep: bool) -> cms.RecipientInfo:
    cert = asn1_x509.Certificate.load(certificate.der)
    if certificate.key_type == "SM2":
        algorithm = {"algorithm": SM2_ENCRYPT_OID}
    elif oaep:
        hash_algorithm = {"algorithm": "sha256"}
        oaep_parameters = algos.RSAESOAEPParams({
            "hash_algorithm": hash_algorithm, "mask_gen_algorithm": {"algorithm": "mgf1", "parameters": hash_algorithm},
        })  # fmt: skip
        algorithm = {"algorithm": "rsaes_oaep", "parameters": oaep_parameters}
    else:
        algorithm = {"algorithm": "rsaes_pkcs1v15"}
    return cms.RecipientInfo(name="ktri", value=cms.KeyTransRecipientInfo({
        "version": "v0",
        "rid": cms.RecipientIdentifier(name="issuer_and_serial_number", value=cms.IssuerAndSerialNumber(
            {"issuer": cert.issuer, "serial_number": cert.serial_number})),
        "key_encryption_algorithm": algorithm,
        "encrypted_key": keys.encrypt_for(certificate, content_key, oaep),
    }))  # fmt: skip


class _ContentInfo(cms.ContentInfo):
    """ContentInfo that also knows GB/T 35275's envelopedData OID (asn1crypto's would leave its content untagged)."""

    _oid_specs = {**cms.ContentInfo._oid_specs, GM_ENVELOPED_DATA_OID: cms.EnvelopedData}


def _enveloped(envelope: bytes) -> cms.EnvelopedData:
    try:
        info = _ContentInfo.load(envelope, strict=True)
        if info["content_type"].native not in ("enveloped_data", GM_ENVELOPED_DATA_OID):
            raise InvalidInputError("不是数字信封", f"not EnvelopedData but {info['content_type'].native}")
        enveloped = info["content"]
        enveloped.native  # noqa: B018 - parse everything now
        return enveloped
    except (ValueError, TypeError, KeyError, IndexError) as error:
        raise InvalidInputError("数字信封格式错误", f"not a DER CMS EnvelopedData: {error}") from error


def _find_recipient(enveloped: cms.EnvelopedData, cert: asn1_x509.Certificate) -> cms.KeyTransRecipientInfo:
    for info in enveloped["recipient_infos"]:
        rid = info.chosen["rid"] if info.name == "ktri" else None
        if rid is not None and rid.name == "issuer_and_serial_number":
            if rid.chosen["serial_number"].native == cert.serial_number and rid.chosen["issuer"] == cert.issuer:
                return info.chosen
    raise NotARecipientError("此证书不是数字信封的接收方", "this certificate is not a recipient of the envelope")


def _iv(parameters: core.Asn1Value) -> bytes:
    value = parameters.native
    return value if isinstance(value, bytes) and len(value) == 16 else core.OctetString.load(parameters.dump()).native


def _cbc(cipher: str, key: bytes, iv: bytes, data: bytes, encrypt: bool) -> bytes:
    algorithm = algorithms.SM4(key) if cipher == "SM4-CBC" else algorithms.AES(key)
    engine = Cipher(algorithm, modes.CBC(iv))
    if encrypt:
        padder = padding.PKCS7(128).padder()
        worker = engine.encryptor()
        return worker.update(padder.update(data) + padder.finalize()) + worker.finalize()
    worker, unpadder = engine.decryptor(), padding.PKCS7(128).unpadder()
    return unpadder.update(worker.update(data) + worker.finalize()) + unpadder.finalize()
