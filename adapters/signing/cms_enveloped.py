"""Digital envelopes (数字信封): CMS AuthEnvelopedData (RFC 5083, 5084) and EnvelopedData (RFC 5652, GB/T 35275)
for one or more RSA or SM2 recipients.

The content is encrypted once with a fresh key; that key is wrapped for every recipient in a
KeyTransRecipientInfo named by issuer and serial number: RSA recipients with PKCS#1 v1.5 or RSAES-OAEP
(SHA-256), SM2 recipients with SM2 public-key encryption (GB/T 32918.4; keyEncryptionAlgorithm sm2encrypt
1.2.156.10197.1.301.3 without parameters, encryptedKey the DER SM2Cipher of GM/T 0009: x and y of C1, the SM3
hash C3, the ciphertext C2). RSA and SM2 recipients may share one envelope.

Two kinds of content encryption:

- authenticated (the default): AES-128/256-GCM (RFC 5084) or SM4-GCM (OID 1.2.156.10197.1.104.8, the RFC 5084
  structure with SM4) in an AuthEnvelopedData: GCMParameters with a 12-byte nonce and a 16-byte tag in ``mac``;
  the tag covers the ciphertext, the nonce and the authenticated attributes (the content-type attribute, written
  for a content type other than id-data: the GM profile's), and the content type must be id-data or the one
  authenticated. Any changed byte is refused (EnvelopeTamperedError), never decrypted to garbage.
  No GB/T 35275 or GM/T 0010 content type exists for it: such envelopes are RFC 5083 ones in both profiles.
- legacy CBC (AES-128/256-CBC, SM4-CBC, the OIDs OpenSSL writes) in an EnvelopedData, for peers that cannot read
  AuthEnvelopedData (GB/T 35275 toolkits). CBC has no integrity check: a change that breaks the padding is
  refused, any other change of the ciphertext decrypts to garbled content. Sign the content first when using it.

``profile="cms"`` writes the RFC 5652 content types (``openssl cms -decrypt`` 3.0 opens such envelopes for RSA and
SM2 recipients alike, though it cannot make SM2 ones), ``profile="gm"`` the GB/T 35275 ones (envelopedData
1.2.156.10197.6.1.4.2.3, data 1.2.156.10197.6.1.4.2.1) that Chinese CA toolkits expect; both are read.
An envelope keeps the content secret and unchanged; it does not prove who sent it (anyone with the recipient's
certificate can make one). Sign the content (CMS SignedData) before enveloping it when that matters.
"""

import functools
import os
from dataclasses import dataclass

from asn1crypto import algos, cms, core
from asn1crypto import x509 as asn1_x509
from cryptography.exceptions import InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from . import keys
from .certificate import Certificate
from .errors import (
    EnvelopeTamperedError,
    InvalidInputError,
    NotARecipientError,
    SignatureError,
    SigningError,
    UnsupportedAlgorithmError,
)

SM4_CBC_OID = "1.2.156.10197.1.104.2"
SM4_GCM_OID = "1.2.156.10197.1.104.8"
SM4_OID = "1.2.156.10197.1.104"  # read as SM4-CBC with the IV as parameter, as some toolkits write it
SM2_ENCRYPT_OID = "1.2.156.10197.1.301.3"
ID_DATA = "1.2.840.113549.1.7.1"
GM_DATA_OID = "1.2.156.10197.6.1.4.2.1"
GM_ENVELOPED_DATA_OID = "1.2.156.10197.6.1.4.2.3"
PROFILES = ("cms", "gm")
NONCE_SIZE, TAG_SIZE = 12, 16  # RFC 5084: a 12-byte nonce is recommended; we write the longest tag


@dataclass(frozen=True)
class ContentCipher:
    """A content-encryption algorithm as the envelope names it: the OID, its key size, GCM or CBC, AES or SM4."""

    name: str
    oid: str
    key_size: int
    mode: str
    block: str

    @property
    def authenticated(self) -> bool:
        return self.mode == "GCM"


CIPHERS = {c.name: c for c in (
    ContentCipher("AES-256-GCM", "aes256_gcm", 32, "GCM", "AES"),
    ContentCipher("AES-128-GCM", "aes128_gcm", 16, "GCM", "AES"),
    ContentCipher("SM4-GCM", SM4_GCM_OID, 16, "GCM", "SM4"),
    ContentCipher("AES-256-CBC", "aes256_cbc", 32, "CBC", "AES"),
    ContentCipher("AES-128-CBC", "aes128_cbc", 16, "CBC", "AES"),
    ContentCipher("SM4-CBC", SM4_CBC_OID, 16, "CBC", "SM4"),
)}  # fmt: skip
_BY_OID = {c.oid: c for c in CIPHERS.values()} | {SM4_OID: CIPHERS["SM4-CBC"]}
_KEY_TRANSPORT = {"rsaes_pkcs1v15": "RSA", "rsaes_oaep": "RSA", SM2_ENCRYPT_OID: "SM2"}


class GcmParameters(core.Sequence):
    """RFC 5084 ``GCMParameters ::= SEQUENCE { aes-nonce OCTET STRING, aes-ICVlen INTEGER DEFAULT 12 }``
    (asn1crypto leaves GCM parameters unparsed); SM4-GCM uses the same structure."""

    _fields = [("nonce", core.OctetString), ("icv_len", core.Integer, {"default": 12})]


@functools.cache
def sm4_gcm_available() -> bool:
    """Whether the libcrypto under ``cryptography`` has SM4-GCM (OpenSSL 3.2 and later; 3.0 has only SM4-CBC)."""
    try:
        Cipher(algorithms.SM4(bytes(16)), modes.GCM(bytes(NONCE_SIZE))).encryptor()
    except UnsupportedAlgorithm:
        return False
    return True


def default_cipher(profile: str) -> str:
    """AES-256-GCM, or for the GM profile SM4-GCM (SM4-CBC where libcrypto lacks SM4-GCM): authenticated unless
    there is no choice; CBC only when a caller names it for a legacy peer."""
    if profile == "gm":
        return "SM4-GCM" if sm4_gcm_available() else "SM4-CBC"
    return "AES-256-GCM"


def encrypt(recipients: list[Certificate], data: bytes, cipher: str | None = None, oaep: bool = False,
            profile: str = "cms") -> bytes:  # fmt: skip
    """A DER ContentInfo that each recipient's private key opens (``oaep``: RSA only): AuthEnvelopedData for a GCM
    ``cipher``, EnvelopedData for a CBC one; ``cipher`` None takes ``default_cipher(profile)``."""
    if profile not in PROFILES:
        english = f"profile: unknown envelope profile {profile}; use one of {list(PROFILES)}"
        raise UnsupportedAlgorithmError(f"profile: 不支持的信封格式 {profile}, 可选 {list(PROFILES)}", english)
    chosen = _cipher(cipher or default_cipher(profile))
    if not recipients:
        english = "recipients: an envelope needs at least one recipient"
        raise InvalidInputError("recipients: 至少需要一个接收方", english)
    content_key = os.urandom(chosen.key_size)
    infos = [_recipient_info(certificate, content_key, oaep) for certificate in recipients]
    inner_type = ID_DATA if profile == "cms" else GM_DATA_OID
    if chosen.authenticated:
        sealed = _auth_enveloped(chosen, content_key, data, infos, inner_type)
        return _ContentInfo({"content_type": "authenticated_enveloped_data", "content": sealed}).dump()
    enveloped = _cbc_enveloped(chosen, content_key, data, infos, inner_type)
    content_type = "enveloped_data" if profile == "cms" else GM_ENVELOPED_DATA_OID
    return _ContentInfo({"content_type": content_type, "content": enveloped}).dump()


def recipients(envelope: bytes) -> list[tuple[str, int]]:
    """(issuer in human form, serial) of every key-transport recipient."""
    return [(ri.chosen["rid"].chosen["issuer"].human_friendly, ri.chosen["rid"].chosen["serial_number"].native)
            for ri in _enveloped(envelope)["recipient_infos"] if ri.name == "ktri"]  # fmt: skip


def decrypt(envelope: bytes, certificate: Certificate, key: keys.PrivateKey) -> bytes:
    """The content, if ``certificate`` is one of the recipients (NotARecipientError otherwise) and, for an
    authenticated envelope, nothing was changed (EnvelopeTamperedError otherwise)."""
    enveloped = _enveloped(envelope)
    authenticated = isinstance(enveloped, cms.AuthEnvelopedData)
    info = _find_recipient(enveloped, asn1_x509.Certificate.load(certificate.der))
    transport = info["key_encryption_algorithm"]["algorithm"].native
    if _KEY_TRANSPORT.get(transport) != certificate.key_type:
        english = f"key transport {transport} does not fit the recipient's {certificate.key_type} key"
        raise UnsupportedAlgorithmError(f"不支持的密钥封装算法 {transport}", english)
    encrypted = enveloped["auth_encrypted_content_info" if authenticated else "encrypted_content_info"]
    chosen = _cipher_of(encrypted["content_encryption_algorithm"], authenticated)
    content_key = _unwrap(info, key, transport == "rsaes_oaep", chosen)
    if authenticated:
        return _open_gcm(chosen, content_key, enveloped)
    return _open_cbc(chosen, content_key, encrypted)


def _cipher(name: str) -> ContentCipher:
    """The named cipher, refused with the choices when unknown or when this libcrypto lacks it (SM4-GCM)."""
    if name not in CIPHERS:
        english = f"cipher: unsupported cipher {name}; use one of {list(CIPHERS)}"
        raise UnsupportedAlgorithmError(f"cipher: 不支持的对称算法 {name}, 可选 {list(CIPHERS)}", english)
    if name == "SM4-GCM" and not sm4_gcm_available():
        english = "cipher: SM4-GCM needs libcrypto 3.2 or later under the cryptography package; use SM4-CBC"
        raise UnsupportedAlgorithmError("cipher: 本机密码库不支持 SM4-GCM, 请改用 SM4-CBC", english)
    return CIPHERS[name]


def _cipher_of(algorithm: algos.EncryptionAlgorithm, authenticated: bool) -> ContentCipher:
    """The content cipher an envelope names: GCM only in AuthEnvelopedData, CBC only in EnvelopedData (RFC 5084
    forbids GCM in EnvelopedData: there would be nowhere for its tag)."""
    oid = algorithm["algorithm"].dotted
    chosen = _BY_OID.get(algorithm["algorithm"].native) or _BY_OID.get(oid)
    if chosen is None or chosen.authenticated != authenticated:
        kind = "AuthEnvelopedData" if authenticated else "EnvelopedData"
        english = f"contentEncryptionAlgorithm: unsupported cipher {oid} in {kind}"
        raise UnsupportedAlgorithmError(f"contentEncryptionAlgorithm: 不支持的对称算法 {oid}", english)
    return _cipher(chosen.name)  # refused clearly, not by libcrypto, where SM4-GCM is missing


def _unwrap(info: cms.KeyTransRecipientInfo, key: keys.PrivateKey, oaep: bool, chosen: ContentCipher) -> bytes:
    """The content key for this recipient, of the size its cipher needs."""
    try:
        content_key = key.decrypt(info["encrypted_key"].native, oaep)
    except SigningError:
        raise
    except (ValueError, SignatureError) as error:
        english = f"encryptedKey: this recipient's key cannot be unwrapped (changed, or another key): {error}"
        raise InvalidInputError("encryptedKey: 数字信封的密钥无法解开(已被改动或私钥不符)", english) from error
    if len(content_key) != chosen.key_size:
        english = f"encryptedKey: the unwrapped key has {len(content_key)} bytes, {chosen.name} needs {chosen.key_size}"
        raise InvalidInputError("encryptedKey: 数字信封的密钥长度不符(已被改动或私钥不符)", english)
    return content_key


def _auth_enveloped(chosen: ContentCipher, content_key: bytes, data: bytes, infos: list[cms.RecipientInfo],
                    inner_type: str) -> cms.AuthEnvelopedData:  # fmt: skip
    """RFC 5083 AuthEnvelopedData. id-data content goes without authAttrs, as OpenSSL writes it (OpenSSL 3.0 cannot
    read authAttrs at all); any other content type (the GM profile's) gets the content-type attribute, which RFC 5083
    requires then and which binds that type, outside the tag otherwise, to the tag."""
    nonce = os.urandom(NONCE_SIZE)
    content_type = {"type": "content_type", "values": [inner_type]}
    attributes = None if inner_type == ID_DATA else cms.CMSAttributes([content_type])
    ciphertext, tag = _gcm_seal(chosen, content_key, nonce, data, b"" if attributes is None else attributes.dump())
    parameters = GcmParameters({"nonce": nonce, "icv_len": TAG_SIZE})
    optional = {} if attributes is None else {"auth_attrs": attributes}
    return cms.AuthEnvelopedData({
        "version": "v0",
        "recipient_infos": infos,
        "auth_encrypted_content_info": cms.EncryptedContentInfo({
            "content_type": inner_type,
            "content_encryption_algorithm": algos.EncryptionAlgorithm(
                {"algorithm": chosen.oid, "parameters": parameters}),
            "encrypted_content": ciphertext,
        }),
        **optional,
        "mac": tag,
    })  # fmt: skip


def _cbc_enveloped(chosen: ContentCipher, content_key: bytes, data: bytes, infos: list[cms.RecipientInfo],
                   inner_type: str) -> cms.EnvelopedData:  # fmt: skip
    """RFC 5652 / GB/T 35275 EnvelopedData with a CBC cipher: the legacy choice, without integrity."""
    iv = os.urandom(16)
    parameters = iv if chosen.block == "AES" else core.OctetString(iv)
    encrypted = cms.EncryptedContentInfo({
        "content_type": inner_type,
        "content_encryption_algorithm": algos.EncryptionAlgorithm({"algorithm": chosen.oid, "parameters": parameters}),
        "encrypted_content": _cbc(chosen.name, content_key, iv, data, encrypt=True),
    })  # fmt: skip
    return cms.EnvelopedData({"version": "v0", "recipient_infos": infos, "encrypted_content_info": encrypted})


def _open_gcm(chosen: ContentCipher, content_key: bytes, enveloped: cms.AuthEnvelopedData) -> bytes:
    """The content once the tag proves that ciphertext, nonce and authenticated attributes are as they were made."""
    encrypted = enveloped["auth_encrypted_content_info"]
    nonce, icv_len = _gcm_parameters(encrypted["content_encryption_algorithm"]["parameters"])
    tag = enveloped["mac"].native
    if len(tag) != icv_len:
        english = f"mac: the tag has {len(tag)} bytes but GCMParameters.aes-ICVlen says {icv_len}"
        chinese = f"mac: 认证标签长度 {len(tag)} 与 aes-ICVlen {icv_len} 不符, 数字信封已被篡改或损坏"
        raise EnvelopeTamperedError(chinese, english)
    attributes = enveloped["auth_attrs"]
    aad = b"" if isinstance(attributes, core.Void) else attributes.untag().dump()  # as received, SET OF tag
    algorithm = algorithms.SM4(content_key) if chosen.block == "SM4" else algorithms.AES(content_key)
    opener = Cipher(algorithm, modes.GCM(nonce, tag, min_tag_length=icv_len)).decryptor()
    opener.authenticate_additional_data(aad)
    try:
        content = opener.update(encrypted["encrypted_content"].native or b"") + opener.finalize()
    except InvalidTag as error:
        raise EnvelopeTamperedError(
            "数字信封已被篡改或损坏: 认证标签(mac)与密文、随机数(nonce)或认证属性(authAttrs)不符",
            "the envelope was tampered with or damaged: its authentication tag (mac) does not match the ciphertext, "
            "the nonce or the authenticated attributes (authAttrs)") from error  # fmt: skip
    _check_content_type(encrypted["content_type"].dotted, attributes)
    return content


def _gcm_parameters(parameters: core.Asn1Value) -> tuple[bytes, int]:
    """(nonce, tag length) of RFC 5084 GCMParameters, refused when outside what RFC 5084 allows."""
    try:
        parsed = GcmParameters.load(parameters.dump(), strict=True)
        nonce, icv_len = parsed["nonce"].native, parsed["icv_len"].native
    except (ValueError, TypeError) as error:
        english = f"GCMParameters: not an RFC 5084 SEQUENCE {{aes-nonce, aes-ICVlen}}: {error}"
        raise InvalidInputError("GCMParameters: 数字信封的 GCM 参数格式错误", english) from error
    if not 8 <= len(nonce) <= 64:
        english = f"GCMParameters.aes-nonce: {len(nonce)} bytes; it must have 8 to 64 (12 recommended, RFC 5084)"
        raise InvalidInputError(f"GCMParameters.aes-nonce: 随机数长度 {len(nonce)} 字节, 应为 8 至 64 字节", english)
    if not 12 <= icv_len <= 16:
        english = f"GCMParameters.aes-ICVlen: {icv_len}; RFC 5084 allows 12 to 16"
        raise InvalidInputError(f"GCMParameters.aes-ICVlen: 认证标签长度 {icv_len}, 应为 12 至 16", english)
    return nonce, icv_len


def _check_content_type(inner_type: str, attributes: core.Asn1Value) -> None:
    """The EncryptedContentInfo's content type is outside the tag: it must be id-data or the one the authenticated
    content-type attribute names (RFC 5083 2.1 requires authAttrs for any other type)."""
    declared = None
    if not isinstance(attributes, core.Void):
        declared = next((a["values"][0].dotted for a in attributes if a["type"].native == "content_type"), None)
    if declared is None and inner_type != ID_DATA:
        declared = f"{ID_DATA} (no authenticated content-type attribute)"
    if declared is not None and declared != inner_type:
        raise EnvelopeTamperedError(
            f"contentType: 数字信封的内容类型 {inner_type} 与认证属性不符, 数字信封已被篡改或损坏",
            f"contentType: the envelope's content type {inner_type} is not the authenticated one ({declared}): "
            "the envelope was tampered with or damaged")  # fmt: skip


def _open_cbc(chosen: ContentCipher, content_key: bytes, encrypted: cms.EncryptedContentInfo) -> bytes:
    """The content of a legacy CBC envelope: a broken padding is refused, other changes cannot be seen."""
    try:
        iv = _iv(encrypted["content_encryption_algorithm"]["parameters"])
    except (ValueError, TypeError) as error:
        english = f"contentEncryptionAlgorithm.parameters: no 16-byte IV: {error}"
        raise InvalidInputError("contentEncryptionAlgorithm.parameters: 初始向量(IV)格式错误", english) from error
    if len(iv) != 16:
        english = f"contentEncryptionAlgorithm.parameters: the IV has {len(iv)} bytes, CBC needs 16"
        raise InvalidInputError(f"contentEncryptionAlgorithm.parameters: 初始向量长度 {len(iv)}, 应为 16", english)
    try:
        return _cbc(chosen.name, content_key, iv, encrypted["encrypted_content"].native or b"", encrypt=False)
    except ValueError as error:
        raise EnvelopeTamperedError(
            "数字信封已被篡改或损坏: CBC 密文的填充无效(CBC 信封无完整性保护, 请改用 GCM)",
            f"the envelope was tampered with or damaged: its CBC ciphertext has no valid padding ({error}); "
            "CBC envelopes carry no integrity check, prefer a GCM cipher") from error  # fmt: skip


def _gcm_seal(chosen: ContentCipher, content_key: bytes, nonce: bytes, data: bytes, aad: bytes) -> tuple[bytes, bytes]:
    algorithm = algorithms.SM4(content_key) if chosen.block == "SM4" else algorithms.AES(content_key)
    sealer = Cipher(algorithm, modes.GCM(nonce)).encryptor()
    sealer.authenticate_additional_data(aad)
    ciphertext = sealer.update(data) + sealer.finalize()
    return ciphertext, sealer.tag


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


def _enveloped(envelope: bytes) -> cms.EnvelopedData | cms.AuthEnvelopedData:
    """The parsed envelope, fully read now so that a malformed one is refused here as invalid input."""
    try:
        info = _ContentInfo.load(envelope, strict=True)
        if info["content_type"].native not in ("enveloped_data", GM_ENVELOPED_DATA_OID, "authenticated_enveloped_data"):
            english = f"contentType: not EnvelopedData nor AuthEnvelopedData but {info['content_type'].native}"
            raise InvalidInputError("contentType: 不是数字信封", english)
        enveloped = info["content"]
        enveloped.native  # noqa: B018 - parse everything now
        return enveloped
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as error:  # asn1crypto raises all of them
        english = f"envelope: not a DER CMS EnvelopedData or AuthEnvelopedData: {error}"
        raise InvalidInputError("envelope: 数字信封格式错误", english) from error


def _find_recipient(enveloped: cms.EnvelopedData | cms.AuthEnvelopedData,
                    cert: asn1_x509.Certificate) -> cms.KeyTransRecipientInfo:  # fmt: skip
    """The KeyTransRecipientInfo naming ``cert`` by issuer and serial number; NotARecipientError when none does."""
    for info in enveloped["recipient_infos"]:
        rid = info.chosen["rid"] if info.name == "ktri" else None
        if rid is not None and rid.name == "issuer_and_serial_number" and _names(rid.chosen, cert):
            return info.chosen
    raise NotARecipientError("此证书不是数字信封的接收方", "this certificate is not a recipient of the envelope")


def _names(issuer_and_serial: cms.IssuerAndSerialNumber, cert: asn1_x509.Certificate) -> bool:
    """Whether the identifier is ``cert``'s; an issuer that cannot even be compared (a changed byte can make it an
    invalid string, which asn1crypto's comparison raises on) names nobody."""
    if issuer_and_serial["serial_number"].native != cert.serial_number:
        return False
    try:
        return bool(issuer_and_serial["issuer"] == cert.issuer)
    except ValueError:
        return False


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
