"""The signing service (签名服务): every operation round-trips with every algorithm, and any change is caught."""

from __future__ import annotations

import pytest
from lxml import etree

from adapters.signing import verify_bytes
from bench.sign import ceb311_document
from tests.signing_helpers import OTHER_ENTERPRISE, RSA_ENTERPRISE, SM2_ENTERPRISE, blank_pdf, flipped, make_service

RSA_ALGORITHMS = ["RSA-SHA256", "RSA-PSS-SHA256"]
CASES = [(RSA_ENTERPRISE, a) for a in RSA_ALGORITHMS] + [(SM2_ENTERPRISE, "SM2-SM3")]
CONTENT = "报关单 declaration №42: 婴儿配方奶粉 900g ×2".encode()


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    return make_service(tmp_path_factory.mktemp("keystore"))


@pytest.mark.parametrize(("enterprise", "algorithm"), CASES)
def test_a_raw_signature_verifies_and_any_changed_byte_fails(service, enterprise, algorithm):
    signed = service.sign_raw(enterprise, CONTENT, algorithm)
    assert signed.algorithm == algorithm
    assert service.verify_raw(enterprise, signed.key_id, CONTENT, signed.signature, algorithm).ok
    for index in range(len(CONTENT)):
        assert not service.verify_raw(enterprise, signed.key_id, flipped(CONTENT, index), signed.signature, algorithm)
    for index in range(len(signed.signature)):
        assert not service.verify_raw(enterprise, signed.key_id, CONTENT, flipped(signed.signature, index), algorithm)


def test_a_batch_of_raw_signatures_uses_one_key(service):
    items = [b"one", b"two", b"three"]
    signed = service.sign_raw_many(SM2_ENTERPRISE, items)
    assert {s.key_id for s in signed} == {service.keystore.active_id(SM2_ENTERPRISE)}
    for one, item in zip(signed, items, strict=True):
        assert service.verify_raw(SM2_ENTERPRISE, one.key_id, item, one.signature).ok


@pytest.mark.parametrize("detached", [False, True], ids=["attached", "detached"])
@pytest.mark.parametrize(("enterprise", "algorithm"), CASES)
def test_a_cms_signature_verifies_and_any_change_of_content_or_value_fails(service, enterprise, algorithm, detached):
    signature = service.sign_cms(enterprise, CONTENT, detached=detached, algorithm=algorithm)
    result = service.verify_cms(signature, CONTENT if detached else None)
    assert (result.ok, result.algorithm, result.key_id) == (True, algorithm, service.keystore.active_id(enterprise))
    assert result.content == (None if detached else CONTENT)
    content_at = signature.find(CONTENT)
    for index in range(len(CONTENT)):
        if detached:
            assert not service.verify_cms(signature, flipped(CONTENT, index)).ok
        else:
            assert not service.verify_cms(flipped(signature, content_at + index)).ok
    for index in range(len(signature) - 40, len(signature)):  # the SignerInfo's signature value ends the DER
        assert not service.verify_cms(flipped(signature, index), CONTENT).ok


def test_a_detached_cms_signature_without_its_content_is_reported_malformed(service):
    signature = service.sign_cms(RSA_ENTERPRISE, CONTENT, detached=True)
    assert service.verify_cms(signature).reason == "malformed-signature"
    assert service.verify_cms(b"not DER at all").reason == "document-unreadable"


@pytest.mark.parametrize(("enterprise", "algorithm"), CASES)
def test_an_enveloped_xml_signature_verifies_and_any_changed_text_fails(service, enterprise, algorithm):
    signed = service.sign_xml(enterprise, ceb311_document(), algorithm)
    result = service.verify_xml(signed)
    assert (result.ok, result.algorithm) == (True, algorithm)
    start = signed.index(b"<ceb:orderNo>") + len(b"<ceb:orderNo>")
    for index in range(start, start + 22):
        assert service.verify_xml(flipped(signed, index)).reason == "digest-mismatch"
    value = etree.fromstring(signed).find(".//{*}SignatureValue").text
    changed = value[:10] + ("A" if value[10] != "A" else "B") + value[11:]
    tampered = signed.replace(value.encode(), changed.encode())
    assert service.verify_xml(tampered).reason == "signature-invalid"


@pytest.mark.parametrize(("enterprise", "algorithm"), CASES)
def test_a_detached_xml_signature_covers_the_bytes_of_the_referenced_file(service, enterprise, algorithm):
    signature = service.sign_xml_detached(enterprise, CONTENT, "declaration.txt", algorithm)
    assert service.verify_xml(signature, CONTENT).ok
    for index in range(len(CONTENT)):
        assert service.verify_xml(signature, flipped(CONTENT, index)).reason == "digest-mismatch"


@pytest.mark.parametrize("enterprise", [RSA_ENTERPRISE, SM2_ENTERPRISE])
def test_the_customs_signature_goes_through_the_service_with_the_enterprise_key(service, enterprise):
    signed = service.sign_customs_xml(enterprise, ceb311_document())
    result = verify_bytes(signed)
    key_name = service.keystore.certificate(enterprise, service.keystore.active_id(enterprise)).key_name
    assert (result.ok, result.key_name) == (True, key_name)
    assert result.algorithm == ("RSA-SHA1" if enterprise == RSA_ENTERPRISE else "SM2-SM3")


@pytest.mark.parametrize("oaep", [False, True], ids=["pkcs1v15", "oaep"])
@pytest.mark.parametrize("cipher", ["AES-256-CBC", "AES-128-CBC", "SM4-CBC"])
def test_an_envelope_opens_for_every_recipient_and_nobody_else(service, cipher, oaep):
    envelope = service.encrypt(CONTENT, [RSA_ENTERPRISE, OTHER_ENTERPRISE], cipher=cipher, oaep=oaep)
    assert service.decrypt(RSA_ENTERPRISE, envelope) == CONTENT
    assert service.decrypt(OTHER_ENTERPRISE, envelope) == CONTENT
    with pytest.raises(Exception) as refused:
        service.decrypt(SM2_ENTERPRISE, envelope)
    assert getattr(refused.value, "code", None) in ("not-a-recipient", "unsupported-algorithm")


def test_an_envelope_with_a_changed_ciphertext_byte_does_not_open(service):
    envelope = service.encrypt(CONTENT * 4, [RSA_ENTERPRISE])  # AES-256-GCM by default: the tag catches it (#17)
    with pytest.raises(Exception) as failed:
        service.decrypt(RSA_ENTERPRISE, flipped(envelope, len(envelope) - 1))
    assert getattr(failed.value, "code", None) == "envelope-tampered"


@pytest.mark.parametrize(("enterprise", "algorithm"), CASES)
def test_a_signed_qr_code_verifies_its_scanned_text_and_rejects_a_changed_one(service, enterprise, algorithm):
    payload = "CEB311 order20240321116421002 ¥2165.64"
    signed = service.sign_qr(enterprise, payload, algorithm)
    assert signed.png.startswith(b"\x89PNG")
    result = service.verify_qr(signed.text)
    assert (result.ok, result.payload, result.enterprise) == (True, payload, enterprise)
    header, _, value = signed.text.split(".")
    other = service.sign_qr(enterprise, "CEB311 order20240321116421003 ¥9999.00", algorithm).text.split(".")[1]
    assert service.verify_qr(f"{header}.{other}.{value}").reason == "signature-invalid"
    assert service.verify_qr("garbage").reason == "malformed-signature"


def test_a_sealed_pdf_verifies_and_a_change_in_the_signed_bytes_is_caught(service):
    sealed = service.seal_pdf(RSA_ENTERPRISE, blank_pdf(), reason="报关单签章")
    result = service.verify_pdf(sealed)
    assert (result.ok, result.key_id) == (True, service.keystore.active_id(RSA_ENTERPRISE))
    page = sealed.index(b"/MediaBox")
    assert service.verify_pdf(flipped(sealed, page + 12)).reason == "digest-mismatch"
    assert service.verify_pdf(blank_pdf()).reason == "missing-signature"


@pytest.mark.parametrize("enterprise", [RSA_ENTERPRISE, SM2_ENTERPRISE])
def test_xml_with_a_dtd_is_refused_as_the_callers_mistake_not_a_crash(service, enterprise):
    """#16: an entity reference survived the parser and broke canonicalisation (C14NError, a 500 in the API)."""
    from adapters.signing.errors import SignatureError

    hostile = b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "y">]><ceb:CEB311Message ' \
              b'xmlns:ceb="http://www.chinaport.gov.cn/ceb">&x;</ceb:CEB311Message>'
    with pytest.raises(SignatureError, match="DTD"):
        service.sign_customs_xml(enterprise, hostile)
    assert not service.verify_customs_xml(hostile).ok
