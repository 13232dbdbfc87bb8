"""Digital envelopes (数字信封): CMS EnvelopedData (RFC 5652) for one or more RSA recipients.

The content is encrypted once with a fresh key (AES-128/256-CBC or SM4-CBC, the OIDs OpenSSL writes);
that key is wrapped for every recipient with RSA PKCS#1 v1.5 or RSAES-OAEP (SHA-256), recipients named
by issuer and serial number. SM2 key transport is not offered: OpenSSL 3.0 cannot read it either.
"""

import os

from asn1crypto import algos, cms, core
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from . import keys
from .certificate import Certificate
from .errors import InvalidInputError, NotARecipientError, UnsupportedAlgorithmError

SM4_CBC_OID = "1.2.156.10197.1.104.2"
CIPHERS = {"AES-256-CBC": ("aes256_cbc", 32), "AES-128-CBC": ("aes128_cbc", 16), "SM4-CBC": (SM4_CBC_OID, 16)}
_BY_OID = {oid: name for name, (oid, _) in CIPHERS.items()}


def encrypt(recipients: list[Certificate], data: bytes, cipher: str = "AES-256-CBC", oaep: bool = False) -> bytes:
    """A DER ContentInfo holding EnvelopedData that each recipient's private key opens."""
    if cipher not in CIPHERS:
        english = f"unsupported cipher {cipher}; use {list(CIPHERS)}"
        raise UnsupportedAlgorithmError(f"不支持的对称算法 {cipher}", english)
    if not recipients:
        raise InvalidInputError("至少需要一个接收方", "an envelope needs at least one recipient")
    oid, size = CIPHERS[cipher]
    content_key, iv = os.urandom(size), os.urandom(16)
    parameters = iv if oid != SM4_CBC_OID else core.OctetString(iv)
    encrypted = cms.EncryptedContentInfo({
        "content_type": "data",
        "content_encryption_algorithm": algos.EncryptionAlgorithm({"algorithm": oid, "parameters": parameters}),
        "encrypted_content": _cbc(cipher, content_key, iv, data, encrypt=True),
    })  # fmt: skip
    infos = [_recipient_info(certificate, content_key, oaep) for certificate in recipients]
    enveloped = cms.EnvelopedData({"version": "v0", "recipient_infos": infos, "encrypted_content_info": encrypted})
    return cms.ContentInfo({"content_type": "enveloped_data", "content": enveloped}).dump()


def recipients(envelope: bytes) -> list[tuple[str, int]]:
    """(issuer in human form, serial) of every key-transport recipient."""
    return [(ri.chosen["rid"].chosen["issuer"].human_friendly, ri.chosen["rid"].chosen["serial_number"].native)
            for ri in _enveloped(envelope)["recipient_infos"] if ri.name == "ktri"]  # fmt: skip


def decrypt(envelope: bytes, certificate: Certificate, key: keys.PrivateKey) -> bytes:
    """The content, if ``certificate`` is one of the recipients; NotARecipientError otherwise."""
    enveloped = _enveloped(envelope)
    info = _find_recipient(enveloped, asn1_x509.Certificate.load(certificate.der))
    oaep = info["key_encryption_algorithm"]["algorithm"].native == "rsaes_oaep"
    encrypted = enveloped["encrypted_content_info"]
    algorithm = encrypted["content_encryption_algorithm"]
    cipher = _BY_OID.get(algorithm["algorithm"].native)
    if cipher is None:
        raise UnsupportedAlgorithmError("不支持的对称算法", f"unsupported cipher {algorithm['algorithm'].native}")
    try:
        content_key = key.decrypt(info["encrypted_key"].native, oaep)
        iv = _iv(algorithm["parameters"])
        return _cbc(cipher, content_key, iv, encrypted["encrypted_content"].native or b"", encrypt=False)
    except ValueError as error:
        raise InvalidInputError("数字信封无法解密", f"the envelope cannot be decrypted: {error}") from error


def _recipient_info(certificate: Certificate, content_key: bytes, oaep: bool) -> cms.RecipientInfo:
    cert = asn1_x509.Certificate.load(certificate.der)
    if oaep:
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


def _enveloped(envelope: bytes) -> cms.EnvelopedData:
    try:
        info = cms.ContentInfo.load(envelope, strict=True)
        if info["content_type"].native != "enveloped_data":
            raise InvalidInputError("不是数字信封", f"not EnvelopedData but {info['content_type'].native}")
        enveloped = info["content"]
        enveloped.native  # noqa: B018 - parse everything now
        return enveloped
    except (ValueError, TypeError, KeyError) as error:
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
