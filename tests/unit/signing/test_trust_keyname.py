"""#18: ds:KeyName is written as the customs u-key signer writes it (whole bytes: ``01691fe9``), while key stores made
before that change, whose key folders are named by the unpadded serial, keep loading and signing."""

from __future__ import annotations

import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree

from adapters.signing import verify_bytes
from adapters.signing.certificate import load_certificate
from adapters.signing.keystore import KeyStore
from bench.sign import ceb311_document
from engine.signing.service import SigningService

PASSPHRASE = b"test passphrase"
DS = "http://www.w3.org/2000/09/xmldsig#"


def _identity(serial: int) -> tuple[bytes, bytes]:
    """A fresh RSA key and a self-signed certificate with the given serial (PEM, unencrypted)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "KeyName test")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(serial).not_valid_before(now - datetime.timedelta(days=1))
                   .not_valid_after(now + datetime.timedelta(days=30)).sign(key, hashes.SHA256()))  # fmt: skip
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())  # fmt: skip
    return key_pem, certificate.public_bytes(serialization.Encoding.PEM)


def _key_name(xml: bytes) -> str:
    return etree.fromstring(xml).find(f"{{{DS}}}Signature/{{{DS}}}KeyInfo/{{{DS}}}KeyName").text


def test_an_odd_length_serial_is_written_with_a_leading_zero_and_still_verifies(tmp_path):
    store = KeyStore(tmp_path, PASSPHRASE)
    info = store.add("3301960001", *_identity(0x1691FE9))

    signed = SigningService(store).sign_customs_xml("3301960001", ceb311_document())

    assert _key_name(signed) == "01691fe9"
    assert info.key_id == "1691fe9"
    assert verify_bytes(signed).ok


def test_an_even_length_serial_is_written_unchanged():
    assert load_certificate(_identity(0x01691FE9A2)[1]).key_name == "01691fe9a2"
    assert load_certificate(_identity(0xAB)[1]).key_name == "ab"


def test_key_name_in_either_form_matches_the_certificate():
    certificate = load_certificate(_identity(0x1691FE9)[1])

    assert certificate.matches_key_name("01691fe9")
    assert certificate.matches_key_name("1691FE9")
    assert not certificate.matches_key_name("1691fe8")
    assert not certificate.matches_key_name("not hex")


def test_a_store_made_before_the_change_keeps_its_key_ids(tmp_path):
    """The folder of an existing key is named by the unpadded serial; the store still lists, loads and signs with
    it under that id, and a rotation adds the new key beside it."""
    store = KeyStore(tmp_path, PASSPHRASE)
    store.add("3301960001", *_identity(0xABC))
    assert sorted(p.name for p in (tmp_path / "3301960001").iterdir()) == ["abc", "active"]

    reopened = SigningService(KeyStore(tmp_path, PASSPHRASE))
    signed = reopened.sign_customs_xml("3301960001", ceb311_document())

    assert [info.key_id for info in reopened.key_info("3301960001")] == ["abc"]
    assert reopened.keystore.load("3301960001", "abc").key_id == "abc"
    assert _key_name(signed) == "0abc" and verify_bytes(signed).ok

