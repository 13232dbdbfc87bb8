"""The customs signature (加签): what a declarant sees when signing and checking CEB messages."""

import base64
import hashlib
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest
from cryptography import x509
from lxml import etree

from adapters.signing import (
    Reason,
    SignatureError,
    Signer,
    generate_identity,
    load_signer,
    sm2,
    sm2_gmssl,
    sm2_openssl,
    verify_bytes,
    verify_tree,
    xmldsig,
)
from adapters.signing.cli import sign_file, verify_file
from adapters.signing.der import der_to_raw_signature, raw_to_der_signature

CEB = "http://www.chinaport.gov.cn/ceb"
DS = "http://www.w3.org/2000/09/xmldsig#"
SIGNATURE = f"{{{DS}}}Signature"


def ceb311(goods_value: str = "14000", extend: bool = False) -> bytes:
    """A small unsigned 电子订单 CEB311 with ceb and xsi declared on the root."""
    extension = "<ceb:ExtendMessage><ceb:name>x</ceb:name></ceb:ExtendMessage>" if extend else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<ceb:CEB311Message xmlns:ceb="{CEB}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
        ' guid="4CDE1CFD-EDED-46B1-946C-B8022E42FC94" version="1.0">'
        "<ceb:Order><ceb:OrderHead><ceb:guid>4CDE1CFD-EDED-46B1-946C-B8022E42FC94</ceb:guid>"
        f"<ceb:orderNo>order20160321116421002</ceb:orderNo><ceb:goodsValue>{goods_value}</ceb:goodsValue>"
        "<ceb:consignee>焦洪宇</ceb:consignee></ceb:OrderHead></ceb:Order>"
        f"{extension}</ceb:CEB311Message>"
    ).encode()


@pytest.fixture(scope="module")
def identities(tmp_path_factory):
    base = tmp_path_factory.mktemp("identities")
    return {
        "RSA-SHA1": generate_identity(base / "rsa", "RSA-SHA1", "杭州测试企业有限公司"),
        "SM2-SM3": generate_identity(base / "sm2", "SM2-SM3", "杭州测试企业有限公司"),
    }


@pytest.fixture(scope="module", params=["RSA-SHA1", "SM2-SM3"])
def signer(request, identities) -> Signer:
    return load_signer(*identities[request.param])


def resign(xml: bytes, edit) -> bytes:
    root = etree.fromstring(xml)
    edit(root)
    return etree.tostring(root)


def test_signed_message_verifies(signer):
    result = verify_bytes(signer.sign_bytes(ceb311()))

    assert result.ok and result.reason == Reason.OK
    assert (result.algorithm, result.key_name) == (signer.algorithm, signer.key_name)


@pytest.mark.parametrize("signing", ["openssl", "gmssl"])
@pytest.mark.parametrize("checking", ["openssl", "gmssl"])
def test_sm2_backends_interoperate(identities, signing, checking):
    signed = load_signer(*identities["SM2-SM3"], sm2_backend=signing).sign_bytes(ceb311())

    assert verify_bytes(signed, sm2_backend=checking).ok


def test_sm2_falls_back_to_gmssl_when_libcrypto_lacks_sm2(identities, monkeypatch):
    monkeypatch.setattr(sm2_openssl, "_library", lambda: None)

    signer = load_signer(*identities["SM2-SM3"])
    signed = signer.sign_bytes(ceb311())

    assert sm2.backend_name() == "gmssl"
    assert verify_bytes(signed).ok


def test_sm2_backend_can_be_forced_by_environment(monkeypatch):
    monkeypatch.setenv("CBEC_SM2_BACKEND", "gmssl")

    assert sm2.backend_name() == "gmssl"


def test_changing_one_digit_is_reported_as_altered_document(signer):
    signed = signer.sign_bytes(ceb311(goods_value="14000"))

    result = verify_bytes(signed.replace(b">14000<", b">14001<"))

    assert not result.ok and result.reason == Reason.DIGEST_MISMATCH


def test_tampered_signature_value_is_reported_as_invalid_signature(signer):
    def flip(root):
        value = root.find(f"{SIGNATURE}/{{{DS}}}SignatureValue")
        raw = bytearray(base64.b64decode(value.text))
        raw[10] ^= 0x01
        value.text = base64.b64encode(bytes(raw)).decode()

    result = verify_bytes(resign(signer.sign_bytes(ceb311()), flip))

    assert not result.ok and result.reason == Reason.SIGNATURE_INVALID


def test_key_name_is_the_certificate_serial_in_lower_case_hex_padded_to_whole_bytes(identities, signer):
    cert = x509.load_pem_x509_certificate(identities[signer.algorithm][1].read_bytes())
    root = etree.fromstring(signer.sign_bytes(ceb311()))

    key_name = root.find(f"{SIGNATURE}/{{{DS}}}KeyInfo/{{{DS}}}KeyName").text

    assert key_name == signer.key_name and len(key_name) % 2 == 0 and int(key_name, 16) == cert.serial_number


def test_signature_is_the_last_child_without_whitespace_around_or_inside(signer):
    signed = signer.sign_bytes(ceb311())
    signature = etree.fromstring(signed)[-1]

    assert signature.tag == SIGNATURE and signature.tail is None
    assert b"</ceb:Order><ds:Signature " in signed and b"</ds:Signature></ceb:CEB311Message>" in signed
    assert all(not (node.text or "x").isspace() and node.tail is None for node in signature.iterdescendants())


def test_export_messages_get_the_signature_before_extend_message(signer):
    """The export XSD (CEB303 ...) puts ds:Signature before ceb:ExtendMessage (#7)."""
    root = etree.fromstring(signer.sign_bytes(ceb311(extend=True).replace(b"CEB311Message", b"CEB303Message")))

    assert [child.tag for child in root][-2:] == [SIGNATURE, f"{{{CEB}}}ExtendMessage"]
    assert verify_tree(root).ok


def test_import_messages_get_the_signature_after_extend_message(signer):
    """The import XSD (CEB311 ...) puts ceb:ExtendMessage before ds:Signature, the last child."""
    root = etree.fromstring(signer.sign_bytes(ceb311(extend=True)))

    assert [child.tag for child in root][-2:] == [f"{{{CEB}}}ExtendMessage", SIGNATURE]
    assert verify_tree(root).ok


def test_signed_info_is_signed_with_ceb_ds_and_xsi_in_scope(signer):
    root = etree.fromstring(signer.sign_bytes(ceb311()))
    signed_info = root.find(f"{SIGNATURE}/{{{DS}}}SignedInfo")

    canonical = etree.tostring(signed_info, method="c14n")

    assert canonical.startswith(
        b'<ds:SignedInfo xmlns:ceb="http://www.chinaport.gov.cn/ceb" xmlns:ds="http://www.w3.org/2000/09/xmldsig#"'
        b' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><ds:CanonicalizationMethod'
    )


def test_signed_bytes_start_with_an_xml_declaration(signer):
    declaration = b'<?xml version="1.0" encoding="UTF-8"?>\n<ceb:CEB311Message'

    assert signer.sign_bytes(ceb311()).startswith(declaration)


def test_whitespace_a_pretty_printer_adds_after_the_signature_is_tolerated(signer):
    def indent_after_signature(root):
        root[-1].tail = "\n"

    assert verify_bytes(resign(signer.sign_bytes(ceb311()), indent_after_signature)).ok


def test_key_name_that_is_not_the_serial_is_reported(signer):
    def rename(root):
        root.find(f"{SIGNATURE}/{{{DS}}}KeyInfo/{{{DS}}}KeyName").text = "deadbeef"

    assert verify_bytes(resign(signer.sign_bytes(ceb311()), rename)).reason == Reason.KEY_NAME_MISMATCH


def test_key_name_with_leading_zeros_is_accepted(signer):
    def pad(root):
        root.find(f"{SIGNATURE}/{{{DS}}}KeyInfo/{{{DS}}}KeyName").text = "00" + signer.key_name.upper()

    assert verify_bytes(resign(signer.sign_bytes(ceb311()), pad)).ok


def test_unsigned_message_is_reported_as_missing_signature():
    result = verify_bytes(ceb311())

    assert (result.ok, result.reason, result.algorithm) == (False, Reason.MISSING_SIGNATURE, None)


def test_unknown_signature_method_is_reported(signer):
    def rename(root):
        root.find(f"{SIGNATURE}/{{{DS}}}SignedInfo/{{{DS}}}SignatureMethod").set("Algorithm", "urn:x:dsa")

    assert verify_bytes(resign(signer.sign_bytes(ceb311()), rename)).reason == Reason.UNKNOWN_ALGORITHM


def test_garbled_certificate_is_reported_as_unreadable(signer):
    def garble(root):
        root.find(f".//{{{DS}}}X509Certificate").text = base64.b64encode(b"not a certificate").decode()

    assert verify_bytes(resign(signer.sign_bytes(ceb311()), garble)).reason == Reason.CERTIFICATE_UNREADABLE


def test_malformed_xml_is_reported_as_unreadable_document():
    assert verify_bytes(b"<ceb:CEB311Message").reason == Reason.DOCUMENT_UNREADABLE


def test_verification_leaves_the_tree_untouched(signer):
    root = etree.fromstring(signer.sign_bytes(ceb311()))
    before = etree.tostring(root)

    verify_tree(root)

    assert etree.tostring(root) == before


def test_signing_twice_is_refused(signer):
    root = etree.fromstring(signer.sign_bytes(ceb311()))

    with pytest.raises(SignatureError, match="already"):
        signer.sign_tree(root)


def test_loaded_signers_satisfy_the_port(signer):
    assert isinstance(signer, Signer)


def test_a_key_of_another_certificate_is_refused(tmp_path, identities):
    other_key, _ = generate_identity(tmp_path, "SM2-SM3")

    with pytest.raises(SignatureError, match="does not belong"):
        load_signer(other_key, identities["SM2-SM3"][1])


def test_an_rsa_key_with_an_sm2_certificate_is_refused(identities):
    with pytest.raises(SignatureError):
        load_signer(identities["RSA-SHA1"][0], identities["SM2-SM3"][1])


def test_encrypted_sm2_key_loads_with_its_password(tmp_path, identities):
    key, cert = identities["SM2-SM3"]
    encrypted = tmp_path / "encrypted.pem"
    subprocess.run(
        ["openssl", "pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in", str(key), "-out", str(encrypted),
         "-passout", "pass:88888888"],
        check=True,
    )  # fmt: skip

    assert verify_bytes(load_signer(encrypted, cert, b"88888888").sign_bytes(ceb311())).ok
    with pytest.raises(SignatureError):
        load_signer(encrypted, cert, b"wrong")
    with pytest.raises(SignatureError):
        load_signer(encrypted, cert)


def test_signers_can_be_shared_between_threads(signer):
    with ThreadPoolExecutor(max_workers=8) as pool:
        signed = list(pool.map(signer.sign_bytes, [ceb311(str(n)) for n in range(64)]))

    assert all(verify_bytes(xml).ok for xml in signed)


def test_files_are_signed_and_verified_through_the_cli_helpers(tmp_path, identities):
    source = tmp_path / "CEB311Message.xml"
    source.write_bytes(ceb311())

    sign_file(*identities["SM2-SM3"], source, source)

    assert verify_file(source).ok


def test_gmssl_keeps_public_keys_that_start_with_04():
    point = b"\x04" + bytes.fromhex("04" * 32) + bytes.fromhex("ab" * 32)

    assert sm2_gmssl._crypt("", point).public_key == point[1:].hex()


@pytest.mark.parametrize("raw", [bytes(64), b"\x80" * 32 + b"\x00\x01" * 16, bytes(range(64))])
def test_raw_and_der_signatures_round_trip(raw):
    assert der_to_raw_signature(raw_to_der_signature(raw)) == raw


def test_sm3_digest_falls_back_to_gmssl_without_hashlib_sm3(monkeypatch):
    expected = hashlib.new("sm3", b"CEB311").digest()
    monkeypatch.setattr(hashlib, "algorithms_available", hashlib.algorithms_available - {"sm3"})

    assert xmldsig.hash_bytes("sm3", b"CEB311") == expected
