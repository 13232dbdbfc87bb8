"""The key store (密钥库): keys encrypted at rest, clear errors, expiry warnings, rotation without downtime."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest

from adapters.signing import generate_identity, sealed
from adapters.signing.errors import (
    CertificateExpiredError,
    InvalidInputError,
    SignatureError,
    UnknownKeyError,
    UnsupportedAlgorithmError,
    WrongPassphraseError,
)
from adapters.signing.keystore import KeyStore
from engine.signing.service import SigningService, SigningSetupError, service_from_env
from tests.signing_helpers import (
    EXPIRED_ENTERPRISE,
    LOCKED_ENTERPRISE,
    PASSPHRASE,
    RSA_ENTERPRISE,
    SM2_ENTERPRISE,
    make_store,
)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return make_store(tmp_path_factory.mktemp("keystore"))


@pytest.fixture
def service(store):
    return SigningService(store)


@pytest.mark.parametrize("enterprise", [RSA_ENTERPRISE, SM2_ENTERPRISE])
def test_private_keys_are_sealed_with_scrypt_on_disk_and_readable_only_by_the_owner(store, enterprise):
    key_file = store.root / enterprise / store.active_id(enterprise) / "key.sealed"
    container = key_file.read_bytes()
    header = sealed.describe(container)
    assert header["kdf"]["name"] == "scrypt" and header["kdf"]["n"] >= 2**15 and header["kdf"]["r"] == 8
    assert header["cipher"] == "AES-256-GCM" and len(base64.b64decode(header["kdf"]["salt"])) == 16
    assert b"PRIVATE KEY" not in container and not (key_file.parent / "key.pem").exists()
    assert key_file.stat().st_mode & 0o077 == 0
    assert sealed.unseal(container, PASSPHRASE, "private-key").startswith(b"-----BEGIN PRIVATE KEY-----")
    with pytest.raises(WrongPassphraseError):
        sealed.unseal(container, b"not the passphrase", "private-key")


def test_a_container_whose_cost_was_lowered_does_not_open(store):
    key_file = store.root / RSA_ENTERPRISE / store.active_id(RSA_ENTERPRISE) / "key.sealed"
    document = json.loads(key_file.read_bytes())
    document["kdf"]["n"] = 2**10
    with pytest.raises(WrongPassphraseError):
        sealed.unseal(json.dumps(document).encode(), PASSPHRASE, "private-key")


def test_a_wrong_passphrase_is_refused_when_the_store_opens_with_a_stable_code(store):
    with pytest.raises(WrongPassphraseError) as wrong:
        KeyStore(store.root, b"not the passphrase")
    assert wrong.value.code == "wrong-passphrase"
    assert "口令" in wrong.value.zh and "passphrase" in wrong.value.en and str(store.root) in wrong.value.en
    with pytest.raises(WrongPassphraseError):
        store.load(LOCKED_ENTERPRISE)


def test_an_unknown_enterprise_or_key_is_a_clear_error(service):
    with pytest.raises(UnknownKeyError) as unknown:
        service.sign_raw("9999999999", b"x")
    assert (unknown.value.code, "9999999999" in unknown.value.en) == ("unknown-key", True)
    with pytest.raises(UnknownKeyError):
        service.verify_raw(RSA_ENTERPRISE, "abcdef", b"x", b"y")
    with pytest.raises(InvalidInputError):
        service.sign_raw("../etc", b"x")


def test_signing_with_an_expired_certificate_is_refused_clearly(service):
    with pytest.raises(CertificateExpiredError) as expired:
        service.sign_cms(EXPIRED_ENTERPRISE, b"x")
    assert expired.value.code == "certificate-expired"
    assert "过期" in expired.value.zh and "expired" in expired.value.en
    assert isinstance(expired.value, SignatureError)


def test_certificates_ending_within_30_days_are_listed_for_the_consoles(store, service):
    soon = [info.enterprise for info in service.expiring()]
    assert EXPIRED_ENTERPRISE in soon and RSA_ENTERPRISE not in soon
    in_eleven_years = datetime.now(UTC) + timedelta(days=4000)
    assert RSA_ENTERPRISE in [info.enterprise for info in store.expiring(30, now=in_eleven_years)]
    ten_days = store.generate("3301960010", "SM2", days=10)
    warning = next(i for i in store.expiring() if i.enterprise == "3301960010")
    assert warning == ten_days and 8 <= warning.days_left(datetime.now(UTC)) <= 10


def test_rotation_switches_signing_at_once_and_old_signatures_keep_verifying(tmp_path):
    store = KeyStore(tmp_path, PASSPHRASE)
    service, other_process = SigningService(store), SigningService(KeyStore(tmp_path, PASSPHRASE))
    old = store.generate("3301960020", "RSA")
    raw, qr = service.sign_raw("3301960020", b"order"), service.sign_qr("3301960020", "order")
    envelope = service.encrypt(b"secret", ["3301960020"])
    assert other_process.sign_raw("3301960020", b"x").key_id == old.key_id
    new = store.generate("3301960020", "SM2")
    assert service.sign_raw("3301960020", b"order").key_id == new.key_id
    assert other_process.sign_raw("3301960020", b"x").key_id == new.key_id
    assert service.verify_raw("3301960020", old.key_id, b"order", raw.signature).ok
    assert service.verify_qr(qr.text).ok
    assert service.decrypt("3301960020", envelope) == b"secret"
    assert [(k.key_id, k.active) for k in store.keys("3301960020")] == sorted(
        [(old.key_id, False), (new.key_id, True)])
    store.activate("3301960020", old.key_id)
    assert other_process.sign_raw("3301960020", b"x").key_id == old.key_id


def test_an_imported_key_is_reencrypted_and_a_mismatched_pair_is_refused(tmp_path):
    key, cert = generate_identity(tmp_path / "a", "SM2-SM3", passphrase=b"vendor password")
    rsa_key, _ = generate_identity(tmp_path / "b", "RSA-SHA1")
    _, rsa_cert = generate_identity(tmp_path / "c", "RSA-SHA1")
    store = KeyStore(tmp_path / "store", PASSPHRASE)
    info = store.add("3301960030", key.read_bytes(), cert.read_bytes(), password=b"vendor password")
    assert store.load("3301960030").key_id == info.key_id
    assert sealed.describe((store.root / "3301960030" / info.key_id / "key.sealed").read_bytes())["kdf"]
    with pytest.raises(WrongPassphraseError):
        store.add("3301960031", key.read_bytes(), cert.read_bytes(), password=b"wrong")
    with pytest.raises(InvalidInputError) as mismatched:
        store.add("3301960032", rsa_key.read_bytes(), rsa_cert.read_bytes())
    assert "does not belong" in mismatched.value.en
    with pytest.raises(SignatureError):
        store.add("3301960033", key.read_bytes(), rsa_cert.read_bytes(), password=b"vendor password")


def test_sha1_is_kept_for_the_customs_profile_only(service):
    with pytest.raises(UnsupportedAlgorithmError) as refused:
        service.sign_raw(RSA_ENTERPRISE, b"x", "RSA-SHA1")
    assert refused.value.code == "unsupported-algorithm"
    with pytest.raises(UnsupportedAlgorithmError):
        service.sign_raw(SM2_ENTERPRISE, b"x", "RSA-SHA256")


def test_the_service_refuses_to_open_a_key_store_without_a_passphrase(tmp_path):
    with pytest.raises(SigningSetupError):
        service_from_env({"CBEC_DATA_DIR": str(tmp_path)})
    opened = service_from_env({"CBEC_DATA_DIR": str(tmp_path), "CBEC_KEYSTORE_PASSPHRASE": "x"})
    assert opened.keystore.root == (tmp_path / "keystore").resolve()
