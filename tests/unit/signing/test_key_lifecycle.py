"""Key lifecycle in the key store (#17 items 7-9): validity checks, certificate requests answered by a CA the test
makes, revocation, deletion, passphrase change (also interrupted by a crash), legacy PBKDF2 keys, listing, health."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from adapters.signing import generate_identity, sealed
from adapters.signing.errors import (
    CertificateExpiredError,
    InvalidInputError,
    KeyRevokedError,
    UnknownKeyError,
    UnsupportedAlgorithmError,
    WrongPassphraseError,
)
from adapters.signing.identity import CsrSubject
from adapters.signing.keystore import CHECK_FILE, KeyStore
from engine.signing.service import SigningService, SigningSetupError, service_from_env
from tests.signing_helpers import PASSPHRASE, add_expired

SM2_ID = "distid:1234567812345678"


@pytest.fixture
def store(tmp_path) -> KeyStore:
    return KeyStore(tmp_path / "keystore", PASSPHRASE)


def signs(store: KeyStore, enterprise: str) -> bool:
    """The enterprise's active key signs and its signature verifies with its certificate."""
    service = SigningService(store)
    raw = service.sign_raw(enterprise, b"order")
    return service.verify_raw(enterprise, raw.key_id, b"order", raw.signature).ok


@pytest.mark.parametrize("key_type", ["RSA", "SM2"])
@pytest.mark.parametrize("days", [0, -1])
def test_a_validity_below_one_day_is_refused_naming_days_and_nothing_is_written(store, key_type, days):
    with pytest.raises(InvalidInputError) as refused:
        store.generate("3301960100", key_type, days=days)
    assert refused.value.en.startswith("days:") and "days" in refused.value.zh and "1" in refused.value.en
    assert store.keys() == [] and not list((store.root / "3301960100").glob("*/key.sealed"))


def test_an_expired_key_is_neither_activated_nor_imported(store, tmp_path):
    add_expired(store, "3301960101")
    expired = store.keys("3301960101")[0]
    fresh = store.generate("3301960101", "RSA")
    with pytest.raises(CertificateExpiredError) as refused:
        store.activate("3301960101", expired.key_id)
    assert "过期" in refused.value.zh and expired.key_id in refused.value.en
    assert store.active_id("3301960101") == fresh.key_id
    key, cert = generate_identity(tmp_path / "old", "RSA-SHA1", days=-1)
    with pytest.raises(CertificateExpiredError):
        store.add("3301960102", key.read_bytes(), cert.read_bytes())
    assert "3301960102" not in [info.enterprise for info in store.keys()]


def test_encrypting_to_an_expired_or_revoked_recipient_is_refused_naming_it(store):
    service = SigningService(store)
    add_expired(store, "3301960103")
    with pytest.raises(CertificateExpiredError) as expired:
        service.encrypt(b"secret", ["3301960103"])
    assert "3301960103" in expired.value.en and "3301960103" in expired.value.zh
    expired_pem = (store.root / "3301960103" / store.active_id("3301960103") / "cert.pem").read_bytes()
    with pytest.raises(CertificateExpiredError) as given:
        service.encrypt(b"secret", certificates=[expired_pem])
    assert "recipient certificate" in given.value.en
    revoked = store.generate("3301960104", "SM2")
    store.revoke("3301960104", revoked.key_id, "key compromised")
    store.generate("3301960105", "RSA")
    with pytest.raises(UnknownKeyError):  # revoking the active key leaves no key to encrypt to
        service.encrypt(b"secret", ["3301960105", "3301960104"])
    store.generate("3301960104", "RSA")  # a new key, active: envelopes reach the enterprise again
    envelope = service.encrypt(b"secret", ["3301960105", "3301960104"])
    assert service.decrypt("3301960104", envelope) == b"secret"


def test_a_revoked_recipient_key_is_refused(store):
    service = SigningService(store)
    info = store.generate("3301960106", "RSA")
    (store.root / "3301960106" / info.key_id / "revoked").write_text("{}")  # revoked while still pointed at
    with pytest.raises(KeyRevokedError) as refused:
        service.encrypt(b"secret", ["3301960106"])
    assert "3301960106" in refused.value.en and refused.value.code == "key-revoked"


def _ca(tmp_path: Path) -> tuple[Path, Path]:
    """A throwaway RSA CA made by the test with the openssl command."""
    key, cert = tmp_path / "ca.key", tmp_path / "ca.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-subj", "/CN=CBEC Test CA", "-days", "2"], check=True, capture_output=True)
    return key, cert


def _issue(tmp_path: Path, request: bytes, name: str, key_type: str, days: int = 365) -> bytes:
    """The CA answers a certificate request (it checks the request's own signature first, SM2 with its ID)."""
    ca_key, ca_cert = _ca(tmp_path) if not (tmp_path / "ca.pem").exists() else (tmp_path / "ca.key",
                                                                                 tmp_path / "ca.pem")
    csr, out = tmp_path / f"{name}.csr", tmp_path / f"{name}.pem"
    csr.write_bytes(request)
    subprocess.run(["openssl", "x509", "-req", "-in", str(csr), "-CA", str(ca_cert), "-CAkey", str(ca_key),
                    "-days", str(days), "-out", str(out), *(["-vfyopt", SM2_ID] if key_type == "SM2" else [])],
                   check=True, capture_output=True)
    return out.read_bytes()


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
@pytest.mark.parametrize("key_type", ["RSA", "SM2"])
def test_a_certificate_request_answered_by_a_ca_becomes_a_key_that_signs(store, tmp_path, key_type):
    subject = CsrSubject("杭州示范企业 Demo", "杭州示范跨境电商有限公司", "CN")
    pending_id, request = store.request("3301960110", subject, key_type)
    assert request.startswith(b"-----BEGIN CERTIFICATE REQUEST-----")
    assert store.pending("3301960110") == [pending_id] and store.keys("3301960110") == []
    sealed_key = store.root / "3301960110" / ".pending" / pending_id / "key.sealed"
    assert sealed.describe(sealed_key.read_bytes())["kdf"]["name"] == "scrypt"

    other_id, other_request = store.request("3301960111", subject, key_type)
    with pytest.raises(InvalidInputError) as wrong:  # a certificate for another request's key
        store.import_certificate("3301960110", _issue(tmp_path, other_request, "other", key_type))
    assert "pending request" in wrong.value.en

    info = store.import_certificate("3301960110", _issue(tmp_path, request, "mine", key_type), activate=True)
    assert info.active and info.key_type == key_type and "O=杭州示范跨境电商有限公司" in info.subject
    assert store.pending("3301960110") == [] and store.pending("3301960111") == [other_id]
    assert signs(store, "3301960110")


def test_a_certificate_request_checks_its_subject_fields(store):
    with pytest.raises(InvalidInputError) as refused:
        store.request("3301960112", CsrSubject("Demo", country="China"))
    assert refused.value.en.startswith("country")
    with pytest.raises(InvalidInputError):
        CsrSubject(" ")


def test_a_revoked_key_never_signs_and_is_never_active_even_in_another_process(store):
    first = store.generate("3301960120", "RSA")
    other_process = SigningService(KeyStore(store.root, PASSPHRASE))
    assert other_process.sign_raw("3301960120", b"x").key_id == first.key_id  # loaded and cached there
    second = store.generate("3301960120", "SM2", activate=False)
    info = store.revoke("3301960120", first.key_id, "私钥泄露 key compromised")
    assert info.revoked and not info.active
    with pytest.raises(UnknownKeyError):
        other_process.sign_raw("3301960120", b"x")
    with pytest.raises(KeyRevokedError) as refused:
        other_process.signing_key("3301960120", first.key_id)
    assert refused.value.code == "key-revoked"
    with pytest.raises(KeyRevokedError):
        store.activate("3301960120", first.key_id)
    with pytest.raises(InvalidInputError):
        store.revoke("3301960120", second.key_id, " ")
    store.activate("3301960120", second.key_id)
    assert other_process.sign_raw("3301960120", b"x").key_id == second.key_id
    assert [k.revoked for k in store.keys("3301960120")] == [k.key_id == first.key_id
                                                             for k in store.keys("3301960120")]


def test_delete_refuses_the_active_key_and_removes_another(store):
    old = store.generate("3301960130", "RSA")
    service = SigningService(store)
    raw = service.sign_raw("3301960130", b"x")
    with pytest.raises(InvalidInputError) as refused:
        store.delete("3301960130", old.key_id)
    assert "active" in refused.value.en
    new = store.generate("3301960130", "RSA")
    store.delete("3301960130", old.key_id)
    assert [k.key_id for k in store.keys("3301960130")] == [new.key_id]
    with pytest.raises(UnknownKeyError):
        service.verify_raw("3301960130", raw.key_id, b"x", raw.signature)


def test_a_passphrase_change_reseals_everything_and_the_old_passphrase_is_refused(store):
    keys = [store.generate("3301960140", "RSA"), store.generate("3301960141", "SM2")]
    pending_id, _ = store.request("3301960141", CsrSubject("Demo"), "SM2")
    assert store.change_passphrase(b"a new passphrase") == 3
    with pytest.raises(WrongPassphraseError):
        KeyStore(store.root, PASSPHRASE)
    reopened = KeyStore(store.root, b"a new passphrase")
    for info in keys:
        assert signs(reopened, info.enterprise)
    pending = reopened.root / "3301960141" / ".pending" / pending_id / "key.sealed"
    assert sealed.unseal(pending.read_bytes(), b"a new passphrase", "private-key")
    assert not list(store.root.rglob("*.next"))


def test_a_passphrase_change_interrupted_before_its_commit_keeps_the_old_passphrase(store, monkeypatch):
    for code in ("3301960150", "3301960151", "3301960152"):
        store.generate(code, "RSA")
    calls = []

    def crash_midway(secret, passphrase, kind, real=sealed.seal):
        calls.append(kind)
        if len(calls) == 3:
            raise KeyboardInterrupt("power cut")
        return real(secret, passphrase, kind)

    monkeypatch.setattr(sealed, "seal", crash_midway)
    with pytest.raises(KeyboardInterrupt):
        store.change_passphrase(b"a new passphrase")
    monkeypatch.undo()
    assert list(store.root.rglob("*.next"))
    reopened = KeyStore(store.root, PASSPHRASE)
    assert not list(store.root.rglob("*.next"))
    assert all(signs(reopened, code) for code in ("3301960150", "3301960151", "3301960152"))
    with pytest.raises(WrongPassphraseError):
        KeyStore(store.root, b"a new passphrase")


def test_a_passphrase_change_interrupted_after_its_commit_keeps_the_new_passphrase(store, monkeypatch):
    for code in ("3301960160", "3301960161"):
        store.generate(code, "SM2")

    def crash(self):
        raise KeyboardInterrupt("power cut")

    monkeypatch.setattr(KeyStore, "_roll_forward", crash)
    with pytest.raises(KeyboardInterrupt):
        store.change_passphrase(b"a new passphrase")
    monkeypatch.undo()
    with pytest.raises(WrongPassphraseError):
        KeyStore(store.root, PASSPHRASE)
    reopened = KeyStore(store.root, b"a new passphrase")
    assert not list(store.root.rglob("*.next"))
    assert all(signs(reopened, code) for code in ("3301960160", "3301960161"))


def _legacy_store(root: Path) -> None:
    """A store as the previous release wrote it: PKCS#8 PBES2 key.pem files, no check value."""
    for code, algorithm in (("3301960170", "RSA-SHA1"), ("3301960171", "SM2-SM3")):
        folder = root / code / "scratch"
        key, cert = generate_identity(folder, algorithm, passphrase=PASSPHRASE)
        assert b"ENCRYPTED" in key.read_bytes()
        from adapters.signing.certificate import load_certificate

        key_id = load_certificate(cert.read_bytes()).key_id  # folders are named by the unpadded serial
        folder.rename(root / code / key_id)
        (root / code / "active").write_text(key_id)


def test_legacy_pbkdf2_keys_still_load_prove_the_passphrase_and_upgrade_to_scrypt(tmp_path):
    _legacy_store(tmp_path / "old")
    with pytest.raises(WrongPassphraseError):
        KeyStore(tmp_path / "old", b"not the passphrase")
    assert not (tmp_path / "old" / CHECK_FILE).exists()
    store = KeyStore(tmp_path / "old", PASSPHRASE)
    assert (tmp_path / "old" / CHECK_FILE).exists()
    assert [k.protection for k in store.keys()] == ["pbkdf2", "pbkdf2"]
    assert signs(store, "3301960170") and signs(store, "3301960171")
    assert store.upgrade() == 2
    assert [k.protection for k in store.keys()] == ["scrypt", "scrypt"]
    assert not list(store.root.rglob("key.pem"))
    fresh = KeyStore(store.root, PASSPHRASE)
    assert signs(fresh, "3301960170") and signs(fresh, "3301960171")


def test_list_without_an_enterprise_shows_every_key_of_every_enterprise(store):
    made = {store.generate("3301960180", "RSA").key_id, store.generate("3301960181", "SM2").key_id,
            store.generate("3301960181", "RSA", activate=False).key_id}
    assert {k.key_id for k in store.keys()} == made
    assert {k.enterprise for k in store.keys()} == {"3301960180", "3301960181"}


def test_sm2_keys_are_not_registered_on_a_pkcs11_token(store, tmp_path):
    _, cert = generate_identity(tmp_path / "sm2", "SM2-SM3")
    with pytest.raises(UnsupportedAlgorithmError) as refused:
        store.add_pkcs11("3301960190", cert.read_bytes(), "/nowhere.so", "token", "label")
    assert "SM2" in refused.value.en


def test_health_reports_a_passphrase_changed_elsewhere_or_a_missing_store(store):
    store.generate("3301960195", "RSA")
    service = SigningService(store)
    assert service.health() is None
    KeyStore(store.root, PASSPHRASE).change_passphrase(b"changed elsewhere")
    assert "restart" in service.health()
    shutil.rmtree(store.root)
    assert "cannot be read" in service.health()


def test_the_service_refuses_to_start_with_a_wrong_passphrase(tmp_path):
    KeyStore(tmp_path / "keystore", PASSPHRASE).generate("3301960199", "RSA")
    with pytest.raises(SigningSetupError) as refused:
        service_from_env({"CBEC_DATA_DIR": str(tmp_path), "CBEC_KEYSTORE_PASSPHRASE": "wrong"})
    assert "密钥库口令错误" in str(refused.value) and "wrong passphrase for the key store" in str(refused.value)
    env = {"CBEC_DATA_DIR": str(tmp_path), "CBEC_KEYSTORE_PASSPHRASE": PASSPHRASE.decode()}
    assert service_from_env(env).sign_raw("3301960199", b"x").key_id
