"""Generic XML signatures (W3C XMLDSig 1.0), enveloped or detached, RSA (PKCS#1 v1.5, PSS) or SM2-SM3.

Unlike the customs profile (xmldsig.py), these use exclusive C14N and SHA-256 (or SM3), as XMLDSig
tools expect. Enveloped: ``<ds:Reference URI="">`` over the whole document with the enveloped-signature
transform, ds:Signature appended to the document element. Detached: a standalone ds:Signature whose
Reference names an external resource by URI and digests its bytes as they are (no transform), so it
works for any file. SM2 uses the customs URIs (…2022/04/xmldsig#sm2-sm3, …#sm3) and r||s values.
Every signature carries the X.509 certificate in ds:KeyInfo. Signing goes through keys.PrivateKey, so
PKCS#11 tokens sign XML as well; verification is in dsig_verify.py.
"""

import base64

from lxml import etree

from . import keys, xmldsig
from .certificate import Certificate
from .errors import InvalidInputError
from .signer import parse, serialize
from .xmldsig import DS_NS, ENVELOPED, SIGNATURE_TAG

EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
SIGNATURE_URIS = {
    "RSA-SHA256": ("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", SHA256),
    "RSA-PSS-SHA256": ("http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1", SHA256),
    "SM2-SM3": (xmldsig.SM2_SM3.signature_uri, xmldsig.SM2_SM3.digest_uri),
}
SM2_URIS = {xmldsig.SM2_SM3.signature_uri, DS_NS + "sm2-sm3"}


def sign_enveloped(key: keys.PrivateKey, certificate: Certificate, xml: bytes, scheme: keys.Scheme) -> bytes:
    """The document with an enveloped ds:Signature appended to its document element."""
    root = parse(xml)
    if root.find(f".//{SIGNATURE_TAG}") is not None:
        raise InvalidInputError("文档已有签名", "the document already carries a ds:Signature")
    digest = _hash(scheme, etree.tostring(root.getroottree(), method="c14n", exclusive=True))
    signature = _signature(scheme, certificate, "", [ENVELOPED, EXC_C14N], digest)
    root.append(signature)
    _fill_value(key, scheme, signature)
    return serialize(root)


def sign_detached(key: keys.PrivateKey, certificate: Certificate, content: bytes, uri: str,
                  scheme: keys.Scheme) -> bytes:  # fmt: skip
    """A standalone ds:Signature document over ``content``, which the verifier gets from ``uri``."""
    if not uri or uri.startswith("#"):
        raise InvalidInputError("分离式签名需要外部 URI", "a detached signature needs the URI of an external resource")
    signature = _signature(scheme, certificate, uri, [], _hash(scheme, content))
    _fill_value(key, scheme, signature)
    return serialize(signature)


def _signature(scheme: keys.Scheme, certificate: Certificate, uri: str, transforms: list[str],
               digest: bytes) -> etree._Element:  # fmt: skip
    method, digest_method = SIGNATURE_URIS[scheme.name]
    signature = etree.Element(SIGNATURE_TAG, nsmap={"ds": DS_NS})
    info = _child(signature, "SignedInfo")
    _child(info, "CanonicalizationMethod", Algorithm=EXC_C14N)
    _child(info, "SignatureMethod", Algorithm=method)
    reference = _child(info, "Reference", URI=uri)
    if transforms:
        holder = _child(reference, "Transforms")
        for algorithm in transforms:
            _child(holder, "Transform", Algorithm=algorithm)
    _child(reference, "DigestMethod", Algorithm=digest_method)
    _child(reference, "DigestValue").text = base64.b64encode(digest).decode("ascii")
    _child(signature, "SignatureValue")
    _child(_child(_child(signature, "KeyInfo"), "X509Data"), "X509Certificate").text = certificate.base64
    return signature


def _fill_value(key: keys.PrivateKey, scheme: keys.Scheme, signature: etree._Element) -> None:
    signed_info = etree.tostring(signature.find(xmldsig.ds("SignedInfo")), method="c14n", exclusive=True)
    value = key.sign(signed_info, scheme)
    signature.find(xmldsig.ds("SignatureValue")).text = base64.b64encode(value).decode("ascii")


def _hash(scheme: keys.Scheme, data: bytes) -> bytes:
    return xmldsig.hash_bytes(scheme.hash_name, data)


def _child(parent: etree._Element, name: str, **attributes: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{DS_NS}}}{name}", attributes)
