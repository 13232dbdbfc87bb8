"""Verifying generic XML signatures: RSA through signxml (any XMLDSig tool's output), SM2-SM3 by our own code.

Both check the signature against the X.509 certificate inside ds:KeyInfo and report its serial as
``key_name``; whether that certificate is trusted is ``trust``'s decision (adapters/signing/trust.py, as of now:
XMLDSig states no signing time we could rely on). SHA-1 is refused outside the customs
profile. A detached signature needs the referenced content passed in.
"""

import base64
import binascii
import copy
import hmac

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree
from signxml import SignatureConfiguration, XMLVerifier
from signxml import exceptions as signxml_errors

from . import keys, xmldsig
from .certificate import Certificate, parse_certificate
from .dsig import EXC_C14N, SIGNATURE_URIS, SM2_URIS
from .errors import SignatureError
from .signer import parse
from .trust import Trust
from .verify import Reason, Verification, judged
from .xmldsig import C14N, C14N_WITH_COMMENTS, ENVELOPED, SIGNATURE_TAG, ds

_ALGORITHMS = {uri: name for name, (uri, _) in SIGNATURE_URIS.items()}
_C14N = {EXC_C14N: (True, False), EXC_C14N + "WithComments": (True, True), C14N: (False, False),
         C14N_WITH_COMMENTS: (False, True)}  # fmt: skip


class _Failed(Exception):
    def __init__(self, reason: Reason, detail: str) -> None:
        super().__init__(detail)
        self.reason, self.detail = reason, detail


def verify(xml: bytes, content: bytes | None = None, trust: Trust | None = None) -> Verification:
    """Verify the (first) ds:Signature of ``xml``: enveloped in a document, or a detached signature document."""
    try:
        root = parse(xml)
    except SignatureError as error:
        return Verification(False, Reason.DOCUMENT_UNREADABLE, None, None, str(error))
    signature = root if root.tag == SIGNATURE_TAG else root.find(f".//{SIGNATURE_TAG}")
    if signature is None:
        return Verification(False, Reason.MISSING_SIGNATURE, None, None, "no ds:Signature in the document")
    method = _algorithm(signature, "SignedInfo/SignatureMethod")
    name = "SM2-SM3" if method in SM2_URIS else _ALGORITHMS.get(method or "", method)
    certificate = None
    try:
        certificate = _certificate(signature)
        if method in SM2_URIS:
            _verify_sm2(root, signature, certificate, content)
        else:
            _verify_with_signxml(root, signature, certificate, content)
    except _Failed as failed:
        failure = Verification(False, failed.reason, name, certificate and certificate.key_name, failed.detail)
        return judged(failure, certificate and certificate.der, trust)
    return judged(Verification(True, Reason.OK, name, certificate.key_name), certificate.der, trust)


def _verify_with_signxml(root: etree._Element, signature: etree._Element, certificate: Certificate,
                         content: bytes | None) -> None:  # fmt: skip
    pem = x509.load_der_x509_certificate(certificate.der).public_bytes(Encoding.PEM).decode()
    detached = root is signature
    try:
        XMLVerifier().verify(
            root, x509_cert=pem, expect_config=SignatureConfiguration(require_x509=True),
            uri_resolver=(lambda _uri: content) if detached and content is not None else None,
        )  # fmt: skip
    except signxml_errors.InvalidDigest as error:
        raise _Failed(Reason.DIGEST_MISMATCH, f"the signed data was altered: {error}") from error
    except signxml_errors.InvalidSignature as error:
        raise _Failed(Reason.SIGNATURE_INVALID, str(error)) from error
    except (signxml_errors.InvalidInput, signxml_errors.InvalidCertificate, ValueError) as error:
        raise _Failed(Reason.MALFORMED_SIGNATURE, str(error)) from error


def _verify_sm2(root: etree._Element, signature: etree._Element, certificate: Certificate,
                content: bytes | None) -> None:  # fmt: skip
    signed_info = signature.find(ds("SignedInfo"))
    references = signed_info.findall(ds("Reference"))
    if len(references) != 1:
        raise _Failed(Reason.MALFORMED_SIGNATURE, "expected exactly one ds:Reference")
    if _algorithm(signed_info, "Reference/DigestMethod") not in (xmldsig.SM2_SM3.digest_uri,):
        raise _Failed(Reason.UNKNOWN_ALGORITHM, "SM2-SM3 signatures here digest with SM3")
    data = _referenced(root, signature, references[0], content)
    expected = _decoded(signed_info, "Reference/DigestValue")
    if not hmac.compare_digest(xmldsig.hash_bytes("sm3", data), expected):
        raise _Failed(Reason.DIGEST_MISMATCH, "the signed data was altered (DigestValue differs)")
    signed_bytes = _canonical(signed_info, _algorithm(signed_info, "CanonicalizationMethod"))
    value = keys.sm2_raw(_decoded(signature, "SignatureValue"))
    if not keys.verify(certificate, keys.SM2_SM3, signed_bytes, value):
        raise _Failed(Reason.SIGNATURE_INVALID, "SignatureValue does not match SignedInfo")


def _referenced(root: etree._Element, signature: etree._Element, reference: etree._Element,
                content: bytes | None) -> bytes:  # fmt: skip
    uri = reference.get("URI")
    transforms = [t.get("Algorithm") for t in reference.iterfind(ds("Transforms/Transform"))]
    if uri == "" and root is not signature and ENVELOPED in transforms:
        document = copy.deepcopy(root.getroottree())
        twin = document.getroot().find(f".//{SIGNATURE_TAG}")
        twin.getparent().remove(twin)
        methods = [t for t in transforms if t != ENVELOPED] or [C14N]
        if len(methods) != 1:
            raise _Failed(Reason.UNKNOWN_ALGORITHM, f"Transforms {transforms}")
        return _canonical(document, methods[0])
    if uri and not uri.startswith("#") and not transforms:
        if content is None:
            raise _Failed(Reason.MALFORMED_SIGNATURE, f"detached signature: the content of {uri} must be supplied")
        return content
    raise _Failed(Reason.MALFORMED_SIGNATURE, f"unsupported reference URI={uri!r} with transforms {transforms}")


def _canonical(node: etree._Element | etree._ElementTree, method: str | None) -> bytes:
    if method not in _C14N:
        raise _Failed(Reason.UNKNOWN_ALGORITHM, f"canonicalization {method}")
    exclusive, comments = _C14N[method]
    return etree.tostring(node, method="c14n", exclusive=exclusive, with_comments=comments)


def _certificate(signature: etree._Element) -> Certificate:
    node = signature.find(ds("KeyInfo/X509Data/X509Certificate"))
    if node is None or not (node.text or "").strip():
        raise _Failed(Reason.CERTIFICATE_UNREADABLE, "no ds:X509Certificate in ds:KeyInfo")
    try:
        return parse_certificate(base64.b64decode("".join(node.text.split()), validate=True))
    except (binascii.Error, SignatureError) as error:
        raise _Failed(Reason.CERTIFICATE_UNREADABLE, str(error)) from error


def _algorithm(parent: etree._Element, path: str) -> str | None:
    node = parent.find(ds(path))
    return None if node is None else node.get("Algorithm")


def _decoded(parent: etree._Element, path: str) -> bytes:
    node = parent.find(ds(path))
    try:
        return base64.b64decode("".join((node.text or "").split()), validate=True)
    except (AttributeError, binascii.Error) as error:
        raise _Failed(Reason.MALFORMED_SIGNATURE, f"ds:{path} is missing or not Base64") from error
