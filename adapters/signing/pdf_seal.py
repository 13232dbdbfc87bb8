"""PDF electronic seal (电子签章): a PDF signature with a visible seal image, via pyHanko; RSA or SM2.

RSA seals are PAdES (ETSI.CAdES.detached): any PDF reader that checks signatures (Acrobat, poppler's
pdfsig, pyHanko) verifies them. SM2 seals are an adbe.pkcs7.detached signature whose CMS SignedData is
SM2-with-SM3 over the SM3 digest of the /ByteRange (GM/T 0010 OIDs, built by cms_signed): **common PDF
readers do not validate SM2 signatures** (they show the seal image but report the signature as unknown or
invalid); ``verify`` here checks them itself (the /ByteRange must cover the whole file but the /Contents
string, and the CMS must verify over the covered bytes). Choose RSA when recipients check seals in their
own PDF reader. The key signs through keys.PrivateKey, so a PKCS#11 token seals too (RSA). The Chinese
GB/T 38540 seal format is a different container and is not produced here.
"""

import asyncio
import dataclasses
import io
from dataclasses import dataclass

from asn1crypto import algos, core
from asn1crypto import x509 as asn1_x509
from PIL import Image, ImageDraw

from . import asn1_names, cms_signed, keys
from .certificate import Certificate, parse_certificate
from .errors import InvalidInputError, UnsupportedAlgorithmError
from .trust import Trust
from .verify import Reason, Verification, judged

FIELD_NAME = "CbecSeal"
MAX_PAGES = 2000  # a seal goes on one page, but pyHanko walks the page tree: bound the document
MAX_SEAL_PIXELS = 4_000_000  # a seal image larger than this is a mistake or an attack (decompression bomb)
SM2_NOTICE = (
    "SM2 签章由本平台验证; 常见 PDF 阅读器(Acrobat、pdfsig)不能验证 SM2 签名, 需要阅读器验证时请用 RSA 密钥",
    "SM2 seals are verified by cbec; common PDF readers (Acrobat, pdfsig) cannot validate SM2 signatures, "
    "so use an RSA key where the recipient checks the seal in a PDF reader",
)


@dataclass(frozen=True)
class Placement:
    """Where the seal goes: page index (0 first, -1 last) and box (x1, y1, x2, y2) in PDF points."""

    page: int = -1
    box: tuple[int, int, int, int] = (400, 60, 520, 180)


def seal(key: keys.PrivateKey, certificate: Certificate, pdf: bytes, scheme: keys.Scheme, *,
         placement: Placement = Placement(), image: bytes | None = None, label: str = "", reason: str = "",
         field_name: str | None = None) -> bytes:  # fmt: skip
    """The PDF with a visible signature field holding ``image`` (PNG, JPEG ...; default a red round seal with
    ``label``). A PDF sealed before gets one more seal (多次签章) as an incremental update in a new field (CbecSeal,
    CbecSeal2 ...), so the earlier seals stay valid. Errors name the field of the request: pdf, page or image."""
    from pyhanko.pdf_utils.images import PdfImage
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.stamp import StaticStampStyle

    asn1_names.refresh()
    if scheme.key_type not in ("RSA", "SM2"):
        raise UnsupportedAlgorithmError(f"PDF 签章不支持 {scheme.key_type}", "PDF seals need RSA or SM2 keys")
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        pages = _page_count(writer)
        field_name = field_name or _free_field_name(writer)
    except Exception as error:  # noqa: BLE001 - pyHanko raises many kinds on a broken PDF
        raise _refused("pdf", "不是可读的 PDF", f"not a readable PDF: {error}") from error
    page = _page_index(placement.page, pages)
    picture = _seal_picture(image) if image else seal_image(label or certificate.key_name[-8:])
    style = StaticStampStyle(background=PdfImage(picture), background_opacity=1.0, border_width=0)
    sm2 = scheme.key_type == "SM2"
    subfilter = fields.SigSeedSubFilter.ADOBE_PKCS7_DETACHED if sm2 else fields.SigSeedSubFilter.PADES
    metadata = signers.PdfSignatureMetadata(field_name=field_name, subfilter=subfilter, reason=reason or None,
                                            md_algorithm=scheme.hash_name)  # fmt: skip
    spec = fields.SigFieldSpec(sig_field_name=field_name, on_page=page, box=placement.box)
    output = io.BytesIO()
    if sm2:
        pdf_signer = signers.PdfSigner(metadata, _placeholder(certificate), stamp_style=style, new_field_spec=spec)
        _seal_sm2(pdf_signer, writer, key, certificate, scheme, output)
    else:
        signer = _KeySigner(key, certificate, scheme)
        signers.PdfSigner(metadata, signer, stamp_style=style, new_field_spec=spec).sign_pdf(writer, output=output)
    return output.getvalue()


def _refused(field: str, zh: str, en: str) -> InvalidInputError:
    """An invalid-input error that says which request field it concerns (the signing API answers it as ``field``)."""
    error = InvalidInputError(zh, en)
    error.field = field  # type: ignore[attr-defined]
    return error


def _page_index(page: int, pages: int) -> int:
    """The 0-based page the seal goes on (negative counts from the end); refused outside the document or when the
    document has more pages than MAX_PAGES."""
    if pages > MAX_PAGES:
        raise _refused("pdf", f"PDF 超过 {MAX_PAGES} 页上限", f"the PDF has more than {MAX_PAGES} pages")
    index = page if page >= 0 else pages + page
    if not 0 <= index < pages:
        raise _refused("page", f"页码 {page} 超出范围 (共 {pages} 页)",
                       f"page {page} is outside the document ({pages} pages: 0 to {pages - 1}, or -1 to -{pages})")
    return index


def _seal_picture(image: bytes) -> Image.Image:
    """The caller's seal image as RGBA: 1-bit, grey and palette images are converted (pyHanko embeds RGB(A) well,
    others not at all); a file that is no image, or has more than MAX_SEAL_PIXELS, is refused before decoding."""
    from PIL import UnidentifiedImageError

    try:
        picture = Image.open(io.BytesIO(image))
        width, height = picture.size
        if width * height > MAX_SEAL_PIXELS:
            raise _refused("image", f"印章图片超过 {MAX_SEAL_PIXELS} 像素", f"the seal image has more than "
                                    f"{MAX_SEAL_PIXELS} pixels ({width}x{height})")  # fmt: skip
        picture.load()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as error:
        unreadable = ("印章图片无法读取 (请用 PNG 或 JPEG)", "the seal image cannot be read (use PNG or JPEG)")
        raise _refused("image", *unreadable) from error
    return picture if picture.mode == "RGBA" else picture.convert("RGBA")


def _free_field_name(writer: object) -> str:
    """CbecSeal for the first seal, then CbecSeal2, CbecSeal3 ...: a filled signature field cannot be signed again."""
    from pyhanko.sign import fields

    taken = {name for name, _, _ in fields.enumerate_sig_fields(writer.prev)}
    return next(name for n in range(1, len(taken) + 2) if (name := FIELD_NAME + (str(n) if n > 1 else "")) not in taken)


def _placeholder(certificate: Certificate) -> object:
    """A pyHanko signer that only names the certificate: the SM2 CMS is made by cms_signed, not by pyHanko."""
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    cert = asn1_x509.Certificate.load(certificate.der)
    mechanism = algos.SignedDigestAlgorithm({"algorithm": cms_signed.SM2_WITH_SM3_OID})
    return signers.ExternalSigner(signing_cert=cert, signature_value=bytes(72), signature_mechanism=mechanism,
                                  cert_registry=SimpleCertificateStore.from_certs([cert]))  # fmt: skip


def _seal_sm2(pdf_signer: object, writer: object, key: keys.PrivateKey, certificate: Certificate,
              scheme: keys.Scheme, output: io.BytesIO) -> None:  # fmt: skip
    """pyHanko lays out the field and hashes the /ByteRange with SM3; cms_signed signs that digest."""
    from pyhanko.sign.signers.pdf_signer import PdfTBSDocument

    reserved = 2 * (len(certificate.der) + 1024)  # hex digits for the DER CMS: certificate, attributes, signature
    digest, _, _ = asyncio.run(pdf_signer.async_digest_doc_for_signing(writer, bytes_reserved=reserved,
                                                                       output=output))  # fmt: skip
    signature = cms_signed.sign_digest(key, certificate, digest.document_digest, scheme)
    PdfTBSDocument.finish_signing(output, digest, signature)


def verify(pdf: bytes, trust: Trust | None = None) -> Verification:
    """Check every signature (seal) of the PDF: intact, cryptographically valid, by a certificate ``trust`` vouches
    for at the signing time the signature states, and the last one covering the whole file. The answer is the first
    signature that fails, else the last one's."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    asn1_names.refresh()
    try:
        signatures = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures
    except Exception as error:  # noqa: BLE001 - pyHanko raises many kinds on a broken PDF
        return Verification(False, Reason.DOCUMENT_UNREADABLE, None, None, f"not a readable PDF: {error}")
    if not signatures:
        return Verification(False, Reason.MISSING_SIGNATURE, None, None, "the PDF has no signature")
    if any(_is_sm2(embedded) for embedded in signatures):
        return _verify_sm2(pdf, signatures, trust)
    for embedded in signatures:
        result = _verify_pades(embedded, trust)
        if not result.ok:
            return result
    last = signatures[-1]
    if last.coverage.name != "ENTIRE_FILE":
        detail = f"content was added after the last signature ({last.coverage.name})"
        return dataclasses.replace(result, ok=False, reason=Reason.DIGEST_MISMATCH, detail=detail)
    return result


def _verify_pades(embedded: object, trust: Trust | None) -> Verification:
    """One signature checked by pyHanko. Its validation context trusts the embedded certificate only so that pyHanko
    reports the cryptographic outcome; whether that certificate is trusted is ``trust``'s decision, at the signing
    time the signature states."""
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    certificate = parse_certificate(embedded.signer_cert.dump())
    context = ValidationContext(trust_roots=[embedded.signer_cert], allow_fetching=False)
    status = validate_pdf_signature(embedded, context)
    algorithm = "RSA-PSS-" if "pss" in status.md_algorithm else f"RSA-{status.md_algorithm.upper()}"
    if not status.intact:
        result = Verification(False, Reason.DIGEST_MISMATCH, algorithm, certificate.key_name, "the PDF was altered")
    elif not status.valid:
        result = Verification(False, Reason.SIGNATURE_INVALID, algorithm, certificate.key_name, status.summary())
    else:
        result = Verification(True, Reason.OK, algorithm, certificate.key_name)
    return judged(result, certificate.der, trust, status.signer_reported_dt)


def _is_sm2(embedded: object) -> bool:
    return embedded.signer_info["signature_algorithm"]["algorithm"].dotted in cms_signed.SM2_OIDS


def _verify_sm2(pdf: bytes, signatures: list, trust: Trust | None) -> Verification:
    """Our own check, signature by signature: the CMS over the bytes its /ByteRange covers, by a trusted signer at
    its signingTime; the last must cover the whole file but its /Contents string. RSA signatures in the same file
    are checked the same way."""
    result = Verification(False, Reason.MISSING_SIGNATURE, None, None, "the PDF has no signature")
    for index, embedded in enumerate(signatures):
        numbers = [int(number) for number in embedded.byte_range]
        start, first, second, rest = numbers if len(numbers) == 4 else (0, -1, 0, 0)
        gap = pdf[start + first : second]
        if first < 0 or not gap.startswith(b"<") or not gap.endswith(b">"):
            return Verification(False, Reason.MALFORMED_SIGNATURE, None, None, "the /ByteRange is not well formed")
        covered = pdf[start : start + first] + pdf[second : second + rest]
        whole = start == 0 and second + rest == len(pdf)
        try:
            contents = core.load(embedded.pkcs7_content).dump()  # /Contents is zero-padded
        except ValueError as error:
            return Verification(False, Reason.MALFORMED_SIGNATURE, None, None, f"/Contents is not DER: {error}")
        found = cms_signed.verify(contents, covered, trust)
        if not found.ok:
            return _plain(found)
        if index == len(signatures) - 1 and not whole:
            detail = "content was added after the last signature (its /ByteRange does not reach the end)"
            return dataclasses.replace(_plain(found), ok=False, reason=Reason.DIGEST_MISMATCH, detail=detail)
        detail = SM2_NOTICE[1] if found.algorithm == keys.SM2_SM3.name else ""
        result = dataclasses.replace(_plain(found), detail=detail)
    return result


def _plain(found: cms_signed.CmsVerification) -> Verification:
    """A CMS outcome as a plain Verification (the PDF answer carries no CMS content)."""
    return Verification(**{f.name: getattr(found, f.name) for f in dataclasses.fields(Verification)})


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
