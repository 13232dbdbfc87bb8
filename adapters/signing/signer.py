"""Signing CEB messages (加签): the Signer port and its implementation over RSA or SM2 keys."""

import base64
from pathlib import Path
from typing import Protocol, runtime_checkable

from lxml import etree

from . import rsa, sm2, xmldsig
from .certificate import Certificate, load_certificate
from .errors import InvalidInputError, SignatureError

XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'


@runtime_checkable
class Signer(Protocol):
    """Adds the customs enveloped ds:Signature to CEB messages.

    ``algorithm`` is "RSA-SHA1" or "SM2-SM3"; ``key_name`` is the certificate serial in hex (ds:KeyName).
    Implementations are safe to share between threads.
    """

    algorithm: str
    key_name: str

    def sign_tree(self, root: etree._Element) -> None:
        """Sign the document whose document element is ``root``, in place."""

    def sign_bytes(self, xml: bytes) -> bytes:
        """Parse, sign and serialize (UTF-8 with an XML declaration)."""


class _Key(Protocol):
    def sign(self, data: bytes) -> bytes: ...


class XmlSigner:
    """A Signer holding one loaded private key and its certificate."""

    def __init__(self, profile: xmldsig.Profile, key: _Key, certificate: Certificate) -> None:
        self.profile, self._key, self.certificate = profile, key, certificate
        self.algorithm, self.key_name = profile.name, certificate.key_name

    def sign_tree(self, root: etree._Element) -> None:
        _check_signable(root)
        hash_name = xmldsig.DIGEST_METHODS[self.profile.digest_uri]
        digest = xmldsig.document_digest(root, hash_name)
        signature = xmldsig.build_signature(self.profile, digest, self.key_name, self.certificate.base64)
        xmldsig.attach(root, signature)
        try:
            signed_info = xmldsig.canonicalize(signature.find(xmldsig.ds("SignedInfo")))
            value = self._key.sign(signed_info)
        except BaseException:
            signature.getparent().remove(signature)
            raise
        signature.find(xmldsig.ds("SignatureValue")).text = base64.b64encode(value).decode("ascii")

    def sign_bytes(self, xml: bytes) -> bytes:
        root = parse(xml)
        self.sign_tree(root)
        return serialize(root)

    def __repr__(self) -> str:
        return f"XmlSigner({self.algorithm}, key_name={self.key_name!r})"


def load_signer(
    key_path: str | Path,
    cert_path: str | Path,
    password: bytes | None = None,
    *,
    sm2_backend: str | None = None,
) -> Signer:
    """Load a PEM private key and its certificate once; RSA or SM2 follows the certificate's key.

    Raises SignatureError if either file is unreadable or the key does not belong to the certificate.
    """
    certificate = load_certificate(_read(cert_path))
    pem = _read(key_path)
    if certificate.key_type == "RSA":
        signer = XmlSigner(xmldsig.RSA_SHA1, rsa.RsaKey(pem, password), certificate)
    elif certificate.key_type == "SM2":
        key = sm2.load_private_key(pem, certificate, password, sm2_backend)
        signer = XmlSigner(xmldsig.SM2_SM3, key, certificate)
    else:
        raise SignatureError(f"certificate key type {certificate.key_type} is neither RSA nor SM2")
    _check_pair(signer, key_path, cert_path)
    return signer


def parse(xml: bytes) -> etree._Element:
    """Parse untrusted XML: no entity expansion, no network."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=False)
    try:
        root = etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as exc:
        raise InvalidInputError("XML 格式不正确", f"not well-formed XML: {exc}") from exc
    info = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None or info.externalDTD is not None:
        # an entity reference would survive unresolved and break canonicalisation later (C14NError, not ours)
        raise InvalidInputError("含 DTD (DOCTYPE 或实体) 的 XML 不予签名或验证",
                                "XML with a DTD (DOCTYPE or entities) is not signed or verified")
    return root


def serialize(root: etree._Element) -> bytes:
    return XML_DECLARATION + etree.tostring(root.getroottree(), encoding="UTF-8", xml_declaration=False)


def _check_signable(root: etree._Element) -> None:
    if root.getparent() is not None:
        raise SignatureError("sign_tree needs the document element, not a nested element")
    if root.find(xmldsig.SIGNATURE_TAG) is not None:
        raise SignatureError("the document already carries a ds:Signature")


def _check_pair(signer: XmlSigner, key_path: str | Path, cert_path: str | Path) -> None:
    probe = b"cbec key/certificate pairing probe"
    signature = signer._key.sign(probe)
    if signer.profile.key_type == "RSA":
        paired = rsa.verify(signer.certificate, probe, signature)
    else:
        paired = sm2.verify(signer.certificate, probe, signature)
    if not paired:
        raise SignatureError(f"private key {key_path} does not belong to certificate {cert_path}")


def _read(path: str | Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise SignatureError(f"cannot read {path}: {exc}") from exc
