"""#17 item 6: authenticated digital envelopes interoperate with OpenSSL: ``openssl cms -decrypt`` opens our
AES-GCM AuthEnvelopedData (RFC 5083/5084) for RSA recipients (PKCS#1 v1.5 and OAEP), we open what ``openssl cms
-encrypt -aes-*-gcm`` makes, and both sides refuse the same changed envelope. SM4-GCM goes through OpenSSL where its
cms knows the cipher (3.2 and later; 3.0 has only SM4-CBC). A missing openssl skips, or fails when CI=true."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from asn1crypto import cms

from adapters.signing import cms_enveloped, generate_identity, keys
from adapters.signing.certificate import load_certificate
from adapters.signing.errors import EnvelopeTamperedError
from tests.conftest import missing
from tests.signing_helpers import OTHER_ENTERPRISE, PASSPHRASE, flipped, make_service

DATA = "数字信封 报关单 declaration ¥2165.64\n".encode() * 3
OAEP = ["-keyopt", "rsa_padding_mode:oaep", "-keyopt", "rsa_oaep_md:sha256", "-keyopt", "rsa_mgf1_md:sha256"]
GCM_OIDS = {"AES-128-GCM": "2.16.840.1.101.3.4.1.6", "AES-256-GCM": "2.16.840.1.101.3.4.1.46",
            "SM4-GCM": "1.2.156.10197.1.104.8"}  # fmt: skip


def openssl() -> str:
    found = shutil.which("openssl")
    if found is None:
        missing("openssl is not installed (apt-get install openssl)")
    return found


def run(*command: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in command], capture_output=True, check=False)


def openssl_has_sm4_gcm() -> bool:
    listed = run(openssl(), "list", "-cipher-algorithms").stdout.decode().upper()
    return "SM4-GCM" in listed


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    return make_service(tmp_path_factory.mktemp("keystore"))


@pytest.fixture(scope="module")
def rsa_files(tmp_path_factory):
    """A peer's RSA certificate and its passphrase-encrypted PKCS#8 key (PEM), generated for this run."""
    key, cert = generate_identity(tmp_path_factory.mktemp("peer"), "RSA-SHA1", "信封互通测试", passphrase=PASSPHRASE)
    return cert, key


def ours_open(envelope: bytes, files: tuple[Path, Path]) -> bytes:
    """What our envelope code reads from ``envelope`` with the peer's key."""
    certificate = load_certificate(files[0].read_bytes())
    return cms_enveloped.decrypt(envelope, certificate, keys.load_private_key(files[1].read_bytes(), certificate,
                                                                               PASSPHRASE))  # fmt: skip


def ours_seal(service, files: tuple[Path, Path], **options) -> bytes:
    """Our envelope for the peer's certificate and an enterprise of the key store (two recipients)."""
    return service.encrypt(DATA, [OTHER_ENTERPRISE], certificates=[files[0].read_bytes()], **options)


def openssl_decrypt(envelope: Path, files: tuple[Path, Path]) -> subprocess.CompletedProcess:
    cert, key = files
    return run(openssl(), "cms", "-decrypt", "-binary", "-inform", "DER", "-in", envelope, "-recip", cert,
               "-inkey", key, "-passin", f"pass:{PASSPHRASE.decode()}")  # fmt: skip


def openssl_encrypt(tmp_path: Path, cipher: str, cert: Path, options: list[str]) -> bytes:
    content = tmp_path / "d.txt"
    content.write_bytes(DATA)
    made = run(openssl(), "cms", "-encrypt", "-binary", f"-{cipher.lower()}", "-in", content, "-outform", "DER",
               "-out", tmp_path / "e.der", "-recip", cert, *options)  # fmt: skip
    assert made.returncode == 0, made.stderr.decode()
    return (tmp_path / "e.der").read_bytes()


@pytest.mark.parametrize(("cipher", "oaep"), [("AES-256-GCM", False), ("AES-128-GCM", False), ("AES-256-GCM", True)])
def test_openssl_opens_our_gcm_envelopes_and_refuses_them_changed(service, rsa_files, tmp_path, cipher, oaep):
    envelope = ours_seal(service, rsa_files, cipher=cipher, oaep=oaep)
    (tmp_path / "e.der").write_bytes(envelope)
    opened = openssl_decrypt(tmp_path / "e.der", rsa_files)
    assert opened.returncode == 0, opened.stderr.decode()
    assert opened.stdout == DATA
    for index in (len(envelope) - 20, len(envelope) - 1):  # the ciphertext's end, the tag's last byte
        (tmp_path / "changed.der").write_bytes(flipped(envelope, index))
        changed = openssl_decrypt(tmp_path / "changed.der", rsa_files)
        # OpenSSL 3.0 streams the content out before it checks the tag: its exit status is the verdict
        assert changed.returncode != 0 and b"Error decrypting" in changed.stderr, index


def test_the_default_envelope_is_one_openssl_opens(service, rsa_files, tmp_path):
    (tmp_path / "e.der").write_bytes(ours_seal(service, rsa_files))
    opened = openssl_decrypt(tmp_path / "e.der", rsa_files)
    assert (opened.returncode, opened.stdout) == (0, DATA), opened.stderr.decode()


@pytest.mark.parametrize("oaep", [False, True], ids=["pkcs1v15", "oaep"])
@pytest.mark.parametrize("cipher", ["AES-256-GCM", "AES-128-GCM"])
def test_we_open_gcm_envelopes_made_by_openssl_and_refuse_them_changed(service, rsa_files, tmp_path, cipher, oaep):
    envelope = openssl_encrypt(tmp_path, cipher, rsa_files[0], OAEP if oaep else [])
    info = cms.ContentInfo.load(envelope)
    assert info["content_type"].native == "authenticated_enveloped_data"
    algorithm = info["content"]["auth_encrypted_content_info"]["content_encryption_algorithm"]["algorithm"]
    assert algorithm.dotted == GCM_OIDS[cipher]
    assert ours_open(envelope, rsa_files) == DATA
    ciphertext = info["content"]["auth_encrypted_content_info"]["encrypted_content"].contents
    for index in (envelope.index(ciphertext), len(envelope) - 1):  # a ciphertext byte, the tag's last byte
        with pytest.raises(EnvelopeTamperedError):
            ours_open(flipped(envelope, index), rsa_files)


def test_sm4_gcm_envelopes_interoperate_with_openssl_where_its_cms_has_sm4_gcm(service, rsa_files, tmp_path):
    """SM4-GCM is no GB/T 35275 cipher: it is RFC 5083/5084 with the SM4-GCM OID, as OpenSSL 3.2+ writes it."""
    if not openssl_has_sm4_gcm():
        pytest.skip("this openssl has no SM4-GCM (OpenSSL 3.0/3.1 have only SM4-CBC); SM4-GCM itself is checked by "
                    "the RFC 8998 known answer in tests/unit/signing/test_envelope_authenticated.py")
    (tmp_path / "ours.der").write_bytes(ours_seal(service, rsa_files, cipher="SM4-GCM"))
    opened = openssl_decrypt(tmp_path / "ours.der", rsa_files)
    assert (opened.returncode, opened.stdout) == (0, DATA), opened.stderr.decode()
    assert ours_open(openssl_encrypt(tmp_path, "SM4-GCM", rsa_files[0], []), rsa_files) == DATA


def test_openssl_opens_our_aes_gcm_envelopes_for_sm2_recipients(service, tmp_path):
    """OpenSSL 3.0 cannot make an envelope for an SM2 recipient, but opens our AES-GCM one with the SM2 key (the
    sm2encrypt key transport is the same as in our CBC envelopes)."""
    key, cert = generate_identity(tmp_path / "sm2", "SM2-SM3", "国密信封互通测试", passphrase=PASSPHRASE)
    envelope = service.encrypt(DATA, certificates=[cert.read_bytes()], cipher="AES-256-GCM")
    (tmp_path / "e.der").write_bytes(envelope)
    opened = openssl_decrypt(tmp_path / "e.der", (cert, key))
    assert (opened.returncode, opened.stdout) == (0, DATA), opened.stderr.decode()
    assert ours_open(envelope, (cert, key)) == DATA
