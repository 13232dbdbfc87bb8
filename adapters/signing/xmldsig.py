"""The enveloped XML signature layout customs checks (NOTES.md §6): URIs, digest rule, ds:Signature shape."""

import base64
import hashlib
from dataclasses import dataclass

from lxml import etree

DS_NS = "http://www.w3.org/2000/09/xmldsig#"
CEB_NS = "http://www.chinaport.gov.cn/ceb"
CHINAPORT_DS = "http://www.chinaport.gov.cn/2022/04/xmldsig#"
C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
C14N_WITH_COMMENTS = C14N + "#WithComments"
ENVELOPED = DS_NS + "enveloped-signature"
SIGNATURE_TAG = f"{{{DS_NS}}}Signature"
EXTEND_MESSAGE_TAG = f"{{{CEB_NS}}}ExtendMessage"


@dataclass(frozen=True)
class Profile:
    """One signing algorithm: its name in this code base and the URIs written into SignedInfo."""

    name: str
    key_type: str
    signature_uri: str
    digest_uri: str


RSA_SHA1 = Profile("RSA-SHA1", "RSA", DS_NS + "rsa-sha1", DS_NS + "sha1")
SM2_SM3 = Profile("SM2-SM3", "SM2", CHINAPORT_DS + "sm2-sm3", CHINAPORT_DS + "sm3")
PROFILES = {profile.name: profile for profile in (RSA_SHA1, SM2_SM3)}


@dataclass(frozen=True)
class SignatureMethod:
    name: str
    key_type: str
    hash_name: str


SIGNATURE_METHODS = {
    RSA_SHA1.signature_uri: SignatureMethod("RSA-SHA1", "RSA", "sha1"),
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256": SignatureMethod("RSA-SHA256", "RSA", "sha256"),
    SM2_SM3.signature_uri: SignatureMethod("SM2-SM3", "SM2", "sm3"),
    DS_NS + "sm2-sm3": SignatureMethod("SM2-SM3", "SM2", "sm3"),
}
DIGEST_METHODS = {
    RSA_SHA1.digest_uri: "sha1",
    "http://www.w3.org/2001/04/xmlenc#sha256": "sha256",
    SM2_SM3.digest_uri: "sm3",
}


def hash_bytes(hash_name: str, data: bytes) -> bytes:
    if hash_name == "sm3" and "sm3" not in hashlib.algorithms_available:
        from gmssl import sm3

        return bytes.fromhex(sm3.sm3_hash(list(data)))
    return hashlib.new(hash_name, data).digest()


def canonicalize(node: etree._Element | etree._ElementTree, with_comments: bool = False) -> bytes:
    """Inclusive C14N 1.0; for an element, the namespaces in scope from its ancestors are rendered on it."""
    return etree.tostring(node, method="c14n", exclusive=False, with_comments=with_comments)


def document_digest(root: etree._Element, hash_name: str) -> str:
    """DigestValue: Base64(hash(C14N of the whole document without comments)), Signature already absent."""
    return base64.b64encode(hash_bytes(hash_name, canonicalize(root.getroottree()))).decode("ascii")


def build_signature(profile: Profile, digest: str, key_name: str, certificate: str) -> etree._Element:
    """ds:Signature with an empty SignatureValue; no whitespace text nodes anywhere."""
    signature = etree.Element(SIGNATURE_TAG, nsmap={"ds": DS_NS})
    info = _child(signature, "SignedInfo")
    _child(info, "CanonicalizationMethod", Algorithm=C14N)
    _child(info, "SignatureMethod", Algorithm=profile.signature_uri)
    reference = _child(info, "Reference", URI="")
    _child(_child(reference, "Transforms"), "Transform", Algorithm=ENVELOPED)
    _child(reference, "DigestMethod", Algorithm=profile.digest_uri)
    _child(reference, "DigestValue").text = digest
    _child(signature, "SignatureValue")
    key_info = _child(signature, "KeyInfo")
    _child(key_info, "KeyName").text = key_name
    _child(_child(key_info, "X509Data"), "X509Certificate").text = certificate
    return signature


def attach(root: etree._Element, signature: etree._Element) -> None:
    """Where the message's XSD wants ds:Signature: the export schema puts it before ceb:ExtendMessage, the import
    schema after it, as the last child (and last in any document that is not a CEB message)."""
    extend = root.find(EXTEND_MESSAGE_TAG)
    if extend is not None and _signature_before_extend(root):
        extend.addprevious(signature)
    else:
        root.append(signature)


def _signature_before_extend(root: etree._Element) -> bool:
    from adapters.ceb.model import ROOT_NAME, catalogue  # late: only messages with an ExtendMessage need the XSDs

    match = ROOT_NAME.fullmatch(etree.QName(root).localname)
    parts = catalogue()[match.group(1)].parts if match and match.group(1) in catalogue() else ()
    return {"Signature", "ExtendMessage"} <= set(parts) and parts.index("Signature") < parts.index("ExtendMessage")


def ds(path: str) -> str:
    """An ElementPath in the ds namespace: ds("SignedInfo/Reference") -> "{…}SignedInfo/{…}Reference"."""
    return "/".join(f"{{{DS_NS}}}{step}" for step in path.split("/"))


def _child(parent: etree._Element, name: str, **attributes: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{DS_NS}}}{name}", attributes)
