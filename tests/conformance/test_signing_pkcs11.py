"""The PKCS#11 port against a real token: SoftHSM2 (Debian softhsm2) through python-pkcs11.

The key pair is generated on the token and never leaves it; a test CA certifies its public key; the key
store registers the token key for an enterprise, and every signing operation runs on the token.
"""

from __future__ import annotations

import datetime
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from adapters.signing import verify_bytes
from adapters.signing.errors import UnknownKeyError, UnsupportedAlgorithmError
from adapters.signing.keystore import KeyStore
from adapters.signing.pkcs11_token import Pkcs11PrivateKey
from bench.sign import ceb311_document
from engine.signing.service import SigningService
from tests.conftest import missing
from tests.signing_helpers import blank_pdf

MODULES = ["/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so"]
PIN, TOKEN, LABEL, ENTERPRISE = "123456", "cbec-test", "cbec-seal", "3301960040"


@pytest.fixture(scope="module")
def module_path(tmp_path_factory) -> str:
    found = next((m for m in MODULES if Path(m).exists()), None)
    if found is None or shutil.which("softhsm2-util") is None:
        missing("SoftHSM2 is not installed (apt-get install softhsm2 opensc)")
    try:
        import pkcs11  # noqa: F401
    except ImportError:
        missing("python-pkcs11 is not installed (pip install python-pkcs11)")
    base = tmp_path_factory.mktemp("softhsm")
    (base / "tokens").mkdir()
    config = base / "softhsm2.conf"
    config.write_text(f"directories.tokendir = {base / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n")
    os.environ["SOFTHSM2_CONF"] = str(config)  # read once, when the library is first loaded in this process
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", TOKEN, "--pin", PIN, "--so-pin", "654321"],
                   check=True, capture_output=True)  # fmt: skip
    return found


@pytest.fixture(scope="module")
def token_certificate(module_path) -> bytes:
    """Generate the key pair on the token; a throwaway CA certifies its public key."""
    import pkcs11

    token = pkcs11.lib(module_path).get_token(token_label=TOKEN)
    with token.open(rw=True, user_pin=PIN) as session:
        public, _ = session.generate_keypair(pkcs11.KeyType.RSA, 2048, label=LABEL, store=True)
        numbers = rsa.RSAPublicNumbers(int.from_bytes(public[pkcs11.Attribute.PUBLIC_EXPONENT], "big"),
                                       int.from_bytes(public[pkcs11.Attribute.MODULUS], "big"))  # fmt: skip
    return _certify(numbers.public_key())


@pytest.fixture(scope="module")
def service(tmp_path_factory, module_path, token_certificate) -> SigningService:
    os.environ["CBEC_TEST_TOKEN_PIN"] = PIN
    store = KeyStore(tmp_path_factory.mktemp("keystore"), b"store passphrase")
    store.add_pkcs11(ENTERPRISE, token_certificate, module_path, TOKEN, LABEL, pin_env="CBEC_TEST_TOKEN_PIN")
    return SigningService(store)


def test_the_token_key_signs_customs_messages(service):
    signed = service.sign_customs_xml(ENTERPRISE, ceb311_document())
    result = verify_bytes(signed)
    key_name = service.keystore.certificate(ENTERPRISE, service.keystore.active_id(ENTERPRISE)).key_name
    assert (result.ok, result.algorithm, result.key_name) == (True, "RSA-SHA1", key_name)
    assert service.key_info(ENTERPRISE)[0].kind == "pkcs11"


@pytest.mark.parametrize("algorithm", ["RSA-SHA256", "RSA-PSS-SHA256"])
def test_the_token_key_makes_raw_cms_and_xml_signatures(service, algorithm):
    raw = service.sign_raw(ENTERPRISE, b"order", algorithm)
    assert service.verify_raw(ENTERPRISE, raw.key_id, b"order", raw.signature, algorithm).ok
    assert service.verify_cms(service.sign_cms(ENTERPRISE, b"order", algorithm=algorithm)).ok
    assert service.verify_xml(service.sign_xml(ENTERPRISE, ceb311_document(), algorithm)).ok


def test_the_token_key_seals_pdfs_and_opens_envelopes(service):
    assert service.verify_pdf(service.seal_pdf(ENTERPRISE, blank_pdf())).ok
    assert service.decrypt(ENTERPRISE, service.encrypt(b"secret", [ENTERPRISE])) == b"secret"
    with pytest.raises(UnsupportedAlgorithmError) as refused:  # SoftHSM2 unwraps OAEP with SHA-1 only
        service.decrypt(ENTERPRISE, service.encrypt(b"secret", [ENTERPRISE], oaep=True))
    assert "OAEP" in refused.value.en


def test_a_wrong_pin_or_unknown_label_is_a_clear_error(module_path, token_certificate):
    # login is per process, and this process is logged in already: try the wrong PIN in a fresh one
    probe = (f"from adapters.signing.pkcs11_token import Pkcs11PrivateKey as K\n"
             f"try:\n    K({module_path!r}, {TOKEN!r}, '000000', {LABEL!r})\n"
             f"except Exception as e:\n    print(e.code, e.en)\n")  # fmt: skip
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=False)
    assert result.stdout.startswith("wrong-passphrase wrong PIN"), result.stdout + result.stderr
    with pytest.raises(UnknownKeyError):
        Pkcs11PrivateKey(module_path, TOKEN, PIN, "no-such-key")
    with pytest.raises(UnknownKeyError):
        Pkcs11PrivateKey(module_path, "no-such-token", PIN, LABEL)


def _certify(public_key: rsa.RSAPublicKey) -> bytes:
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = datetime.datetime.now(datetime.UTC)
    issuer = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "CBEC Test CA")])
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "杭州令牌测试企业")])
    certificate = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public_key)
        .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=365)).sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    return certificate.public_bytes(serialization.Encoding.PEM)
