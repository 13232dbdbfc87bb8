"""#17 item 6: digital envelopes (数字信封) are authenticated: AES-GCM and SM4-GCM in a CMS AuthEnvelopedData (RFC 5083,
RFC 5084) by default, for RSA and SM2 recipients; a changed byte of the ciphertext, tag, nonce, authenticated
attributes or content type is refused as ``envelope-tampered`` (never opened to garbage); CBC stays by explicit choice
for legacy peers, refusing what its padding shows and nothing more."""

from __future__ import annotations

import pytest
from asn1crypto import cms

from adapters.signing import cms_enveloped
from adapters.signing.errors import EnvelopeTamperedError, SigningError
from tests.signing_helpers import OTHER_ENTERPRISE, RSA_ENTERPRISE, SM2_ENTERPRISE, flipped, make_service

CONTENT = "数字信封 报关单 declaration №42: 婴儿配方奶粉 900g ×2 ¥2165.64".encode()
AUTH_ENVELOPED = "1.2.840.113549.1.9.16.1.23"
GCM_OIDS = {"AES-128-GCM": "2.16.840.1.101.3.4.1.6", "AES-256-GCM": "2.16.840.1.101.3.4.1.46",
            "SM4-GCM": "1.2.156.10197.1.104.8"}  # fmt: skip
REFUSALS = {"envelope-tampered", "invalid-input", "not-a-recipient", "unsupported-algorithm"}


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    return make_service(tmp_path_factory.mktemp("keystore"))


@pytest.fixture(scope="module")
def rsa_key(service):
    return service.keystore.load(RSA_ENTERPRISE)


def parsed(envelope: bytes) -> cms.AuthEnvelopedData:
    info = cms.ContentInfo.load(envelope)
    assert info["content_type"].dotted == AUTH_ENVELOPED
    return info["content"]


def span(envelope: bytes, value, within: range | None = None) -> range:
    """Where the value bytes (no tag, no length) of an ASN.1 field sit in the envelope (or in a part of it)."""
    contents, where = value.contents, within or range(len(envelope))
    start = envelope.index(contents, where.start, where.stop)
    assert envelope.count(contents, where.start, where.stop) == 1
    return range(start, start + len(contents))


def refused(service, enterprise: str, envelope: bytes) -> SigningError:
    with pytest.raises(SigningError) as caught:
        service.decrypt(enterprise, envelope)
    assert caught.value.zh and caught.value.en
    return caught.value


@pytest.mark.parametrize("profile", ["cms", "gm"])
@pytest.mark.parametrize("cipher", list(GCM_OIDS))
def test_a_gcm_envelope_opens_for_rsa_and_sm2_recipients_and_is_rfc_5084_shaped(service, cipher, profile):
    envelope = service.encrypt(CONTENT, [RSA_ENTERPRISE, SM2_ENTERPRISE], cipher=cipher, oaep=True, profile=profile)
    assert service.decrypt(RSA_ENTERPRISE, envelope) == CONTENT
    assert service.decrypt(SM2_ENTERPRISE, envelope) == CONTENT
    assert refused(service, OTHER_ENTERPRISE, envelope).code == "not-a-recipient"
    sealed = parsed(envelope)
    encrypted = sealed["auth_encrypted_content_info"]
    algorithm = encrypted["content_encryption_algorithm"]
    assert algorithm["algorithm"].dotted == GCM_OIDS[cipher]
    parameters = cms_enveloped.GcmParameters.load(algorithm["parameters"].dump())
    assert (len(parameters["nonce"].native), parameters["icv_len"].native, len(sealed["mac"].native)) == (12, 16, 16)
    assert len(encrypted["encrypted_content"].native) == len(CONTENT)  # a stream: no padding
    transports = [info.chosen["key_encryption_algorithm"]["algorithm"].dotted for info in sealed["recipient_infos"]]
    assert sorted(transports) == ["1.2.156.10197.1.301.3", "1.2.840.113549.1.1.7"]  # sm2encrypt, RSAES-OAEP
    if profile == "cms":  # id-data without authAttrs, as OpenSSL writes and reads it
        assert encrypted["content_type"].dotted == "1.2.840.113549.1.7.1" and not sealed["auth_attrs"].native
    else:  # RFC 5083 requires authAttrs for another content type: the GB/T 35275 data type, authenticated
        assert encrypted["content_type"].dotted == "1.2.156.10197.6.1.4.2.1"
        [attribute] = sealed["auth_attrs"]
        assert (attribute["type"].native, attribute["values"][0].dotted) == ("content_type", "1.2.156.10197.6.1.4.2.1")


def test_new_envelopes_are_authenticated_by_default_aes_256_gcm_and_sm4_gcm_for_the_gm_profile(service):
    default = parsed(service.encrypt(CONTENT, [RSA_ENTERPRISE]))
    assert default["auth_encrypted_content_info"]["content_encryption_algorithm"]["algorithm"].dotted == \
        GCM_OIDS["AES-256-GCM"]  # fmt: skip
    gm = parsed(service.encrypt(CONTENT, [SM2_ENTERPRISE], profile="gm"))
    assert gm["auth_encrypted_content_info"]["content_encryption_algorithm"]["algorithm"].dotted == GCM_OIDS["SM4-GCM"]
    assert service.decrypt(SM2_ENTERPRISE, service.encrypt(CONTENT, [SM2_ENTERPRISE], profile="gm")) == CONTENT


def test_sm4_gcm_gives_the_rfc_8998_known_answer():
    """RFC 8998 appendix A.1: the SM4-GCM the envelopes use is the standard one, not merely self-consistent."""
    key, nonce = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210"), bytes.fromhex("00001234567800000000ABCD")
    aad = bytes.fromhex("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2")
    plain = bytes.fromhex("AA" * 8 + "BB" * 8 + "CC" * 8 + "DD" * 8 + "EE" * 8 + "FF" * 8 + "EE" * 8 + "AA" * 8)
    ciphertext, tag = cms_enveloped._gcm_seal(cms_enveloped.CIPHERS["SM4-GCM"], key, nonce, plain, aad)
    assert ciphertext.hex().upper() == ("17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735"
                                        "D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D")
    assert tag.hex().upper() == "83DE3541E4C2B58177E065A9BF7B62EC"


@pytest.mark.parametrize("cipher", list(GCM_OIDS))
def test_a_flipped_byte_of_ciphertext_tag_or_nonce_is_refused_as_tampered(service, rsa_key, cipher):
    envelope = service.encrypt(CONTENT, [RSA_ENTERPRISE], cipher=cipher)
    sealed = parsed(envelope)
    encrypted = sealed["auth_encrypted_content_info"]
    nonce = cms_enveloped.GcmParameters.load(encrypted["content_encryption_algorithm"]["parameters"].dump())["nonce"]
    places = {"ciphertext": span(envelope, encrypted["encrypted_content"]), "mac": span(envelope, sealed["mac"]),
              "nonce": span(envelope, nonce), "contentType": span(envelope, encrypted["content_type"])}  # fmt: skip
    for name, where in places.items():
        for index in where:
            with pytest.raises(EnvelopeTamperedError) as caught:
                cms_enveloped.decrypt(flipped(envelope, index), rsa_key.certificate, rsa_key.key)
            assert caught.value.code == "envelope-tampered", (name, index)
            assert "篡改" in caught.value.zh and "tampered" in caught.value.en
    error = refused(service, RSA_ENTERPRISE, flipped(envelope, places["ciphertext"][0]))
    assert (error.code, error.zh.startswith("数字信封已被篡改或损坏")) == ("envelope-tampered", True)
    assert "mac" in error.en and "nonce" in error.en


def test_a_flipped_byte_of_the_authenticated_attributes_is_refused(service):
    envelope = service.encrypt(CONTENT, [SM2_ENTERPRISE], cipher="SM4-GCM", profile="gm")
    attributes = parsed(envelope)["auth_attrs"]
    everything = span(envelope, attributes)
    oid = span(envelope, attributes[0]["values"][0], everything)
    for index in everything:
        error = refused(service, SM2_ENTERPRISE, flipped(envelope, index))
        assert error.code in ("envelope-tampered", "invalid-input"), index
        if index in oid:
            assert error.code == "envelope-tampered", index


@pytest.mark.parametrize(("cipher", "oaep"), [("AES-256-GCM", False), ("AES-128-GCM", True), ("SM4-GCM", False)])
def test_no_single_changed_byte_anywhere_opens_to_other_content(service, rsa_key, cipher, oaep):
    """The property users rely on: an authenticated envelope opens to what was sealed, or is refused clearly."""
    envelope = service.encrypt(CONTENT, [RSA_ENTERPRISE], cipher=cipher, oaep=oaep)
    for index in range(len(envelope)):
        try:
            opened = cms_enveloped.decrypt(flipped(envelope, index), rsa_key.certificate, rsa_key.key)
        except SigningError as error:
            assert error.code in REFUSALS and error.zh and error.en, index
        else:
            assert opened == CONTENT, index


def test_a_truncated_or_extended_envelope_is_refused(service):
    envelope = service.encrypt(CONTENT, [RSA_ENTERPRISE])
    assert refused(service, RSA_ENTERPRISE, envelope[:-1]).code == "invalid-input"
    assert refused(service, RSA_ENTERPRISE, envelope + b"\x00").code == "invalid-input"


def test_cbc_stays_by_explicit_choice_its_broken_padding_is_refused_and_other_changes_are_not_seen(service):
    """Why CBC is legacy: a changed last block breaks the padding and is refused, a changed earlier block opens to
    garbled content without any error."""
    envelope = service.encrypt(CONTENT * 4, [RSA_ENTERPRISE], cipher="AES-256-CBC")
    assert cms.ContentInfo.load(envelope)["content_type"].native == "enveloped_data"
    assert service.decrypt(RSA_ENTERPRISE, envelope) == CONTENT * 4
    error = refused(service, RSA_ENTERPRISE, flipped(envelope, len(envelope) - 1))
    assert error.code == "envelope-tampered" and "CBC" in error.en and "GCM" in error.zh
    assert service.decrypt(RSA_ENTERPRISE, flipped(envelope, len(envelope) - 40)) != CONTENT * 4


def test_gcm_is_refused_inside_enveloped_data_and_cbc_inside_auth_enveloped_data(service):
    """RFC 5084: GCM only where its tag has a place; a CBC cipher named in an AuthEnvelopedData would open unchecked."""
    sm4_gcm, sm4_cbc = bytes.fromhex("06082a811ccf55016808"), bytes.fromhex("06082a811ccf55016802")
    sealed = service.encrypt(CONTENT, [RSA_ENTERPRISE], cipher="SM4-GCM")
    error = refused(service, RSA_ENTERPRISE, sealed.replace(sm4_gcm, sm4_cbc))
    assert error.code == "unsupported-algorithm" and "contentEncryptionAlgorithm" in error.en
    assert "1.2.156.10197.1.104.2 in AuthEnvelopedData" in error.en
    aes_cbc, aes_gcm = bytes.fromhex("060960864801650304012a"), bytes.fromhex("060960864801650304012e")
    legacy = service.encrypt(CONTENT, [RSA_ENTERPRISE], cipher="AES-256-CBC")
    error = refused(service, RSA_ENTERPRISE, legacy.replace(aes_cbc, aes_gcm))
    assert error.code == "unsupported-algorithm" and f"{GCM_OIDS['AES-256-GCM']} in EnvelopedData" in error.en


def test_an_unknown_cipher_or_profile_is_refused_naming_the_field_and_the_choices(service):
    with pytest.raises(SigningError) as caught:
        service.encrypt(CONTENT, [RSA_ENTERPRISE], cipher="AES-256-ECB")
    assert caught.value.code == "unsupported-algorithm"
    assert caught.value.en.startswith("cipher:") and "AES-256-GCM" in caught.value.en and "SM4-GCM" in caught.value.zh
    with pytest.raises(SigningError) as caught:
        service.encrypt(CONTENT, [RSA_ENTERPRISE], profile="pkcs7")
    assert caught.value.en.startswith("profile:") and "gm" in caught.value.zh
    with pytest.raises(SigningError) as caught:
        service.encrypt(CONTENT)
    assert caught.value.code == "invalid-input" and caught.value.en.startswith("recipients:")
