"""PDF electronic seal (电子签章): a PAdES signature (ETSI.CAdES.detached) with a visible seal image, via pyHanko.

Any PDF reader that checks signatures (Acrobat, poppler's pdfsig, pyHanko) verifies it. The key signs
through keys.PrivateKey, so a PKCS#11 token seals too. RSA only: PDF readers do not know SM2; the
Chinese GB/T 38540 seal format is a different container and is not produced here.
"""

import asyncio
import io
from dataclasses import dataclass

from asn1crypto import algos
from asn1crypto import x509 as asn1_x509
from PIL import Image, ImageDraw

from . import asn1_names, keys
from .certificate import Certificate, parse_certificate
from .errors import InvalidInputError, UnsupportedAlgorithmError
from .verify import Reason, Verification

FIELD_NAME = "CbecSeal"


@dataclass(frozen=True)
class Placement:
    """Where the seal goes: page index (0 first, -1 last) and box (x1, y1, x2, y2) in PDF points."""

    page: int = -1
    box: tuple[int, int, int, int] = (400, 60, 520, 180)


def seal(key: keys.PrivateKey, certificate: Certificate, pdf: bytes, scheme: keys.Scheme, *,
         placement: Placement = Placement(), image: bytes | None = None, label: str = "", reason: str = "",
         field_name: str = FIELD_NAME) -> bytes:  # fmt: skip
    """The PDF with a visible signature field holding ``image`` (PNG; default a red round seal with ``label``)."""
    from pyhanko.pdf_utils.images import PdfImage
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.stamp import StaticStampStyle

    asn1_names.refresh()
    if scheme.key_type != "RSA":
        raise UnsupportedAlgorithmError("PDF 签章仅支持 RSA", "PDF seals are RSA only: PDF readers do not know SM2")
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        page = placement.page if placement.page >= 0 else _page_count(writer) + placement.page
    except Exception as error:  # noqa: BLE001 - pyHanko raises many kinds on a broken PDF
        raise InvalidInputError("不是可读的 PDF", f"not a readable PDF: {error}") from error
    picture = Image.open(io.BytesIO(image)) if image else seal_image(label or certificate.key_name[-8:])
    style = StaticStampStyle(background=PdfImage(picture), background_opacity=1.0, border_width=0)
    metadata = signers.PdfSignatureMetadata(field_name=field_name, subfilter=fields.SigSeedSubFilter.PADES,
                                            reason=reason or None, md_algorithm=scheme.hash_name)  # fmt: skip
    spec = fields.SigFieldSpec(sig_field_name=field_name, on_page=page, box=placement.box)
    signer = _KeySigner(key, certificate, scheme)
    output = io.BytesIO()
    signers.PdfSigner(metadata, signer, stamp_style=style, new_field_spec=spec).sign_pdf(writer, output=output)
    return output.getvalue()


def verify(pdf: bytes) -> Verification:
    """Check every signature of the PDF: intact, cryptographically valid, and covering the whole file."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    asn1_names.refresh()
    try:
        signatures = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures
    except Exception as error:  # noqa: BLE001 - pyHanko raises many kinds on a broken PDF
        return Verification(False, Reason.DOCUMENT_UNREADABLE, None, None, f"not a readable PDF: {error}")
    if not signatures:
        return Verification(False, Reason.MISSING_SIGNATURE, None, None, "the PDF has no signature")
    for embedded in signatures:
        certificate = parse_certificate(embedded.signer_cert.dump())
        context = ValidationContext(trust_roots=[embedded.signer_cert], allow_fetching=False)
        status = validate_pdf_signature(embedded, context)
        algorithm = "RSA-PSS-" if "pss" in status.md_algorithm else f"RSA-{status.md_algorithm.upper()}"
        if not status.intact:
            return Verification(False, Reason.DIGEST_MISMATCH, algorithm, certificate.key_name, "the PDF was altered")
        if not status.valid:
            return Verification(False, Reason.SIGNATURE_INVALID, algorithm, certificate.key_name, status.summary())
    last = signatures[-1]
    if last.coverage.name != "ENTIRE_FILE":
        detail = f"content was added after the last signature ({last.coverage.name})"
        return Verification(False, Reason.DIGEST_MISMATCH, algorithm, certificate.key_name, detail)
    return Verification(True, Reason.OK, algorithm, certificate.key_name)


def seal_image(text: str, size: int = 300) -> Image.Image:
    """A red round seal (圆形印章) with a star and ``text`` beneath, transparent around it."""
    picture = Image.new("RGBA", (size, size), (255, 255, 255, 0))
    draw, red, middle = ImageDraw.Draw(picture), (200, 16, 16, 255), size / 2
    draw.ellipse((6, 6, size - 6, size - 6), outline=red, width=size // 25)
    star = [(middle + r * _cos(a), middle - 10 - r * _sin(a))
            for i, a in enumerate(range(90, 450, 36)) for r in [(size * 0.2, size * 0.08)[i % 2]]]  # fmt: skip
    draw.polygon(star, fill=red)
    draw.text((middle, size * 0.75), text, fill=red, anchor="mm", font_size=size // 10)
    return picture


class _KeySigner:
    """pyHanko's Signer over a keys.PrivateKey (built lazily: pyHanko is imported only when sealing)."""

    def __new__(cls, key: keys.PrivateKey, certificate: Certificate, scheme: keys.Scheme):  # noqa: ANN204
        from pyhanko.sign import signers
        from pyhanko_certvalidator.registry import SimpleCertificateStore

        cert = asn1_x509.Certificate.load(certificate.der)
        size = cert.public_key.bit_size // 8

        class KeySigner(signers.Signer):
            async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run: bool = False) -> bytes:
                if dry_run:
                    return bytes(size)
                return await asyncio.to_thread(key.sign, data, scheme)

        mechanism = algos.SignedDigestAlgorithm({"algorithm": f"{scheme.hash_name}_rsa"})
        if scheme.pss:
            mechanism = algos.SignedDigestAlgorithm({"algorithm": "rsassa_pss", "parameters": _pss(scheme)})
        registry = SimpleCertificateStore.from_certs([cert])
        return KeySigner(signing_cert=cert, signature_mechanism=mechanism, cert_registry=registry)


def _pss(scheme: keys.Scheme) -> algos.RSASSAPSSParams:
    hash_algorithm = {"algorithm": scheme.hash_name}
    return algos.RSASSAPSSParams({"hash_algorithm": hash_algorithm, "salt_length": 32,
                                  "mask_gen_algorithm": {"algorithm": "mgf1", "parameters": hash_algorithm}})


def _page_count(writer: object) -> int:
    return int(writer.root["/Pages"]["/Count"])


def _cos(degrees: float) -> float:
    import math

    return math.cos(math.radians(degrees))


def _sin(degrees: float) -> float:
    import math

    return math.sin(math.radians(degrees))
