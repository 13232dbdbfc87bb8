"""SM2 in the signing service, and the batch path: S3 digital envelopes for SM2 recipients (GB/T 35275 key
transport with SM2 encryption), S5 PDF seals with SM2 keys (verified by cbec, not by PDF readers), S6 batch
verification (and SM2 batch signing) in one native call, with the per-item path as fallback."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest
from asn1crypto import cms
from PIL import Image

from adapters.signing import cms_enveloped, der, generate_identity, keys, native, pdf_seal, sm2_gmssl, sm2_openssl
from adapters.signing.certificate import load_certificate
from tests.conftest import missing
from tests.signing_helpers import OTHER_ENTERPRISE, RSA_ENTERPRISE, SM2_ENTERPRISE, blank_pdf, flipped, make_service

CONTENT = "数字信封 envelope for 杭州国密测试企业: 报关单 №42 ¥2165.64".encode()


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    return make_service(tmp_path_factory.mktemp("keystore"))


def wrapped_keys(envelope: bytes) -> list[bytes]:
    """The encryptedKey of every recipient (SM2: a DER SM2Cipher)."""
    enveloped = cms_enveloped._enveloped(envelope)
    return [info.chosen["encrypted_key"].native for info in enveloped["recipient_infos"]]


@pytest.mark.parametrize("profile", ["cms", "gm"])
@pytest.mark.parametrize("cipher", ["SM4-CBC", "AES-256-CBC"])
def test_s3_an_sm2_enterprise_opens_the_envelope_made_for_it(service, cipher, profile):
    envelope = service.encrypt(CONTENT, [SM2_ENTERPRISE], cipher=cipher, profile=profile)
    assert service.decrypt(SM2_ENTERPRISE, envelope) == CONTENT
    outer = "1.2.156.10197.6.1.4.2.3" if profile == "gm" else "1.2.840.113549.1.7.3"
    assert cms.ContentInfo.load(envelope)["content_type"].dotted == outer
    info = cms_enveloped._enveloped(envelope)["recipient_infos"][0].chosen
    assert info["key_encryption_algorithm"]["algorithm"].dotted == "1.2.156.10197.1.301.3"  # sm2encrypt
    x, y, c3, c2 = der.read_sm2_cipher(info["encrypted_key"].native)  # GM/T 0009 SM2Cipher
    assert (len(x), len(y), len(c3), len(c2)) == (32, 32, 32, 32 if cipher == "AES-256-CBC" else 16)


def test_s3_rsa_and_sm2_recipients_share_one_envelope_and_nobody_else_opens_it(service):
    envelope = service.encrypt(CONTENT, [RSA_ENTERPRISE, SM2_ENTERPRISE], cipher="SM4-CBC", oaep=True)
    assert service.decrypt(RSA_ENTERPRISE, envelope) == CONTENT
    assert service.decrypt(SM2_ENTERPRISE, envelope) == CONTENT
    with pytest.raises(Exception) as refused:
        service.decrypt(OTHER_ENTERPRISE, envelope)
    assert refused.value.code == "not-a-recipient"
    assert OTHER_ENTERPRISE in refused.value.zh and "recipient" in refused.value.en


def test_s3_an_sm2_envelope_for_a_pem_certificate_opens_with_the_matching_key(service, tmp_path):
    key, cert = generate_identity(tmp_path, "SM2-SM3", "宁波国密接收方")
    certificate = load_certificate(cert.read_bytes())
    envelope = service.encrypt(CONTENT, certificates=[cert.read_bytes()], cipher="SM4-CBC")
    opened = cms_enveloped.decrypt(envelope, certificate, keys.load_private_key(key.read_bytes(), certificate))
    assert opened == CONTENT


def test_s3_a_changed_byte_of_the_sm2_wrapped_key_or_of_the_last_block_is_a_clear_error(service):
    envelope = service.encrypt(CONTENT, [SM2_ENTERPRISE], cipher="SM4-CBC")
    wrapped = wrapped_keys(envelope)[0]
    start = envelope.index(wrapped)
    for index in range(start, start + len(wrapped)):
        with pytest.raises(Exception) as failed:
            service.decrypt(SM2_ENTERPRISE, flipped(envelope, index))
        assert failed.value.code == "invalid-input", index
        assert failed.value.zh and failed.value.en
    with pytest.raises(Exception) as failed:
        service.decrypt(SM2_ENTERPRISE, flipped(envelope, len(envelope) - 1))
    assert failed.value.code == "envelope-tampered" and "padding" in failed.value.en  # CBC: what its padding shows


def test_s3_the_pure_python_fallback_and_libcrypto_open_each_others_sm2_ciphertexts(tmp_path):
    key, cert = generate_identity(tmp_path, "SM2-SM3")
    certificate, pem = load_certificate(cert.read_bytes()), key.read_bytes()
    content_key = bytes(range(32))
    by_gmssl = sm2_gmssl.encrypt(certificate.public_key, content_key)
    assert sm2_openssl.OpenSslSm2Key(pem).decrypt(by_gmssl) == content_key
    by_openssl = sm2_openssl.encrypt(certificate.der, content_key)
    fallback = sm2_gmssl.GmsslSm2Key(pem, certificate.public_key)
    assert fallback.decrypt(by_openssl) == content_key
    with pytest.raises(Exception, match="C3"):
        fallback.decrypt(flipped(by_openssl, len(by_openssl) - 1))
    with pytest.raises(Exception, match="curve"):
        fallback.decrypt(flipped(by_openssl, 10))


def test_s5_an_sm2_seal_verifies_and_any_changed_byte_it_covers_fails(service):
    sealed = service.seal_pdf(SM2_ENTERPRISE, blank_pdf(), reason="报关单签章")
    result = service.verify_pdf(sealed)
    key_id = service.keystore.active_id(SM2_ENTERPRISE)
    assert (result.ok, result.algorithm, result.key_id) == (True, "SM2-SM3", key_id)
    assert "PDF readers" in result.detail and "cannot validate SM2" in result.detail
    _, first, second, rest = (int(n) for n in pdf_seal_byte_range(sealed))
    covered = [*range(0, first), *range(second, second + rest)]
    for index in covered[:: max(1, len(covered) // 150)] + [sealed.index(b"/MediaBox") + 12, len(sealed) - 2]:
        assert not service.verify_pdf(flipped(sealed, index)).ok, index
    assert service.verify_pdf(sealed + b"\n% added after sealing\n").reason == "digest-mismatch"
    assert service.seal_notice(SM2_ENTERPRISE)[1].startswith("SM2 seals are verified by cbec")
    assert service.seal_notice(RSA_ENTERPRISE) is None


def test_s5_an_sm2_seal_shows_its_seal_image_on_the_page(service, tmp_path):
    if shutil.which("pdftoppm") is None:
        missing("pdftoppm is not installed (apt-get install poppler-utils)")
    box = pdf_seal.Placement().box
    (tmp_path / "sealed.pdf").write_bytes(service.seal_pdf(SM2_ENTERPRISE, blank_pdf()))
    subprocess.run(["pdftoppm", "-png", "-r", "72", "-singlefile", tmp_path / "sealed.pdf", tmp_path / "page"],
                   check=True)  # fmt: skip
    page = Image.open(tmp_path / "page.png").convert("RGB")
    height = page.height

    def red(x: int, y: int) -> bool:
        r, g, b = page.getpixel((x, y))
        return r > 150 and g < 90 and b < 90

    inside = sum(red(x, y) for x in range(box[0], box[2]) for y in range(height - box[3], height - box[1]))
    everywhere = sum(red(x, y) for x in range(page.width) for y in range(height))
    assert inside > 500 and inside == everywhere  # the red seal, and only where it was placed


def pdf_seal_byte_range(sealed: bytes) -> list[int]:
    from pyhanko.pdf_utils.reader import PdfFileReader

    return list(PdfFileReader(io.BytesIO(sealed), strict=False).embedded_signatures[0].byte_range)


BATCH_CASES = [(RSA_ENTERPRISE, "RSA-SHA256"), (RSA_ENTERPRISE, "RSA-PSS-SHA256"), (SM2_ENTERPRISE, "SM2-SM3")]


@pytest.mark.parametrize(("enterprise", "algorithm"), BATCH_CASES)
@pytest.mark.parametrize("path", ["native", "per-item"])
def test_s6_a_batch_verification_flags_exactly_the_changed_items(service, monkeypatch, enterprise, algorithm, path):
    if path == "native" and not native.available():  # a legitimate set-up: the per-item path serves
        pytest.skip("the native batch library cannot be built here (no C compiler or no libcrypto 3)")
    if path == "per-item":
        monkeypatch.setattr(native, "_loaded", [None])
    items = [b"item %03d " % n + CONTENT for n in range(24)]
    signed = service.sign_raw_many(enterprise, items, algorithm)
    signatures = [one.signature for one in signed]
    assert all(service.verify_raw_many(enterprise, signed[0].key_id, items, signatures, algorithm).ok)
    items[3], signatures[7] = flipped(items[3], 5), flipped(signatures[7], len(signatures[7]) - 3)
    signatures[11] = signatures[12]
    checked = service.verify_raw_many(enterprise, None, items, signatures, algorithm)
    assert [n for n, ok in enumerate(checked.ok) if not ok] == [3, 7, 11]
    assert (checked.algorithm, checked.key_id) == (algorithm, service.keystore.active_id(enterprise))
    assert not any(service.verify_raw_many(OTHER_ENTERPRISE, None, items[:4], signatures[:4]).ok)


def test_s6_batch_sm2_signatures_verify_one_by_one_as_customs_checks_them(service):
    items = [b"CEB311 order %d" % n for n in range(5)]
    signed = service.sign_raw_many(SM2_ENTERPRISE, items)
    for item, one in zip(items, signed, strict=True):
        assert service.verify_raw(SM2_ENTERPRISE, one.key_id, item, one.signature).ok
        certificate = service.keystore.certificate(SM2_ENTERPRISE, one.key_id)
        assert sm2_gmssl.verify(certificate.public_key, item, keys.sm2_raw(one.signature))  # independent check


def test_s6_the_native_library_is_built_at_first_use_into_a_private_cache(tmp_path, monkeypatch):
    if shutil.which("cc") is None and shutil.which("gcc") is None:
        pytest.skip("no C compiler: the batch path falls back to per-item verification")
    monkeypatch.setenv("CBEC_NATIVE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(native, "_loaded", [])
    assert native.available()
    built = list((tmp_path / "cache").glob("native_batch-*.so"))
    assert len(built) == 1 and (tmp_path / "cache").stat().st_mode & 0o077 == 0
    monkeypatch.setenv("CBEC_NATIVE", "0")
    monkeypatch.setattr(native, "_loaded", [])
    assert not native.available()
